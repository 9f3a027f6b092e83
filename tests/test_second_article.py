"""A second, invented article (tests/data) imported beside the seed, then read back.

It proves that an article becomes records with no code change: only a data file. Every
incident filter of the contract is asserted with the ids it must return, over a
database that holds both sources.
"""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import get_settings
from app.db import write_session
from app.loader import load_folder, read_bundle_file
from app.services.keys import create_key
from tests.conftest import BACKENDS, client_for, migrated_engine

DATA = Path(__file__).parent / "data"
BUNDLE_FILE = DATA / "nw_2099_06_18_kestrelholm.json"
TEXT_FILE = DATA / "nw_2099_06_18_kestrelholm.txt"

SOURCE = "nw-2099-06-18-kestrelholm-drones"
SEED_SOURCE = "afp-2022-01-05-coalition-under-fire"

DRONE = "2099-06-18-fort-kestrelholm-drone-attack"
OSKEBY = "2099-06-15-oskeby-rocket-attack"
TALLMYRA = "2099-06-08-tallmyra-raids"
NEW = {DRONE, OSKEBY, TALLMYRA}

# The seed's incidents that some filters also match.
SOLEIMANI = "2020-01-03-baghdad-airport-drone-strike"
SEED_DRONES = "2022-01-04-ain-al-asad-drone-attack"
SEED_SHOT_DOWN = "2022-01-04-ain-al-asad-drones-shot-down"
GREEN_VILLAGE = "2022-01-05-green-village-indirect-fire"
MAYADEEN = "2022-01-05-al-mayadeen-coalition-artillery"
SEED_ROCKETS = "2022-01-05-ain-al-asad-rockets"
SEED = {
    SOLEIMANI,
    SEED_DRONES,
    SEED_SHOT_DOWN,
    GREEN_VILLAGE,
    MAYADEEN,
    SEED_ROCKETS,
    "2022-01-03-soleimani-anniversary-commemorations",
    "2020-01-08-iran-missiles-ain-al-asad",
    "2020-01-08-iran-missiles-arbil",
    "2020-2022-attacks-on-us-sites-in-iraq",
}


@dataclass(frozen=True)
class Record:
    client: TestClient
    key: str
    before_import: datetime
    bundle: dict[str, Any]
    first_post: Any


