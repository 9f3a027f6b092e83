"""Totals, stats and the tally answer exactly what a plain SQL count over the incidents does.

Lists count through the date window's disjoint parts (app.services.filters.overlapping),
totals are cached per version of the record, and stats read the monthly tally that
triggers keep (app.models.aggregates): each is checked here against the plain SQL a
reader would write, on a synthetic record of each backend, and again after writes
through the API (POST, PATCH, DELETE, replace).
"""

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from app.schemas.queries import StatsQuery
from app.services import incidents, stats
from app.synth import synthesize
from tests.conftest import BACKENDS, client_for, migrated_engine
from tests.helpers_bundles import bundle
from tests.helpers_writes import (
    month_of,
    new_key,
    search_figures_beside_incidents,
    seed,
    tallies_beside_grouped,
)

pytestmark = pytest.mark.slow

N = 3000
STATS = "/v1/stats/incidents"
FIGURES = ("incidents", "fatalities", "fatalities_known", "injuries", "injuries_known")

# Filters and the plain SQL condition each means. The dates overlap as the list says:
# an incident matches when it ends on or after date_from and starts on or before date_to.
WINDOWS: list[tuple[dict[str, str], str]] = [
    ({}, "1=1"),
    ({"country": "SY"}, "country = 'SY'"),
    (
        {"date_from": "2021-03-01", "date_to": "2021-03-31"},
        "date_end >= '2021-03-01' AND date_start <= '2021-03-31'",
    ),
    (
        {"country": "IQ,YE", "date_from": "2019-02-14", "date_to": "2019-09-02"},
        "country IN ('IQ', 'YE') AND date_end >= '2019-02-14' AND date_start <= '2019-09-02'",
    ),
    ({"date_from": "2025-12-20"}, "date_end >= '2025-12-20'"),
    ({"date_to": "2014-06-30"}, "date_start <= '2014-06-30'"),
    (
        {"event_type": "Battles", "date_from": "2016-01-01", "date_to": "2016-12-31"},
        "event_type = 'Battles' AND date_end >= '2016-01-01' AND date_start <= '2016-12-31'",
    ),
]

# Stats with a time bucket count each incident in the bucket of its start, and their dates
# select the incidents that start inside them. Whole months come from the tally, the days
# of a month that a date cuts from the incidents: these windows exercise both.
BUCKETED: list[tuple[dict[str, str], str]] = [
    ({}, "1=1"),
    (
        {"date_from": "2018-01-01", "date_to": "2022-12-31"},
        "date_start BETWEEN '2018-01-01' AND '2022-12-31'",
    ),
    (
        {"date_from": "2018-01-15", "date_to": "2018-03-10", "country": "SY,IQ"},
        "date_start BETWEEN '2018-01-15' AND '2018-03-10' AND country IN ('SY', 'IQ')",
    ),
    (
        {"date_from": "2020-05-09", "date_to": "2020-05-20"},
        "date_start BETWEEN '2020-05-09' AND '2020-05-20'",
    ),
    (
        {"date_from": "2020-05-01", "date_to": "2020-05-20"},
        "date_start BETWEEN '2020-05-01' AND '2020-05-20'",
    ),
    ({"date_to": "2016-07-04"}, "date_start <= '2016-07-04'"),
    (
        {"date_from": "2023-02-02", "sub_event_type": "Air/drone strike"},
        "date_start >= '2023-02-02' AND sub_event_type = 'Air/drone strike'",
    ),
]


@pytest.fixture(scope="module", params=BACKENDS)
def synthetic(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path_factory.mktemp("scale")) as engine:
        synthesize(engine, N, seed=21)
        yield engine


def sql(engine: Engine, query: str) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(query)))


