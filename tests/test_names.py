"""Filters that name an actor, a location or a source take its id, its name or an alias."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from app.loader import import_bundle
from app.services import names
from tests import helpers_bundles
from tests.conftest import client_for
from tests.helpers_writes import seed


def ids(client: TestClient, path: str, **params: Any) -> list[str]:
    response = client.get(path, params={**params, "limit": 1000})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def problem(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    "value", ["Iran-backed groups", "IRAN-BACKED GROUPS", "pro-Iran factions", "Iran-Backed-Groups"]
)
def test_a_name_or_alias_answers_what_the_id_does(client: TestClient, value: str) -> None:
    by_id = ids(client, "/v1/incidents", attributed_to="iran-backed-groups")
    assert len(by_id) == 4
    assert ids(client, "/v1/incidents", attributed_to=value) == by_id
    stats = client.get("/v1/stats/incidents", params={"group_by": "year", "attributed_to": value})
    assert sum(row["incidents"] for row in stats.json()["data"]) == 4


def test_each_naming_filter_takes_names(client: TestClient) -> None:
    kirby = ids(client, "/v1/quotes", speaker="john-kirby")
    assert kirby
    assert ids(client, "/v1/quotes", speaker="John Kirby") == kirby
    assert ids(client, "/v1/quotes", speaker="kirby") == kirby  # his alias
    assert ids(client, "/v1/incidents", location="AIN AL-ASAD AIR BASE") == ids(
        client, "/v1/incidents", location="ain-al-asad-air-base"
    )
    assert ids(client, "/v1/incidents", location="Erbil") == ids(
        client, "/v1/incidents", location="arbil"
    )
    source = "afp-2022-01-05-coalition-under-fire"
    assert ids(client, "/v1/incidents", actor="US-led coalition") == ids(
        client, "/v1/incidents", actor="us-led-coalition"
    )
    assert ids(client, "/v1/actors", parent="Iran-backed groups") == [
        "iran-backed-militias-in-iraq"
    ]
    # Names and ids mix, repeated or comma-separated.
    assert ids(client, "/v1/quotes", source=source, speaker="John Kirby,pentagon") == ids(
        client, "/v1/quotes", speaker=["john-kirby", "pentagon"]
    )


def test_a_title_with_a_comma_is_refused_with_the_source_to_use(client: TestClient) -> None:
    body = problem(client, "/v1/quotes", source="US-led coalition under fire in Iraq, Syria")
    message = body["errors"][0]["message"]
    assert message.startswith("unknown source: US-led coalition under fire in Iraq (closest: ")
    assert "(afp-2022-01-05-coalition-under-fire)" in message


def test_a_value_that_names_nothing_is_a_400_with_the_closest(client: TestClient) -> None:
    body = problem(client, "/v1/incidents", actor="nonexistent")
    assert body["errors"] == [
        {
            "param": "actor",
            "message": "unknown actor: nonexistent (give its id, its name or an alias)",
        }
    ]
    body = problem(client, "/v1/quotes", speaker="John Kirbi")
    assert (
        body["errors"][0]["message"]
        == "unknown actor: John Kirbi (closest: John Kirby (john-kirby))"
    )
    # Every failing value of every filter, in one problem.
    body = problem(
        client, "/v1/incidents", attributed_to="Iran-backd groups", location="Nowhere,arbil"
    )
    assert [(e["param"], e["message"].split(" (")[0]) for e in body["errors"]] == [
        ("attributed_to", "unknown actor: Iran-backd groups"),
        ("location", "unknown location: Nowhere"),
    ]
    assert "Iran-backed groups (iran-backed-groups)" in body["errors"][0]["message"]
    assert body["detail"].startswith("attributed_to: unknown actor: Iran-backd groups")


@pytest.fixture
def with_namesakes(engine: Engine) -> Iterator[TestClient]:
    """The seed, and an invented article whose actors share an alias with John Kirby."""
    seed(engine)
    extra = helpers_bundles.bundle()
    extra["actors"] += [
        {"id": "kirby-shipping", "name": "Kirby Shipping", "aliases": ["Kirby"], "kind": "media"},
        {"id": "societe-generale", "name": "Société Générale", "kind": "media"},
    ]
    import_bundle(engine, extra)
    with client_for(engine) as c:
        yield c


def test_a_value_that_names_several_is_a_400_listing_them(with_namesakes: TestClient) -> None:
    body = problem(with_namesakes, "/v1/quotes", speaker="kirby")
    assert body["errors"] == [
        {
            "param": "speaker",
            "message": "ambiguous actor: 'kirby' names john-kirby (John Kirby), "
            "kirby-shipping (Kirby Shipping): give one of their ids",
        }
    ]
    # An id is never ambiguous, and a full name is not.
    assert ids(with_namesakes, "/v1/quotes", speaker="John Kirby") == ids(
        with_namesakes, "/v1/quotes", speaker="john-kirby"
    )


def test_a_source_by_its_title(with_namesakes: TestClient) -> None:
    assert ids(with_namesakes, "/v1/incidents", source="ROCKETS HIT FORT NOWHERE") == [
        "test-rockets"
    ]


def test_case_is_folded_beyond_ascii(with_namesakes: TestClient) -> None:
    assert ids(with_namesakes, "/v1/actors", q="Générale") == ["societe-generale"]
    response = with_namesakes.get(
        "/v1/stats/incidents", params={"group_by": "year", "actor": "SOCIÉTÉ GÉNÉRALE"}
    )
    assert response.status_code == 200, response.text


@contextmanager
def selects(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_one_query_per_filter_not_per_value(seeded_engine: Engine) -> None:
    """Ids cost one indexed query; names one more; a value naming nothing one more again."""
    with Session(seeded_engine) as session:
        with selects(seeded_engine) as seen:
            got = names.resolve(session, names.ACTORS, ["john-kirby", "PENTAGON", "iran"])
        assert got == (["john-kirby", "pentagon", "iran"], [])
        assert len(seen) == 1
        with selects(seeded_engine) as seen:
            got = names.resolve(
                session, names.ACTORS, ["John Kirby", "Tehran", "iran", "Soleimani"]
            )
        assert got == (["john-kirby", "iran", "qasem-soleimani"], [])
        assert len(seen) == 2
        with selects(seeded_engine) as seen:
            _, problems = names.resolve(session, names.ACTORS, ["nobody", "no one", "iran"])
        assert [p.split(" (")[0] for p in problems] == [
            "unknown actor: nobody",
            "unknown actor: no one",
        ]
        assert len(seen) == 3
