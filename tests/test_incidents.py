"""GET /v1/incidents and /v1/incidents/{id}: every filter, combinations, pagination, sort."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from app.loader import load_bundle
from app.models import Incident
from app.services.incidents import EVERY_KEY
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_writes import seed

ROCKETS = "2022-01-05-ain-al-asad-rockets"
GREEN_VILLAGE = "2022-01-05-green-village-indirect-fire"
MAYADEEN = "2022-01-05-al-mayadeen-coalition-artillery"
DRONES = "2022-01-04-ain-al-asad-drone-attack"
SHOT_DOWN = "2022-01-04-ain-al-asad-drones-shot-down"
COMMEMORATIONS = "2022-01-03-soleimani-anniversary-commemorations"
SOLEIMANI = "2020-01-03-baghdad-airport-drone-strike"
MISSILES_BASE = "2020-01-08-iran-missiles-ain-al-asad"
MISSILES_ARBIL = "2020-01-08-iran-missiles-arbil"
SINCE_THEN = "2020-2022-attacks-on-us-sites-in-iraq"
ALL = {
    ROCKETS,
    GREEN_VILLAGE,
    MAYADEEN,
    DRONES,
    SHOT_DOWN,
    COMMEMORATIONS,
    SOLEIMANI,
    MISSILES_BASE,
    MISSILES_ARBIL,
    SINCE_THEN,
}
THIS_WEEK_IRAQ = {ROCKETS, DRONES, SHOT_DOWN}


def ids(client: TestClient, query: str) -> set[str]:
    response = client.get(f"/v1/incidents?{query}&limit=1000")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["total"] == len(body["data"])
    return {i["id"] for i in body["data"]}


def test_lists_every_seeded_incident(client: TestClient) -> None:
    assert ids(client, "") == ALL


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The issue's example: this week's Iraqi incidents, plus the 2020-2022 summary
        # whose date range overlaps the week.
        ("country=Iraq&date_from=2022-01-04&date_to=2022-01-05", THIS_WEEK_IRAQ | {SINCE_THEN}),
        ("country=IQ&date_from=2022-01-04&date_to=2022-01-05", THIS_WEEK_IRAQ | {SINCE_THEN}),
        ("country=irq&date_from=2022-01-04&date_to=2022-01-05", THIS_WEEK_IRAQ | {SINCE_THEN}),
        ("date_from=2022-01-03&date_to=2022-01-03", {COMMEMORATIONS, SINCE_THEN}),
        ("date_to=2020-01-07", {SOLEIMANI}),
        ("date_from=2020-01-08&date_to=2020-01-08", {MISSILES_BASE, MISSILES_ARBIL, SINCE_THEN}),
        ("date_from=2021-06-01&date_to=2021-06-30", {SINCE_THEN}),
        ("date_from=2022-01-06", set()),
        ("country=SY", {GREEN_VILLAGE, MAYADEEN}),
        ("country=Syria", {GREEN_VILLAGE, MAYADEEN}),
        ("country=IR", {COMMEMORATIONS}),
        ("country=SY&country=IR", {GREEN_VILLAGE, MAYADEEN, COMMEMORATIONS}),
        ("country=SY,IR", {GREEN_VILLAGE, MAYADEEN, COMMEMORATIONS}),
        ("country=US", set()),
        ("attributed_to=iran-backed-groups", {ROCKETS, GREEN_VILLAGE, DRONES, SINCE_THEN}),
        ("attributed_to=iran-backed-groups&stance=suspected", {ROCKETS, GREEN_VILLAGE}),
        ("stance=acknowledged", {SOLEIMANI}),
        ("attributed_to=iran-backed-militias-in-iraq", set()),
        ("attributed_to=united-states", {SOLEIMANI}),
        ("actor=us-led-coalition&role=intercepted_by", {SHOT_DOWN, DRONES}),
        ("actor=donald-trump", {SOLEIMANI}),
        ("actor=donald-trump&role=target", set()),
        ("actor=qasem-soleimani,abu-mahdi-al-muhandis&role=killed", {SOLEIMANI}),
        ("event_type=Strategic developments", {SHOT_DOWN, COMMEMORATIONS}),
        ("sub_event_type=Disrupted weapons use", {SHOT_DOWN}),
        ("sub_event_type=Air/drone strike", {DRONES, SOLEIMANI}),
        ("location=ain-al-asad-air-base", {ROCKETS, DRONES, SHOT_DOWN}),
        ("location=arbil,al-mayadeen", {MISSILES_ARBIL, MAYADEEN}),
        ("admin1=anbar", {ROCKETS, DRONES, SHOT_DOWN}),
        ("admin1=Deir ez-Zor", {GREEN_VILLAGE, MAYADEEN}),
        ("bbox=40,34.5,41,35.5", {GREEN_VILLAGE, MAYADEEN}),
        ("bbox=0,0,1,1", set()),
        ("q=rockets", {ROCKETS, SINCE_THEN}),
        ("q=ROCKETS landed", {ROCKETS}),
        ("q=working level assumption", {ROCKETS, GREEN_VILLAGE}),
        ("q=100%", set()),
        ("min_fatalities=1", {SOLEIMANI}),
        ("min_fatalities=0", {ROCKETS, GREEN_VILLAGE, SOLEIMANI}),
        ("source=afp-2022-01-05-coalition-under-fire", ALL),
        ("updated_since=2000-01-01T00:00:00Z", ALL),
        ("updated_since=2999-01-01T00:00:00Z", set()),
        (
            "country=IQ&attributed_to=iran-backed-groups&date_from=2022-01-01",
            {ROCKETS, DRONES, SINCE_THEN},
        ),
        ("country=SY&event_type=Explosions/Remote violence&min_fatalities=0", {GREEN_VILLAGE}),
    ],
)
def test_filters(client: TestClient, query: str, expected: set[str]) -> None:
    assert ids(client, query) == expected


@pytest.mark.parametrize(
    ("canonical", "variant"),
    [
        ("event_type=Explosions/Remote violence", "event_type=EXPLOSIONS/REMOTE VIOLENCE"),
        ("sub_event_type=Air/drone strike", "sub_event_type=air/Drone STRIKE"),
        ("stance=suspected", "stance=Suspected"),
        (
            "actor=us-led-coalition&role=intercepted_by",
            "actor=us-led-coalition&role=INTERCEPTED_BY",
        ),
        (
            "event_type=Battles,Strategic developments",
            "event_type= battles , STRATEGIC developments",
        ),
    ],
)
def test_vocabulary_filters_take_any_case(client: TestClient, canonical: str, variant: str) -> None:
    """Read as the canonical value: the same rows, total, stats and export (ETag included)."""
    assert ids(client, variant) == ids(client, canonical) != set()
    stats = [client.get(f"/v1/stats/incidents?group_by=year&{q}") for q in (canonical, variant)]
    assert stats[0].json()["data"] == stats[1].json()["data"]
    exported = [client.get(f"/v1/incidents?format=csv&{q}") for q in (canonical, variant)]
    assert exported[0].text == exported[1].text
    assert exported[0].headers["etag"] == exported[1].headers["etag"]


def test_a_vocabulary_value_in_no_case_is_422_listing_the_values(client: TestClient) -> None:
    response = client.get("/v1/incidents?event_type=Battle")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "param": "event_type",
            "message": "'Battle': must be one of 'Battles', 'Explosions/Remote violence', "
            "'Violence against civilians', 'Protests', 'Riots' or 'Strategic developments'"
            " (any case)",
        }
    ]
    # Any case is ASCII case, as the document's pattern says: the Kelvin sign, which
    # lowercases to k, is not a K.
    assert client.get("/v1/incidents?sub_event_type=ATTACK").status_code == 200
    assert client.get("/v1/incidents?sub_event_type=ATTAC\u212a").status_code == 422


def test_attributed_to_matches_groups_under_an_umbrella(engine: Engine) -> None:
    # The test bundle attributes its incident to a militia under an umbrella group.
    with Session(engine) as session:
        load_bundle(session, bundle())
    with client_for(engine) as client:
        assert ids(client, "attributed_to=imaginary-brigade") == {"test-rockets"}
        assert ids(client, "attributed_to=imaginary-front") == {"test-rockets"}
        assert ids(client, "attributed_to=imaginary-front&stance=denied") == set()
        assert ids(client, "attributed_to=examplestan-guard") == set()


def test_the_issue_example_has_places_munitions_casualties_attributions(
    client: TestClient,
) -> None:
    body = client.get("/v1/incidents?country=Iraq&date_from=2022-01-04&date_to=2022-01-05").json()
    rockets = next(i for i in body["data"] if i["id"] == ROCKETS)
    assert rockets["location"]["id"] == "ain-al-asad-air-base"
    assert rockets["location"]["latitude"] is not None
    assert rockets["weapons"] == [
        {
            "kind": "rocket",
            "quantity": 5,
            "quantity_text": "five",
            "notes": rockets["weapons"][0]["notes"],
        }
    ]
    assert (rockets["fatalities"], rockets["injuries"], rockets["damage"]) == (0, 0, "none")
    assert {(a["actor_id"], a["stance"], a["by_actor_id"]) for a in rockets["attributed_to"]} >= {
        ("iran-backed-groups", "accused", "united-states"),
        ("iran-backed-groups", "suspected", "john-kirby"),
    }
    assert rockets["country_name"] == "Iraq"
    assert rockets["source_ids"] == ["afp-2022-01-05-coalition-under-fire"]


def walk(client: TestClient, url: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while url:
        body = client.get(url).json()
        seen += body["data"]
        assert body["meta"]["total"] == 10 or "country" in url
        url = body["links"]["next"]
    return seen


@pytest.mark.parametrize("sort", ["-date", "date", "fatalities", "-fatalities", "updated_at"])
@pytest.mark.parametrize("limit", [1, 3, 4])
def test_pagination_visits_every_incident_once_in_order(
    client: TestClient, sort: str, limit: int
) -> None:
    pages = walk(client, f"/v1/incidents?sort={sort}&limit={limit}")
    assert len(pages) == 10
    assert {i["id"] for i in pages} == ALL
    unpaged = client.get(f"/v1/incidents?sort={sort}&limit=1000").json()["data"]
    assert [i["id"] for i in pages] == [i["id"] for i in unpaged]


@pytest.mark.parametrize("sort", ["updated_at", "-date"])
def test_a_walk_crosses_incidents_written_in_one_whole_second(engine: Engine, sort: str) -> None:
    """A page's cursor is compared with the keys as the database stores them (SQLite keeps
    a timestamp as text, with its microseconds even when they are zero): a walk of incidents
    that share a timestamp finds each once."""
    seed(engine)
    with engine.begin() as connection:
        connection.execute(update(Incident).values(updated_at=datetime(2026, 1, 1, tzinfo=UTC)))
    pages: list[dict[str, Any]] = []
    with client_for(engine) as client:
        url = f"/v1/incidents?sort={sort}&limit=3"
        while url and len(pages) <= len(ALL):  # a cursor that stays put would walk forever
            body = client.get(url).json()
            pages, url = pages + body["data"], body["links"]["next"]
    assert {i["updated_at"] for i in pages} == {"2026-01-01T00:00:00Z"}
    got = [i["id"] for i in pages]
    assert sorted(got) == sorted(ALL)  # each once
    if sort == "updated_at":  # one timestamp: then by id
        assert got == sorted(ALL)


def test_a_list_with_no_filter_pages_by_a_statement_built_once(client: TestClient) -> None:
    """Its statement is prepared per sort, with a cursor or not, and page size; a filter
    builds its own."""
    EVERY_KEY._compiled.clear()
    first = client.get("/v1/incidents?sort=date&limit=2").json()
    client.get(first["links"]["next"])
    client.get("/v1/incidents?sort=date&limit=2&country=IQ")
    shapes = {key[1:] for key in EVERY_KEY._compiled}
    assert shapes == {("date", False, 3), ("date", True, 3)}


@pytest.mark.parametrize("sort", ["-date", "date", "fatalities", "-fatalities", "updated_at"])
def test_a_list_with_no_filter_writes_the_cursor_a_filtered_list_writes(
    client: TestClient, sort: str
) -> None:
    """The same page, read by the prepared statement (no filter) and by a built one (a
    filter every incident passes): the same rows and the same cursor."""
    url = f"/v1/incidents?sort={sort}&limit=3"
    for _ in range(2):
        plain, filtered = client.get(url).json(), client.get(url + "&date_from=1900-01-01").json()
        assert plain["data"] == filtered["data"]
        assert plain["meta"]["next_cursor"] == filtered["meta"]["next_cursor"]
        url = plain["links"]["next"]


def test_default_sort_is_newest_first_and_fatalities_sorts_unknown_last(
    client: TestClient,
) -> None:
    data = client.get("/v1/incidents").json()["data"]
    starts = [i["date_start"] for i in data]
    assert starts == sorted(starts, reverse=True)
    data = client.get("/v1/incidents?sort=-fatalities").json()["data"]
    assert data[0]["id"] == SOLEIMANI
    assert [i["fatalities"] for i in data][-1] is None


def test_pagination_meta_and_links(client: TestClient) -> None:
    body = client.get("/v1/incidents?country=IQ&limit=2").json()
    assert body["meta"]["total"] == 7
    assert body["meta"]["limit"] == 2
    assert body["meta"]["next_cursor"]
    assert "country=IQ" in body["links"]["next"]
    assert f"cursor={body['meta']['next_cursor']}" in body["links"]["next"]
    assert body["links"]["self"].endswith("/v1/incidents?country=IQ&limit=2")
    last = client.get("/v1/incidents?limit=1000").json()
    assert last["meta"]["next_cursor"] is None
    assert last["links"]["next"] is None


def test_a_cursor_from_another_sort_is_refused(client: TestClient) -> None:
    cursor = client.get("/v1/incidents?limit=1&sort=date").json()["meta"]["next_cursor"]
    response = client.get(f"/v1/incidents?limit=1&sort=-fatalities&cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"param": "cursor", "message": "invalid or stale cursor"}]


def test_detail_has_actors_attributions_quotes_sources_related(client: TestClient) -> None:
    body = client.get(f"/v1/incidents/{ROCKETS}").json()
    assert body["id"] == ROCKETS
    assert {(a["actor_id"], a["role"]) for a in body["actors"]} >= {("us-led-coalition", "target")}
    kirby = next(a for a in body["attributions"] if a["by_actor_id"] == "john-kirby")
    assert kirby["stance"] == "suspected"
    assert kirby["evidence_quote_id"] == "kirby-working-level-assumption"
    assert kirby["by_actor_name"] == "John Kirby"
    quote_ids = {q["id"] for q in body["quotes"]}
    assert {"coalition-official-five-rounds", "coalition-official-no-damage"} <= quote_ids
    text = client.get("/v1/sources/afp-2022-01-05-coalition-under-fire/text").text
    for source in body["sources"]:
        assert text[source["span"]["start"] : source["span"]["end"]] == source["excerpt"]
    assert {(r["incident_id"], r["relation"], r["direction"]) for r in body["related"]} >= {
        (SOLEIMANI, "anniversary_of", "outgoing")
    }


def test_related_is_seen_from_both_ends(client: TestClient) -> None:
    attack = client.get(f"/v1/incidents/{DRONES}").json()
    assert (SHOT_DOWN, "part_of", "incoming") in {
        (r["incident_id"], r["relation"], r["direction"]) for r in attack["related"]
    }
    interception = client.get(f"/v1/incidents/{SHOT_DOWN}").json()
    assert (DRONES, "part_of", "outgoing") in {
        (r["incident_id"], r["relation"], r["direction"]) for r in interception["related"]
    }


def test_a_nul_character_in_a_path_is_400(client: TestClient) -> None:
    response = client.get("/v1/incidents/a%00b")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"param": "incident_id", "message": "contains a NUL character"}
    ]


def test_unknown_incident_is_404(client: TestClient) -> None:
    response = client.get("/v1/incidents/no-such-incident")
    assert response.status_code == 404
    assert response.json()["detail"] == "no incident with id 'no-such-incident'"


@pytest.mark.parametrize(
    ("query", "status", "param"),
    [
        ("contry=IQ", 400, "contry"),
        ("country=Atlantis", 400, "country"),
        ("cursor=not-a-cursor", 400, "cursor"),
        ("date_from=2022-13-01", 422, "date_from"),
        ("limit=0", 422, "limit"),
        ("limit=1001", 422, "limit"),
        ("sort=title", 422, "sort"),
        ("stance=rumoured", 422, "stance"),
        ("event_type=Skirmish", 422, "event_type"),
        ("bbox=1,2,3", 422, "bbox"),
        ("bbox=10,0,5,1", 422, "bbox"),
        ("bbox=38,29,190,38", 422, "bbox"),
        ("bbox=1e1,0,20,1", 422, "bbox"),
        ("min_fatalities=-1", 422, "min_fatalities"),
        ("updated_since=yesterday", 422, "updated_since"),
        ("date_from=2022-01-05&date_to=2022-01-04", 422, "date_from"),
        ("date_from=1641340800", 422, "date_from"),  # not a Unix timestamp
        ("updated_since=0.5", 422, "updated_since"),
        ("role=", 422, "role"),
        ("country=IQ,", 422, "country"),
        ("q=%00", 400, "q"),
        ("location=a%00b", 400, "location"),
        ("source=unknown-source", 400, "source"),  # names nothing: tests/test_names.py
    ],
)
def test_bad_parameters(client: TestClient, query: str, status: int, param: str) -> None:
    response = client.get(f"/v1/incidents?{query}")
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert param in [e["param"] for e in body["errors"]]
