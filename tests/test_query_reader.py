"""The lists read their query in one validation (`app.deps.query_reader`) instead of
FastAPI's field-by-field reading, and nothing a user sees changes: the same values, the
same errors, the same OpenAPI parameters, the same unknown-parameter check."""

from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Query, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.deps import query_parameters, query_reader
from app.schemas.queries import (
    ActorQuery,
    ChangeQuery,
    IncidentQuery,
    LocationQuery,
    Page,
    QuoteQuery,
    SourceQuery,
    StatsQuery,
)

MODELS = [
    IncidentQuery,
    StatsQuery,
    QuoteQuery,
    ActorQuery,
    LocationQuery,
    SourceQuery,
    ChangeQuery,
    Page,
]

QUERIES = [
    "",
    "country=IQ",
    "country=IQ&country=SY",
    "country=IQ,Syria&country=irq",
    "country=Narnia",
    "country=",
    "country=IQ,,SY",
    "limit=5&limit=7",
    "limit=0",
    "limit=abc",
    "limit=1&limit=x",
    "date_from=2022-01-31&date_to=2022-01-01",
    "date_from=0.5",
    "date_from=2022-01-01&date_to=2022-02-01",
    "q=drone",
    "q=",
    "q=%22rocket%20attack%22&sort=relevance",
    "q=___",
    "sort=-date&cursor=abc",
    "sort=nonsense",
    "format=csv&csv_safe=true",
    "format=xml",
    "bbox=38,29,49,38",
    "bbox=1,2,3",
    "event_type=battles,Explosions/Remote%20violence",
    "event_type=battle",
    "stance=claimed&stance=nonsense",
    "role=target",
    "min_fatalities=-1",
    "min_fatalities=3&fatalities_estimate=high",
    "fatalities_estimate=middle",
    "updated_since=2022-01-01T00:00:00Z",
    "updated_since=yesterday",
    "group_by=month,country",
    "group_by=month,year",
    "group_by=",
    "kind=group&parent=iran-backed-groups",
    "speaker=john-kirby&incident=x",
    "attributed_to=a&attributed_to=b,c&actor=d",
    "unknown=1&limit=2",
    "since=5&limit=10",
    "since=-1",
    "since=x&since=3",
]


def _pair(model: type[BaseModel]) -> tuple[TestClient, TestClient]:
    """Two apps that answer the query model they read as JSON, or FastAPI's 422: one
    declares the model for FastAPI to read, the other reads it with `query_reader`."""
    read = query_reader(model)

    async def ours(request: Request) -> BaseModel:
        return read(request.query_params)

    declared, reader = FastAPI(), FastAPI()

    @declared.get("/")
    def by_fastapi(query: Annotated[model, Query()]) -> dict[str, Any]:  # type: ignore[valid-type]
        return query.model_dump(mode="json")

    @reader.get("/")
    def by_reader(query: Annotated[BaseModel, Depends(ours)]) -> dict[str, Any]:
        return query.model_dump(mode="json")

    return TestClient(declared), TestClient(reader)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_reader_reads_what_fastapi_reads(model: type[BaseModel]) -> None:
    fastapi, ours = _pair(model)
    statuses = set()
    for query in QUERIES:
        expected, got = fastapi.get(f"/?{query}"), ours.get(f"/?{query}")
        assert (got.status_code, got.json()) == (expected.status_code, expected.json()), query
        statuses.add(expected.status_code)
    assert statuses == {200, 422}  # both kinds of answer were compared


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_its_parameters_are_fastapis_for_the_model(model: type[BaseModel]) -> None:
    names = [p["name"] for p in query_parameters(model)["parameters"]]
    assert names == list(model.model_fields)
    assert all(p["in"] == "query" and p["schema"] for p in query_parameters(model)["parameters"])


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/v1/incidents", IncidentQuery),
        ("/v1/stats/incidents?group_by=month", StatsQuery),
        ("/v1/quotes", QuoteQuery),
        ("/v1/actors", ActorQuery),
        ("/v1/locations", LocationQuery),
        ("/v1/sources", SourceQuery),
        ("/v1/changes", ChangeQuery),
        ("/v1/incidents/2022-01-05-ain-al-asad-rockets/history", Page),
    ],
)
def test_the_routes_document_and_accept_every_parameter(
    client: TestClient, path: str, model: type[BaseModel]
) -> None:
    route = path.partition("?")[0].replace("2022-01-05-ain-al-asad-rockets", "{incident_id}")
    parameters = client.app.openapi()["paths"][route]["get"]["parameters"]  # type: ignore[attr-defined]
    assert [p["name"] for p in parameters if p["in"] == "query"] == list(model.model_fields)
    assert client.get(path).status_code == 200
    # Every parameter is known to the unknown-parameter check (a 400 names any other).
    first = next(iter(model.model_fields))
    answer = client.get(path, params={first[:-1]: "1"})
    assert answer.status_code == 400
    assert f"did you mean {first}" in answer.text
    for name in model.model_fields:
        answer = client.get(path, params={name: "\x01"})
        assert "unknown query parameter" not in answer.text, name
