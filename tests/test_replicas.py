"""Reads from a streaming replica (DATABASE_READ_URL), with real `serve` processes over a
real primary and replica (tests/helpers_replica.py): reads go to the replica; a client
reads its own write back with `X-Min-Record-Version`; a replica too far behind leaves the
read pool and comes back when it catches up; a stopped replica costs no error beyond the
documented 503; two hosts answer alike; hosts started together migrate and seed once.
"""

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.config import Settings
from app.db import record_state, record_version
from app.loader import import_bundle
from app.models import Source
from app.replicas import ReadPool, ReadSession
from tests.conftest import Database, client_for
from tests.helpers_bundles import bundle
from tests.helpers_replica import Pair, replica_pair
from tests.helpers_server import (
    CONSOLE_SCRIPT,
    cli_write_key,
    free_port,
    read_log,
    run_cli,
    running_server,
)
from tests.helpers_writes import new_key, seed

pytestmark = pytest.mark.slow  # real server processes, a replica, three hosts at once

CHECK = {"REPLICA_CHECK_SECONDS": "0.2"}


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    with replica_pair(tmp_path) as made:
        yield made


def serving(pair: Pair, workdir: Path, **settings: str) -> Any:
    env = {"DATABASE_READ_URL": pair.replica, **CHECK, **settings}
    return running_server(workdir, database_url=pair.primary, env=env)


def source(n: int) -> dict[str, Any]:
    data = bundle(id=f"replica-source-{n}", title=f"Rockets hit Fort Nowhere ({n})")
    incident = data["incidents"][0]
    incident["id"] = f"replica-rockets-{n}"
    incident["attributions"][0]["id"] = f"replica-rockets-{n}-blamed"
    quote = data["quotes"][0]
    quote["id"] = f"replica-quote-{n}"
    quote["incident_ids"] = [incident["id"]]
    return data


