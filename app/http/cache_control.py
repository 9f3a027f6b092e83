"""`Cache-Control` on every GET: how long a dashboard or a proxy may reuse a response.

Data answers may be reused for `cache_max_age` seconds and are then revalidated with
their ETag (a cheap 304). The change feed and the health and metrics endpoints must
always be fresh, and errors are never cached.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS_FRESH = ("/v1/changes", "/healthz", "/readyz", "/metrics")


class CacheControlMiddleware:
    def __init__(self, app: ASGIApp, max_age: int, private: bool = False) -> None:
        self.app = app
        self.policy = f"{'private' if private else 'public'}, max-age={max_age}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        fresh = scope["path"].startswith(ALWAYS_FRESH)

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "cache-control" not in headers:
                    ok = message["status"] in (200, 304)
                    headers["Cache-Control"] = self.policy if ok and not fresh else "no-cache"
            await send(message)

        await self.app(scope, receive, send_with_policy)
