"""Concurrency and durability against the real server (`incident-record serve`), both backends.

- Writers and readers at once: every acknowledged write is found afterwards, and no
  request fails (no 5xx, no "database is locked").
- A read is not blocked by an open write transaction, and does not see it.
- A write waits for an open write transaction, then succeeds (no "database is locked").
- Every acknowledged write survives a restart of the server, graceful or not.
"""

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import Database
from tests.helpers_bundles import bundle
from tests.helpers_faults import sqlite_is_write_locked
from tests.helpers_server import LiveServer, cli_write_key, running_server

pytestmark = pytest.mark.slow

WRITERS = 4
BUNDLES_PER_WRITER = 3
READERS = 4
READ_PATHS = ("/v1/incidents", "/v1/sources", "/v1/quotes", "/v1/actors", "/v1/locations")


def write_key(database: Database) -> str:
    return cli_write_key(database.url, "concurrency-test")


def variant(n: int) -> dict[str, Any]:
    """The factory bundle under distinct ids; locations and actors stay shared on purpose."""
    data = bundle(id=f"concurrent-source-{n}", title=f"Rockets hit Fort Nowhere ({n})")
    incident = data["incidents"][0]
    incident["id"] = f"concurrent-rockets-{n}"
    incident["attributions"][0]["id"] = f"concurrent-rockets-{n}-blamed"
    quote = data["quotes"][0]
    quote["id"] = f"concurrent-quote-{n}"
    quote["incident_ids"] = [incident["id"]]
    return data


@dataclass
class Outcomes:
    """Every response seen, for the assertions after the threads are done."""

    lock: threading.Lock
    failures: list[str]
    acknowledged: list[str]
    reads: int = 0

    def check(self, response: httpx.Response, what: str) -> None:
        body = response.text
        bad = response.status_code >= 500 or "database is locked" in body.lower()
        with self.lock:
            if bad:
                self.failures.append(f"{what}: {response.status_code} {body[:300]}")


def post(client: httpx.Client, key: str, data: dict[str, Any]) -> httpx.Response:
    return client.post("/v1/sources", json=data, headers={"Authorization": f"Bearer {key}"})


def assert_stored(client: httpx.Client, n: int) -> None:
    source = client.get(f"/v1/sources/concurrent-source-{n}")
    assert source.status_code == 200, source.text
    assert source.json()["incident_ids"] == [f"concurrent-rockets-{n}"]
    incident = client.get(f"/v1/incidents/concurrent-rockets-{n}")
    assert incident.status_code == 200, incident.text
    assert [q["id"] for q in incident.json()["quotes"]] == [f"concurrent-quote-{n}"]


