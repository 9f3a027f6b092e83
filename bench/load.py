"""The read API under load at 10k and 1M incidents, beside Datasette and two floors.

One command:

    .venv/bin/python bench/load.py                     # 10k and 1M, SQLite and PostgreSQL
    .venv/bin/python bench/load.py --sizes 10000 --backends sqlite --rounds 1   # a quick look

For each size it builds the databases with `incident-record synth --seed 1` (a SQLite
file, and a database on a throwaway PostgreSQL cluster it starts itself), kept in
`--workdir` and reused by later runs. Then, for each question (`--questions`, default
all, /healthz included), with the filter values varied per request (wrk cycles through a
list of URLs, so no answer is simply repeated):

  a  one country, one month, a page of 100
  b  the same plus `attributed_to` an umbrella group
  c  a page about 200 cursors deep (limit 20, every sort)
  d  monthly stats by country over five years
  e  one incident's detail
  w1 one common word (`q`), a page of 50
  w2 the same with a country
  w3 two common words by relevance, a page of 50
  w4 yearly stats under one common word

it drives 16 connections with `wrk` (Debian's package, installed if missing) at:

  ours       `incident-record serve` (WORKERS=1)
  datasette  `datasette serve -i` on the same SQLite file, the equivalent URL (SQLite only);
             for the words, its own FTS5 table over the titles and summaries, which
             `sqlite-utils enable-fts` adds to the file once (our server ignores it)
  sql        the very statements our server ran for a sample of those requests (captured
             in-process), replayed on the database driver by 16 threads: the SQL floor
  http       a constant-response ASGI app under the same uvicorn, answering our body for
             the question: the HTTP floor

Before the load, our server is asked each distinct URL once, one after another: the median
and worst of those first asks are its unloaded times (each filter set's total is counted
then, and kept for the record's version; the SQL floor is captured likewise after a first
pass, so that both run what the server runs under the load).

The servers (PostgreSQL too) are pinned to CPU 0, wrk to CPU 1. Ours and Datasette
alternate within each round, the first of the pair changing every round; the medians of
`--rounds` rounds are printed, with the load average. It prints, per question, size and
backend: requests/s, p50, p99 and errors of each contender, ours/Datasette, ours/floor
(the slower of the two floors), cost(1M)/cost(10k) (cost = 1 / requests/s), and our
server's peak memory during the load and during a 100k-row export. `--markdown FILE`
writes the tables as markdown too.
"""

import argparse
import calendar
import json
import os
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from harness import ROOT, free_port

CONNECTIONS = 16
SERVER_CPU, CLIENT_CPU = "0", "1"
HERE = Path(__file__).resolve().parent
QUESTIONS = {
    "a": "(a) one country, one month, page of 100",
    "b": "(b) the same plus attributed_to",
    "c": "(c) a page 200 cursors deep",
    "d": "(d) monthly stats by country, five years",
    "e": "(e) one incident's detail",
    "w1": "(w1) one common word, page of 50",
    "w2": "(w2) one word and a country, page of 50",
    "w3": "(w3) two words by relevance, page of 50",
    "w4": "(w4) yearly stats under one word",
    "healthz": "GET /healthz",
}
COUNTRIES = "SY IQ YE AF SO NG ML PK LY SD LB PS IL IR SA".split()
WORDS = (
    "attack drone strike forces shelling artillery missile rockets fighters clash bomb"
    " casualties security civilians landmine roadside gunmen"
).split()
"""Frequent nouns of the synthetic titles and summaries (`app.synth`; 6 to 26 % of the
incidents each), spelt as there: Datasette's search matches whole words only."""
DEEP_SORTS = {  # sort: its key in SQL (app.services.incidents.SORTS)
    "-date": "date_start",
    "date": "date_start",
    "-fatalities": "coalesce(fatalities, -1)",
    "fatalities": "coalesce(fatalities, -1)",
    "updated_at": "updated_at",
}
TREE = (
    "WITH RECURSIVE t(id) AS"
    " (SELECT id FROM actor WHERE id = :u"  # a column, so PostgreSQL types both terms alike
    " UNION SELECT a.id FROM actor a JOIN t ON a.parent_id = t.id)"
    " SELECT id FROM t ORDER BY id"
)
STATS_SQL = (
    "select strftime('%Y-%m', date_start) as month, country, count(*) as incidents,"
    " sum(fatalities) as fatalities, count(fatalities) as fatalities_known,"
    " sum(injuries) as injuries, count(injuries) as injuries_known"
    " from incident where {where} group by month, country order by month, country"
)
# Datasette's FTS table (`sqlite-utils enable-fts`), searched as its `_search` does.
RANKED_SQL = (
    "select i.* from (select rowid, rank from incident_fts"
    " where incident_fts match escape_fts(:search) order by rank limit 50) f"
    " join incident i on i.rowid = f.rowid order by f.rank"
)
WORD_STATS_SQL = (
    "select strftime('%Y', i.date_start) as year, count(*) as incidents,"
    " sum(i.fatalities) as fatalities, count(i.fatalities) as fatalities_known,"
    " sum(i.injuries) as injuries, count(i.injuries) as injuries_known"
    " from incident_fts join incident i on i.rowid = incident_fts.rowid"
    " where incident_fts match escape_fts(:search) group by year order by year"
)


