"""One error hierarchy, and the handlers that turn every error into RFC 9457 problem+json."""

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("app")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:incident-record:problem:"

# Validation error types that mean "the request asks for something that does not exist"
# (a country with no code): 400, like an unknown parameter. Malformed values are 422.
BAD_REQUEST_TYPES = {"unknown_country"}


class ProblemItem(BaseModel):
    param: str | None = Field(default=None, examples=["country"])
    field: str | None = Field(default=None, examples=["incidents[0].date_start"])
    message: str = Field(examples=["unknown country: Atlantis"])


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["urn:incident-record:problem:invalid-parameter"])
    title: str = Field(examples=["Invalid query parameter"])
    status: int = Field(examples=[400])
    detail: str = Field(examples=["unknown query parameter: contry"])
    errors: list[ProblemItem] | None = None


class ApiError(Exception):
    status = 500
    slug = "internal-error"
    title = "Internal server error"
    headers: dict[str, str] = {}

    def __init__(self, detail: str, errors: list[ProblemItem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class BadRequest(ApiError):
    status = 400
    slug = "invalid-parameter"
    title = "Invalid query parameter"


class NotFound(ApiError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ApiError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class InvalidBody(ApiError):
    status = 400
    slug = "invalid-body"
    title = "Malformed request body"


class Unauthorized(ApiError):
    status = 401
    slug = "unauthorized"
    title = "API key required"
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    status = 403
    slug = "forbidden"
    title = "API key lacks the scope"


class PreconditionFailed(ApiError):
    status = 412
    slug = "precondition-failed"
    title = "ETag does not match"


class PayloadTooLarge(ApiError):
    status = 413
    slug = "payload-too-large"
    title = "Request body too large"


class UnsupportedMediaType(ApiError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class PreconditionRequired(ApiError):
    status = 428
    slug = "precondition-required"
    title = "If-Match required"


class InvalidValue(ApiError):
    """A well-formed request whose values cannot be served, e.g. a too large aggregate."""

    status = 422
    slug = "validation-error"
    title = "Invalid value"


class InvalidBundle(ApiError):
    status = 422
    slug = "invalid-bundle"
    title = "Invalid bundle"


class InvalidPatch(ApiError):
    status = 422
    slug = "invalid-patch"
    title = "Invalid patch"


RETRY_AFTER_SECONDS = 5
"""What a 503 asks a client to wait: about as long as a database restart or a lock takes."""


class ServiceUnavailable(ApiError):
    """Not now: retry after `Retry-After` seconds."""

    status = 503
    slug = "unavailable"
    title = "Service unavailable"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot answer now (unreachable, read-only, disk full, locked)."""

    slug = "database-unavailable"
    title = "Database unavailable"


class StatementTimeout(DatabaseUnavailable):
    slug = "statement-timeout"
    title = "Database statement over the time limit"


class ShuttingDown(ServiceUnavailable):
    slug = "shutting-down"
    title = "Server shutting down"


TIMED_OUT = "a database statement ran over the time limit (STATEMENT_TIMEOUT_MS)"
LOCKED = "the database stayed locked by another write past the time limit (STATEMENT_TIMEOUT_MS)"

# Database errors that mean "not now" rather than "a bug": SQLite primary result codes
# (the low byte of the extended code), PostgreSQL SQLSTATEs and SQLSTATE classes.
SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_INTERRUPT: TIMED_OUT,  # raised by the progress handler of app.db
    sqlite3.SQLITE_BUSY: LOCKED,
    sqlite3.SQLITE_LOCKED: LOCKED,
    sqlite3.SQLITE_READONLY: "the database file is read-only",
    sqlite3.SQLITE_FULL: "the disk holding the database is full",
    sqlite3.SQLITE_IOERR: "the database file could not be read or written",
    sqlite3.SQLITE_CANTOPEN: "the database file could not be opened",
    sqlite3.SQLITE_NOMEM: "the database ran out of memory",
}
POSTGRESQL_UNAVAILABLE = {
    "57014": TIMED_OUT,  # query_canceled: statement_timeout
    "55P03": LOCKED,  # lock_not_available
    "40001": "a concurrent transaction conflicted with this one",  # serialization_failure
    "40P01": "a concurrent transaction conflicted with this one",  # deadlock_detected
    "08": "the database server is unreachable",  # connection exception
    "53": "the database server is out of disk, memory or connections",
    "57": "the database server is shutting down or starting up",  # operator intervention
    "58": "the database server had an I/O error",
}


def sqlite_result_code(error: BaseException | None) -> int | None:
    """The primary SQLite result code of a driver error (SQLITE_BUSY, ...), or None."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def database_unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    """The 503 for a database error that means "not now", or None for a real bug (a 500)."""
    if isinstance(exc, PoolTimeout):
        return DatabaseUnavailable("every database connection stayed busy")
    if not isinstance(exc, DBAPIError):
        return None
    code = sqlite_result_code(exc.orig)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if code is not None:
        reason = SQLITE_UNAVAILABLE.get(code)
    elif sqlstate:
        reason = POSTGRESQL_UNAVAILABLE.get(sqlstate) or POSTGRESQL_UNAVAILABLE.get(sqlstate[:2])
    elif exc.connection_invalidated or isinstance(exc, OperationalError):
        reason = "the database server is unreachable"  # no SQLSTATE: no answer at all
    else:
        reason = None
    if reason is None:
        return None
    return (
        StatementTimeout(reason) if reason in (TIMED_OUT, LOCKED) else DatabaseUnavailable(reason)
    )


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[ProblemItem] | None = None,
) -> JSONResponse:
    body = Problem(type=PROBLEM_BASE + slug, title=title, status=status, detail=detail)
    content: dict[str, Any] = body.model_dump(exclude_none=True)
    if errors:
        content["errors"] = [e.model_dump(exclude_none=True) for e in errors]
    return JSONResponse(content, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def _validation_items(exc: RequestValidationError) -> list[ProblemItem]:
    items = []
    for err in exc.errors():
        where, *path = err["loc"] or ("body",)
        name = ".".join(str(p) for p in path) or str(where)
        message = err["msg"]
        if where == "body":
            items.append(ProblemItem(field=name, message=message))
        else:
            items.append(ProblemItem(param=name, message=message))
    return items


def error_response(exc: ApiError) -> JSONResponse:
    response = problem_response(exc.status, exc.slug, exc.title, exc.detail, exc.errors)
    response.headers.update(exc.headers)
    return response


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = _validation_items(exc)
    detail = "; ".join(f"{i.param or i.field}: {i.message}" for i in items)
    if any(err["type"] in BAD_REQUEST_TYPES for err in exc.errors()):
        return problem_response(400, "invalid-parameter", "Invalid request", detail, items)
    return problem_response(422, "validation-error", "Invalid value", detail, items)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    response = problem_response(exc.status_code, slug, title, str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _server_error(exc: Exception) -> JSONResponse:
    """A 503 when the database is the cause of `exc` (or of an error raised on top of it,
    e.g. by a streamed export whose first rows failed), else a 500."""
    for cause in _causes(exc):
        unavailable = database_unavailable(cause)
        if unavailable is not None:
            driver = getattr(cause, "orig", None) or cause
            # One line for the operator: the driver's message, never the statement.
            message = (str(driver).strip().splitlines() or [""])[0]
            log.warning("503 %s: %s: %s", unavailable.slug, type(driver).__name__, message)
            return error_response(unavailable)
    log.exception("unhandled error", exc_info=exc)
    return problem_response(500, "internal-error", "Internal server error", "An internal error.")


async def _database_error(_: Request, exc: Exception) -> JSONResponse:
    return _server_error(exc)


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    # Starlette's outermost layer answers this, then closes the connection: say so.
    response = _server_error(exc)
    response.headers["Connection"] = "close"
    return response


class CancelledRequests:
    """ASGI: a request cut off by shutdown answers a 503 problem, not the server's 500.

    On SIGTERM, requests still running after GRACEFUL_SHUTDOWN_SECONDS are cancelled (a
    write not yet committed is rolled back); a client that got nothing yet is told to
    retry. Outermost, so that it knows whether anything was sent.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except asyncio.CancelledError:
            if scope["type"] == "http" and not started:
                cut = ShuttingDown("the server stopped before this request finished")
                await error_response(cut)(scope, receive, send)
            raise


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses a route can answer."""
    descriptions = {
        400: "Unknown query parameter; a country, actor, location or source that names nothing"
        " (with the closest candidates) or several records; an invalid cursor; a NUL"
        " character; or a body that is not JSON",
        401: "No API key, or an unknown or revoked one (`Authorization: Bearer <key>`)",
        403: "The API key lacks the scope this operation needs",
        404: "No such resource",
        409: "Conflict with the stored record",
        412: "`If-Match` does not match the current `ETag`: reload and retry",
        413: "Request body too large",
        415: "Request body is not JSON",
        422: "A parameter or body value is malformed",
        428: "`If-Match` is required: send the `ETag` of the representation you edit",
        503: "The database is unavailable, or a statement ran over the time limit: "
        "retry after `Retry-After` seconds",
    }
    return {s: {"model": Problem, "description": descriptions[s]} for s in statuses}
