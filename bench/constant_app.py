"""The HTTP floor of bench/load.py: a plain ASGI app answering one body, whatever is asked.

Served by the same uvicorn as the API, it measures what HTTP alone costs for a response of
that size. The body is the file named by CONSTANT_BODY (JSON).
"""

import os
from pathlib import Path

BODY = Path(os.environ["CONSTANT_BODY"]).read_bytes()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