def post(client: TestClient, key: str | None, data: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/v1/sources", json=data, headers=headers)


@pytest.fixture(scope="module", params=BACKENDS)
def record(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Record]:
    """The seed, then the second article posted on top: one database per backend."""
    with migrated_engine(request.param, tmp_path_factory.mktemp("second")) as engine:
        with write_session(engine) as session:
            load_folder(session, get_settings().seed_dir)
        key = create_key(engine, "second-article", "write")
        time.sleep(0.01)  # the seed's timestamps fall strictly before `before_import`
        before = datetime.now(UTC)
        data = read_bundle_file(BUNDLE_FILE)  # the API takes the text inline
        with client_for(engine) as client:
            response = post(client, key, data)
            yield Record(client, key, before, data, response)


def get(client: TestClient, path: str, params: dict[str, Any] | str = "") -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(client: TestClient, path: str, params: dict[str, Any] | str) -> set[str]:
    body = get(client, path, params)
    assert body["meta"]["total"] == len(body["data"]), "all on one page"
    return {row["id"] for row in body["data"]}


def incident_ids(client: TestClient, query: str) -> set[str]:
    return ids(client, "/v1/incidents", f"{query}&limit=1000")


def test_import_through_the_api(record: Record) -> None:
    first = record.first_post
    assert first.status_code == 201, first.text
    assert first.json() == {"source_id": SOURCE, "outcome": "created"}
    assert first.headers["location"].endswith(f"/v1/sources/{SOURCE}")
    again = post(record.client, record.key, record.bundle)
    assert again.status_code == 200, again.text
    assert again.json()["outcome"] == "unchanged"
    assert incident_ids(record.client, f"source={SOURCE}") == NEW


def test_import_needs_a_write_key(record: Record) -> None:
    assert post(record.client, None, record.bundle).status_code == 401


def test_exported_bundle_posts_back_unchanged(record: Record) -> None:
    exported = get(record.client, f"/v1/sources/{SOURCE}/bundle")
    assert exported["source"]["text"] == TEXT_FILE.read_text(encoding="utf-8")
    assert {i["id"] for i in exported["incidents"]} == NEW
    response = post(record.client, record.key, exported)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "unchanged"


def test_both_sources_are_listed(record: Record) -> None:
    sources = get(record.client, "/v1/sources")["data"]
    by_id = {s["id"]: s for s in sources}
    assert set(by_id) == {SOURCE, SEED_SOURCE}
    assert set(by_id[SOURCE]["incident_ids"]) == NEW
    assert set(by_id[SEED_SOURCE]["incident_ids"]) == SEED
    assert by_id[SOURCE]["published_on"] == "2099-06-18"
    assert by_id[SOURCE]["publisher"] == "Northwind Wire"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", NEW | SEED),
        # date_from / date_to: inclusive, overlapping ranges (the raids span a week)
        ("date_from=2099-01-01", NEW),
        ("date_from=2099-06-15", {DRONE, OSKEBY}),
        ("date_from=2099-06-14&date_to=2099-06-14", {TALLMYRA}),
        ("date_from=2099-06-10&date_to=2099-06-10", {TALLMYRA}),
        ("date_from=2099-06-16&date_to=2099-06-17", set()),
        ("date_from=2099-06-08&date_to=2099-06-15", {TALLMYRA, OSKEBY}),
        ("date_to=2099-06-07", SEED),
        # country: alpha-2, alpha-3, English name, any case
        ("country=NO", {DRONE, OSKEBY}),
        ("country=no", {DRONE, OSKEBY}),
        ("country=NOR", {DRONE, OSKEBY}),
        ("country=Norway", {DRONE, OSKEBY}),
        ("country=SE", {TALLMYRA}),
        ("country=swe", {TALLMYRA}),
        ("country=sweden", {TALLMYRA}),
        ("country=Norway,Sweden", NEW),
        ("country=SE&country=SY", {TALLMYRA, GREEN_VILLAGE, MAYADEEN}),
        # attributed_to: the umbrella matches its members' incidents; a member only its own
        ("attributed_to=grey-tide-alliance", {DRONE, OSKEBY}),
        ("attributed_to=brackwater-brigade", {DRONE}),
        ("attributed_to=saltmarsh-legion", {DRONE}),
        ("attributed_to=ashmark-regional-guard", {TALLMYRA}),
        ("attributed_to=grey-tide-alliance&stance=suspected", {OSKEBY}),
        ("attributed_to=grey-tide-alliance&stance=claimed", {DRONE}),
        ("attributed_to=brackwater-brigade&stance=accused", {DRONE}),
        ("attributed_to=brackwater-brigade&stance=denied", {DRONE}),
        ("attributed_to=brackwater-brigade&stance=claimed", set()),
        ("attributed_to=saltmarsh-legion&stance=denied", set()),
        ("attributed_to=iran-backed-groups&country=NO", set()),
        # stance alone
        ("stance=claimed", {DRONE}),
        ("stance=denied", {DRONE}),
        ("stance=acknowledged", {TALLMYRA, SOLEIMANI}),
        ("stance=suspected&source=" + SOURCE, {OSKEBY}),
        # actor, role
        ("actor=ashmark-regional-guard", {DRONE, TALLMYRA}),
        ("actor=ashmark-regional-guard&role=intercepted_by", {DRONE}),
        ("actor=ashmark-regional-guard&role=participant", {TALLMYRA}),
        # Involved every way: a role, and attributing (claiming, denying) an incident.
        ("actor=saltmarsh-legion", {TALLMYRA, DRONE}),
        ("actor=saltmarsh-legion&role=participant", {TALLMYRA}),
        ("actor=saltmarsh-legion&role=attributed_by", {DRONE}),
        ("actor=brackwater-brigade", {DRONE}),
        ("actor=brackwater-brigade&role=perpetrator", set()),
        ("role=intercepted_by", {DRONE, SEED_DRONES, SEED_SHOT_DOWN}),
        ("role=killed", {OSKEBY, SOLEIMANI}),
        ("actor=oskeby-civilians&role=killed", {OSKEBY}),
        ("actor=marta-dunholm&role=reported_by", {OSKEBY}),
        # event types
        ("event_type=Battles", {TALLMYRA}),
        ("sub_event_type=Armed clash", {TALLMYRA}),
        ("sub_event_type=Air/drone strike", {DRONE, SEED_DRONES, SOLEIMANI}),
        (
            "event_type=Explosions/Remote violence&source=" + SOURCE,
            {DRONE, OSKEBY},
        ),
        # place
        ("location=fort-kestrelholm", {DRONE}),
        ("location=oskeby,tallmyra", {OSKEBY, TALLMYRA}),
        ("admin1=Ashmark", {DRONE, OSKEBY}),
        ("admin1=ashmark", {DRONE, OSKEBY}),
        ("bbox=19,69,20,70", {DRONE}),
        ("bbox=4,55,32,72", {DRONE}),  # Scandinavia: only the mapped place
        ("bbox=4,55,32,72&country=SE", set()),
        # q: title, summary and linked quotes
        ("q=Brackwater", {DRONE}),
        ("q=market square", {OSKEBY}),
        ("q=Tallmyra", {DRONE, TALLMYRA}),
        ("q=retaliation", {DRONE, TALLMYRA}),  # the raids, through the Legion's quote
        ("q=most likely", {OSKEBY}),  # only in a quote
        ("q=KESTRELHOLM", {DRONE}),
        # min_fatalities: 0 is a number (no casualties); null never matches
        ("min_fatalities=3", {OSKEBY}),
        ("min_fatalities=1", {OSKEBY, SOLEIMANI}),
        ("min_fatalities=0&source=" + SOURCE, {DRONE, OSKEBY}),
        # source separates the two articles
        ("source=" + SOURCE, NEW),
        ("source=" + SEED_SOURCE, SEED),
        (f"source={SOURCE},{SEED_SOURCE}", NEW | SEED),
        ("source=" + SEED_SOURCE + "&country=NO", set()),
    ],
)
def test_incident_filters(record: Record, query: str, expected: set[str]) -> None:
    assert incident_ids(record.client, query) == expected


