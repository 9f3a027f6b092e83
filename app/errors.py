"""One error hierarchy, and the handlers that turn every error into RFC 9457 problem+json."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

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


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    response = problem_response(exc.status, exc.slug, exc.title, exc.detail, exc.errors)
    response.headers.update(exc.headers)
    return response


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


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(500, "internal-error", "Internal server error", "An internal error.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
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
    }
    return {s: {"model": Problem, "description": descriptions[s]} for s in statuses}