def run_writers_and_readers(server: LiveServer, key: str, numbers: list[int]) -> Outcomes:
    """Writers post `numbers` (one bundle each) while readers list until the writers are done."""
    out = Outcomes(threading.Lock(), [], [])
    writing = threading.Event()
    writing.set()
    deadline = time.monotonic() + 120

    def writer(chunk: list[int]) -> None:
        with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
            for n in chunk:
                try:
                    response = post(client, key, variant(n))
                except httpx.HTTPError as exc:
                    with out.lock:
                        out.failures.append(f"POST bundle {n}: {exc!r}")
                    continue
                out.check(response, f"POST bundle {n}")
                with out.lock:
                    if response.status_code == 201:
                        out.acknowledged.append(f"concurrent-source-{n}")
                    else:
                        out.failures.append(f"POST bundle {n}: {response.status_code}")

    def reader(k: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
            i = k
            while writing.is_set() and time.monotonic() < deadline:
                path = READ_PATHS[i % len(READ_PATHS)]
                try:
                    response = client.get(path, params={"limit": 1000})
                except httpx.HTTPError as exc:
                    with out.lock:
                        out.failures.append(f"GET {path}: {exc!r}")
                    return
                out.check(response, f"GET {path}")
                with out.lock:
                    out.reads += 1
                    if response.status_code != 200:
                        out.failures.append(f"GET {path}: {response.status_code}")
                i += 1

    chunks = [numbers[w::WRITERS] for w in range(WRITERS)]
    with ThreadPoolExecutor(WRITERS + READERS) as pool:
        readers = [pool.submit(reader, k) for k in range(READERS)]
        try:
            for f in [pool.submit(writer, chunk) for chunk in chunks]:
                f.result()
        finally:
            writing.clear()
        for f in readers:
            f.result()
    return out


def test_concurrent_writers_and_readers(database: Database, tmp_path: Path) -> None:
    numbers = list(range(WRITERS * BUNDLES_PER_WRITER))
    with running_server(tmp_path, database_url=database.url) as server:
        key = write_key(database)
        out = run_writers_and_readers(server, key, numbers)
        assert out.failures == [], "\n".join(out.failures) + "\n" + server.log()
        assert sorted(out.acknowledged) == sorted(f"concurrent-source-{n}" for n in numbers)
        assert out.reads >= READERS, "the readers ran while the writers wrote"
        with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
            for n in numbers:
                assert_stored(client, n)
            listed = client.get("/v1/incidents", params={"q": "Fort Nowhere", "limit": 1000})
            assert {i["id"] for i in listed.json()["data"]} == {
                f"concurrent-rockets-{n}" for n in numbers
            }
        assert "database is locked" not in server.log()


INSERT_SOURCE = (
    "INSERT INTO source (id, title, language, text, added, bundle_sha256, updated_at) "
    "VALUES ('uncommitted', 'Uncommitted', 'en', 'x', '[]', '0', CURRENT_TIMESTAMP)"
)


@contextmanager
def open_write_transaction(
    database: Database, *, commit: bool, begin: str = "BEGIN IMMEDIATE"
) -> Iterator[None]:
    """A write transaction that has inserted a source; it ends when the block does.

    On SQLite `begin` takes the write lock at once. `BEGIN EXCLUSIVE` would also keep
    readers out in rollback-journal mode; in WAL mode it must not.
    """
    if database.backend == "sqlite":
        path = make_url(database.url).database
        assert path
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute(begin)
            conn.execute(INSERT_SOURCE)
            yield
            conn.execute("COMMIT" if commit else "ROLLBACK")
        finally:
            conn.close()
        return
    engine = create_engine(database.url)
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            # Like SQLite's write lock: other writers of `source` wait, readers do not.
            connection.execute(text("LOCK TABLE source IN EXCLUSIVE MODE"))
            connection.execute(text(INSERT_SOURCE))
            yield
            if not commit:
                transaction.rollback()
    finally:
        engine.dispose()


def test_read_is_not_blocked_by_an_open_write(database: Database, tmp_path: Path) -> None:
    with (
        running_server(tmp_path, database_url=database.url) as server,
        httpx.Client(base_url=server.base_url, timeout=10.0) as client,
    ):
        for commit, begin in ((False, "BEGIN IMMEDIATE"), (True, "BEGIN EXCLUSIVE")):
            with open_write_transaction(database, commit=commit, begin=begin):
                if database.backend == "sqlite":
                    assert sqlite_is_write_locked(database.url), "the write lock is really held"
                for path in ("/v1/sources", "/v1/incidents", "/v1/sources/uncommitted"):
                    started = time.monotonic()
                    response = client.get(path)
                    elapsed = time.monotonic() - started
                    # busy_timeout is 5 s: a read that waited for the writer takes that long.
                    assert elapsed < 2.0, f"GET {path} took {elapsed:.2f}s"
                    if path.endswith("uncommitted"):
                        assert response.status_code == 404, response.text
                    else:
                        assert response.status_code == 200, response.text
                        assert "uncommitted" not in {r["id"] for r in response.json()["data"]}
            # Rolled back: never there. Committed: there now, so the reads above were live.
            after = client.get("/v1/sources/uncommitted")
            assert after.status_code == (200 if commit else 404), after.text


@pytest.mark.faults
def test_acknowledged_writes_survive_restarts(database: Database, tmp_path: Path) -> None:
    numbers = list(range(8))
    with running_server(tmp_path / "first", database_url=database.url) as server:
        key = write_key(database)
        out = run_writers_and_readers(server, key, numbers[:6])
        assert out.failures == [], "\n".join(out.failures)
    # Graceful stop (SIGTERM) above; now a hard kill right after acknowledged writes.
    with running_server(tmp_path / "second", database_url=database.url) as server:
        with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
            for n in numbers[:6]:
                assert_stored(client, n)
            for n in numbers[6:]:
                response = post(client, key, variant(n))
                assert response.status_code == 201, response.text
        server.process.kill()
        server.process.wait(timeout=10)
    with (
        running_server(tmp_path / "third", database_url=database.url) as server,
        httpx.Client(base_url=server.base_url, timeout=10.0) as client,
    ):
        for n in numbers:
            assert_stored(client, n)
        sources = {s["id"] for s in client.get("/v1/sources").json()["data"]}
        assert sources == {f"concurrent-source-{n}" for n in numbers} | {
            "afp-2022-01-05-coalition-under-fire"
        }
        again = post(client, key, variant(0))
        assert again.status_code == 200, "the same bundle again changes nothing"


def test_a_writer_waits_for_an_open_write_instead_of_failing(
    database: Database, tmp_path: Path
) -> None:
    with (
        running_server(tmp_path, database_url=database.url) as server,
        httpx.Client(base_url=server.base_url, timeout=30.0) as client,
    ):
        key = write_key(database)
        with ThreadPoolExecutor(1) as pool:
            with open_write_transaction(database, commit=True):
                started = time.monotonic()
                pending = pool.submit(post, client, key, variant(100))
                time.sleep(1.0)
                assert not pending.done(), "the POST waits for the open write transaction"
                listed = client.get("/v1/sources")  # meanwhile reads go on
                assert listed.status_code == 200, listed.text
            response = pending.result(timeout=20)
            waited = time.monotonic() - started
        assert response.status_code == 201, response.text + server.log()
        assert waited >= 1.0
        assert_stored(client, 100)
        sources = {s["id"] for s in client.get("/v1/sources").json()["data"]}
        assert {"uncommitted", "concurrent-source-100"} <= sources