def write(client: httpx.Client, key: str, n: int) -> int:
    """POST source `n`; the version its response names."""
    response = client.post(
        "/v1/sources", json=source(n), headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 201, response.text
    return int(response.headers["X-Record-Version"])


def replica_state(client: httpx.Client) -> dict[str, Any]:
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    (replica,) = ready.json()["replicas"]
    return dict(replica)


def wait_until(what: str, holds: Any, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = holds()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {seconds}s: {what}"
        time.sleep(0.1)


@pytest.mark.postgres
def test_reads_go_to_the_replica_and_a_client_reads_its_own_writes(
    pair: Pair, tmp_path: Path
) -> None:
    settings = {"MAX_REPLICA_LAG_SECONDS": "2", "REPLICA_WAIT_MS": "300"}
    with (
        serving(pair, tmp_path, **settings) as server,
        httpx.Client(base_url=server.base_url, timeout=15) as client,
    ):
        key = cli_write_key(pair.primary, "replica-test")
        # Caught up: nothing received and not replayed. Waited for, not seen once: the other
        # test processes write to other databases of the same cluster, whose WAL the
        # replica replays too, so a moment's lag of a few bytes is theirs.
        caught_up = wait_until(
            "the replica in the pool, caught up",
            lambda: (s := replica_state(client))["in_pool"] and s["lag_bytes"] == 0 and s,
        )
        assert caught_up["lag_seconds"] == 0, caught_up
        assert caught_up["error"] is None, caught_up
        assert "@" in caught_up["url"], caught_up
        before = int(client.get("/v1/incidents?limit=1").headers["X-Record-Version"])
        assert caught_up["record_version"] == before

        # Replay paused: a write reaches the primary only. A read without the version goes
        # to the replica, which does not have it yet: that is where reads go.
        pair.pause_replay()
        version = write(client, key, 1)
        assert version > before
        stale = client.get("/v1/sources/replica-source-1")
        assert stale.status_code == 404, stale.text
        assert int(stale.headers["X-Record-Version"]) < version
        assert "X-Min-Record-Version" in stale.headers["Vary"]

        # With the version its write answered, the client reads the write: the replica
        # does not reach it within REPLICA_WAIT_MS, so the primary answers.
        started = time.monotonic()
        own = client.get(
            "/v1/sources/replica-source-1", headers={"X-Min-Record-Version": str(version)}
        )
        waited = time.monotonic() - started
        assert own.status_code == 200, own.text
        assert int(own.headers["X-Record-Version"]) == version
        assert waited >= 0.3, waited

        lagging = replica_state(client)
        assert lagging["lag_bytes"] > 0, lagging
        assert lagging["record_version"] < version, lagging

        # Past MAX_REPLICA_LAG_SECONDS it leaves the pool: every read is the primary's.
        out = wait_until(
            "the replica out of the pool", lambda: not (s := replica_state(client))["in_pool"] and s
        )
        assert out["lag_seconds"] > 2, out
        for _ in range(5):
            fresh = client.get("/v1/sources/replica-source-1")
            assert fresh.status_code == 200, fresh.text
            assert int(fresh.headers["X-Record-Version"]) == version

        # Replaying again, it catches up and comes back: reads go to it again, which a
        # second pause and write shows.
        pair.resume_replay()
        back = wait_until(
            "the replica back in the pool, caught up",
            lambda: (s := replica_state(client))["in_pool"] and s["lag_bytes"] == 0 and s,
        )
        assert back["record_version"] == version, back
        pair.pause_replay()
        second = write(client, key, 2)
        again = client.get("/v1/sources/replica-source-2")
        assert again.status_code == 404
        assert int(again.headers["X-Record-Version"]) < second
        pair.resume_replay()

        # A version that is not a number is the client's mistake, named.
        bad = client.get("/v1/incidents", headers={"X-Min-Record-Version": "latest"})
        assert bad.status_code == 400, bad.text
        assert bad.json()["errors"][0]["param"] == "X-Min-Record-Version"


@pytest.mark.postgres
def test_a_stopped_replica_costs_no_error_but_the_documented_503(
    pair: Pair, tmp_path: Path
) -> None:
    statuses: dict[int, int] = {}
    missing: list[str] = []
    done = threading.Event()
    with (
        serving(pair, tmp_path, MAX_REPLICA_LAG_SECONDS="5") as server,
        httpx.Client(base_url=server.base_url, timeout=15) as probe,
    ):
        key = cli_write_key(pair.primary, "replica-test")
        wait_until("the replica in the pool", lambda: replica_state(probe)["in_pool"])

        def client_loop() -> None:
            n = 100
            with httpx.Client(base_url=server.base_url, timeout=15) as client:
                while not done.is_set():
                    n += 1
                    version = write(client, key, n)
                    for headers in ({"X-Min-Record-Version": str(version)}, {}):
                        read = client.get(f"/v1/sources/replica-source-{n}", headers=headers)
                        statuses[read.status_code] = statuses.get(read.status_code, 0) + 1
                        if headers and read.status_code == 404:
                            missing.append(f"{n}: {read.headers.get('X-Record-Version')}")
                    listed = client.get("/v1/incidents", params={"limit": 5})
                    statuses[listed.status_code] = statuses.get(listed.status_code, 0) + 1
                    if listed.status_code == 503:
                        assert listed.headers["content-type"] == "application/problem+json"

        worker = threading.Thread(target=client_loop)
        worker.start()
        try:
            time.sleep(1.5)
            pair.stop()
            out = wait_until(
                "the replica out", lambda: not (s := replica_state(probe))["in_pool"] and s
            )
            assert out["error"], out
            time.sleep(1.5)
            pair.start()
            wait_until("the replica back", lambda: replica_state(probe)["in_pool"])
            time.sleep(1)
        finally:
            done.set()
            worker.join(timeout=30)
    assert not missing, f"a client did not read its own write: {missing}"
    assert set(statuses) <= {200, 404, 503}, statuses
    assert statuses.get(200, 0) > 20, statuses
    # A read in flight on the replica when it stops fails with a 503; there are few.
    assert statuses.get(503, 0) <= 3, statuses


AGREED = [
    "/v1/incidents?limit=2",
    "/v1/incidents?limit=2&sort=-fatalities",
    "/v1/actors?limit=3",
    "/v1/stats/incidents?group_by=month",
    "/v1/incidents?format=csv",
    "/v1/changes?limit=5",
    "/ogc/collections/incidents/items?limit=2",
]


def _asked_of_both(
    clients: list[httpx.Client], path: str, encoding: str
) -> tuple[httpx.Response, httpx.Response]:
    """Both hosts' answers to `path`, asked again (up to twice) while their OGC API
    `timeStamp`s differ: it says when a response was made, to the second, and two hosts
    asked one after the other can fall on either side of one."""

    def stamp(response: httpx.Response) -> Any:
        ogc = response.url.path.startswith("/ogc/") and response.status_code == 200
        return response.json().get("timeStamp") if ogc else None

    for _ in range(3):
        one, other = (c.get(path, headers={"Accept-Encoding": encoding}) for c in clients)
        if stamp(one) == stamp(other):
            break
    return one, other


@pytest.mark.postgres
def test_two_hosts_answer_alike(pair: Pair, tmp_path: Path) -> None:
    """One host reading from the replica, one from the primary: the same bytes, ETags,
    cursors and versions (nothing of the host or the server enters them)."""
    with ExitStack() as stack:
        replica_host = stack.enter_context(serving(pair, tmp_path / "a"))
        primary_host = stack.enter_context(
            running_server(tmp_path / "b", database_url=pair.primary)
        )
        clients = [
            stack.enter_context(
                httpx.Client(base_url=s.base_url, timeout=15, headers={"Host": "127.0.0.1"})
            )
            for s in (replica_host, primary_host)
        ]
        wait_until("the replica in the pool", lambda: replica_state(clients[0])["in_pool"])
        for path in AGREED:
            for encoding in ("identity", "gzip"):
                one, other = _asked_of_both(clients, path, encoding)
                assert one.status_code == other.status_code == 200, (path, one.text)
                assert one.content == other.content, path
                for header in ("ETag", "X-Record-Version", "Vary", "Cache-Control"):
                    assert one.headers.get(header) == other.headers.get(header), (path, header)
        first = clients[0].get("/v1/incidents?limit=1").json()
        assert first["meta"]["next_cursor"]
        following = [
            c.get(httpx.URL(first["links"]["next"]).raw_path.decode()).json() for c in clients
        ]
        assert following[0] == following[1]


def _spawn(database_url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = workdir / "server.log"
    environment = {k: v for k, v in os.environ.items() if k not in ("SEED_DIR", "HOST", "PORT")}
    environment.update(DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    command = [str(CONSOLE_SCRIPT), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=workdir, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    return process, f"http://127.0.0.1:{port}", log


def test_hosts_started_together_migrate_and_seed_once(database: Database, tmp_path: Path) -> None:
    hosts = [_spawn(database.url, tmp_path / f"host-{n}") for n in range(3)]
    try:
        for process, base_url, log in hosts:

            def ready(url: str = base_url, proc: Any = process, path: Path = log) -> bool:
                assert proc.poll() is None, read_log(path)
                try:
                    return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_until("every host ready", ready, seconds=60)
        feeds = [
            httpx.get(f"{url}/v1/changes?limit=1000", timeout=10).json() for _, url, _ in hosts
        ]
        changes = feeds[0]["data"]
        written = [(c["resource"], c["resource_id"]) for c in changes]
        assert written
        assert len(written) == len(set(written)), "the seed was loaded twice"
        assert {c["action"] for c in changes} == {"create"}
        assert all(feed["data"] == changes for feed in feeds)
    finally:
        for process, _, _ in hosts:
            process.terminate()
        for process, _, _ in hosts:
            process.wait(timeout=20)


def test_serve_no_migrate_leaves_the_schema_to_a_step_of_its_own(
    database: Database, tmp_path: Path
) -> None:
    with (
        running_server(tmp_path, database_url=database.url, args=("--no-migrate",)) as server,
        httpx.Client(base_url=server.base_url, timeout=15) as client,
    ):
        waiting = client.get("/readyz")
        assert waiting.status_code == 503, waiting.text
        assert "schema at nothing" in waiting.json()["detail"]
        for step in (("db", "upgrade"), ("seed",)):
            done = run_cli(database.url, *step)
            assert done.returncode == 0, done.stderr
        assert client.get("/readyz").status_code == 200
        listed = client.get("/v1/incidents")
        assert listed.status_code == 200
        assert listed.json()["meta"]["total"] > 0
    assert server.process.poll() is not None


# In-process, on both backends: the version a read names is the data it reads.


def test_a_read_names_the_version_it_reads_and_a_write_the_one_holding_it(
    engine: Engine,
) -> None:
    seed(engine)
    with client_for(engine) as c:
        listed = c.get("/v1/incidents")
        version = int(listed.headers["X-Record-Version"])
        with Session(engine) as session:
            assert version == record_version(session)
        assert "X-Min-Record-Version" in listed.headers["Vary"]
        written = c.post("/v1/sources", json=bundle(), headers=new_key(engine))
        assert written.status_code == 201, written.text
        assert int(written.headers["X-Record-Version"]) == version + 1
        assert "X-Min-Record-Version" not in written.headers.get("Vary", "")
        # Without replicas, the version a client names is the primary's business alone.
        after = c.get("/v1/sources", headers={"X-Min-Record-Version": str(version + 1)})
        assert int(after.headers["X-Record-Version"]) == version + 1
        assert c.get("/healthz").headers.get("X-Record-Version") is None
        for bad in ("latest", "-1", "1.5", "9" * 30):
            refused = c.get("/v1/incidents", headers={"X-Min-Record-Version": bad})
            assert refused.status_code == 400, (bad, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"


def test_a_read_sees_one_snapshot_whatever_is_written_meanwhile(engine: Engine) -> None:
    """The version read first and every later read of the request agree, though a write
    commits between them (PostgreSQL: REPEATABLE READ; SQLite: one read transaction)."""
    pool = ReadPool(engine, [], Settings())
    session = ReadSession(engine, pool, None)
    try:
        before = record_state(session)
        import_bundle(engine, bundle())
        assert session.scalar(select(func.count()).select_from(Source)) == 0
        assert record_state(session) == before
        with Session(engine) as other:
            assert record_version(other) == before.version + 1
    finally:
        session.close()