def expected_figures(
    engine: Engine, group: list[str], where: str
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Plain SQL: per group, incidents and the sums and counts of the known figures."""
    rows = sql(
        engine,
        f"SELECT {', '.join(group)}, count(*), sum(fatalities), count(fatalities), "
        f"sum(injuries), count(injuries) FROM incident WHERE {where} GROUP BY {', '.join(group)}",
    )
    n = len(group)
    return {
        tuple(r[:n]): {
            "incidents": r[n],
            "fatalities": r[n + 1],
            "fatalities_known": r[n + 2],
            "injuries": r[n + 3],
            "injuries_known": r[n + 4],
        }
        for r in rows
    }


@pytest.mark.parametrize(("params", "where"), WINDOWS)
def test_list_totals_are_plain_sql_counts(
    synthetic: Engine, params: dict[str, str], where: str
) -> None:
    (expected,) = sql(synthetic, f"SELECT count(*) FROM incident WHERE {where}")[0]
    with client_for(synthetic) as client:
        first = client.get("/v1/incidents", params={**params, "limit": 1000}).json()
        assert first["meta"]["total"] == expected
        # Every page of the keyset walk, and nothing twice: the parts of the window meet.
        seen = [i["id"] for i in first["data"]]
        url = first["links"]["next"]
        while url:
            page = client.get(url).json()
            assert page["meta"]["total"] == expected
            seen += [i["id"] for i in page["data"]]
            url = page["links"]["next"]
        assert len(seen) == len(set(seen)) == expected
        ids = {r[0] for r in sql(synthetic, f"SELECT id FROM incident WHERE {where}")}
        assert set(seen) == ids
        # Without a time bucket, stats count what the list does, for the map too.
        by_country = client.get(STATS, params={**params, "group_by": "country"}).json()
        assert sum(r["incidents"] for r in by_country["data"]) == expected
        by_place = client.get(STATS, params={**params, "group_by": "location"}).json()
        places = f"SELECT location_id, count(*) FROM incident WHERE {where} GROUP BY location_id"
        assert {r["location"]: r["incidents"] for r in by_place["data"]} == {
            row[0]: row[1] for row in sql(synthetic, places)
        }


@pytest.mark.parametrize(("params", "where"), BUCKETED)
@pytest.mark.parametrize("group_by", ["month", "month,country", "year,event_type", "year,location"])
def test_stats_are_plain_sql_sums(
    synthetic: Engine, params: dict[str, str], where: str, group_by: str
) -> None:
    month = month_of(synthetic)
    columns = {
        "month": month,
        "year": f"substr({month}, 1, 4)",
        "country": "country",
        "event_type": "event_type",
        "location": "location_id",
    }
    group = [columns[g] for g in group_by.split(",")]
    expected = expected_figures(synthetic, group, where)
    with client_for(synthetic) as client:
        response = client.get(STATS, params={**params, "group_by": group_by})
        assert response.status_code == 200, response.text
    got = {}
    for row in response.json()["data"]:
        key = tuple(row[g] for g in group_by.split(","))
        figures = {
            k: row[k]
            for k in ("incidents", "fatalities", "fatalities_known", "injuries", "injuries_known")
        }
        if figures["incidents"]:
            got[key] = figures
        else:  # a zero-filled bucket: nothing, and nothing known
            assert figures == {
                "incidents": 0,
                "fatalities": None,
                "fatalities_known": 0,
                "injuries": None,
                "injuries_known": 0,
            }
    assert got == expected


def test_the_tally_is_the_incidents_grouped(synthetic: Engine) -> None:
    (tally, grouped), (places, by_place) = tallies_beside_grouped(synthetic)
    assert tally == grouped
    assert sum(v[0] for v in tally.values()) == N
    assert places == by_place
    assert any(key[0] == "" for key in places)  # incidents without a place, under ""
    figures, incidents = search_figures_beside_incidents(synthetic)
    assert figures == incidents
    assert len(incidents) == N


def test_monthly_stats_over_the_seed_say_injuries_are_not_known(client: TestClient) -> None:
    """January 2020: four incidents, none with an injuries figure: null, not 0."""
    body = client.get(
        STATS, params={"group_by": "month", "date_from": "2020-01-01", "date_to": "2020-02-29"}
    ).json()
    january, february = body["data"]
    assert january["month"] == "2020-01"
    assert january["incidents"] == 4
    assert january["injuries"] is None
    assert january["injuries_known"] == 0
    assert february == {
        "month": "2020-02",
        "incidents": 0,
        "fatalities": None,
        "fatalities_known": 0,
        "fatalities_low": None,
        "fatalities_low_known": 0,
        "fatalities_high": None,
        "fatalities_high_known": 0,
        "injuries": None,
        "injuries_known": 0,
    }


def _figures(client: TestClient, **params: str) -> tuple[int, dict[str, Any]]:
    total = client.get("/v1/incidents", params={**params, "limit": 1}).json()["meta"]["total"]
    rows = client.get(STATS, params={**params, "group_by": "month"}).json()["data"]
    return total, {r["month"]: r for r in rows if r["incidents"]}


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_write_is_in_the_next_total_and_stats(backend: str, tmp_path: Path) -> None:
    """POST, PATCH, DELETE and replace each show in the very next list and stats answer
    (the cached total is keyed by the record's version; the tally is kept by triggers)."""
    with migrated_engine(backend, tmp_path) as engine, client_for(engine) as client:
        seed(engine)
        headers = new_key(engine)
        window = {"date_from": "2099-03-01", "date_to": "2099-03-31"}
        assert _figures(client, **window) == (0, {})

        data = bundle()  # one incident on 2099-03-04 with fatalities 0 and injuries 0
        assert client.post("/v1/sources", json=data, headers=headers).status_code == 201
        total, months = _figures(client, **window)
        assert total == 1
        assert months["2099-03"]["fatalities"] == 0
        assert months["2099-03"]["fatalities_known"] == 1

        incident_id = data["incidents"][0]["id"]
        etag = client.get(f"/v1/incidents/{incident_id}").headers["etag"]
        patched = client.patch(
            f"/v1/incidents/{incident_id}",
            json={"fatalities": 7, "injuries": None},
            headers={**headers, "If-Match": etag},
        )
        assert patched.status_code == 200, patched.text
        total, months = _figures(client, **window)
        assert (total, months["2099-03"]["fatalities"], months["2099-03"]["injuries"]) == (
            1,
            7,
            None,
        )
        assert months["2099-03"]["injuries_known"] == 0

        moved = copy.deepcopy(client.get(f"/v1/sources/{data['source']['id']}/bundle").json())
        moved["incidents"][0]["date_start"] = moved["incidents"][0]["date_end"] = "2099-04-02"
        replaced = client.post("/v1/sources?replace=true", json=moved, headers=headers)
        assert replaced.status_code == 200, replaced.text
        assert _figures(client, **window) == (0, {})
        total, months = _figures(client, date_from="2099-04-01", date_to="2099-04-30")
        assert total == 1
        assert months["2099-04"]["fatalities"] == 7
        figures, incidents = search_figures_beside_incidents(engine)
        assert figures == incidents
        assert [f[-4] for f in figures if str(f[-8]) == "2099-04-02"] == [7]  # date, deaths

        etag = client.get(f"/v1/incidents/{incident_id}").headers["etag"]
        deleted = client.delete(
            f"/v1/incidents/{incident_id}", headers={**headers, "If-Match": etag}
        )
        assert deleted.status_code == 204
        assert _figures(client, date_from="2099-04-01", date_to="2099-04-30") == (0, {})
        figures, incidents = search_figures_beside_incidents(engine)
        assert figures == incidents
        # The seed is counted as before: the writes changed only their own incident.
        (seeded,) = sql(engine, "SELECT count(*) FROM incident WHERE date_end >= '2022-01-01'")[0]
        assert _figures(client, date_from="2022-01-01")[0] == seeded == 7


# Stats under `q` read the figures kept beside the search rows (app.services.stats), for
# the dimensions and filters those hold; anything else reads the incidents.
SEARCHED: list[dict[str, str]] = [
    {"q": "drone", "group_by": "month"},
    {"q": "attack", "group_by": "year,country"},
    {"q": "drone", "country": "IQ,SY", "group_by": "location"},
    {"q": '"drone strike"', "group_by": "event_type"},
    {"q": "att*", "group_by": "week", "date_from": "2021-03-15", "date_to": "2022-02-10"},
    {"q": "attack", "group_by": "day", "date_from": "2020-05-09", "date_to": "2020-06-20"},
    {"q": "attack", "event_type": "Battles", "group_by": "sub_event_type"},
    {"q": "drone", "min_fatalities": "3", "group_by": "month"},
    {"q": "attack", "min_fatalities": "2", "fatalities_estimate": "best", "group_by": "country"},
    {"q": "forces", "sub_event_type": "Armed clash", "group_by": "year,location"},
    {"q": "drone", "group_by": "year,event_type", "date_to": "2016-07-04"},
]


@pytest.mark.parametrize(
    "params", SEARCHED, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_stats_under_q_from_the_search_rows_are_those_of_the_incidents(
    synthetic: Engine, params: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same answer, figures, dates and zero-filling included, as read from the incidents
    (the path every other filter takes), and read without them."""
    read = []
    monkeypatch.setattr(stats, "_from_search_rows", _spy(stats._from_search_rows, read))
    statements: list[str] = []
    with client_for(synthetic) as client, _statements(synthetic, statements):
        kept = client.get(STATS, params=params)
    assert kept.status_code == 200, kept.text
    assert len(read) == 1
    assert not [s for s in statements if re.search(r"\bFROM incident\b(?!_)", s)], statements
    monkeypatch.setattr(stats, "_searched", lambda *_: False)
    with client_for(synthetic) as client:
        grouped = client.get(STATS, params=params)
    assert len(read) == 1
    assert kept.json() == grouped.json()
    assert sum(r["incidents"] for r in kept.json()["data"]) > 0


@pytest.mark.parametrize(
    "params",
    [
        {"q": "drone", "group_by": "actor"},
        {"q": "drone", "group_by": "admin1"},
        {"q": "drone", "group_by": "country", "date_from": "2020-01-01"},  # overlap: date_end
        {"q": "drone", "group_by": "month", "attributed_to": "synth-21-umbrella-01"},
        {"q": "drone", "group_by": "month", "admin1": "Nineveh"},
    ],
    ids=str,
)
def test_stats_under_q_with_what_the_search_rows_do_not_hold_read_the_incidents(
    synthetic: Engine, params: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[Any] = []
    monkeypatch.setattr(stats, "_from_search_rows", _spy(stats._from_search_rows, read))
    with client_for(synthetic) as client:
        assert client.get(STATS, params=params).status_code == 200
    assert read == []


def test_stats_under_q_read_every_match_with_room_for_an_exact_bitmap(synthetic: Engine) -> None:
    """PostgreSQL: the statement that reads every match of `q` runs with `SEARCH_WORK_MEM`,
    so that its bitmap of the matches stays exact (past the default 4 MB, whole pages are
    matched again), and only in its transaction: the pooled connection keeps its default."""
    if synthetic.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's memory for a statement; SQLite has no bitmap scan")
    with Session(synthetic) as session:
        default = session.execute(text("SHOW work_mem")).scalar()
        stats.incident_stats(session, StatsQuery(q="drone", group_by=["month"]))
        assert session.execute(text("SHOW work_mem")).scalar() == stats.SEARCH_WORK_MEM
        session.commit()
        assert session.execute(text("SHOW work_mem")).scalar() == default
    assert default != stats.SEARCH_WORK_MEM


def _spy(function: Any, calls: list[Any]) -> Any:
    def called(*args: Any) -> Any:
        calls.append(args)
        return function(*args)

    return called


@contextmanager
def _statements(engine: Engine, into: list[str]) -> Iterator[None]:
    def seen(*args: Any) -> None:
        into.append(args[2])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", seen)


# The list under `q` with filters of the figures kept beside the search rows: by relevance
# they are tested there, and the total counts there, instead of on an incident each.
FIGURE_FILTERS: list[dict[str, str]] = [
    {"q": "drone", "sort": "relevance", "event_type": "Explosions/Remote violence"},
    {"q": "attack forces", "sort": "relevance", "min_fatalities": "3"},
    {"q": "att*", "sort": "relevance", "country": "IQ,SY", "sub_event_type": "Armed clash"},
    {"q": "attack", "sort": "relevance", "min_fatalities": "1", "date_to": "2020-12-31"},
    {"q": "drone", "event_type": "Explosions/Remote violence"},
    {"q": "attack", "sort": "date", "min_fatalities": "2", "date_from": "2019-06-01"},
]


@pytest.mark.parametrize(
    "params", FIGURE_FILTERS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_q_with_figure_filters_finds_what_the_incidents_give(
    synthetic: Engine, params: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page (cursors followed) and the total, as read with the filters on the
    incidents; by relevance, the ranking statement reads no incident."""
    statements: list[str] = []
    with client_for(synthetic) as client, _statements(synthetic, statements):
        kept, kept_total = _every_page(client, params)
    assert kept_total > 0
    if params.get("sort") == "relevance":
        ranking = [s for s in statements if "bm25(" in s or "ts_rank_cd(" in s]
        assert ranking
        assert not [s for s in ranking if re.search(r"JOIN incident\b(?!_)", s)], ranking
    monkeypatch.setattr(incidents, "figure_conditions", lambda *_: None)
    with client_for(synthetic) as client:
        assert _every_page(client, params) == (kept, kept_total)


def test_a_list_with_nothing_to_match_reads_no_page(
    synthetic: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exact total of 0 answers an empty page without looking for one: a word and a
    filter that never meet (no drone in a battle of the synthetic texts) made PostgreSQL
    walk every search row back from the newest for a page, 9 s at 1M. What is refused
    stays refused: relevance without a word, a cursor of another order."""
    params = {"q": "drone", "event_type": "Battles"}
    with client_for(synthetic) as client:
        by_date = client.get("/v1/incidents", params={"limit": 1}).json()["links"]["next"]
        cursor = by_date.split("cursor=")[1].split("&")[0]
        assert client.get("/v1/incidents", params={"q": "drone"}).json()["meta"]["total"] > 0
        monkeypatch.setattr(incidents, "page_keys", _never)
        body = client.get("/v1/incidents", params=params).json()
        assert (body["data"], body["meta"]["total"]) == ([], 0)
        bare = client.get("/v1/incidents", params={"date_from": "2090-01-01", "sort": "relevance"})
        assert (bare.status_code, bare.json()["errors"][0]["param"]) == (422, "sort")
        other = client.get(
            "/v1/incidents", params={**params, "sort": "-fatalities", "cursor": cursor}
        )
        assert other.status_code == 400, other.text


def _never(*_: Any, **__: Any) -> Any:
    raise AssertionError("read a page")


def _every_page(client: TestClient, params: dict[str, str]) -> tuple[list[str], int]:
    ids: list[str] = []
    page = client.get("/v1/incidents", params={**params, "limit": 100})
    assert page.status_code == 200, page.text
    total = page.json()["meta"]["total"]
    while True:
        body = page.json()
        ids += [i["id"] for i in body["data"]]
        if not body["links"]["next"]:
            return ids, total
        page = client.get(body["links"]["next"])
        assert page.status_code == 200, page.text
