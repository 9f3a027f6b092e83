"""CORS (Starlette's), with a refused preflight answered as a problem, like every error.

Starlette answers a preflight that asks for an origin, method or header the settings do
not allow with a plain-text 400; here it is a problem naming what was refused and the
setting that allows it, with the CORS headers Starlette gave it.
"""

from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers
from starlette.responses import Response

from app.errors import CorsPreflightRefused, problem_response

_OWN = {"content-type", "content-length"}


class Cors(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        asked = [
            f"origin {request_headers['origin']!r}",
            f"method {request_headers['access-control-request-method']!r}",
        ]
        if "access-control-request-headers" in request_headers:
            asked.append(f"headers {request_headers['access-control-request-headers']!r}")
        problem = problem_response(
            CorsPreflightRefused(
                f"this server's CORS settings do not allow the preflight's {refused}"
                f" ({', '.join(asked)}); origins are allowed in CORS_ORIGINS, methods in"
                " CORS_METHODS"
            )
        )
        for name, value in response.headers.items():
            if name not in _OWN:
                problem.headers[name] = value
        return problem
