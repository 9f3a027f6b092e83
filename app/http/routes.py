"""The app's routes as HTTP sees them: the template of a request's route, and the methods
a path takes (for `Allow`).

FastAPI keeps an included router's routes under their own, unprefixed paths, so the full
templates (`/v1/incidents/{incident_id}`) come from `iter_route_contexts`, once per app.
"""

from dataclasses import dataclass
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import Match
from starlette.types import Scope

METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class RouteTable:
    contexts: list[Any]
    templates: dict[int, str]
    """id() of each route object: its full path template."""


def _table(app: Any) -> RouteTable:
    table = getattr(app.state, "route_table", None)
    if table is None:
        contexts = [c for c in iter_route_contexts(app.routes) if c.methods]
        templates = {id(c.original_route): c.path for c in contexts if c.path}
        table = app.state.route_table = RouteTable(contexts, templates)
    return table


def template(scope: Scope) -> str | None:
    """The path template of the route that answered (after routing), if any did."""
    route = scope.get("route")
    return None if route is None else _table(scope["app"]).templates.get(id(route))


def allowed_methods(scope: Scope) -> list[str]:
    """Every method the request's path takes, HEAD wherever GET is, and OPTIONS."""
    methods = {"OPTIONS"}
    for route in _table(scope["app"]).contexts:
        if route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods
    if "GET" in methods:
        methods.add("HEAD")
    return [m for m in METHOD_ORDER if m in methods]
