"""The request as its client made it, when proxies stand in between: who sent it, to what.

- **Forwarded headers**: `X-Forwarded-For` and `X-Forwarded-Proto` are believed only from
  the proxies named in `FORWARDED_ALLOW_IPS` (none by default), by uvicorn's own
  middleware, run here in the app so that every server and the test client apply it the
  same way (`serve` turns uvicorn's off so that it is not applied twice). The client is
  then the address the proxy reports: the access log and the failed-key limit count by
  it. `Forwarded` (RFC 7239) and `X-Forwarded-Host` are not read: PUBLIC_URL says the host.
- **The host**: a request naming a host outside `ALLOWED_HOSTS` is a 400, so that no link
  built from it (`links`, OGC links, `Location`, an export's `Link`) names a host a
  client made up, for a shared cache to hand to everyone else.
- **`PUBLIC_URL`**: when set, every link is built from it, whatever the request said. Its
  path is the prefix the proxy took off (as uvicorn's `--root-path`): it becomes the
  request's root path.
"""

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.errors import HostNotAllowed, problem_response

LOCAL_HOSTS = ["localhost", "127.0.0.1", "::1", "testserver"]
"""Served when neither ALLOWED_HOSTS nor PUBLIC_URL is set: what a browser or curl on the
same machine sends, and the name of Starlette's test client."""


def _name(host: str) -> str:
    """A host as compared: lowercase, without a port, an IPv6 address in brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    if host.count(":") > 1:  # a bare IPv6 address, as written in a setting
        return f"[{host}]"
    return host.partition(":")[0].rstrip(".")


def allowed_hosts(settings: Settings) -> frozenset[str] | None:
    """The host names served; None: any."""
    hosts = settings.allowed_hosts or ([] if settings.public_url else LOCAL_HOSTS)
    if not hosts or "*" in hosts:
        return None
    return frozenset(_name(h) for h in hosts)


class PublicOrigin:
    """ASGI: refuses hosts outside ALLOWED_HOSTS; makes the request say PUBLIC_URL.

    The scope is changed in place: the layers outside read the route from it.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.allowed = allowed_hosts(settings)
        public = urlsplit(settings.public_url) if settings.public_url else None
        self.public = public and (public.scheme, public.netloc.encode(), public.path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope["headers"] if k == b"host"), None)
        if host is not None and self.allowed is not None:
            name = _name(host.decode("latin-1"))
            if name not in self.allowed:
                refused = HostNotAllowed(
                    f"this server does not answer for the host {name[:100]!r}: the operator names"
                    " the hosts it serves in ALLOWED_HOSTS, or its address in PUBLIC_URL"
                )
                await problem_response(refused)(scope, receive, send)
                return
        if self.public is not None:
            scheme, netloc, root = self.public
            scope["scheme"] = scheme
            scope["headers"] = [
                (b"host", netloc),
                *(h for h in scope["headers"] if h[0] != b"host"),
            ]
            if root:
                scope["root_path"] = root
                scope["path"] = root + scope["path"]
                raw = scope.get("raw_path")
                if raw is not None:
                    scope["raw_path"] = root.encode() + raw
        await self.app(scope, receive, send)