def sh(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=True, text=True, **kw)


def app_env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1", **extra}


# Databases


def synthesised(url: str, size: int) -> None:
    """`db upgrade` and `synth` into the database of `url`, unless it holds them already."""
    command = [sys.executable, "-m", "app"]
    sh(*command, "db", "upgrade", cwd=ROOT, env=app_env(url))
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM incident")).scalar_one()
    engine.dispose()
    if have == size:
        return
    if have:
        raise SystemExit(f"{url} holds {have} incidents, not {size}: remove it, run again")
    started = time.perf_counter()
    sh(*command, "synth", "--incidents", str(size), "--seed", "1", cwd=ROOT, env=app_env(url))
    print(f"  synthesised {size} incidents in {time.perf_counter() - started:.0f} s", flush=True)


class Postgres:
    """A throwaway PostgreSQL cluster in the work folder, on a free port, pinned to CPU 0."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "pg"
        self.data = self.dir / "data"
        self.port = free_port()
        self.runuser = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if not (self.data / "PG_VERSION").exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            if os.getuid() == 0:
                shutil.chown(self.dir, "postgres")
            init = ["initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust"]
            sh(*self.runuser, *init, "-E", "UTF8", "--locale=C", stdout=subprocess.DEVNULL)
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        start = ["pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w"]
        sh("taskset", "-c", SERVER_CPU, *self.runuser, *start, "-o", options, "start")

    def psql(self, sql: str) -> str:
        command = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-Atc"]
        return sh(*command, sql, capture_output=True).stdout.strip()

    def database(self, name: str) -> str:
        if not self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            self.psql(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        sh(*self.runuser, "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


# The questions, as varied URLs for ours and for Datasette


@dataclass
class Asked:
    ours: dict[str, list[str]] = field(default_factory=dict)
    datasette: dict[str, list[str]] = field(default_factory=dict)


def questions(url: str, db: str, count: int = 400) -> Asked:
    """URLs for each question, values drawn with a fixed seed from what the data holds.

    `db` is Datasette's name for the database: the file's name without `.db`.
    """
    from sqlalchemy import create_engine, text

    from app.services.incidents import SORTS

    rng = random.Random(7)
    engine = create_engine(url)
    asked = Asked()
    with engine.connect() as conn:
        umbrellas = conn.scalars(text("SELECT id FROM actor WHERE kind = 'umbrella_group'"))
        members = {u: list(conn.scalars(text(TREE), {"u": u})) for u in sorted(umbrellas)}
        ids = list(conn.scalars(text("SELECT id FROM incident ORDER BY id")))
        a, b, da, dab = [], [], [], []
        for _ in range(count):
            year, month = rng.randint(2014, 2025), rng.randint(1, 12)
            first = f"{year}-{month:02d}-01"
            last = f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
            country, umbrella = rng.choice(COUNTRIES), rng.choice(sorted(members))
            window = {"country": country, "date_from": first, "date_to": last}
            a.append("/v1/incidents?" + urlencode({**window, "limit": 100}))
            b.append(a[-1] + "&" + urlencode({"attributed_to": umbrella}))
            theirs = {"country": country, "date_end__gte": first, "date_start__lte": last}
            da.append(f"/{db}/incident.json?" + urlencode({**theirs, "_sort_desc": "date_start"}))
            da[-1] += "&_size=100"
            blamed = ",".join(f"'{i}'" for i in members[umbrella])
            where = f"id in (select incident_id from attribution where actor_id in ({blamed}))"
            dab.append(da[-1] + "&" + urlencode({"_where": where}))
        asked.ours |= {"a": a, "b": b}
        asked.datasette |= {"a": da, "b": dab}
        c, dc, limit = [], [], 20
        for sort, key in DEEP_SORTS.items():
            desc = " DESC" if sort.startswith("-") else ""
            for depth in range(195, 205):  # about 200 cursors deep
                row = conn.execute(
                    text(
                        f"SELECT {key} AS k, id, date_start FROM incident"
                        f" ORDER BY {key}{desc}, id{desc} LIMIT 1 OFFSET {depth * limit - 1}"
                    )
                ).one()
                keyset = SORTS[sort]
                cursor = keyset.cursor(keyset.key_of(row))
                c.append(f"/v1/incidents?sort={sort}&limit={limit}&cursor={cursor}")
                if key == "date_start":  # Datasette pages by one column, then the key
                    order = "_sort_desc" if desc else "_sort"
                    token = tilde(str(row.date_start)) + "," + tilde(row.id)
                    dc.append(f"/{db}/incident.json?{order}=date_start&_size={limit}&_next={token}")
        asked.ours["c"], asked.datasette["c"] = c, dc
        d, dd = [], []
        for start in range(2014, 2022):
            for event_type in (None, "Battles", "Explosions/Remote violence", "Protests"):
                params = {"group_by": "month,country"}
                params |= {"date_from": f"{start}-01-01", "date_to": f"{start + 4}-12-31"}
                where = f"date_start between '{start}-01-01' and '{start + 4}-12-31'"
                if event_type:
                    params["event_type"] = event_type
                    where += f" and event_type = '{event_type}'"
                d.append("/v1/stats/incidents?" + urlencode(params))
                sql = STATS_SQL.format(where=where)
                dd.append(f"/{db}.json?" + urlencode({"_shape": "array", "sql": sql}))
        asked.ours["d"], asked.datasette["d"] = d, dd
        picked = rng.sample(ids, min(count, len(ids)))
        asked.ours["e"] = [f"/v1/incidents/{i}" for i in picked]
        asked.datasette["e"] = [f"/{db}/incident/{tilde(i)}.json" for i in picked]
    words(asked, db, count)
    asked.ours["healthz"] = ["/healthz"]
    asked.datasette["healthz"] = ["/-/versions.json"]
    engine.dispose()
    return asked


def words(asked: Asked, db: str, count: int) -> None:
    """The word questions: common words (and countries) drawn with a seed of their own."""
    rng = random.Random(18)

    def add(q: str, ours: str, theirs: str) -> None:
        asked.ours.setdefault(q, []).append(ours)
        asked.datasette.setdefault(q, []).append(theirs)

    table, sql = f"/{db}/incident.json?", f"/{db}.json?"
    size = "&_size=50&_nosuggest=1"  # no facet suggestions: 0.33 s a request at 10k
    for _ in range(count):
        word, country, pair = rng.choice(WORDS), rng.choice(COUNTRIES), rng.sample(WORDS, 2)
        page, search = {"q": word, "limit": 50}, {"_search": word, "_sort_desc": "date_start"}
        add("w1", "/v1/incidents?" + urlencode(page), table + urlencode(search) + size)
        add(
            "w2",
            "/v1/incidents?" + urlencode({**page, "country": country}),
            table + urlencode({**search, "country": country}) + size,
        )
        ranked = {"sql": RANKED_SQL, "search": " ".join(pair), "_shape": "array"}
        add(
            "w3",
            "/v1/incidents?" + urlencode({"q": " ".join(pair), "sort": "relevance", "limit": 50}),
            sql + urlencode(ranked),
        )
        grouped = {"sql": WORD_STATS_SQL, "search": word, "_shape": "array"}
        add(
            "w4",
            "/v1/stats/incidents?" + urlencode({"q": word, "group_by": "year"}),
            sql + urlencode(grouped),
        )


def tilde(value: str) -> str:
    """Datasette's tilde-encoding of a path or token component."""
    safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return "".join(c if c in safe else "".join(f"~{b:02X}" for b in c.encode()) for c in value)


