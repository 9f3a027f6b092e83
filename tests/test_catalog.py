"""Locations, actors, quotes, sources and vocabularies."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_writes import new_key

SOURCE = "afp-2022-01-05-coalition-under-fire"


def ids(client: TestClient, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return {x["id"] for x in response.json()["data"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=SY", {"green-village-base", "al-mayadeen"}),
        ("country=syr,IRN", {"green-village-base", "al-mayadeen", "iran"}),
        (
            "kind=air_base&country=IQ",
            {"ain-al-asad-air-base", "unnamed-air-base-in-iraq-housing-us-troops"},
        ),
        ("bbox=40,34.5,41,35.5", {"green-village-base", "al-mayadeen"}),
        ("q=asad", {"ain-al-asad-air-base"}),
        ("q=erbil", {"arbil"}),  # an alias
    ],
)
def test_location_filters(client: TestClient, query: str, expected: set[str]) -> None:
    assert ids(client, f"/v1/locations?{query}") == expected


def test_location_detail(client: TestClient) -> None:
    body = client.get("/v1/locations/ain-al-asad-air-base").json()
    assert body["kind"] == "air_base"
    assert body["country"] == "IQ"
    assert body["country_name"] == "Iraq"
    assert body["admin1"] == "Anbar"
    assert body["incident_count"] == 3
    assert {"latitude", "longitude"} <= set(body["added"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=umbrella_group", {"iran-backed-groups", "iran-middle-east-allies"}),
        ("parent=iran-backed-groups", {"iran-backed-militias-in-iraq"}),
        ("parent=us-led-coalition", {"john-brennan-jr", "coalition-official"}),
        ("q=pro-Iran factions", {"iran-backed-groups"}),  # an alias
        ("q=kirby", {"john-kirby"}),
        ("kind=person&country=US", {"john-kirby", "donald-trump"}),
    ],
)
def test_actor_filters(client: TestClient, query: str, expected: set[str]) -> None:
    assert ids(client, f"/v1/actors?{query}") == expected


@pytest.mark.parametrize(
    ("path", "canonical", "variant"),
    [
        ("/v1/locations", "air_base", "AIR_BASE"),
        ("/v1/actors", "umbrella_group", "Umbrella_Group"),
    ],
)
def test_kind_takes_any_case(client: TestClient, path: str, canonical: str, variant: str) -> None:
    assert ids(client, f"{path}?kind={variant}") == ids(client, f"{path}?kind={canonical}") != set()
    exported = [client.get(f"{path}?kind={kind}&format=csv") for kind in (canonical, variant)]
    assert exported[0].text == exported[1].text
    assert exported[0].headers["etag"] == exported[1].headers["etag"]


@pytest.mark.parametrize("path", ["/v1/locations", "/v1/actors"])
def test_an_unknown_kind_is_422_listing_the_kinds(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?kind=hangar")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["param"] == "kind"
    assert error["message"].startswith("'hangar': must be one of ")
    assert error["message"].endswith(" (any case)")


def test_actor_detail_has_children_and_counts(client: TestClient) -> None:
    body = client.get("/v1/actors/iran-backed-groups").json()
    assert body["kind"] == "umbrella_group"
    assert "pro-Iran factions" in body["aliases"]
    assert body["children"] == [
        {"id": "iran-backed-militias-in-iraq", "name": "Iran-backed militias in Iraq"}
    ]
    assert body["incident_count"] == 4  # attributed, never a perpetrator
    assert client.get("/v1/actors/john-kirby").json()["parent_id"] == "pentagon"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("speaker=john-kirby", {"kirby-working-level-assumption", "kirby-eminently-clear"}),
        (
            "incident=2022-01-05-green-village-indirect-fire&speaker=us-led-coalition",
            {"coalition-green-village-targeted", "coalition-green-village-minor-damage"},
        ),
        ("q=eminently", {"kirby-eminently-clear"}),
        (
            f"source={SOURCE}&q=rounds",
            {
                "coalition-official-five-rounds",
                "coalition-green-village-targeted",
                "coalition-green-village-minor-damage",
            },
        ),
        ("date_from=2022-01-06", set()),
        (
            "date_from=2022-01-05&date_to=2022-01-05",
            {"coalition-green-village-targeted", "coalition-green-village-minor-damage"},
        ),
    ],
)
def test_quote_filters(client: TestClient, query: str, expected: set[str]) -> None:
    assert ids(client, f"/v1/quotes?{query}") == expected


def test_quote_detail_is_verbatim_at_its_span(client: TestClient) -> None:
    text = client.get(f"/v1/sources/{SOURCE}/text").text
    for quote in client.get("/v1/quotes?limit=1000").json()["data"]:
        assert text[quote["span"]["start"] : quote["span"]["end"]] == quote["text"]
    body = client.get("/v1/quotes/kirby-working-level-assumption").json()
    assert body["speaker_name"] == "John Kirby"
    assert body["speaker_title"] == "Pentagon spokesman"
    assert body["channel"] == "told_reporters"


def test_sources(client: TestClient) -> None:
    listed = client.get("/v1/sources").json()
    assert [s["id"] for s in listed["data"]] == [SOURCE]
    assert "text" not in listed["data"][0]
    detail = client.get(f"/v1/sources/{SOURCE}").json()
    assert detail["published_on"] == "2022-01-05"
    assert "Monday" in detail["published_on_basis"]
    assert len(detail["incident_ids"]) == 10
    with open("seed/000_4649b48b659e9093.txt", encoding="utf-8") as f:
        article = f.read()
    assert detail["text"] == article
    response = client.get(f"/v1/sources/{SOURCE}/text")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == article


def test_event_types_and_countries(client: TestClient) -> None:
    types = client.get("/v1/event-types").json()
    assert {
        "event_type": "Strategic developments",
        "sub_event_type": "Disrupted weapons use",
    }.items() <= next(
        t for t in types["data"] if t["sub_event_type"] == "Disrupted weapons use"
    ).items()
    assert types["meta"]["total"] == len(types["data"]) == 25
    countries = client.get("/v1/countries").json()["data"]
    assert countries == [
        {"country": "IQ", "country_name": "Iraq", "alpha3": "IRQ", "incident_count": 7},
        {"country": "IR", "country_name": "Iran", "alpha3": "IRN", "incident_count": 1},
        {"country": "SY", "country_name": "Syria", "alpha3": "SYR", "incident_count": 2},
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/locations/nowhere",
        "/v1/actors/nobody",
        "/v1/quotes/unsaid",
        "/v1/sources/unwritten",
        "/v1/sources/unwritten/text",
    ],
)
def test_unknown_ids_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/locations",
        "/v1/actors",
        "/v1/quotes",
        "/v1/sources",
        "/v1/event-types",
        "/v1/countries",
        "/v1/incidents/2022-01-05-ain-al-asad-rockets",
        "/healthz",
    ],
)
def test_unknown_parameters_are_400_everywhere(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?colour=red")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"param": "colour", "message": "unknown query parameter"}]


@pytest.mark.parametrize(
    ("path", "typo", "meant"),
    [
        ("/v1/incidents", "fatalities_min", "min_fatalities"),  # the words in another order
        ("/v1/incidents", "subevent_type", "event_type or sub_event_type"),
        ("/v1/stats/incidents?group_by=year", "fatalities_min", "min_fatalities"),
        ("/v1/locations", "contry", "country"),
        ("/v1/actors", "Parent", "parent"),
        ("/v1/quotes", "speakr", "speaker"),
        ("/v1/sources", "updated-since", "updated_since"),
        ("/v1/changes", "snice", "since"),
        ("/ogc/collections/incidents/items", "limt", "limit"),
        ("/ogc/collections/locations/items", "date_time", "datetime"),
    ],
)
def test_an_unknown_parameter_names_the_closest_accepted_ones(
    client: TestClient, path: str, typo: str, meant: str
) -> None:
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{path}{joiner}{typo}=1")
    assert response.status_code == 400
    message = f"unknown query parameter (did you mean {meant}?)"
    assert response.json()["errors"] == [{"param": typo, "message": message}]
    assert response.json()["detail"] == f"{typo}: {message}"


@pytest.mark.parametrize("path", ["/v1/locations", "/v1/actors", "/v1/quotes", "/v1/sources"])
def test_every_list_paginates(client: TestClient, path: str) -> None:
    everything = client.get(f"{path}?limit=1000").json()["data"]
    seen, url = [], f"{path}?limit=2"
    while url:
        body = client.get(url).json()
        assert body["meta"]["total"] == len(everything)
        seen += body["data"]
        url = body["links"]["next"]
    assert [x["id"] for x in seen] == [x["id"] for x in everything]


def test_the_counts_follow_the_writes(engine: Engine) -> None:
    """`incident_count` of places and countries (read from the tallies) after a create and a
    delete: the place counts none, and a country without incidents is not listed."""
    key = new_key(engine)
    with client_for(engine) as c:
        assert c.post("/v1/sources", json=bundle(), headers=key).status_code == 201
        assert c.get("/v1/locations/fort-nowhere").json()["incident_count"] == 1
        listed = c.get("/v1/locations").json()["data"]
        assert [(p["id"], p["incident_count"]) for p in listed] == [("fort-nowhere", 1)]
        assert [
            (x["country"], x["incident_count"]) for x in c.get("/v1/countries").json()["data"]
        ] == [("IQ", 1)]
        tag = c.get("/v1/incidents/test-rockets").headers["etag"]
        deleted = c.delete("/v1/incidents/test-rockets", headers={**key, "If-Match": tag})
        assert deleted.status_code == 204, deleted.text
        assert c.get("/v1/locations/fort-nowhere").json()["incident_count"] == 0
        assert c.get("/v1/countries").json()["data"] == []
