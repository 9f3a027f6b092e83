"""Every read's query parameters two at a time, alone and with `q`: never a server error.

Schemathesis (test_openapi_fuzz.py) draws requests at random, and two 500s lived past it
because they needed three values at once: `q` with `date_from` and `attributed_to` (the
window's parts each made the actor's CTE), and `q` with `sort=relevance` and an export
format (its stream broke after the headers). Here each list and stats route of
/openapi.json is asked with every pair of its parameters, alone and with a word in `q`
(the filter whose plans differ most), each with values that find something in the seed
(a word, a window, an actor, a place) or the values its schema enumerates (every sort,
format and grouping; three of a longer vocabulary). Any answer is fine but a 5xx, or
an exception while the body streams (the test client re-raises it).
"""

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

pytestmark = pytest.mark.slow

SAMPLES: dict[str, list[str]] = {
    "q": ["rocket", '"rocket attack"'],
    "country": ["IQ", "IQ,SY"],
    "bbox": ["40,30,50,40"],
    "date_from": ["2022-01-01"],
    "date_to": ["2022-01-31"],
    "limit": ["1"],
    "attributed_to": ["iran-backed-groups"],
    "actor": ["john-kirby"],
    "location": ["ain-al-asad-air-base"],
    "admin1": ["Anbar"],
    "source": ["000_4649b48b659e9093"],
    "min_fatalities": ["1"],
    "updated_since": ["2020-01-01T00:00:00Z"],
    "speaker": ["john-kirby"],
    "incident": ["2022-01-05-ain-al-asad-rockets"],
    "parent": ["iran-backed-groups"],
    "dataset": ["ucdp-ged"],
    "csv_safe": ["true"],
}
"""Values of the seed's for parameters without an enumeration of their own."""


def _enumerated(schema: dict[str, Any]) -> list[Any] | None:
    """The values a parameter's schema enumerates (itself, its items, or a branch's; a
    closed vocabulary in any case lists them as its items' `examples`)."""
    parts = [schema, *schema.get("anyOf", [])]
    candidates = [c for part in parts for c in (part, part.get("items", {}))]
    for key in ("enum", "examples"):
        for candidate in candidates:
            if candidate.get(key):
                return list(candidate[key])
    return None


FEW = 3
"""The values tried of a longer vocabulary (event types, roles, kinds)."""
EVERY = {"sort", "format", "group_by"}
"""The parameters each of whose values takes a way of its own through the code: every
value is tried (`sort=relevance` with an export format was one of the 500s)."""


def _routes() -> dict[str, dict[str, list[str]]]:
    """Each GET route without a path parameter, and the values to try of its parameters
    (those with two parameters or more to try)."""
    routes = {}
    for path, item in create_app().openapi()["paths"].items():
        if "get" not in item or "{" in path:
            continue
        values = {}
        for parameter in item["get"].get("parameters", []):
            name = parameter["name"]
            if parameter["in"] != "query":
                continue
            found = SAMPLES.get(name) or _enumerated(parameter.get("schema", {})) or []
            if found:
                values[name] = [str(v) for v in found][: None if name in EVERY else FEW]
        if len(values) > 1:  # a pair to ask
            routes[path] = values
    return routes


ROUTES = _routes()


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_two_parameters_at_once_alone_and_with_q_are_never_a_server_error(
    client: TestClient, path: str
) -> None:
    values = ROUTES[path]
    words = [{}, {"q": "rocket"}] if "q" in values else [{}]
    failed: list[tuple[dict[str, str], Any]] = []
    asked = 0
    for names in itertools.combinations(values, 2):
        for chosen in itertools.product(*(values[n] for n in names)):
            for word in words if "q" not in names else [{}]:
                params = {**dict(zip(names, chosen, strict=True)), **word}
                asked += 1
                try:
                    status = client.get(path, params=params).status_code
                except Exception as error:  # raised while the body streamed
                    failed.append((params, repr(error)[:200]))
                    continue
                if status >= 500:
                    failed.append((params, status))
    assert asked  # every route here has a pair to ask
    assert not failed, failed[:10]