# Servers


@contextmanager
def serving(
    command: list[str],
    env: dict[str, str],
    port: int,
    probe: str,
    log: Path,
    cpus: str = SERVER_CPU,
) -> Iterator[subprocess.Popen[bytes]]:
    """`command`, pinned to `cpus` (the server CPU), until it answers `probe`; stopped on
    exit."""
    with open(log, "ab") as out:
        pinned = ["taskset", "-c", cpus, *command]
        process = subprocess.Popen(pinned, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not start: see {log}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ours(url: str, port: int, log: Path) -> Any:
    command = [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "1"]
    return serving(command, app_env(url), port, "/healthz", log)


def datasette(venv: Path, db: Path, port: int, log: Path) -> Any:
    command = [str(venv / "bin" / "datasette"), "serve", "-i", str(db), "--port", str(port)]
    return serving(command, {**os.environ}, port, "/-/versions.json", log)


def constant(body: Path, port: int, log: Path) -> Any:
    command = [sys.executable, "-m", "uvicorn", "constant_app:app", "--app-dir", str(HERE)]
    command += ["--port", str(port), "--no-access-log", "--lifespan", "off"]
    return serving(command, {**os.environ, "CONSTANT_BODY": str(body)}, port, "/", log)


def ensure_datasette(workdir: Path) -> Path:
    """Datasette, and sqlite-utils for its FTS, in a virtual environment of their own (they
    are not ours to depend on)."""
    venv = workdir / "datasette-venv"
    if not (venv / "bin" / "python").exists():
        sh(sys.executable, "-m", "venv", str(venv))
    missing = [p for p in ("datasette", "sqlite-utils") if not (venv / "bin" / p).exists()]
    if missing:
        sh(str(venv / "bin" / "pip"), "install", "--quiet", *missing)
    return venv


def datasette_fts(venv: Path, db: Path) -> None:
    """Datasette's own full-text table on `incident` (titles and summaries), once per file;
    Datasette finds it by its `content=[incident]`."""
    import sqlite3

    with closing(sqlite3.connect(db)) as conn:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'incident_fts'").fetchone():
            return
    started = time.perf_counter()
    fts = ["enable-fts", str(db), "incident", "title", "summary", "--fts5"]
    sh(str(venv / "bin" / "sqlite-utils"), *fts)
    print(f"  Datasette's FTS (sqlite-utils enable-fts): {time.perf_counter() - started:.0f} s")


def ensure_wrk() -> None:
    if shutil.which("wrk") is None:
        print("wrk is missing: installing Debian's package", flush=True)
        sh(*([] if os.getuid() == 0 else ["sudo"]), "apt-get", "install", "-y", "-qq", "wrk")


# Load


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float | None = None
    """Server CPU time per request (all its processes, a database server's included): what
    a request costs, whatever else the shared machine runs meanwhile."""


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """CPU time of these processes, their live children and their reaped children."""
    total = 0.0
    alive = set(pids)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry.name) in pids or int(fields[1]) in alive:
                used = sum(int(f) for f in fields[11:13])  # utime, stime
                if int(entry.name) in pids:
                    used += sum(int(f) for f in fields[13:15])  # cutime, cstime
                total += used / TICK
    return total


