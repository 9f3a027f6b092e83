"""Load with faults: readers and writers against the real server while the database goes away.

For each backend, about a minute (`LOAD_SECONDS`, default 60) of importers (`POST
/v1/sources`), a patcher, a deleter and readers (lists, detail, CSV and NDJSON exports,
stats, the change feed) at once against `incident-record serve`. Mid-run the database is
made unavailable for `OUTAGE_SECONDS`:

- PostgreSQL: the test's own cluster is stopped (`pg_ctl -m immediate`, as abrupt as a
  crash) and started again.
- SQLite: the database file, its `-wal` and its folder are made immutable (`chattr +i`),
  which even root cannot write through, open file descriptors included (`chmod` would not
  stop a root server, nor any process that has the file open). The `-shm` stays writable:
  it is mapped into memory, and a write to an immutable mapping kills the process.

The server's STATEMENT_TIMEOUT_MS is 30 s here: the load saturates the machine on purpose,
and a write queued behind the others for the write lock (SQLite's busy handler polls, so
a writer can wait long) is not the fault under test; the limit has its own tests
(`test_timeouts.py`).

During the outage every failure must be a 503 problem with `Retry-After` and no SQL or
stack trace; before it, and from a few seconds after it, every request must succeed,
with nobody restarting the server. At the end every acknowledged write is in the data and
in the change feed exactly once, every unacknowledged one is wholly there or wholly
absent, and the database passes its integrity checks. The figures are printed.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers_bundles import many_incidents
from tests.helpers_faults import bundle_state, snapshot, sqlite_intact
from tests.helpers_pg import amcheck, own_cluster
from tests.helpers_server import LiveServer, cli_write_key, running_server

pytestmark = [pytest.mark.slow, pytest.mark.faults]

LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
OUTAGE_AT = 0.4 * LOAD_SECONDS
OUTAGE_SECONDS = 5.0
RECOVERY_SECONDS = 5.0
"""After the database is back, requests must succeed again within this."""
INCIDENTS_PER_BUNDLE = 5
IMPORTERS, READERS = 2, 3
READS = (
    ("list", "/v1/incidents?limit=100"),
    ("export", "/v1/incidents?format=csv&limit=1000"),
    ("export", "/v1/incidents?format=ndjson&limit=1000&q=rockets"),
    ("stats", "/v1/stats/incidents?group_by=month"),
    ("changes", "/v1/changes?since=0&limit=1000"),
    ("list", "/v1/sources?limit=100"),
    ("list", "/v1/quotes?limit=100"),
    ("detail", "/v1/incidents/{}"),
)
SERVER = {"STATEMENT_TIMEOUT_MS": "30000"}
LEAKS = ("Traceback", "SELECT ", "INSERT ", "UPDATE ", "sqlite3.", "psycopg")


@dataclass
class Outcome:
    kind: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer
    problem: str = ""


@dataclass
class Run:
    """Everything the workers did, for the checks and the figures."""

    key: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: list[Outcome] = field(default_factory=list)
    bundles: dict[str, dict[str, Any]] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # source id: acked / unknown
    patches: dict[str, str] = field(default_factory=dict)  # incident id: acked / unknown
    deletes: dict[str, str] = field(default_factory=dict)
    to_patch: list[str] = field(default_factory=list)
    to_delete: list[str] = field(default_factory=list)
    readable: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def call(
        self, client: httpx.Client, kind: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.record(Outcome(kind, started, time.monotonic(), None, repr(exc)))
            return None
        outcome = Outcome(kind, started, time.monotonic(), response.status_code)
        if response.status_code >= 500:
            outcome.problem = problem_fault(response)
        self.record(outcome)
        return response

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def problem_fault(response: httpx.Response) -> str:
    """What is wrong with a 5xx answer, or "" for a proper 503 problem."""
    body = response.text
    if response.status_code != 503:
        return f"{response.status_code}: {body[:300]}"
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return f"503 not a problem document: {response.headers.get('content-type')}"
    if not response.headers.get("retry-after", "").isdigit():
        return "503 without a Retry-After in seconds"
    kind = response.json().get("type", "")
    if not kind.endswith((":database-unavailable", ":statement-timeout")):
        return f"503 of type {kind}"
    leaked = [word for word in LEAKS if word in body]
    return f"503 body leaks {leaked}: {body[:300]}" if leaked else ""


def importer(run: Run, client: httpx.Client, numbers: Iterator[int]) -> None:
    for n in numbers:
        if run.stop.is_set():
            return
        source_id = f"load-{n}"
        data = many_incidents(source_id, INCIDENTS_PER_BUNDLE)
        with run.lock:
            run.bundles[source_id] = data
        headers = {"Authorization": f"Bearer {run.key}"}
        response = run.call(client, "import", "POST", "/v1/sources", json=data, headers=headers)
        acked = response is not None and response.status_code == 201
        with run.lock:
            run.imports[source_id] = "acked" if acked else "unknown"
            if acked:
                run.readable.append(f"{source_id}-0")
                run.to_patch.append(f"{source_id}-1")
                run.to_delete.append(f"{source_id}-2")


def editor(run: Run, client: httpx.Client, kind: str) -> None:
    """Patch (or delete) each incident set aside for it, once, with the ETag of a GET."""
    queue, done = (run.to_patch, run.patches) if kind == "patch" else (run.to_delete, run.deletes)
    auth = {"Authorization": f"Bearer {run.key}"}
    while not run.stop.is_set():
        with run.lock:
            incident_id = queue.pop(0) if queue else None
        if incident_id is None:
            time.sleep(0.05)
            continue
        url = f"/v1/incidents/{incident_id}"
        current = run.call(client, "detail", "GET", url)
        if current is None or current.status_code != 200:
            continue
        headers = {**auth, "If-Match": current.headers["etag"]}
        if kind == "patch":
            patch = {"notes": f"patched {incident_id}"}
            response = run.call(client, "patch", "PATCH", url, json=patch, headers=headers)
            acked = response is not None and response.status_code == 200
        else:
            response = run.call(client, "delete", "DELETE", url, headers=headers)
            acked = response is not None and response.status_code == 204
        with run.lock:
            done[incident_id] = "acked" if acked else "unknown"


def reader(run: Run, client: httpx.Client, start: int) -> None:
    for kind, path in itertools.islice(itertools.cycle(READS), start, None):
        if run.stop.is_set():
            return
        with run.lock:
            incident_id = random.choice(run.readable) if run.readable else None
        if kind != "detail" or incident_id:
            run.call(client, kind, "GET", path.format(incident_id))


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def figures(backend: str, run: Run, down: float, up: float, recovered: float) -> str:
    rows = [
        f"load with faults on {backend}: {LOAD_SECONDS:.0f} s, database unavailable "
        f"{up - down:.1f} s, writes succeed again {recovered:.2f} s after it is back",
        f"{'kind':<10}{'requests':>9}{'ok':>7}{'503':>6}{'other':>7}{'p50 ms':>9}{'p99 ms':>9}",
    ]
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in run.outcomes:
        by_kind[o.kind].append(o)
    for kind, outs in sorted(by_kind.items()) + [("all", run.outcomes)]:
        ok = [1000 * (o.ended - o.started) for o in outs if o.status and o.status < 400]
        unavailable = sum(o.status == 503 for o in outs)
        rows.append(
            f"{kind:<10}{len(outs):>9}{len(ok):>7}{unavailable:>6}"
            f"{len(outs) - len(ok) - unavailable:>7}"
            f"{percentile(ok, 50):>9.1f}{percentile(ok, 99):>9.1f}"
        )
    for what, done in (
        ("imports", run.imports),
        ("patches", run.patches),
        ("deletes", run.deletes),
    ):
        counts = Counter(done.values())
        rows.append(f"{what}: {counts['acked']} acknowledged, {counts['unknown']} not")
    return "\n".join(rows)


@contextmanager
def immutable(paths: list[Path]) -> Iterator[Callable[[bool], None]]:
    """A switch that makes `paths` immutable (True) or writable again; writable on exit."""

    def switch(on: bool) -> None:
        for path in paths if on else reversed(paths):
            subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True)

    try:
        yield switch
    finally:
        switch(False)


def require_chattr() -> None:
    if os.geteuid() == 0 and shutil.which("chattr"):
        return
    reason = "making a file immutable needs root and chattr (e2fsprogs)"
    if os.environ.get("CI"):
        pytest.fail(reason + " (required under CI)")
    pytest.skip(reason)


def load(server: LiveServer, key: str, outage: Callable[[bool], None]) -> tuple[Run, float, float]:
    """Run the workers for LOAD_SECONDS with the outage in the middle; return the times."""
    run = Run(key)
    numbers = itertools.count()
    # A client lets an idle connection go before the server does (uvicorn closes one after
    # 5 s idle, httpx's default also): else a writer idle through the outage can send its
    # next request on a connection the server is closing, and read a reset.
    limits = httpx.Limits(keepalive_expiry=2.0)
    clients = [
        httpx.Client(base_url=server.base_url, timeout=30.0, limits=limits) for _ in range(8)
    ]
    jobs: list[tuple[Callable[..., None], tuple[Any, ...]]] = [
        *[(importer, (numbers,)) for _ in range(IMPORTERS)],
        (editor, ("patch",)),
        (editor, ("delete",)),
        *[(reader, (k * 3,)) for k in range(READERS)],
    ]
    began = time.monotonic()
    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [
            pool.submit(job, run, client, *args)
            for (job, args), client in zip(jobs, clients, strict=False)
        ]
        try:
            time.sleep(OUTAGE_AT)
            down = time.monotonic()
            outage(True)
            time.sleep(OUTAGE_SECONDS)
            outage(False)
            up = time.monotonic()
            time.sleep(max(0.0, began + LOAD_SECONDS - time.monotonic()))
        finally:
            run.stop.set()
            for future in futures:
                future.result()
            for client in clients:
                client.close()
    return run, down, up


def check_outcomes(run: Run, down: float, up: float, server: LiveServer) -> float:
    """Every request succeeded, but 503 problems during the outage; returns the recovery time."""
    expected = {"import": 201, "patch": 200, "delete": 204}
    faults = []
    for o in run.outcomes:
        in_outage = o.ended >= down and o.started <= up + RECOVERY_SECONDS
        good = o.status == expected.get(o.kind, 200)
        if good or (in_outage and o.status == 503 and not o.problem):
            continue
        if in_outage and o.status is None and o.kind == "export":
            continue  # a streamed export cut when the database went away mid-body
        took = o.ended - o.started
        faults.append(f"{o.kind} at {o.started - down:+.2f}s ({took:.2f}s): {o.status} {o.problem}")
    assert not faults, "\n".join(faults[:30]) + "\n" + server.log()
    assert any(o.status == 503 for o in run.outcomes), "the outage was seen as 503s"
    after = [o.ended - up for o in run.outcomes if o.kind == "import" and o.started >= up]
    assert after, "imports succeed again after the outage"
    assert min(after) < RECOVERY_SECONDS, "imports succeed again soon after the outage"
    return min(after)


def check_data(run: Run, client: httpx.Client) -> None:
    """Acknowledged writes are there once; the others are wholly there or wholly absent."""
    seen = snapshot(client)
    for source_id, state in run.imports.items():
        got = bundle_state(seen, run.bundles[source_id])
        assert state == "unknown" or got == "present", f"acknowledged {source_id} is {got}"
    exported = client.get("/v1/incidents?format=ndjson").text.splitlines()
    notes = {item["id"]: item.get("notes") for item in map(json.loads, exported)}
    for incident_id, state in run.patches.items():
        updates = seen.actions("incident", incident_id).count("update")
        patched = notes.get(incident_id) == f"patched {incident_id}"
        assert updates == int(patched), f"{incident_id}: {updates} updates, patched={patched}"
        assert state == "unknown" or patched, f"acknowledged patch of {incident_id} is lost"
    for incident_id, state in run.deletes.items():
        deleted = seen.actions("incident", incident_id)[-1:] == ["delete"]
        assert deleted == (incident_id not in seen.live["incident"])
        assert state == "unknown" or deleted, f"acknowledged delete of {incident_id} is lost"


@pytest.mark.postgres
def test_load_with_postgresql_stopped_and_started(tmp_path: Path, capsys) -> None:
    with own_cluster() as cluster:

        def outage(on: bool) -> None:
            cluster.stop("immediate") if on else cluster.start()

        with running_server(tmp_path, database_url=cluster.url, env=SERVER) as server:
            key = cli_write_key(cluster.url, "load-test")
            run, down, up = load(server, key, outage)
            recovered = check_outcomes(run, down, up, server)
            with httpx.Client(base_url=server.base_url, timeout=60.0) as client:
                check_data(run, client)
            amcheck(cluster.url)
    with capsys.disabled():
        print("\n" + figures("PostgreSQL", run, down, up, recovered))


def test_load_with_sqlite_file_made_read_only(tmp_path: Path, capsys) -> None:
    require_chattr()
    folder = tmp_path / "db"
    folder.mkdir()
    database = folder / "load.db"
    url = f"sqlite:///{database}"
    with running_server(tmp_path / "server", database_url=url, env=SERVER) as server:
        key = cli_write_key(url, "load-test")
        files = [database, folder / "load.db-wal", folder]
        with immutable(files) as outage:
            run, down, up = load(server, key, outage)
        recovered = check_outcomes(run, down, up, server)
        with httpx.Client(base_url=server.base_url, timeout=60.0) as client:
            check_data(run, client)
    sqlite_intact(database)
    with capsys.disabled():
        print("\n" + figures("SQLite", run, down, up, recovered))