def test_updated_since_separates_the_import(record: Record) -> None:
    since = record.before_import.isoformat()
    assert ids(record.client, "/v1/incidents", {"updated_since": since, "limit": 1000}) == NEW
    assert ids(record.client, "/v1/quotes", {"updated_since": since, "limit": 1000}) == {
        q["id"] for q in record.bundle["quotes"]
    }
    assert ids(record.client, "/v1/sources", {"updated_since": since}) == {SOURCE}
    later = datetime(2100, 1, 1, tzinfo=UTC).isoformat()
    assert ids(record.client, "/v1/incidents", {"updated_since": later}) == set()


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("date", [TALLMYRA, OSKEBY, DRONE]),
        ("-date", [DRONE, OSKEBY, TALLMYRA]),
        ("fatalities", [TALLMYRA, DRONE, OSKEBY]),  # unknown (null) below zero
        ("-fatalities", [OSKEBY, DRONE, TALLMYRA]),
        ("updated_at", sorted(NEW)),  # one import, one timestamp: then by id
    ],
)
def test_sorts(record: Record, sort: str, expected: list[str]) -> None:
    body = get(record.client, "/v1/incidents", {"source": SOURCE, "sort": sort})
    assert [i["id"] for i in body["data"]] == expected


def test_sort_by_updated_at_puts_the_later_import_last(record: Record) -> None:
    body = get(record.client, "/v1/incidents", {"sort": "updated_at", "limit": 1000})
    order = [i["id"] for i in body["data"]]
    assert set(order[: len(SEED)]) == SEED
    assert order[len(SEED) :] == sorted(NEW)


def test_sort_pages_through_both_sources(record: Record) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"sort": "-date", "limit": 4}
    while True:
        body = get(record.client, "/v1/incidents", params)
        seen += [i["id"] for i in body["data"]]
        if body["meta"]["next_cursor"] is None:
            break
        params["cursor"] = body["meta"]["next_cursor"]
    assert seen[:3] == [DRONE, OSKEBY, TALLMYRA]
    assert len(seen) == len(set(seen)) == len(NEW | SEED)