def wrk(port: int, paths: list[str], seconds: int, workdir: Path, pids: list[int]) -> Run:
    """`wrk` on `paths`; `pids`: the server's processes, whose CPU time is measured."""
    listing = workdir / f"paths-{port}.txt"
    listing.write_text("\n".join(paths) + "\n")
    command = ["taskset", "-c", CLIENT_CPU, "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s"]
    command += ["--timeout", "10s", "-s", str(HERE / "wrk_paths.lua"), f"http://127.0.0.1:{port}"]
    env = {**os.environ, "PATHS": str(listing)}
    cpu = cpu_seconds(pids)
    out = sh(*command, env=env, capture_output=True).stdout
    cpu = cpu_seconds(pids) - cpu
    listing.unlink()
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    v = dict(item.split("=") for item in line.split()[1:])
    errors = sum(int(v[k]) for k in ("non200", "connect_err", "read_err", "write_err", "timeouts"))
    done = int(v["requests"])
    cost = cpu * 1000 / done if done else None
    return Run(float(v["rps"]), int(v["p50_us"]) / 1000, int(v["p99_us"]) / 1000, errors, cost)


def captured_sql(url: str, paths: list[str]) -> list[list[tuple[str, Any]]]:
    """The statements our app runs for each distinct request, with their parameters
    (in-process), asked a second time: its totals are then kept, as in the server."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from app.db import make_engine
    from app.deps import engine_dep
    from app.main import create_app

    engine = make_engine(url)
    app = create_app()

    async def ours() -> Any:
        return engine

    app.dependency_overrides[engine_dep] = ours
    requests: list[list[tuple[str, Any]]] = []
    current: list[tuple[str, Any]] = []

    # Every statement, the prepared ones too (run by exec_driver_sql, which the event sees:
    # until 2026-12-08 they were also added by a wrapper, each counted twice in the floor).
    @event.listens_for(engine, "before_cursor_execute")
    def keep(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, _many: Any) -> None:
        if statement not in ("BEGIN", "ROLLBACK", "COMMIT"):
            current.append((statement, params))

    try:
        with TestClient(app) as client:
            distinct = list(dict.fromkeys(paths))
            for path in distinct:  # as the server's warm-up: totals are counted once
                client.get(path).raise_for_status()
            for path in distinct:
                current.clear()
                client.get(path).raise_for_status()
                requests.append(list(current))
    finally:
        engine.dispose()
    return requests


def floor_sql(url: str, requests: Path, seconds: int, pids: list[int]) -> Run:
    """The replay of the captured statements, in a subprocess pinned like a server;
    `pids`: the database server's processes, if any, whose CPU time counts too."""
    command = ["taskset", "-c", SERVER_CPU, sys.executable, __file__, "--replay", str(requests)]
    command += ["--database-url", url, "--duration", str(seconds)]
    database = cpu_seconds(pids)
    v = json.loads(sh(*command, capture_output=True, cwd=ROOT).stdout.strip().splitlines()[-1])
    database = cpu_seconds(pids) - database
    cost = (v["cpu_s"] + database) * 1000 / v["requests"]
    return Run(v["rps"], v["p50_ms"], v["p99_ms"], v["errors"], cost)


