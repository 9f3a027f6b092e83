"""Bounds on the work one request may ask for, checked before any route runs.

- The request target (path and query) longer than `MAX_URI_LENGTH` bytes: 414.
- Header fields larger than `MAX_HEADER_BYTES` in all: 431.
- A parameter given more than `MAX_PARAMETER_VALUES` values, repeated or comma-separated
  (they are the same thing to every filter): 422.
- `q` longer than `MAX_Q_LENGTH` characters or of more than `MAX_Q_TERMS` words: 422.

The parameter bounds are 422 like every other value out of range (`limit=5000`): the
request is well-formed, what it asks for is too much. The body's bound is where the body
is read (`MAX_BODY_BYTES`, app.deps: 413).
"""

from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Scope

from app.config import Settings
from app.errors import ApiError, HeadersTooLarge, InvalidValue, ProblemItem, UriTooLong

FREE_TEXT = "q"
"""The parameter whose commas are text, not separators."""


class Limits:
    def __init__(self, settings: Settings) -> None:
        self.uri = settings.max_uri_length
        self.header_bytes = settings.max_header_bytes
        self.values = settings.max_parameter_values
        self.q_length = settings.max_q_length
        self.q_terms = settings.max_q_terms

    def check(self, scope: Scope) -> ApiError | None:
        """The first bound `scope` exceeds, as the error to answer; None within bounds."""
        query = scope["query_string"]
        length = len(scope.get("raw_path") or scope["path"].encode()) + len(query)
        if length > self.uri:
            return UriTooLong(f"the request target is {length} bytes; the limit is {self.uri}")
        size = sum(len(name) + len(value) for name, value in scope["headers"])
        if size > self.header_bytes:
            return HeadersTooLarge(
                f"the header fields are {size} bytes in all; the limit is {self.header_bytes}"
            )
        return self._parameters(query) if query else None

    def _parameters(self, query: bytes) -> ApiError | None:
        counts: Counter[str] = Counter()
        errors = []
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if name == FREE_TEXT:
                counts[name] += 1
                errors += self._free_text(value)
            else:
                counts[name] += 1 + value.count(",")
        errors += [
            ProblemItem(
                param=name,
                message=f"{count} values; at most {self.values} are accepted "
                "(repeated or comma-separated)",
            )
            for name, count in counts.items()
            if count > self.values
        ]
        return InvalidValue.listing(errors) if errors else None

    def _free_text(self, value: str) -> list[ProblemItem]:
        errors = []
        if len(value) > self.q_length:
            message = f"{len(value)} characters; at most {self.q_length} are accepted"
            errors.append(ProblemItem(param=FREE_TEXT, message=message))
        terms = len(value.split())
        if terms > self.q_terms:
            message = f"{terms} words; at most {self.q_terms} are accepted"
            errors.append(ProblemItem(param=FREE_TEXT, message=message))
        return errors


def document(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """State the bounds on `q` in the OpenAPI document as this server applies them."""
    bounds = f" At most {settings.max_q_length} characters and {settings.max_q_terms} words."
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] != FREE_TEXT or parameter["in"] != "query":
                    continue
                for option in parameter["schema"].get("anyOf", [parameter["schema"]]):
                    if option.get("type") == "string":
                        option["maxLength"] = settings.max_q_length
                parameter["description"] = parameter.get("description", "") + bounds
    return schema
