"""pydantic's messages in our words, for a request's parameters and body and for a bundle.

"must be at least 1" rather than "Input should be greater than or equal to 1", and
never its "Value error, " prefix. The one place such wording lives: the HTTP layer
(app.http.validation) and the loader (app.loader.check) both say it this way.
"""

from pydantic_core import ErrorDetails

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
