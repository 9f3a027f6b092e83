"""OpenAPI declarations shared by the routers."""

from typing import Any

from app.errors import problem_responses

ETAG_HEADER = {"ETag": {"description": "Tag of this representation.", "schema": {"type": "string"}}}


def read_responses(*errors: int) -> dict[int | str, dict[str, Any]]:
    """What a GET route can answer besides its 200: 304 for a matching ETag, and errors."""
    return {
        200: {"headers": ETAG_HEADER},
        304: {"description": "Not modified: `If-None-Match` matched the current `ETag`."},
        **problem_responses(*errors),
    }


def write_responses(*errors: int) -> dict[int | str, dict[str, Any]]:
    """What a write route can answer besides its success: the key's 401/403, and errors."""
    return problem_responses(401, 403, *errors)
