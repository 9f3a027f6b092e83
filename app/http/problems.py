"""The exception handlers: every error a request meets leaves as a problem (app.errors).

Ours answer as they say; FastAPI's validation errors in our words (app.http.validation);
Starlette's 404/405/413/414 as our types; and anything unexpected as a 503 when the
database is the cause (app.db_errors), else a 500 that says nothing of its cause.
"""

import logging
from collections.abc import Iterator
from functools import cache
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import request_context
from app.db_errors import database_unavailable
from app.errors import (
    ApiError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UriTooLong,
    problem_response,
)
from app.http.routes import allowed_methods
from app.http.validation import validation_problem

log = logging.getLogger("app")


@cache
def _http_error_class(status: int) -> type[ApiError]:
    """The problem type of a status Starlette raised that none of ours covers."""
    known = {c.status: c for c in (NotFound, MethodNotAllowed, PayloadTooLarge, UriTooLong)}
    if status in known:
        return known[status]
    phrase = HTTPStatus(status).phrase
    attributes = {"status": status, "slug": f"http-{status}", "title": phrase}
    return type(f"Http{status}", (ApiError,), attributes)


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return problem_response(exc)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(validation_problem(exc))


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
    request = request_context.current()
    log.exception("unhandled error (request %s)", request and request.request_id, exc_info=exc)
    return internal_error()


async def _database_error(_: Request, exc: Exception) -> Response:
    return problem_response(server_error(exc))


async def _unexpected_error(_: Request, exc: Exception) -> Response:
    # Starlette's outermost layer answers this, then closes the connection: say so.
    response = problem_response(server_error(exc))
    response.headers["Connection"] = "close"
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