def replay(url: str, requests_file: Path, seconds: int) -> None:
    """(In the pinned subprocess.) Run each request's statements, one request after another,
    in 16 threads; print requests/s and latencies as JSON."""
    requests = pickle.loads(requests_file.read_bytes())
    if url.startswith("sqlite"):
        import sqlite3

        def connect() -> Any:
            conn = sqlite3.connect(url.split("///", 1)[1], check_same_thread=False)
            conn.execute("PRAGMA mmap_size=2147483648")  # as the app's connections
            conn.execute("PRAGMA cache_size=-16384")
            return conn

    else:
        import psycopg

        def connect() -> Any:
            conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
            conn.execute("SET max_parallel_workers_per_gather = 0")  # as the app's (app.db)
            return conn

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        conn, mine, i = connect(), [], n * 7919
        while time.perf_counter() < stop:
            statements = requests[i % len(requests)]
            i += 1
            started = time.perf_counter()
            try:
                for statement, params in statements:
                    conn.execute(statement, params).fetchall()
            except Exception:
                errors[0] += 1
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    began, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    n = len(latencies)
    result = {"rps": n / elapsed, "errors": errors[0], "requests": n}
    result["cpu_s"] = time.process_time() - cpu
    result |= {"p50_ms": latencies[n // 2] * 1000, "p99_ms": latencies[int(n * 0.99)] * 1000}
    print(json.dumps(result))


def memory(pid: int) -> dict[str, int]:
    """Resident memory now, at its peak, and its anonymous part (KiB)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon"):
            fields[name] = int(value.split()[0])
    return fields


def server_pid(process: subprocess.Popen[bytes]) -> int:
    """The process that serves: taskset execs the command, so it is the one started."""
    return process.pid


def export_peak(port: int, pid: int) -> dict[str, Any]:
    """A 100k-row NDJSON export, and the server's peak memory while it streams."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM back to the current RSS
    before, rows, started = memory(pid), 0, time.perf_counter()
    url = f"http://127.0.0.1:{port}/v1/incidents?format=ndjson&limit=100000"
    with httpx.stream("GET", url, timeout=None) as response:
        rows = sum(1 for line in response.iter_lines() if line)
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "before": before, "after": memory(pid)}


# The run

Key = tuple[str, int, str, str]  # backend, size, question, contender


@dataclass
class Results:
    runs: dict[Key, list[Run]] = field(default_factory=dict)
    memory: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    unloaded: dict[tuple[str, int, str], list[float]] = field(default_factory=dict)
    """Our milliseconds for the first ask of each distinct URL, one after another."""

    def add(self, key: Key, run: Run) -> None:
        self.runs.setdefault(key, []).append(run)
        print(
            f"    {' '.join(map(str, key)):36} {run.rps:9.1f} req/s  p50 {run.p50_ms:8.1f} ms"
            f"  p99 {run.p99_ms:8.1f} ms  errors {run.errors}"
            f"  cpu {run.cpu_ms or 0:6.2f} ms/request",
            flush=True,
        )

    def median(self, key: Key) -> Run | None:
        runs = self.runs.get(key)
        if not runs:
            return None
        return Run(
            statistics.median(r.rps for r in runs),
            statistics.median(r.p50_ms for r in runs),
            statistics.median(r.p99_ms for r in runs),
            sum(r.errors for r in runs),
            statistics.median(r.cpu_ms for r in runs if r.cpu_ms is not None)
            if any(r.cpu_ms is not None for r in runs)
            else None,
        )


@dataclass
class Target:
    backend: str
    size: int
    url: str
    sqlite_file: Path | None = None
    database_pids: list[int] = field(default_factory=list)
    """The database server's processes (PostgreSQL's postmaster): their CPU counts too."""


def measure(args: argparse.Namespace, target: Target, venv: Path | None, results: Results) -> None:
    workdir: Path = args.workdir
    backend, size, url = target.backend, target.size, target.url
    stem = target.sqlite_file.stem if target.sqlite_file else ""
    asked = questions(url, stem)
    chosen: list[str] = args.questions
    if venv and target.sqlite_file and any(q.startswith("w") for q in chosen):
        datasette_fts(venv, target.sqlite_file)
    if target.sqlite_file is not None:  # into the page cache, for every contender alike
        sh("cat", str(target.sqlite_file), stdout=subprocess.DEVNULL)
    print(f"  capturing our SQL and bodies ({backend}, {size})", flush=True)
    replays, bodies = {}, {}
    for q in chosen:
        if q != "healthz":
            replays[q] = workdir / f"sql-{backend}-{size}-{q}.pickle"
            captured = captured_sql(url, asked.ours[q][: args.sample])
            replays[q].write_bytes(pickle.dumps(captured))
    port = free_port()
    with ours(url, port, workdir / f"ours-{backend}-{size}.log") as process:
        pid = server_pid(process)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)
        for q in chosen:
            times = results.unloaded.setdefault((backend, size, q), [])
            for path in dict.fromkeys(asked.ours[q]):  # warm-up: every URL once, timed
                began = time.perf_counter()
                client.get(path).raise_for_status()
                times.append((time.perf_counter() - began) * 1000)
            bodies[q] = workdir / f"body-{backend}-{size}-{q}.json"
            bodies[q].write_bytes(client.get(asked.ours[q][0]).content)
        client.close()
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        for rnd in range(args.rounds):
            load = os.getloadavg()[0]
            print(f"  round {rnd + 1}/{args.rounds} (load average {load:.1f})", flush=True)
            for q in chosen:
                pair = ["ours", "datasette"] if venv and asked.datasette.get(q) else ["ours"]
                for who in pair[:: -1 if rnd % 2 else 1]:
                    key = (backend, size, q, who)
                    if who == "ours":
                        servers = [pid, *target.database_pids]
                        results.add(key, wrk(port, asked.ours[q], args.duration, workdir, servers))
                        continue
                    assert venv is not None
                    assert target.sqlite_file is not None
                    dport = free_port()
                    log = workdir / "datasette.log"
                    with datasette(venv, target.sqlite_file, dport, log) as theirs:
                        for path in asked.datasette[q][:20]:
                            httpx.get(f"http://127.0.0.1:{dport}{path}", timeout=120)
                        paths = asked.datasette[q]
                        run = wrk(dport, paths, args.duration, workdir, [theirs.pid])
                        results.add(key, run)
                if q in replays:
                    run = floor_sql(url, replays[q], args.duration, target.database_pids)
                    results.add((backend, size, q, "sql"), run)
                cport = free_port()
                with constant(bodies[q], cport, workdir / "constant.log") as floor:
                    run = wrk(cport, ["/"], args.duration, workdir, [floor.pid])
                    results.add((backend, size, q, "http"), run)
        during_load = memory(pid)
        results.memory[(backend, size)] = {"load": during_load, "export": export_peak(port, pid)}


