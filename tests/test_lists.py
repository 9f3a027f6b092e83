"""A list request goes one way: route, `app.http.lists`, the resource's services.

The services take plain values and give plain data, with no HTTP: called directly they
answer what the routes answer. One `Order` per list pages its JSON, its exports and its
cursors. A list item has the fields of its response model, and the CSV columns and the
GeoJSON properties are derived from that model.
"""

import ast
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, create_model
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import PROJECT_ROOT
from app.encoding import to_json
from app.errors import BadRequest
from app.schemas.queries import ActorQuery, IncidentQuery, LocationQuery, QuoteQuery
from app.schemas.resources import (
    ActorOut,
    IncidentDetail,
    IncidentOut,
    LocationOut,
    QuoteOut,
    WeaponOut,
)
from app.services import catalog, exports, incidents
from app.services.exports import Resource, csv_columns
from app.services.pagination import Total, keyset_page

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
    assert isinstance(total, Total)
    assert isinstance(cursor, str)
    body = client.get(f"/v1/{name}?limit=3").json()
    assert plain(data) == body["data"]
    meta = body["meta"]
    assert (total.value, total.relation, cursor) == (
        meta["total"],
        meta["total_relation"],
        meta["next_cursor"],
    )


def test_the_incident_service_takes_plain_values(seeded_engine: Engine, client: TestClient) -> None:
    query = IncidentQuery(country=["IQ"], sort="fatalities", limit=2)
    with Session(seeded_engine) as session:
        data, total, cursor = incidents.list_incidents(session, query)
        detail = incidents.get_incident(session, ROCKETS)
    body = client.get("/v1/incidents?country=IQ&sort=fatalities&limit=2").json()
    assert plain(data) == body["data"]
    assert (total.value, cursor) == (body["meta"]["total"], body["meta"]["next_cursor"])
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
    assert (order.sort, order.types, order.desc) == ("relevance", (float, int), False)
    with Session(seeded_engine) as session:
        first, total, cursor = incidents.list_incidents(session, query)
        rest, _, _ = incidents.list_incidents(
            session, query.model_copy(update={"limit": 1000, "cursor": cursor})
        )
    assert total == Total(1 + len(rest))
    assert len(rest) > 0
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
                session, resource.select(LocationQuery()), order, 2, cursor, rows=resource.rows
            )
            seen += [row.id for row in rows]
            if cursor is None:
                break
    assert seen == sorted(seen)
    assert Total(len(seen)) == total
    assert len(seen) > 2


# One shape: the response model


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_items_have_the_fields_of_their_response_model(client: TestClient, name: str) -> None:
    _, _, model = REGISTRY[name]
    for item in client.get(f"/v1/{name}?limit=1000").json()["data"]:
        assert list(item) == list(model.model_fields)
        model.model_validate(item)
    detail = client.get(f"/v1/incidents/{ROCKETS}").json()
    assert list(detail) == list(IncidentDetail.model_fields)
    IncidentDetail.model_validate(detail)


def test_the_list_reads_each_field_by_its_name() -> None:
    """Every field of an incident item is a labelled column of the list's statement, or is
    made from them (`country_name`, `location`)."""
    labels = [c.name for c in incidents.columns() + incidents.children()]
    assert len(labels) == len(set(labels))
    made = {"country_name", "location"}
    assert set(IncidentOut.model_fields) - made <= set(labels)
    assert {f"location_{f}" for f in incidents.PLACE} <= set(labels)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_geojson_properties_are_the_response_model(client: TestClient, name: str) -> None:
    resource, _, model = REGISTRY[name]
    for item in client.get(f"/v1/{name}?limit=1000").json()["data"]:
        feature = resource.feature(item)
        assert list(feature["properties"]) == list(model.model_fields)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_csv_columns_are_derived_from_the_response_model(name: str) -> None:
    """Each field is a column under its own name, unless it holds a record (flattened),
    in the model's order, with `updated_at` last."""
    resource, _, model = REGISTRY[name]
    columns = list(resource.columns)
    fields = [f for f in model.model_fields if f != "updated_at"]
    assert [c for c in columns if c in model.model_fields] == [
        *(f for f in fields if f in columns),
        "updated_at",
    ]
    for field in (f for f in fields if f not in columns):
        if name == "incidents" and field in exports.INCIDENT_FLATTENED:
            continue  # its columns are given
        record = model.model_fields[field].annotation  # `span`: `span_start`, `span_end`
        assert isinstance(record, type), field
        assert issubclass(record, BaseModel), field
        assert {f"{field}_{sub}" for sub in record.model_fields} <= set(columns)


def test_a_new_field_of_the_model_is_a_new_csv_column_in_its_place() -> None:
    """What adding an incident field takes: the model says it, the CSV follows."""
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in IncidentOut.model_fields.items()}
    names = list(fields)
    names.insert(names.index("injuries"), "missing_persons")
    fields["missing_persons"] = (int | None, None)
    widened = create_model("Widened", **{n: fields[n] for n in names})
    columns = csv_columns(widened, exports.INCIDENT_FLATTENED)
    before = list(exports.INCIDENTS.columns)
    at = before.index("injuries")
    assert list(columns) == [*before[:at], "missing_persons", *before[at:]]
    assert columns["missing_persons"]({"missing_persons": 3}) == 3


def test_a_list_of_records_needs_a_csv_rule() -> None:
    model = create_model("Armed", id=(str, ...), weapons=(list[WeaponOut], ...))
    with pytest.raises(TypeError, match="weapons"):
        csv_columns(model)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_readme_lists_the_derived_csv_columns(name: str) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    row = re.search(rf"^\| {name} \| (.*) \|$", readme, re.MULTILINE)
    assert row is not None
    assert re.findall(r"`([a-z0-9_]+)`", row.group(1)) == list(REGISTRY[name][0].columns)