def test_list_fields_as_recorded(record: Record) -> None:
    rows = {i["id"]: i for i in get(record.client, "/v1/incidents", {"source": SOURCE})["data"]}
    drone, oskeby, raids = rows[DRONE], rows[OSKEBY], rows[TALLMYRA]
    assert (drone["fatalities"], drone["injuries"], drone["damage"]) == (0, 0, "none")
    assert (oskeby["fatalities"], oskeby["injuries"]) == (4, None)
    assert (raids["fatalities"], raids["injuries"]) == (None, None)
    assert drone["weapons"] == [
        {
            "kind": "armed drone",
            "quantity": 3,
            "quantity_text": "three",
            "notes": drone["weapons"][0]["notes"],
        }
    ]
    assert [(w["quantity"], w["quantity_text"]) for w in oskeby["weapons"]] == [(2, "two")]
    assert (drone["claimed"], oskeby["claimed"]) == (True, False)
    assert (raids["date_start"], raids["date_end"], raids["date_precision"]) == (
        "2099-06-08",
        "2099-06-14",
        "week",
    )
    assert (drone["country"], drone["country_name"], raids["country_name"]) == (
        "NO",
        "Norway",
        "Sweden",
    )
    assert drone["location"] == {
        "id": "fort-kestrelholm",
        "name": "Fort Kestrelholm",
        "latitude": 69.3,
        "longitude": 19.4,
        "geo_precision": 1,
    }
    assert oskeby["location"]["latitude"] is None
    assert {(a["actor_id"], a["stance"], a["by_actor_id"]) for a in drone["attributed_to"]} == {
        ("brackwater-brigade", "accused", "pieter-quenhall"),
        ("brackwater-brigade", "denied", "brackwater-brigade"),
        ("saltmarsh-legion", "claimed", "saltmarsh-legion"),
    }
    assert all(i["source_ids"] == [SOURCE] for i in rows.values())


def test_detail_related_both_ways(record: Record) -> None:
    drone = get(record.client, f"/v1/incidents/{DRONE}")
    raids = get(record.client, f"/v1/incidents/{TALLMYRA}")
    assert [(r["incident_id"], r["relation"], r["direction"]) for r in drone["related"]] == [
        (TALLMYRA, "retaliation_for", "outgoing")
    ]
    assert [(r["incident_id"], r["relation"], r["direction"]) for r in raids["related"]] == [
        (DRONE, "retaliation_for", "incoming")
    ]
    assert get(record.client, f"/v1/incidents/{OSKEBY}")["related"] == []


def test_detail_attributions_quotes_and_sources(record: Record) -> None:
    text = TEXT_FILE.read_text(encoding="utf-8")
    drone = get(record.client, f"/v1/incidents/{DRONE}")
    attributions = {a["id"]: a for a in drone["attributions"]}
    assert set(attributions) == {
        "kestrelholm-drones-accused-by-quenhall",
        "kestrelholm-drones-denied-by-brackwater",
        "kestrelholm-drones-claimed-by-saltmarsh",
    }
    accused = attributions["kestrelholm-drones-accused-by-quenhall"]
    assert (accused["actor_name"], accused["by_actor_name"]) == (
        "Brackwater Brigade",
        "Pieter Quenhall",
    )
    assert accused["evidence_quote_id"] == "quenhall-brackwater-launched"
    claimed = attributions["kestrelholm-drones-claimed-by-saltmarsh"]
    assert claimed["evidence_quote_id"] == "fennick-retaliation-for-tallmyra"
    for a in attributions.values():
        assert text[a["span"]["start"] : a["span"]["end"]] == a["excerpt"]
    assert {q["id"] for q in drone["quotes"]} == {
        "mallowby-drones-destroyed",
        "mallowby-no-casualties",
        "quenhall-brackwater-launched",
        "brackwater-nothing-to-do",
        "fennick-retaliation-for-tallmyra",
    }
    for q in drone["quotes"]:
        assert text[q["span"]["start"] : q["span"]["end"]] == q["text"]
    assert {(a["actor_id"], a["role"]) for a in drone["actors"]} == {
        ("ashmark-regional-guard", "target"),
        ("ashmark-regional-guard", "intercepted_by"),
        ("ashmark-regional-guard", "reported_by"),
    }
    assert {s["source_id"] for s in drone["sources"]} == {SOURCE}
    assert len(drone["sources"]) == 8
    for s in drone["sources"]:
        assert text[s["span"]["start"] : s["span"]["end"]] == s["excerpt"]
    oskeby = get(record.client, f"/v1/incidents/{OSKEBY}")
    assert [(a["actor_id"], a["stance"]) for a in oskeby["attributions"]] == [
        ("grey-tide-alliance", "suspected")
    ]
    assert {q["id"] for q in oskeby["quotes"]} == {"dunholm-four-killed", "quenhall-most-likely"}


