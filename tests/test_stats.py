"""GET /v1/stats/incidents: grouping, zero-filling, ISO weeks, agreement with the list."""

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import get_settings
from app.loader import load_bundle, load_folder
from tests.conftest import client_for, migrated_engine
from tests.helpers_bundles import bundle

STATS = "/v1/stats/incidents"
ISSUE_URL = f"{STATS}?group_by=month,country&date_from=2021-12-01&date_to=2022-01-31"


def stats(client: TestClient, query: str) -> dict[str, Any]:
    response = client.get(f"{STATS}?{query}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def total(client: TestClient, query: str) -> int:
    response = client.get(f"/v1/incidents?{query}&limit=1")
    assert response.status_code == 200, response.text
    count: int = response.json()["meta"]["total"]
    return count


def load(engine: Engine, *incidents: dict[str, Any]) -> None:
    """The test bundle with its one incident replaced by copies changed as given."""
    data = bundle()
    template = data["incidents"][0]
    data["incidents"] = []
    for n, changes in enumerate(incidents):
        incident = copy.deepcopy(template)
        incident |= {"id": f"test-{n}", "date_end": changes["date_start"], **changes}
        for a in incident["attributions"]:
            a["id"] = f"test-{n}-{a['id']}"
        data["incidents"].append(incident)
    data["quotes"][0]["incident_ids"] = [i["id"] for i in data["incidents"]]
    with Session(engine) as session:
        load_bundle(session, data)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@pytest.mark.postgres
def test_the_issue_example_is_zero_filled_and_identical_on_both_backends(
    tmp_path: Path,
) -> None:
    bodies = []
    for backend in ("sqlite", "postgresql"):
        with migrated_engine(backend, tmp_path) as engine:
            with Session(engine) as session:
                load_folder(session, get_settings().seed_dir)
            with client_for(engine) as client:
                response = client.get(ISSUE_URL)
                assert response.status_code == 200, response.text
                bodies.append(response.content)
                body = response.json()
                # The January rows agree with the list of incidents starting in January.
                for country in ("IQ", "SY", "IR"):
                    row = next(
                        r
                        for r in body["data"]
                        if (r["month"], r["country"]) == ("2022-01", country)
                    )
                    listed = client.get(f"/v1/incidents?country={country}&limit=1000").json()
                    starts = [i for i in listed["data"] if i["date_start"].startswith("2022-01")]
                    assert row["incidents"] == len(starts)
    assert bodies[0] == bodies[1]
    body = json.loads(bodies[0])
    assert body["meta"] == {
        "group_by": ["month", "country"],
        "date_from": "2021-12-01",
        "date_to": "2022-01-31",
    }
    counts = {(r["month"], r["country"]): r["incidents"] for r in body["data"]}
    assert counts == {
        ("2021-12", "IQ"): 0,
        ("2021-12", "IR"): 0,
        ("2021-12", "SY"): 0,
        # The 2020-2022 summary starts in 2020: not in January 2022's bucket.
        ("2022-01", "IQ"): 3,
        ("2022-01", "IR"): 1,
        ("2022-01", "SY"): 2,
    }
    assert [(r["month"], r["country"]) for r in body["data"]] == sorted(counts)
    iraq = body["data"][3]
    assert iraq == {
        "month": "2022-01",
        "country": "IQ",
        "country_name": "Iraq",
        "incidents": 3,
        "fatalities": 0,  # 0 + null + null: the one known figure
        "fatalities_known": 1,
        "fatalities_low": None,
        "fatalities_low_known": 0,
        "fatalities_high": None,
        "fatalities_high_known": 0,
        "injuries": 0,
        "injuries_known": 1,
    }


def test_week_labels_use_the_iso_year(engine: Engine) -> None:
    days = [
        date(2019, 12, 30),  # Monday: week 1 of 2020
        date(2020, 12, 31),  # Thursday: week 53 of 2020
        date(2021, 1, 1),  # Friday: still 2020-W53
        date(2021, 1, 3),  # Sunday: still 2020-W53
        date(2021, 1, 4),  # Monday: 2021-W01
        date(2024, 12, 30),  # Monday: 2025-W01
    ]
    load(engine, *({"date_start": d.isoformat(), "fatalities": n} for n, d in enumerate(days)))
    with client_for(engine) as client:
        body = stats(client, "group_by=week")
        weeks = {r["week"]: r["incidents"] for r in body["data"]}
        expected: dict[str, int] = {}
        for d in days:
            expected[iso_week(d)] = expected.get(iso_week(d), 0) + 1
        assert {w: n for w, n in weeks.items() if n} == expected
        assert expected == {"2020-W01": 1, "2020-W53": 3, "2021-W01": 1, "2025-W01": 1}
        # Zero-filled: one row per week from the first incident's week to the last's.
        first, last = days[0], days[-1]
        assert len(weeks) == (last - first).days // 7 + 1
        every_week = {iso_week(first + timedelta(weeks=k)) for k in range(len(weeks))}
        assert set(weeks) == every_week
        assert body["meta"]["date_from"] == first.isoformat()
        assert body["meta"]["date_to"] == last.isoformat()

        turn = stats(client, "group_by=week&date_from=2020-12-28&date_to=2021-01-10")
        assert turn["data"] == [
            {
                "week": "2020-W53",
                "incidents": 3,
                "fatalities": 1 + 2 + 3,
                "fatalities_known": 3,
                "fatalities_low": None,
                "fatalities_low_known": 0,
                "fatalities_high": None,
                "fatalities_high_known": 0,
                "injuries": 0,
                "injuries_known": 3,
            },
            {
                "week": "2021-W01",
                "incidents": 1,
                "fatalities": 4,
                "fatalities_known": 1,
                "fatalities_low": None,
                "fatalities_low_known": 0,
                "fatalities_high": None,
                "fatalities_high_known": 0,
                "injuries": 0,
                "injuries_known": 1,
            },
        ]
        months = stats(client, "group_by=month&date_from=2020-12-01&date_to=2021-01-31")
        assert [(r["month"], r["incidents"]) for r in months["data"]] == [
            ("2020-12", 1),
            ("2021-01", 3),
        ]
        years = stats(client, "group_by=year")
        assert [(r["year"], r["incidents"]) for r in years["data"]] == [
            ("2019", 1),
            ("2020", 1),
            ("2021", 3),
            ("2022", 0),
            ("2023", 0),
            ("2024", 1),
        ]
        days_out = stats(client, "group_by=day&date_from=2020-12-31&date_to=2021-01-04")
        assert [(r["day"], r["incidents"]) for r in days_out["data"]] == [
            ("2020-12-31", 1),
            ("2021-01-01", 1),
            ("2021-01-02", 0),
            ("2021-01-03", 1),
            ("2021-01-04", 1),
        ]


def test_an_incident_counts_in_the_bucket_of_its_start(engine: Engine) -> None:
    load(
        engine,
        {"date_start": "2021-12-30", "date_end": "2022-01-02", "date_precision": "range"},
        {"date_start": "2022-01-15"},
    )
    with client_for(engine) as client:
        jan = stats(client, "group_by=month&date_from=2022-01-01&date_to=2022-01-31")
        assert jan["data"] == [
            {
                "month": "2022-01",
                "incidents": 1,
                "fatalities": 0,
                "fatalities_known": 1,
                "fatalities_low": None,
                "fatalities_low_known": 0,
                "fatalities_high": None,
                "fatalities_high_known": 0,
                "injuries": 0,
                "injuries_known": 1,
            }
        ]
        # Started on the 30th, before date_from, though in the same month: not counted.
        late = stats(client, "group_by=month&date_from=2021-12-31&date_to=2022-01-31")
        assert [(r["month"], r["incidents"]) for r in late["data"]] == [
            ("2021-12", 0),
            ("2022-01", 1),
        ]
        # Without a time bucket the dates overlap, as in the list.
        by_country = stats(client, "group_by=country&date_from=2022-01-01&date_to=2022-01-31")
        assert by_country["data"][0]["incidents"] == 2
        assert total(client, "date_from=2022-01-01&date_to=2022-01-31") == 2


def test_attributed_to_counts_each_actor_once_and_keeps_groups_under_an_umbrella(
    engine: Engine,
) -> None:
    def claim(actor: str, by: str | None, stance: str) -> dict[str, Any]:
        return {
            "id": f"{actor}-by-{by or 'source'}-{stance}",
            "actor_id": actor,
            "by_actor_id": by,
            "stance": stance,
            "evidence_quote_id": "guard-no-casualties",
        }

    load(
        engine,
        # Blamed on the brigade by two accusers: counts once for the brigade.
        {
            "date_start": "2099-03-02",
            "fatalities": 2,
            "attributions": [
                claim("imaginary-brigade", None, "accused"),
                claim("imaginary-brigade", "examplestan-guard", "suspected"),
            ],
        },
        # Blamed on the umbrella and on the brigade: once under each.
        {
            "date_start": "2099-03-03",
            "attributions": [
                claim("imaginary-front", "examplestan-guard", "accused"),
                claim("imaginary-brigade", "examplestan-guard", "accused"),
            ],
        },
        # Blamed on no one: the null group.
        {"date_start": "2099-03-04", "attributions": [], "injuries": 5},
    )
    with client_for(engine) as client:
        everything = stats(client, "group_by=attributed_to")["data"]
        assert everything == [
            {
                "attributed_to": "imaginary-brigade",
                "attributed_to_name": "Imaginary Brigade",
                "incidents": 2,
                "fatalities": 2,
                "fatalities_known": 2,
                "fatalities_low": None,
                "fatalities_low_known": 0,
                "fatalities_high": None,
                "fatalities_high_known": 0,
                "injuries": 0,
                "injuries_known": 2,
            },
            {
                "attributed_to": "imaginary-front",
                "attributed_to_name": "Imaginary Front",
                "incidents": 1,
                "fatalities": 0,
                "fatalities_known": 1,
                "fatalities_low": None,
                "fatalities_low_known": 0,
                "fatalities_high": None,
                "fatalities_high_known": 0,
                "injuries": 0,
                "injuries_known": 1,
            },
            {
                "attributed_to": None,
                "attributed_to_name": None,
                "incidents": 1,
                "fatalities": 0,
                "fatalities_known": 1,
                "fatalities_low": None,
                "fatalities_low_known": 0,
                "fatalities_high": None,
                "fatalities_high_known": 0,
                "injuries": 5,
                "injuries_known": 1,
            },
        ]
        # The umbrella filter takes in its groups; the rows still name who was blamed.
        under = stats(client, "group_by=attributed_to&attributed_to=imaginary-front")["data"]
        assert [(r["attributed_to"], r["incidents"]) for r in under] == [
            ("imaginary-brigade", 2),
            ("imaginary-front", 1),
        ]
        # With `stance`, only attributions with that stance make a group.
        suspected = stats(client, "group_by=attributed_to&stance=suspected")["data"]
        assert [(r["attributed_to"], r["incidents"]) for r in suspected] == [
            ("imaginary-brigade", 1)
        ]
        by_day = stats(client, "group_by=day,attributed_to&attributed_to=imaginary-front")
        assert [(r["day"], r["attributed_to"], r["incidents"]) for r in by_day["data"]] == [
            ("2099-03-02", "imaginary-brigade", 1),
            ("2099-03-02", "imaginary-front", 0),
            ("2099-03-03", "imaginary-brigade", 1),
            ("2099-03-03", "imaginary-front", 1),
        ]


FILTERS = [
    "",
    "country=IQ",
    "date_from=2022-01-04&date_to=2022-01-05",
    "date_from=2021-01-01",
    "attributed_to=iran-backed-groups",
    "actor=us-led-coalition&role=target",
    "event_type=Explosions/Remote violence",
    "admin1=anbar",
    "bbox=38,29,49,38",
    "q=rockets",
    "min_fatalities=0",
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize(
    "dimension", ["country", "event_type", "sub_event_type", "location", "admin1"]
)
def test_counts_without_time_buckets_agree_with_the_list(
    client: TestClient, dimension: str, filters: str
) -> None:
    rows = stats(client, f"group_by={dimension}&{filters}")["data"]
    assert sum(r["incidents"] for r in rows) == total(client, filters)
    assert len({r[dimension] for r in rows}) == len(rows)
    if f"{dimension}=" in filters:
        return
    for row in rows:  # each group is what the list gives under that filter too
        if row[dimension] is not None:
            assert row["incidents"] == total(client, f"{filters}&{dimension}={row[dimension]}")


@pytest.mark.parametrize("filters", ["", "role=target", "role=killed", "country=IQ"])
def test_actor_rows_agree_with_the_actor_filter(client: TestClient, filters: str) -> None:
    rows = stats(client, f"group_by=actor&{filters}")["data"]
    assert rows
    for row in rows:
        if row["actor"] is not None:
            assert row["incidents"] == total(client, f"actor={row['actor']}&{filters}")


def test_null_admin1_and_location_are_groups_of_their_own(client: TestClient) -> None:
    rows = stats(client, "group_by=admin1")["data"]
    assert rows[-1]["admin1"] is None  # nulls last
    assert rows[-1]["incidents"] == total(client, "") - sum(r["incidents"] for r in rows[:-1])
    assert rows[-1]["incidents"] > 0
    ordered = [r["admin1"] for r in rows[:-1]]
    assert ordered == sorted(ordered)


@pytest.mark.parametrize("group_by", ["location", "month,location", "location,country"])
def test_a_place_comes_with_its_name_and_coordinates(client: TestClient, group_by: str) -> None:
    """For a map: each place's row carries what `/v1/locations/{id}` says of where it is,
    so the counts can be drawn without reading every place."""
    rows = stats(client, f"group_by={group_by}")["data"]
    places = {r["location"] for r in rows}
    assert len(places - {None}) > 1
    for row in rows:
        if row["location"] is None:  # no place: no name, nowhere
            assert (row["location_name"], row["location_latitude"]) == (None, None)
            continue
        place = client.get(f"/v1/locations/{row['location']}").json()
        assert (row["location_name"], row["location_latitude"], row["location_longitude"]) == (
            place["name"],
            place["latitude"],
            place["longitude"],
        )
    assert all("location_latitude" not in r for r in stats(client, "group_by=country")["data"])


def test_two_dimensions_give_every_value_every_bucket(client: TestClient) -> None:
    body = stats(client, "group_by=country,year")
    rows = body["data"]
    countries = sorted({r["country"] for r in rows})
    years = [str(y) for y in range(2020, 2023)]
    assert [(r["year"], r["country"]) for r in rows] == [(y, c) for y in years for c in countries]
    assert body["meta"]["date_from"] == "2020-01-03"
    assert body["meta"]["date_to"] == "2022-01-05"
    assert all(r["country_name"] for r in rows)


def test_zero_filling_when_nothing_matches(client: TestClient) -> None:
    empty = stats(client, "group_by=month&date_from=2030-01-01&date_to=2030-03-31")
    assert [(r["month"], r["incidents"]) for r in empty["data"]] == [
        ("2030-01", 0),
        ("2030-02", 0),
        ("2030-03", 0),
    ]
    # No value of the other dimension, so no series to fill; no range, nothing to fill.
    assert (
        stats(client, "group_by=month,country&date_from=2030-01-01&date_to=2030-03-31")["data"]
        == []
    )
    assert stats(client, "group_by=month&country=US")["data"] == []


def test_the_row_cap_counts_every_series(client: TestClient) -> None:
    days = "date_from=2000-01-01&date_to=2022-01-31"
    assert len(stats(client, f"group_by=day&{days}")["data"]) == 8067
    response = client.get(f"{STATS}?group_by=day,location&{days}")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["param"] == "group_by"
    assert "10000" in error["message"]
    assert "coarser" in error["message"]


@pytest.mark.parametrize(
    ("query", "status", "param"),
    [
        ("", 422, "group_by"),
        ("group_by=", 422, "group_by"),
        ("group_by=fortnight", 422, "group_by"),
        ("group_by=day,day", 422, "group_by"),
        ("group_by=day&group_by=day", 422, "group_by"),
        ("group_by=month,week", 422, "group_by"),
        ("group_by=country,actor,location", 422, "group_by"),
        ("group_by=day&date_from=1900-01-01&date_to=2022-01-31", 422, "group_by"),
        ("group_by=month&date_from=2022-02-01&date_to=2022-01-01", 422, "date_from"),
        ("group_by=month&date_from=yesterday", 422, "date_from"),
        ("group_by=month&contry=IQ", 400, "contry"),
        ("group_by=month&limit=5", 400, "limit"),
        ("group_by=month&country=Narnia", 400, "country"),
    ],
)
def test_bad_requests_are_problems_naming_the_parameter(
    client: TestClient, query: str, status: int, param: str
) -> None:
    response = client.get(f"{STATS}?{query}")
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert param in [e["param"] for e in body["errors"]]


def test_etag_and_304(client: TestClient) -> None:
    etag = client.get(ISSUE_URL).headers["etag"]
    assert client.get(ISSUE_URL, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"{STATS}?group_by=year").headers["etag"] != etag
