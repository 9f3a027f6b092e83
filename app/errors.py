"""One error hierarchy, and the handlers that turn every error into RFC 9457 problem+json.

Every problem leaves through `problem_response`, built from an `ApiError` subclass: the
class fixes the type, its title and status, so one type always has one title. Messages
are ours: pydantic's wording is rewritten by `message_of`.
"""

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from functools import cache
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from pydantic_core import ErrorDetails
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http import context
from app.http.routes import allowed_methods

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
    request_id: str | None = Field(
        default=None,
        description="The `X-Request-ID` of the response: quote it when reporting a problem.",
        examples=["6f1c2e0b9a7d4c3e8f5a1b2c3d4e5f60"],
    )
    errors: list[ProblemItem] | None = None


class ApiError(Exception):
    """An error with a problem type: `slug` names it, `title` describes it, always the same."""

    status = 500
    slug = "internal-error"
    title = "Internal server error"
    default_headers: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        detail: str,
        errors: list[ProblemItem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = {**self.default_headers, **(headers or {})}

    @classmethod
    def listing(cls, errors: list[ProblemItem]) -> "ApiError":
        """The error whose detail lists `errors`, each as `name: message`."""
        return cls("; ".join(f"{e.param or e.field}: {e.message}" for e in errors), errors)


class BadRequest(ApiError):
    status = 400
    slug = "invalid-parameter"
    title = "Invalid query parameter"


class InvalidBody(ApiError):
    status = 400
    slug = "invalid-body"
    title = "Malformed request body"


class Unauthorized(ApiError):
    status = 401
    slug = "unauthorized"
    title = "API key missing or not valid"
    default_headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    status = 403
    slug = "forbidden"
    title = "API key lacks the scope"


class NotFound(ApiError):
    status = 404
    slug = "not-found"
    title = "Not found"


class MethodNotAllowed(ApiError):
    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"


class Conflict(ApiError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(ApiError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PayloadTooLarge(ApiError):
    status = 413
    slug = "payload-too-large"
    title = "Request body too large"


class UriTooLong(ApiError):
    status = 414
    slug = "uri-too-long"
    title = "Request URI too long"


class UnsupportedMediaType(ApiError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class InvalidValue(ApiError):
    """A well-formed request whose values cannot be served: malformed, or out of bounds."""

    status = 422
    slug = "validation-error"
    title = "Invalid value"


class InvalidBundle(ApiError):
    status = 422
    slug = "invalid-bundle"
    title = "Invalid bundle"


class InvalidDataset(ApiError):
    """A dataset file that cannot be imported: its layout, or rows that do not read."""

    status = 422
    slug = "invalid-dataset"
    title = "Invalid dataset file"


class InvalidPatch(ApiError):
    status = 422
    slug = "invalid-patch"
    title = "Invalid patch"


class PreconditionRequired(ApiError):
    status = 428
    slug = "precondition-required"
    title = "If-Match required"


class TooManyFailedAuthentications(ApiError):
    status = 429
    slug = "too-many-failed-authentications"
    title = "Too many failed authentications"


class HeadersTooLarge(ApiError):
    status = 431
    slug = "headers-too-large"
    title = "Request headers too large"


RETRY_AFTER_SECONDS = 5
"""What a 503 asks a client to wait: about as long as a database restart or a lock takes."""


class ServiceUnavailable(ApiError):
    """Not now: retry after `Retry-After` seconds."""

    status = 503
    slug = "unavailable"
    title = "Service unavailable"
    default_headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


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


class NotReady(ServiceUnavailable):
    slug = "not-ready"
    title = "Not ready"


@cache
def _http_error_class(status: int) -> type[ApiError]:
    """The problem type of a status Starlette raised that none of ours covers."""
    known = {c.status: c for c in (NotFound, MethodNotAllowed, PayloadTooLarge, UriTooLong)}
    if status in known:
        return known[status]
    phrase = HTTPStatus(status).phrase
    attributes = {"status": status, "slug": f"http-{status}", "title": phrase}
    return type(f"Http{status}", (ApiError,), attributes)


def problem_response(error: ApiError) -> JSONResponse:
    """The problem+json answer to `error`, with the request id of the request being answered."""
    body = Problem(
        type=PROBLEM_BASE + error.slug,
        title=error.title,
        status=error.status,
        detail=error.detail,
        errors=error.errors or None,
    )
    request = context.current()
    if request is not None:
        body.request_id = request.request_id
    content = body.model_dump(exclude_none=True)
    return JSONResponse(
        content, status_code=error.status, media_type=PROBLEM_MEDIA_TYPE, headers=error.headers
    )


# pydantic's messages in our words: "must be at least 1" rather than "Input should be
# greater than or equal to 1", and never its "Value error, " prefix.
_MESSAGES = {
    "missing": "required",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_too_long": "must be at most {max_length} characters long",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "string_pattern_mismatch": "must match the pattern {pattern}",
}


def message_of(error: ErrorDetails) -> str:
    """The message of one pydantic error, in the project's words."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"must be at least {least} characters long"
    if kind in _MESSAGES:
        return _MESSAGES[kind].format(**ctx)
    message = error["msg"]
    for theirs, ours in (("Input should be", "must be"), ("Value error, ", "")):
        if message.startswith(theirs):
            message = ours + message[len(theirs) :]
    return message


def _validation_items(exc: RequestValidationError) -> list[ProblemItem]:
    items = []
    for err in exc.errors():
        where, *path = err["loc"] or ("body",)
        message = message_of(err)
        if where == "body":
            name = ".".join(str(p) for p in path) or "body"
            items.append(ProblemItem(field=name, message=message))
            continue
        # A check across parameters names the one to fix (PydanticCustomError ctx `param`);
        # a list parameter is named without the index of its bad value, which is quoted.
        ctx = err.get("ctx") or {}
        name = ctx.get("param") or (str(path[0]) if path else str(where))
        if len(path) > 1:
            message = f"{err['input']!r}: {message}"
        items.append(ProblemItem(param=name, message=message))
    return items


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return problem_response(exc)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    bad_request = any(err["type"] in BAD_REQUEST_TYPES for err in exc.errors())
    return problem_response(
        (BadRequest if bad_request else InvalidValue).listing(_validation_items(exc))
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.scope))
        if request.method == "OPTIONS":  # RFC 9110 9.3.7: what the target supports
            return Response(status_code=204, headers=headers)
    detail = str(exc.detail)
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed here; allowed: {headers['Allow']}"
    return problem_response(_http_error_class(exc.status_code)(detail, headers=headers))


def internal_error() -> ApiError:
    """What any unexpected failure answers: nothing about its cause leaves the server."""
    return ApiError("An internal error.")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def server_error(exc: Exception) -> ApiError:
    """A 503 when the database is the cause of `exc` (or of an error raised on top of it,
    e.g. by a streamed export whose first rows failed), else a 500 (logged)."""
    for cause in _causes(exc):
        unavailable = database_unavailable(cause)
        if unavailable is not None:
            driver = getattr(cause, "orig", None) or cause
            # One line for the operator: the driver's message, never the statement.
            message = (str(driver).strip().splitlines() or [""])[0]
            log.warning("503 %s: %s: %s", unavailable.slug, type(driver).__name__, message)
            return unavailable
    request = context.current()
    log.exception("unhandled error (request %s)", request and request.request_id, exc_info=exc)
    return internal_error()


async def _database_error(_: Request, exc: Exception) -> Response:
    return problem_response(server_error(exc))


async def _unexpected_error(_: Request, exc: Exception) -> Response:
    # Starlette's outermost layer answers this, then closes the connection: say so.
    response = problem_response(server_error(exc))
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
                await problem_response(cut)(scope, receive, send)
            raise


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses a route can answer, and for the
    bounds every request has (app.http.limits: 414, 431)."""
    descriptions = {
        400: "Unknown query parameter; a country, actor, location or source that names nothing"
        " (with the closest candidates) or several records; an invalid cursor; a NUL"
        " character; or a body that is not JSON",
        401: "No API key, or an unknown or revoked one (`Authorization: Bearer <key>`)",
        403: "The API key lacks the scope this operation needs",
        404: "No such resource",
        409: "Conflict with the stored record",
        412: "A precondition (`If-Match`, `If-Unmodified-Since`) does not hold: reload and retry",
        413: "Request body too large",
        414: "Request target (path and query string) too long: `MAX_URI_LENGTH`",
        415: "Request body is not JSON",
        422: "A parameter or body value is malformed or out of bounds",
        428: "`If-Match` is required: send the `ETag` of the representation you edit",
        429: "Too many failed authentications from this client: wait `Retry-After` seconds",
        431: "Request header fields too large: `MAX_HEADER_BYTES`",
        503: "The database is unavailable, or a statement ran over the time limit: "
        "retry after `Retry-After` seconds",
    }
    return {
        s: {"model": Problem, "description": descriptions[s]} for s in sorted({*statuses, 414, 431})
    }
