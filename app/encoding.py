"""JSON bodies, written once: dates as ISO 8601, timestamps as RFC 3339 in UTC (`Z`)."""

from typing import Any

import orjson

MEDIA_TYPE = "application/json"


def to_json(body: Any) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_UTC_Z)