def test_source_text_endpoint(record: Record) -> None:
    response = record.client.get(f"/v1/sources/{SOURCE}/text")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == TEXT_FILE.read_text(encoding="utf-8")
    detail = get(record.client, f"/v1/sources/{SOURCE}")
    assert detail["text"] == response.text
    assert "FICTIONAL" in detail["notes"]
    seed = record.client.get(f"/v1/sources/{SEED_SOURCE}/text")
    assert seed.text != response.text
    assert "Kirby" in seed.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=NO", {"fort-kestrelholm", "oskeby"}),
        ("country=swe", {"tallmyra"}),
        ("country=Norway&kind=town", {"oskeby"}),
        ("kind=village", {"tallmyra"}),
        ("kind=military_base", {"fort-kestrelholm", "green-village-base"}),
        ("bbox=4,55,32,72", {"fort-kestrelholm"}),
        ("q=kestrel", {"fort-kestrelholm"}),
        ("q=Tallmyra", {"tallmyra"}),
    ],
)
def test_location_filters(record: Record, query: str, expected: set[str]) -> None:
    assert ids(record.client, "/v1/locations", query) == expected


def test_location_incident_counts(record: Record) -> None:
    for location, count in (("fort-kestrelholm", 1), ("oskeby", 1), ("tallmyra", 1)):
        assert get(record.client, f"/v1/locations/{location}")["incident_count"] == count


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("parent=grey-tide-alliance", {"brackwater-brigade", "saltmarsh-legion"}),
        ("parent=saltmarsh-legion", {"aldous-fennick"}),
        ("parent=ashmark-regional-guard", {"ingrid-mallowby"}),
        (
            "kind=militia",
            {"brackwater-brigade", "saltmarsh-legion", "iran-backed-militias-in-iraq"},
        ),
        ("kind=civilians", {"oskeby-civilians"}),
        ("kind=umbrella_group&q=tide", {"grey-tide-alliance"}),
        (
            "country=NO",
            {"ashmark-regional-guard", "pieter-quenhall", "marta-dunholm", "oskeby-civilians"},
        ),
        ("country=nor&kind=state_forces", {"ashmark-regional-guard"}),
        ("q=Brackwater", {"brackwater-brigade"}),
        ("q=Legion", {"saltmarsh-legion"}),  # aliases count too, and Fennick's is not "Legion"
        ("q=Colonel", {"ingrid-mallowby"}),  # an alias
    ],
)
def test_actor_filters(record: Record, query: str, expected: set[str]) -> None:
    assert ids(record.client, "/v1/actors", query) == expected


def test_actor_tree_and_counts(record: Record) -> None:
    umbrella = get(record.client, "/v1/actors/grey-tide-alliance")
    assert {c["id"] for c in umbrella["children"]} == {"brackwater-brigade", "saltmarsh-legion"}
    assert umbrella["incident_count"] == 1  # attributed the Oskeby rockets directly
    assert get(record.client, "/v1/actors/brackwater-brigade")["incident_count"] == 1
    assert get(record.client, "/v1/actors/ashmark-regional-guard")["incident_count"] == 2


ALL_QUOTES = {
    "mallowby-drones-destroyed",
    "mallowby-no-casualties",
    "dunholm-four-killed",
    "quenhall-brackwater-launched",
    "quenhall-most-likely",
    "brackwater-nothing-to-do",
    "fennick-retaliation-for-tallmyra",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("source=" + SOURCE, ALL_QUOTES),
        ("speaker=pieter-quenhall", {"quenhall-brackwater-launched", "quenhall-most-likely"}),
        (
            "speaker=ingrid-mallowby,aldous-fennick",
            {
                "mallowby-drones-destroyed",
                "mallowby-no-casualties",
                "fennick-retaliation-for-tallmyra",
            },
        ),
        ("speaker=brackwater-brigade", {"brackwater-nothing-to-do"}),
        ("incident=" + TALLMYRA, {"fennick-retaliation-for-tallmyra"}),
        ("incident=" + OSKEBY, {"dunholm-four-killed", "quenhall-most-likely"}),
        (
            "incident=" + DRONE + "&speaker=ingrid-mallowby",
            {"mallowby-drones-destroyed", "mallowby-no-casualties"},
        ),
        # said_on: only dated quotes match a date range
        (
            "date_from=2099-06-18&date_to=2099-06-18",
            {
                "mallowby-drones-destroyed",
                "mallowby-no-casualties",
                "quenhall-brackwater-launched",
                "quenhall-most-likely",
            },
        ),
        ("date_from=2099-06-19", set()),
        ("date_to=2099-06-17&source=" + SOURCE, set()),
        (
            "q=drones",
            {
                "mallowby-drones-destroyed",
                "quenhall-brackwater-launched",
                "fennick-retaliation-for-tallmyra",
            },
        ),
        ("q=no casualties&source=" + SOURCE, {"mallowby-no-casualties"}),
        (
            "q=casualties&source=" + SEED_SOURCE,
            {"coalition-official-no-damage", "coalition-green-village-minor-damage"},
        ),
    ],
)
def test_quote_filters(record: Record, query: str, expected: set[str]) -> None:
    assert ids(record.client, "/v1/quotes", query) == expected


