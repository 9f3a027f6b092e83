"""`q`: every word at the start of a word, by a full-text index, the same on both backends.

The expected answers are computed here from the records' own text with the rule the API
documents (app.services.search): the words of `q` are its runs of letters and digits,
lowercased, and an incident matches when each begins a word of its title, its summary or
a quote about it. Both backends must give exactly those incidents, on the seed with the
second article, and on a synthetic record.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.config import PROJECT_ROOT, get_settings
from app.db import write_session
from app.errors import Conflict
from app.loader import import_bundle, load_folder, read_bundle_file
from app.synth import synthesize
from tests.conftest import BACKENDS, client_for, migrated_engine
from tests.helpers_writes import new_key

WORD = re.compile(r"[^\W_]+")
QUERIES = [
    "drone",
    "Drones",
    "rocket ain",
    "al-Asad",
    "IRAN backed",
    "Kirby assumption",
    "coalition anniversary",
    "fort",
    "nothingmatchesthis",
    "ain al asad rockets",
    "2020",
    "Soleimani",
    "working level",
]
# Full-text query syntax of either backend, which must mean only the words in it.
HOSTILE = [
    '"drone',
    "drone*",
    "NEAR(drone rocket)",
    "drone OR rocket",
    "-drone",
    "^drone",
    "drone & rocket",
    "drone | rocket",
    "!drone",
    "drone:*",
    "(rocket)",
    "title:drone",
    "drone' OR '1'='1",
]


def words(value: str) -> list[str]:
    return WORD.findall(value.lower())


def expected(engine: Engine, q: str) -> set[str]:
    """The incidents whose title, summary or quotes begin a word with every word of `q`."""
    texts: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for incident_id, title, summary in connection.execute(
            text("SELECT id, title, summary FROM incident")
        ):
            texts[incident_id] = [title, summary or ""]
        for incident_id, quote in connection.execute(
            text(
                "SELECT qi.incident_id, q.text FROM quote_incident qi"
                " JOIN quote q ON q.id = qi.quote_id"
            )
        ):
            texts[incident_id].append(quote)
    wanted = words(q)
    found = set()
    for incident_id, parts in texts.items():
        vocabulary = {w for part in parts for w in words(part)}
        if all(any(v.startswith(w) for v in vocabulary) for w in wanted):
            found.add(incident_id)
    return found


def matching(client: TestClient, q: str, **params: Any) -> list[str]:
    ids, url = [], "/v1/incidents"
    query: dict[str, Any] | None = {"q": q, "limit": 1000, **params}
    while url:
        response = client.get(url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [i["id"] for i in body["data"]]
        url, query = body["links"]["next"], None
    return ids


@pytest.fixture(scope="module", params=BACKENDS)
def articles(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, TestClient]]:
    """The seed and the second article."""
    with migrated_engine(request.param, tmp_path_factory.mktemp("search")) as engine:
        with write_session(engine) as session:
            load_folder(session, get_settings().seed_dir)
        second = read_bundle_file(PROJECT_ROOT / "tests/data/nw_2099_06_18_kestrelholm.json")
        import_bundle(engine, second)
        with client_for(engine) as client:
            yield engine, client


@pytest.mark.parametrize("q", QUERIES)
def test_every_word_begins_a_word_of_the_incident_or_its_quotes(
    articles: tuple[Engine, TestClient], q: str
) -> None:
    engine, client = articles
    found = matching(client, q)
    assert len(found) == len(set(found))
    assert set(found) == expected(engine, q)


def test_the_queries_find_something(articles: tuple[Engine, TestClient]) -> None:
    """The expected sets are not all empty: the test above tests matching, not absence."""
    engine, _ = articles
    sizes = {q: len(expected(engine, q)) for q in QUERIES}
    assert sizes["drone"] > 0
    assert sizes["working level"] > 0  # words of a quote, not of the incident
    assert sizes["nothingmatchesthis"] == 0
    # "Drones" finds fewer than its beginning "drone" can: words match from their start.
    assert sizes["Drones"] <= sizes["drone"]


@pytest.mark.parametrize("q", HOSTILE)
def test_search_syntax_means_only_its_words(articles: tuple[Engine, TestClient], q: str) -> None:
    engine, client = articles
    assert set(matching(client, q)) == expected(engine, q)


def test_a_search_without_a_word_is_a_422(articles: tuple[Engine, TestClient]) -> None:
    _, client = articles
    response = client.get("/v1/incidents", params={"q": "*** -- !!"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["param"] == "q"


def test_quotes_are_searched_by_their_words(articles: tuple[Engine, TestClient]) -> None:
    engine, client = articles
    with engine.connect() as connection:
        quotes = dict(connection.execute(text("SELECT id, text FROM quote")).all())
    for q in ("working level", "Iran", "drone", "assum"):
        response = client.get("/v1/quotes", params={"q": q, "limit": 1000})
        assert response.status_code == 200, response.text
        got = {row["id"] for row in response.json()["data"]}
        want = {
            qid
            for qid, quote in quotes.items()
            if all(any(v.startswith(w) for v in words(quote)) for w in words(q))
        }
        assert got == want


def test_relevance_ranks_and_pages_every_match_once(articles: tuple[Engine, TestClient]) -> None:
    engine, client = articles
    q = "rocket"
    ranked = matching(client, q, sort="relevance", limit=2)  # many small pages
    assert sorted(ranked) == sorted(expected(engine, q))
    assert len(ranked) > 2
    # The best first: an incident with the word in its own title before one without.
    titles = {
        i["id"]: i["title"].lower()
        for i in client.get("/v1/incidents", params={"limit": 1000}).json()["data"]
    }
    in_title = [i for i in ranked if "rocket" in titles[i]]
    assert in_title
    assert ranked.index(in_title[-1]) < max(
        (ranked.index(i) for i in ranked if "rocket" not in titles[i]), default=len(ranked)
    )


def test_relevance_needs_q(articles: tuple[Engine, TestClient]) -> None:
    _, client = articles
    response = client.get("/v1/incidents", params={"sort": "relevance"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["param"] == "sort"


@pytest.mark.parametrize("sort", ["-date", "date", "-fatalities", "updated_at", "relevance"])
@pytest.mark.parametrize(
    "other", [{"attributed_to": "iran-backed-groups"}, {"actor": "john-kirby"}]
)
def test_a_word_a_window_and_an_actor_together(
    articles: tuple[Engine, TestClient], sort: str, other: dict[str, str]
) -> None:
    """The parts of a window with `q` (those that start inside it, read from the search rows,
    and those begun before it) and their total share one actor filter: each part made its
    own, and two subqueries of one name could not be compiled (a 500)."""
    _, client = articles
    window = {"date_from": "2022-01-01"}
    url, query = "/v1/incidents", {"limit": 1000, **window, **other}
    filtered = {i["id"] for i in client.get(url, params=query).json()["data"]}
    found = matching(client, "rocket", sort=sort, limit=1, **window, **other)
    assert sorted(found) == sorted(filtered & set(matching(client, "rocket", **window)))
    assert found
    meta = client.get(url, params={**query, "q": "rocket"}).json()["meta"]
    assert (meta["total"], meta["total_relation"]) == (len(found), "eq")


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"format": "csv"}, {}),
        ({"format": "ndjson"}, {}),
        ({"format": "geojson"}, {}),
        ({"format": "acled"}, {}),
        ({}, {"Accept": "text/csv"}),
    ],
)
def test_an_export_by_relevance_is_refused_before_its_first_byte(
    articles: tuple[Engine, TestClient], params: dict[str, str], headers: dict[str, str]
) -> None:
    """Relevance ranks one page at a time: an export by it is a 422 naming `sort`, not a
    stream broken after its headers (it was: the export's statement had no rank)."""
    _, client = articles
    query = {"q": "rocket", "sort": "relevance", **params}
    response = client.get("/v1/incidents", params=query, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["param"] == "sort"
    assert "export" in error["message"]
    # The same search exports in another order.
    other = client.get("/v1/incidents", params={**query, "sort": "-date"}, headers=headers)
    assert other.status_code == 200


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_index_follows_every_write(backend: str, tmp_path: Path) -> None:
    """A patched title is found by its new words at once; a deleted incident is not."""
    with migrated_engine(backend, tmp_path) as engine, client_for(engine) as client:
        with write_session(engine) as session:
            load_folder(session, get_settings().seed_dir)
        headers = new_key(engine)
        incident = "2022-01-05-ain-al-asad-rockets"
        assert incident not in matching(client, "zeppelin")
        etag = client.get(f"/v1/incidents/{incident}").headers["etag"]
        patched = client.patch(
            f"/v1/incidents/{incident}",
            json={"title": "Zeppelins over Ain al-Asad"},
            headers={**headers, "If-Match": etag},
        )
        assert patched.status_code == 200, patched.text
        assert matching(client, "zeppelin") == [incident]
        assert incident not in matching(client, "rockets target")
        # A figure alone changed: the words stay (PostgreSQL's trigger keeps the document).
        patched = client.patch(
            f"/v1/incidents/{incident}",
            json={"fatalities": 3},
            headers={**headers, "If-Match": patched.headers["etag"]},
        )
        assert patched.status_code == 200, patched.text
        assert matching(client, "zeppelin") == [incident]
        assert matching(client, "zeppelin", min_fatalities="3") == [incident]
        etag = patched.headers["etag"]
        url = f"/v1/incidents/{incident}"
        deleted = client.delete(url, headers={**headers, "If-Match": etag})
        assert deleted.status_code == 204
        assert matching(client, "zeppelin") == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_synthetic_record_same_answers_and_by_index(backend: str, tmp_path: Path) -> None:
    with migrated_engine(backend, tmp_path) as engine, client_for(engine) as client:
        synthesize(engine, 2000, seed=31)
        for q in ("drone", "rockets struck", "claimed responsibility", "roadside"):
            assert set(matching(client, q)) == expected(engine, q)
        with Session(engine) as session:
            plan = _plan(session, "drone")
        assert "incident_search" in plan, plan
        # synth wrote the SQLite index in one pass at its end, and put its triggers back:
        # a refused second run leaves them too, and the next write is indexed as it lands.
        with pytest.raises(Conflict):
            synthesize(engine, 10, seed=31)
        with write_session(engine) as session:
            load_folder(session, get_settings().seed_dir)
        assert "2022-01-05-ain-al-asad-rockets" in matching(client, "Ain al-Asad")
        for q in ("drone", "rockets struck", "Kirby"):
            assert set(matching(client, q)) == expected(engine, q)


def _plan(session: Session, q: str) -> str:
    from app.schemas.queries import IncidentQuery
    from app.services.incidents import page_keys

    (stmt,) = page_keys(IncidentQuery(q=q))
    compiled = stmt.compile(session.get_bind())
    params: Any = compiled.construct_params()
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # a word in a quarter of 2,000: show the
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # index can serve it
    explain = "EXPLAIN " if connection.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    rows = connection.exec_driver_sql(explain + str(compiled), params)
    return "\n".join(" ".join(str(v) for v in row) for row in rows)
