"""The headers every response carries: security headers and `Cache-Control`.

Pages (HTML, and the scripts they run, which workers inherit the policy of) may load
scripts, styles, images and fonts from this app only, so what an analyst sees on an
air-gapped network is what everyone sees: ReDoc's bundle, for one, would otherwise fetch
a decorative logo from a CDN. FastAPI's Swagger UI starts from an inline script, so its
pages alone may run inline scripts (the OGC API's page starts from a file, app.ogc).
Everything else (JSON, CSV, text) is never a page: it may load nothing. No response may
be framed by another site. A route that sets its own policy keeps it.
"""

from starlette.types import Message

_PAGE = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # ReDoc and map libraries set styles from script
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",  # ReDoc's search runs in a worker made from a blob
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
PAGE_POLICY = "; ".join(_PAGE).encode()
DOCS_PAGE_POLICY = PAGE_POLICY.replace(b"script-src 'self'", b"script-src 'self' 'unsafe-inline'")
DATA_POLICY = b"default-src 'none'; frame-ancestors 'none'"
DOCS_PAGES = ("/docs", "/docs/oauth2-redirect")
"""The Swagger UI pages of the API (FastAPI's; the OGC API's starts from a script file)."""

SECURITY = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]

ALWAYS_FRESH = ("/v1/changes", "/healthz", "/readyz", "/metrics")
"""Paths whose answers must be revalidated every time: the feed, health and metrics."""


PAGE_TYPES = (b"text/html", b"text/javascript", b"application/javascript")


class ResponseHeaders:
    """What the front layer adds to each response start (app.http.front)."""

    def __init__(self, max_age: int, private: bool) -> None:
        # Answers that need a key must not be reused by shared caches for someone else.
        self.reusable = f"{'private' if private else 'public'}, max-age={max_age}".encode()

    def add(self, message: Message, method: str, path: str, request_id: bytes) -> None:
        headers = list(message.get("headers", []))
        cached = page = policed = False
        for name, value in headers:
            if name == b"cache-control":
                cached = True
            elif name == b"content-type":
                page = value.startswith(PAGE_TYPES)
            elif name == b"content-security-policy":
                policed = True
        if not policed:
            policy = DATA_POLICY
            if page:
                policy = DOCS_PAGE_POLICY if path in DOCS_PAGES else PAGE_POLICY
            headers.append((b"content-security-policy", policy))
        headers += SECURITY
        headers.append((b"x-request-id", request_id))
        if not cached:
            headers.append((b"cache-control", self.cache_control(message["status"], method, path)))
        message["headers"] = headers

    def cache_control(self, status: int, method: str, path: str) -> bytes:
        """Data may be reused for `cache_max_age` seconds, then revalidated by its ETag (a
        cheap 304); the feed, health, metrics and errors are always revalidated; answers
        to anything but GET and HEAD (writes, OPTIONS) are never stored."""
        if method not in ("GET", "HEAD"):
            return b"no-store"
        if status in (200, 304) and not path.startswith(ALWAYS_FRESH):
            return self.reusable
        return b"no-cache"


def add_record_version(message: Message, version: int, method: str) -> None:
    """`X-Record-Version`: the version of the record the answer reflects (app.replicas).

    A read may come from a replica, and one with `X-Min-Record-Version` from one that has
    reached it: the answer varies with that field, so a shared cache keeps it apart from
    the answers to reads without it (whose version may be older).
    """
    headers = list(message.get("headers", []))
    headers.append((b"x-record-version", str(version).encode()))
    if method in ("GET", "HEAD"):
        vary = [v for k, v in headers if k == b"vary"]
        headers = [(k, v) for k, v in headers if k != b"vary"]
        headers.append((b"vary", b", ".join([*vary, b"X-Min-Record-Version"])))
    message["headers"] = headers