def test_quote_detail_titles_as_written(record: Record) -> None:
    text = TEXT_FILE.read_text(encoding="utf-8")
    titles = {
        "mallowby-drones-destroyed": ("Ingrid Mallowby", "commander of Fort Kestrelholm"),
        "dunholm-four-killed": ("Marta Dunholm", "Oskeby police chief"),
        "quenhall-brackwater-launched": ("Pieter Quenhall", "Regional governor"),
        "fennick-retaliation-for-tallmyra": ("Aldous Fennick", "Legion spokesman"),
    }
    for quote_id, (name, title) in titles.items():
        quote = get(record.client, f"/v1/quotes/{quote_id}")
        assert (quote["speaker_name"], quote["speaker_title"]) == (name, title)
        assert title in text
        assert text[quote["span"]["start"] : quote["span"]["end"]] == quote["text"]
        assert quote["source_id"] == SOURCE


def test_bundle_file_is_the_records(record: Record) -> None:
    """The file on disk is what was stored: nothing dropped on the way in."""
    bundle = json.loads(BUNDLE_FILE.read_text(encoding="utf-8"))
    assert bundle["source"]["text_file"] == TEXT_FILE.name
    listed = ids(record.client, "/v1/incidents", {"source": SOURCE})
    assert listed == {i["id"] for i in bundle["incidents"]}
    assert ids(record.client, "/v1/quotes", {"source": SOURCE}) == {
        q["id"] for q in bundle["quotes"]
    }


def test_min_fatalities_beyond_the_column_is_refused(record: Record) -> None:
    """Found by the fuzz test: 2**31 overflowed PostgreSQL's integer (a 500)."""
    response = record.client.get("/v1/incidents", params={"min_fatalities": 2**31})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["param"] == "min_fatalities"
    assert incident_ids(record.client, f"min_fatalities={2**31 - 1}") == set()


def test_change_feed_names_the_key_that_imported(record: Record) -> None:
    body = get(record.client, "/v1/changes", {"since": 0, "limit": 1000})
    by_api = {
        (c["resource"], c["resource_id"], c["action"])
        for c in body["data"]
        if c["via"] == "api" and c["key_name"] == "second-article"
    }
    assert ("source", SOURCE, "create") in by_api
    assert {("incident", i, "create") for i in NEW} <= by_api
    assert {("quote", q, "create") for q in ALL_QUOTES} <= by_api
    assert {
        ("location", loc, "create") for loc in ("fort-kestrelholm", "oskeby", "tallmyra")
    } <= by_api
    assert not any(c["resource_id"] == SEED_SOURCE for c in body["data"] if c["via"] == "api")


def test_stats_count_the_second_article(record: Record) -> None:
    body = get(record.client, "/v1/stats/incidents", {"source": SOURCE, "group_by": "country"})
    rows = {r["country"]: (r["incidents"], r["fatalities"]) for r in body["data"]}
    # The week of raids gives no figure: not known, never 0.
    assert rows == {"NO": (2, 4), "SE": (1, None)}
    body = get(
        record.client,
        "/v1/stats/incidents",
        {"attributed_to": "grey-tide-alliance", "group_by": "country"},
    )
    assert {r["country"]: r["incidents"] for r in body["data"]} == {"NO": 2}


def test_added_knowledge_is_marked(record: Record) -> None:
    """What the article does not state (invented coordinates, inferred places) says so."""
    fort = get(record.client, "/v1/locations/fort-kestrelholm")
    assert fort["added"] == ["latitude", "longitude"]
    assert get(record.client, "/v1/locations/tallmyra")["added"] == []
    assert get(record.client, f"/v1/incidents/{OSKEBY}")["added"] == ["country", "admin1"]
    assert get(record.client, f"/v1/incidents/{DRONE}")["added"] == []
    assert get(record.client, "/v1/actors/ashmark-regional-guard")["added"] == ["country"]
