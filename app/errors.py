"""One error hierarchy, and the one way an error becomes RFC 9457 problem+json.

Every problem leaves through `problem_response`, built from an `ApiError` subclass: the
class fixes the type, its title and status, so one type always has one title. Messages
are ours: pydantic's wording is rewritten by `app.schemas.messages`. The handlers that
turn every exception into one of these are the HTTP layer's (`app.http.problems`).
"""

from typing import ClassVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app import request_context

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:incident-record:problem:"


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


class MalformedRequest(ApiError):
    status = 400
    slug = "malformed-request"
    title = "Malformed HTTP request"


class HostNotAllowed(ApiError):
    status = 400
    slug = "host-not-allowed"
    title = "Host not served"


class CorsPreflightRefused(ApiError):
    status = 400
    slug = "cors-preflight-refused"
    title = "CORS preflight refused"


class Unauthorized(ApiError):
    status = 401
    slug = "unauthorized"
    title = "API key missing or not valid"
    default_headers = {"WWW-Authenticate": "Bearer"}


INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
"""What a 401 for a key that was sent but is unknown or revoked says (RFC 6750 §3.1)."""


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


class RequestTimeout(ApiError):
    status = 408
    slug = "request-timeout"
    title = "Request not received in time"


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


class NotReady(ServiceUnavailable):
    slug = "not-ready"
    title = "Not ready"


def problem_response(error: ApiError, request_id: str | None = None) -> JSONResponse:
    """The problem+json answer to `error`, with the request id of the request being answered
    (`request_id`, or the one of the request context)."""
    body = Problem(
        type=PROBLEM_BASE + error.slug,
        title=error.title,
        status=error.status,
        detail=error.detail,
        errors=error.errors or None,
    )
    request = request_context.current()
    body.request_id = request_id or (request.request_id if request else None)
    content = body.model_dump(exclude_none=True)
    return JSONResponse(
        content, status_code=error.status, media_type=PROBLEM_MEDIA_TYPE, headers=error.headers
    )
