"""A list request goes one way: route, `app.http.lists`, the resource's services.

The services take plain values and give plain data, with no HTTP: called directly they
answer what the routes answer. One `Order` per list pages its JSON, its exports and its
cursors.
"""

import ast
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import PROJECT_ROOT
from app.encoding import to_json
from app.errors import BadRequest
from app.schemas.queries import ActorQuery, IncidentQuery, LocationQuery, QuoteQuery
from app.schemas.resources import (
    ActorOut,
    IncidentOut,
    LocationOut,
    QuoteOut,
)
from app.services import catalog, exports, incidents
from app.services.exports import Resource
from app.services.pagination import keyset_page

ROCKETS = "2022-01-05-ain-al-asad-rockets"
REGISTRY: dict[str, tuple[Resource, type[BaseModel], type[BaseModel]]] = {
    "incidents": (exports.INCIDENTS, IncidentQuery, IncidentOut),
    "locations": (exports.LOCATIONS, LocationQuery, LocationOut),
    "actors": (exports.ACTORS, ActorQuery, ActorOut),
    "quotes": (exports.QUOTES, QuoteQuery, QuoteOut),
}


def plain(value: Any) -> Any:
    """Data as a JSON client reads it (the services leave database JSON as text)."""
    return orjson.loads(to_json(value))


# The services, without HTTP


def test_the_services_import_nothing_of_http() -> None:
    """`app/services` and `app/sql` name neither FastAPI nor Starlette: callable as a
    library, as the CLI, the benchmarks and the OGC adapter call them."""
    for path in [*(PROJECT_ROOT / "app" / "services").glob("*.py"), PROJECT_ROOT / "app/sql"]:
        for file in [path] if path.is_file() else path.glob("*.py"):
            tree = ast.parse(Path(file).read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                for name in names:
                    assert not name.startswith(("fastapi", "starlette")), f"{file}: {name}"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_list_service_answers_what_the_route_does(
    seeded_engine: Engine, client: TestClient, name: str
) -> None:
    resource, query, _ = REGISTRY[name]
    with Session(seeded_engine) as session:
        data, total, cursor = resource.list_page(session, query.model_validate({"limit": 3}))
    assert isinstance(total, int)
    assert isinstance(cursor, str)
    body = client.get(f"/v1/{name}?limit=3").json()
    assert plain(data) == body["data"]
    assert (total, cursor) == (body["meta"]["total"], body["meta"]["next_cursor"])


def test_the_incident_service_takes_plain_values(seeded_engine: Engine, client: TestClient) -> None:
    query = IncidentQuery(country=["IQ"], sort="fatalities", limit=2)
    with Session(seeded_engine) as session:
        data, total, cursor = incidents.list_incidents(session, query)
        detail = incidents.get_incident(session, ROCKETS)
    body = client.get("/v1/incidents?country=IQ&sort=fatalities&limit=2").json()
    assert plain(data) == body["data"]
    assert (total, cursor) == (body["meta"]["total"], body["meta"]["next_cursor"])
    assert plain(detail) == client.get(f"/v1/incidents/{ROCKETS}").json()


def test_an_export_is_planned_and_written_without_http(
    seeded_engine: Engine, client: TestClient
) -> None:
    query = IncidentQuery(sort="date", limit=4)
    with Session(seeded_engine) as session:
        found = exports.plan(session, exports.INCIDENTS, query, "ndjson")
    lines = b"".join(exports.stream(seeded_engine, found)).decode().splitlines()
    page = client.get("/v1/incidents?sort=date&limit=4").json()
    assert [orjson.loads(line) for line in lines] == page["data"]
    assert (found.total, found.next_cursor) == (page["meta"]["total"], page["meta"]["next_cursor"])


# One order: the JSON pages, the exports and the cursors


def _service_pages(engine: Engine, sort: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    with Session(engine) as session:
        while True:
            query = IncidentQuery(sort=sort, limit=limit, cursor=cursor)
            data, _, cursor = incidents.list_incidents(session, query)
            pages.append([i["id"] for i in data])
            if cursor is None:
                return pages


def _export_pages(engine: Engine, sort: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        query = IncidentQuery(sort=sort, limit=limit, cursor=cursor)
        with Session(engine) as session:
            found = exports.plan(session, exports.INCIDENTS, query, "ndjson")
        body = b"".join(exports.stream(engine, found)).decode()
        pages.append([orjson.loads(line)["id"] for line in body.splitlines()])
        cursor = found.next_cursor
        if cursor is None:
            return pages


@pytest.mark.parametrize("sort", sorted(incidents.SORTS))
def test_json_pages_and_export_pages_break_at_the_same_rows(
    seeded_engine: Engine, sort: str
) -> None:
    json_pages = _service_pages(seeded_engine, sort, 3)
    assert len(json_pages) > 2
    assert _export_pages(seeded_engine, sort, 3) == json_pages
    assert exports.INCIDENTS.order(IncidentQuery(sort=sort)) is incidents.SORTS[sort]


def test_relevance_is_an_order_like_the_others(seeded_engine: Engine) -> None:
    query = IncidentQuery(q="Ain al-Asad", sort="relevance", limit=1)
    order = incidents.order_of(query)
    assert (order.sort, order.types, order.desc) == ("relevance", (float, str), False)
    with Session(seeded_engine) as session:
        first, total, cursor = incidents.list_incidents(session, query)
        rest, _, _ = incidents.list_incidents(
            session, query.model_copy(update={"limit": 1000, "cursor": cursor})
        )
    assert total == 1 + len(rest) > 1
    assert first[0]["id"] not in {i["id"] for i in rest}


def test_a_cursor_names_its_order() -> None:
    by_date, by_fatalities = incidents.SORTS["-date"], incidents.SORTS["fatalities"]
    keys = [by_date.types[0](2022, 1, 5), ROCKETS]
    assert by_date.start(by_date.cursor(keys)) == keys
    assert by_date.start(None) is None
    with pytest.raises(BadRequest):
        by_fatalities.start(by_date.cursor(keys))


def test_keyset_pages_of_records_follow_their_order(seeded_engine: Engine) -> None:
    resource = exports.LOCATIONS
    order = resource.order(LocationQuery())
    assert order is catalog.LOCATION_ORDER
    assert (order.sort, order.types, order.names) == ("id", (str,), ("id",))
    seen, cursor = [], None
    with Session(seeded_engine) as session:
        while True:
            rows, total, cursor = keyset_page(
                session, resource.select(LocationQuery()), order, 2, cursor
            )
            seen += [row.id for row in rows]
            if cursor is None:
                break
    assert seen == sorted(seen)
    assert len(seen) == total > 2