def report(results: Results, sizes: list[int], backends: list[str]) -> str:
    def rate(run: Run | None) -> str:
        return "-" if run is None else f"{run.rps:,.0f}"

    def cpu(run: Run | None) -> str:
        return "-" if run is None or run.cpu_ms is None else f"{run.cpu_ms:.2f}"

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}" if a and b else "-"

    lines = []
    for backend in backends:
        lines += [
            f"\n### {backend}\n",
            "Requests/s and latency under 16 connections; CPU: server CPU time per request"
            " (ms, all its processes). Ratios of requests/s: ours / Datasette, ours / floor"
            " (the slower floor); of CPU: floor / ours. Growth: cost(1M) / cost(10k), cost"
            " = 1 / requests/s (and CPU per request). Unloaded: our first ask of each distinct"
            " URL, one after another (ms, median / worst, and how many).\n",
            "| question | incidents | ours req/s | p50 ms | p99 ms | errors | ours CPU |"
            " ours unloaded ms | Datasette req/s (errors) | Datasette CPU | SQL floor req/s |"
            " SQL CPU | HTTP floor req/s | HTTP CPU | ours / Datasette | ours / floor |"
            " CPU floor / ours | growth req/s | growth CPU |",
            "|" + " --- |" * 19,
        ]
        for q, title in QUESTIONS.items():
            for size in sizes:
                mine = results.median((backend, size, q, "ours"))
                if mine is None:
                    continue
                theirs = results.median((backend, size, q, "datasette"))
                sql = results.median((backend, size, q, "sql"))
                http = results.median((backend, size, q, "http"))
                floors = [f for f in (sql, http) if f]
                slower = min(floors, key=lambda f: f.rps) if floors else None
                costly = max((f.cpu_ms or 0 for f in floors), default=None)
                small = results.median((backend, min(sizes), q, "ours"))
                growth = growth_cpu = ""
                if size == max(sizes) and len(sizes) > 1 and small:
                    growth = ratio(small.rps, mine.rps)
                    growth_cpu = ratio(mine.cpu_ms, small.cpu_ms)
                errors = f"{theirs.rps:,.1f} ({theirs.errors})" if theirs else "-"
                cells = [title, f"{size:,}", rate(mine), f"{mine.p50_ms:.1f}"]
                cells += [f"{mine.p99_ms:.1f}", str(mine.errors), cpu(mine)]
                first = results.unloaded[(backend, size, q)]
                unloaded = f"{statistics.median(first):.1f} / {max(first):.1f} ({len(first)})"
                cells += [unloaded, errors]
                cells += [cpu(theirs), rate(sql), cpu(sql), rate(http), cpu(http)]
                cells += [ratio(mine.rps, theirs.rps if theirs else None)]
                cells += [ratio(mine.rps, slower.rps if slower else None)]
                cells += [ratio(costly, mine.cpu_ms), growth, growth_cpu]
                lines.append("| " + " | ".join(cells) + " |")
        for size in sizes:
            m = results.memory.get((backend, size))
            if not m:
                continue
            load, export = m["load"], m["export"]
            lines.append(
                f"\n{backend}, {size:,} incidents: server peak during the load runs"
                f" {load['VmHWM'] / 1024:.0f} MiB (VmHWM; its anonymous memory"
                f" {load['RssAnon'] / 1024:.0f} MiB, the rest mapped database pages);"
                f" a {export['rows']:,}-row NDJSON export took {export['seconds']:.1f} s and"
                f" peaked at {export['after']['VmHWM'] / 1024:.0f} MiB"
                f" (from {export['before']['VmRSS'] / 1024:.0f} MiB before it; anonymous"
                f" {export['after']['RssAnon'] / 1024:.0f} MiB after)."
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--sample", type=int, default=200, help="requests replayed for SQL")
    default_workdir = Path(tempfile.gettempdir()) / "incident-record-bench"
    parser.add_argument("--workdir", type=Path, default=default_workdir)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument(
        "--questions", default=",".join(QUESTIONS), help="comma-separated, e.g. w1,w2,e"
    )
    parser.add_argument("--replay", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        replay(args.database_url, args.replay, args.duration)
        return
    args.questions = args.questions.split(",")
    if unknown := set(args.questions) - set(QUESTIONS):
        parser.error(
            f"--questions: no question {', '.join(sorted(unknown))} ({', '.join(QUESTIONS)})"
        )
    ensure_wrk()
    args.workdir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    results, started = Results(), time.time()
    venv = ensure_datasette(args.workdir) if "sqlite" in backends else None
    postgres = Postgres(args.workdir) if "postgresql" in backends else None
    try:
        for size in sizes:
            for backend in backends:
                print(f"{backend}, {size} incidents", flush=True)
                if backend == "sqlite":
                    db = args.workdir / f"sqlite-{size}.db"
                    target = Target(backend, size, f"sqlite:///{db}", db)
                else:
                    assert postgres is not None
                    url = postgres.database(f"bench_{size}")
                    target = Target(backend, size, url, database_pids=[postgres.pid()])
                synthesised(target.url, size)
                measure(args, target, venv if backend == "sqlite" else None, results)
    finally:
        if postgres:
            postgres.stop()
    machine = (
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average at the end"
        f" {', '.join(f'{x:.1f}' for x in os.getloadavg())}; {args.rounds} rounds of"
        f" {args.duration} s per contender and question, {CONNECTIONS} connections;"
        f" {(time.time() - started) / 60:.0f} minutes in all"
    )
    text = f"Machine: {machine}\n" + report(results, sizes, backends)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
