"""A request FastAPI could not validate, as our problem: each parameter or body field
named, with its message in our words (app.schemas.messages)."""

from fastapi.exceptions import RequestValidationError

from app.errors import ApiError, BadRequest, InvalidValue, ProblemItem
from app.schemas.messages import message_of

# Validation error types that mean "the request asks for something that does not exist"
# (a country with no code): 400, like an unknown parameter. Malformed values are 422.
BAD_REQUEST_TYPES = {"unknown_country"}


def validation_items(exc: RequestValidationError) -> list[ProblemItem]:
    """One item per error: a body `field` by its dotted path, or the `param` to fix."""
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


def validation_problem(exc: RequestValidationError) -> ApiError:
    """400 for a request naming what does not exist, else 422, listing every error."""
    bad_request = any(err["type"] in BAD_REQUEST_TYPES for err in exc.errors())
    return (BadRequest if bad_request else InvalidValue).listing(validation_items(exc))
