"""Many hosts, one record: API hosts, a PostgreSQL primary, a streaming replica and nginx,
each in a network namespace of its own, measured (docs/deploying.md).

One command, as root (network namespaces), about ten minutes:

    .venv/bin/python bench/hosts.py --markdown /tmp/hosts.md

Every part is a host of its own: a network namespace (`ip netns`) with one veth on a
bridge, at an address this script assigns in 10.77.0.0/24; the load generator (`wrk`,
Debian's) is the bridge's own address in the root namespace. No packet leaves the machine.

    primary 10.77.0.11   replica 10.77.0.12 (pg_basebackup -R of the primary)
    api1..3 10.77.0.21-23 (`serve --no-migrate`, DATABASE_READ_URL = the replica)
    nginx   10.77.0.30 (deploy/nginx.conf, the hosts as its upstream)

The record is `incident-record synth --incidents 10000 --seed 1`. It measures:

1. the read mix of bench/load.py (questions a to e, values varied per request) through
   nginx with its cache off, with 1, 2 and 3 API hosts: requests/s, p50, p99, and the CPU
   seconds per request of each tier (API hosts, replica, primary, nginx), from which the
   number of API hosts one replica can feed;
2. the cache: a skewed mix (Zipf, s = 1.1, over those URLs) with nginx's cache on and
   off, 2 hosts: hit ratio (nginx's access log) and requests/s;
3. replica lag under a steady write load (POSTed bundles at `--write-rate` per second,
   with reads beside them), sampled from /readyz;
4. a client writing and reading back its writes (X-Min-Record-Version) and reading lists
   while the replica is stopped and started again: every status it saw, and any read of
   its own write that came back without it.

The machine has two CPUs for all of it, so the hosts share them: the CPU seconds per
request are the figures that carry over to machines of their own. Medians of `--rounds`
rounds; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from harness import ROOT
from load import cpu_seconds, ensure_wrk, questions, sh

sys.path.insert(0, str(ROOT))
from tests.helpers_bundles import bundle  # noqa: E402
from tests.helpers_nginx import render  # noqa: E402

HERE = Path(__file__).resolve().parent
BRIDGE, GATEWAY, PREFIX = "irb0", "10.77.0.1", "10.77.0"
ADDRESSES = {
    "primary": 11,
    "replica": 12,
    "api1": 21,
    "api2": 22,
    "api3": 23,
    "nginx": 30,
}
PG_PORT, API_PORT = 5432, 8000
CONNECTIONS = 16


def address(name: str) -> str:
    return f"{PREFIX}.{ADDRESSES[name]}"


# The network: a bridge, and a namespace with one veth on it per host


class Network:
    def __init__(self) -> None:
        self.made: list[str] = []

    def __enter__(self) -> Network:
        self.teardown()  # what an interrupted run left
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        sh("ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        for name in ADDRESSES:
            namespace, outside = f"ir-{name}", f"irv-{name}"
            sh("ip", "netns", "add", namespace)
            sh(
                "ip",
                "link",
                "add",
                outside,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                namespace,
            )
            sh("ip", "link", "set", outside, "master", BRIDGE, "up")
            inside = ["ip", "netns", "exec", namespace, "ip"]
            sh(*inside, "addr", "add", f"{address(name)}/24", "dev", "eth0")
            sh(*inside, "link", "set", "eth0", "up")
            sh(*inside, "link", "set", "lo", "up")
        return self

    def __exit__(self, *_: object) -> None:
        self.teardown()

    @staticmethod
    def teardown() -> None:
        for name in ADDRESSES:
            subprocess.run(["ip", "netns", "del", f"ir-{name}"], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True, check=False)


def inside(name: str, *command: str) -> list[str]:
    return ["ip", "netns", "exec", f"ir-{name}", *command]


# PostgreSQL: a primary and a streaming replica, each in its namespace


class Server:
    def __init__(self, name: str, data: Path) -> None:
        self.name, self.data = name, data

    def pg_ctl(self, *args: str) -> None:
        log = str(self.data.parent / f"{self.name}.log")
        command = ["runuser", "-u", "postgres", "--", "pg_ctl", "-D", str(self.data), "-w", *args]
        if args[0] == "start":
            command += ["-l", log]
        sh(*inside(self.name, *command), stdout=subprocess.DEVNULL, cwd="/")

    def pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, database: str = "bench") -> str:
        return f"postgresql+psycopg://postgres@{address(self.name)}:{PG_PORT}/{database}"


def pg_bin() -> None:
    if shutil.which("pg_ctl") is None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        os.environ["PATH"] = f"{found[-1]}:{os.environ['PATH']}"


def settings_for(server: Server) -> str:
    """Its address, and a socket folder of its own (outside the data, which is copied)."""
    sockets = server.data.parent / f"{server.name}-sockets"
    sockets.mkdir()
    shutil.chown(sockets, "postgres", "postgres")
    return (
        f"port = {PG_PORT}\nlisten_addresses = '{address(server.name)}'\n"
        f"unix_socket_directories = '{sockets}'\nfsync = off\nmax_connections = 200\n"
    )


@contextmanager
def databases(workdir: Path, incidents: int) -> Iterator[tuple[Server, Server]]:
    pg_bin()
    folder = workdir / "pg"
    folder.mkdir(parents=True)
    shutil.chown(folder, "postgres", "postgres")
    primary, replica = Server("primary", folder / "primary"), Server("replica", folder / "replica")
    runuser = ["runuser", "-u", "postgres", "--"]
    init = ["initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "--no-sync"]
    sh(*runuser, *init, "-E", "UTF8", "--locale=C", stdout=subprocess.DEVNULL, cwd="/")
    with open(primary.data / "pg_hba.conf", "a") as hba:
        hba.write(f"host all all {PREFIX}.0/24 trust\nhost replication all {PREFIX}.0/24 trust\n")
    with open(primary.data / "postgresql.auto.conf", "a") as conf:
        conf.write(settings_for(primary))
    try:
        primary.pg_ctl("start")
        admin = ["psql", "-h", address("primary"), "-U", "postgres", "-qAtc"]
        sh(*admin, "CREATE DATABASE bench", "postgres")
        env = {**os.environ, "DATABASE_URL": primary.url(), "PYTHONUNBUFFERED": "1"}
        started = time.perf_counter()
        sh(
            sys.executable,
            "-m",
            "app",
            "synth",
            "--incidents",
            str(incidents),
            "--seed",
            "1",
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        sh(*admin, "VACUUM ANALYZE", "bench")
        print(f"synthesised {incidents} incidents in {time.perf_counter() - started:.0f} s")
        backup = ["pg_basebackup", "-h", address("primary"), "-U", "postgres", "-D"]
        sh(*runuser, *backup, str(replica.data), "-R", "-X", "stream", "-c", "fast", cwd="/")
        with open(replica.data / "postgresql.auto.conf", "a") as conf:
            conf.write(settings_for(replica))
        replica.pg_ctl("start")
        yield primary, replica
    finally:
        for server in (replica, primary):
            if (server.data / "postmaster.pid").exists():
                server.pg_ctl("-m", "fast", "stop")


# The API hosts and nginx


def api_host(name: str, primary: Server, replica: Server, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": primary.url(),
        "DATABASE_READ_URL": replica.url(),
        "ACCESS_LOG": "false",
        "PYTHONUNBUFFERED": "1",
        "REPLICA_CHECK_SECONDS": "0.5",
    }
    serve = [sys.executable, "-m", "app", "serve", "--no-migrate", "--workers", "1"]
    serve += ["--host", address(name), "--port", str(API_PORT)]
    with open(workdir / f"{name}.log", "ab") as log:
        process = subprocess.Popen(inside(name, *serve), cwd=ROOT, env=env, stdout=log, stderr=log)
    wait_for(f"http://{address(name)}:{API_PORT}/readyz", process)
    return process


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer")
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def nginx(workdir: Path, hosts: list[str], cache: bool) -> Iterator[tuple[str, Path, int]]:
    """nginx as shipped (or with its cache off) in front of `hosts`; its URL, log and pid."""
    folder = workdir / f"nginx-{len(hosts)}-{'cache' if cache else 'nocache'}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    upstreams = [f"{address(h)}:{API_PORT}" for h in hosts]
    config = render((ROOT / "deploy" / "nginx.conf").read_text(), folder, 80, upstreams)
    config = config.replace("listen 127.0.0.1:80;", f"listen {address('nginx')}:80;")
    if not cache:
        config = config.replace("proxy_cache api;", "proxy_cache off;")
    (folder / "nginx.conf").write_text(config)
    command = ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")]
    command += ["-e", str(folder / "error.log"), "-g", "user root; daemon off;"]
    process = subprocess.Popen(inside("nginx", *command), stdout=subprocess.DEVNULL)
    base = f"http://{address('nginx')}"
    try:
        wait_for(f"{base}/healthz", process)
        yield base, folder / "access.log", process.pid
    finally:
        stop(process)


# Load


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: dict[str, float]
    """CPU milliseconds per request, per tier."""


def wrk(
    base: str, paths: list[str], seconds: int, workdir: Path, tiers: dict[str, list[int]]
) -> Run:
    listing = workdir / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(HERE / "wrk_paths.lua"), base]
    before = {tier: cpu_seconds(pids) for tier, pids in tiers.items()}
    out = sh(*command, env={**os.environ, "PATHS": str(listing)}, capture_output=True).stdout
    used = {tier: cpu_seconds(pids) - before[tier] for tier, pids in tiers.items()}
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    v = dict(item.split("=") for item in line.split()[1:])
    errors = sum(int(v[k]) for k in ("non200", "connect_err", "read_err", "write_err", "timeouts"))
    done = max(int(v["requests"]), 1)
    cpu = {tier: seconds * 1000 / done for tier, seconds in used.items()}
    return Run(float(v["rps"]), int(v["p50_us"]) / 1000, int(v["p99_us"]) / 1000, errors, cpu)


def median_run(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        sum(r.errors for r in runs),
        {t: statistics.median(r.cpu_ms[t] for r in runs) for t in runs[0].cpu_ms},
    )


def read_mix(primary: Server) -> list[str]:
    """bench/load.py's questions a to e, interleaved."""
    asked = questions(primary.url(), "bench").ours
    lists = [asked[q] for q in "abcde"]
    mixed = [
        p
        for group in zip(*[lst * (400 // len(lst) + 1) for lst in lists], strict=False)
        for p in group
    ]
    return mixed[:2000]


def skewed(paths: list[str], count: int = 4000) -> list[str]:
    """`count` draws from `paths` by Zipf's law (s = 1.1): a few are asked for most often."""
    unique = list(dict.fromkeys(paths))
    rng = random.Random(11)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(unique))]
    return rng.choices(unique, weights=weights, k=count)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# The client of the write experiments


def write_key(primary: Server) -> str:
    env = {**os.environ, "DATABASE_URL": primary.url()}
    out = sh(
        sys.executable,
        "-m",
        "app",
        "keys",
        "create",
        "--name",
        f"bench-{time.time_ns()}",
        "--scope",
        "write",
        cwd=ROOT,
        env=env,
        capture_output=True,
    ).stdout
    return out.strip().split()[-1]


def variant(n: int) -> dict[str, Any]:
    data = bundle(id=f"hosts-source-{n}", title=f"Rockets hit Fort Nowhere ({n})")
    incident = data["incidents"][0]
    incident["id"] = f"hosts-rockets-{n}"
    incident["attributions"][0]["id"] = f"hosts-rockets-{n}-blamed"
    quote = data["quotes"][0]
    quote["id"] = f"hosts-quote-{n}"
    quote["incident_ids"] = [incident["id"]]
    return data


class Writer:
    """Clients writing bundles through `base`, `rate` a second in all, each write read back
    with its version (X-Min-Record-Version), and a list read after it."""

    def __init__(self, base: str, key: str, rate: float, first: int, clients: int = 4) -> None:
        self.base, self.key, self.interval = base, key, clients / rate
        self.numbers = iter(range(first + 1, first + 10**6))
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()
        self.stale: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run) for _ in range(clients)]
        self.seconds = 0.0
        self.write_seconds: list[float] = []

    def count(self, what: str) -> None:
        with self.lock:
            self.statuses[what] += 1

    def run(self) -> None:
        auth = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base, timeout=15) as client:
            next_at = time.monotonic()
            while not self.stop.is_set():
                with self.lock:
                    n = next(self.numbers)
                began = time.perf_counter()
                written = client.post("/v1/sources", json=variant(n), headers=auth)
                with self.lock:
                    self.write_seconds.append(time.perf_counter() - began)
                self.count(f"write {written.status_code}")
                if written.status_code == 201:
                    version = written.headers["X-Record-Version"]
                    own = client.get(
                        f"/v1/sources/hosts-source-{n}", headers={"X-Min-Record-Version": version}
                    )
                    self.count(f"own read {own.status_code}")
                    if own.status_code != 200:
                        with self.lock:
                            self.stale.append(f"{n}@{version}: {own.status_code}")
                listed = client.get("/v1/incidents", params={"limit": 20})
                self.count(f"list {listed.status_code}")
                next_at += self.interval
                self.stop.wait(max(0.0, next_at - time.monotonic()))

    def __enter__(self) -> Writer:
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        self.seconds = time.monotonic() - self.started


def replica_state(host: str) -> dict[str, Any]:
    replicas = httpx.get(f"http://{address(host)}:{API_PORT}/readyz", timeout=10).json()["replicas"]
    return dict(replicas[0])


# The experiments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--write-rate", type=float, default=20, help="writes per second")
    parser.add_argument("--markdown", type=Path, help="write the tables here too")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench/hosts.py makes network namespaces: run it as root")
    ensure_wrk()
    if shutil.which("nginx") is None:
        sh("apt-get", "install", "-y", "-qq", "nginx-light")
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-hosts-{os.getpid()}"
    workdir.mkdir(parents=True)
    say(f"load average before: {load_average()} ({os.cpu_count()} CPUs)")
    try:
        with (
            Network(),
            databases(workdir, args.incidents) as (primary, replica),
            ExitStack() as hosts,
        ):
            procs = {
                h: hosts.enter_context(_host(h, primary, replica, workdir))
                for h in ("api1", "api2", "api3")
            }
            mix = read_mix(primary)
            scaling(say, workdir, args, mix, procs, primary, replica)
            caching(say, workdir, args, mix, procs, primary, replica)
            key = write_key(primary)
            lag(say, workdir, args, key)
            outage(say, workdir, args, key, replica)
    except BaseException:
        print(f"logs kept in {workdir}", file=sys.stderr)
        raise
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    finally:
        say(f"load average after: {load_average()}")
        if args.markdown:
            args.markdown.write_text("\n".join(lines) + "\n")


@contextmanager
def _host(name: str, primary: Server, replica: Server, workdir: Path) -> Iterator[int]:
    process = api_host(name, primary, replica, workdir)
    try:
        yield process.pid
    finally:
        stop(process)


def tiers(
    hosts: list[str], procs: dict[str, int], primary: Server, replica: Server, nginx_pid: int
) -> dict[str, list[int]]:
    return {
        "api": [procs[h] for h in hosts],
        "replica": [replica.pid()],
        "primary": [primary.pid()],
        "nginx": [nginx_pid],
    }


def scaling(
    say: Any,
    workdir: Path,
    args: Any,
    mix: list[str],
    procs: dict[str, int],
    primary: Server,
    replica: Server,
) -> None:
    say("\n### Reads with 1, 2 and 3 API hosts (nginx, no cache)\n")
    say(
        "| API hosts | requests/s | p50 ms | p99 ms | errors "
        "| API CPU ms/req | replica | primary | nginx |"
    )
    say("|---|---|---|---|---|---|---|---|---|")
    results: dict[int, list[Run]] = {1: [], 2: [], 3: []}
    for round_ in range(args.rounds):
        order = [1, 2, 3][round_ % 3 :] + [1, 2, 3][: round_ % 3]
        for n in order:
            hosts = [f"api{i}" for i in range(1, n + 1)]
            with nginx(workdir, hosts, cache=False) as (base, _, pid):
                wrk(base, mix[:200], 2, workdir, {})  # warm every host's pool
                results[n].append(
                    wrk(
                        base,
                        mix,
                        args.duration,
                        workdir,
                        tiers(hosts, procs, primary, replica, pid),
                    )
                )
    medians = {n: median_run(runs) for n, runs in results.items()}
    for n, m in medians.items():
        c = m.cpu_ms
        say(
            f"| {n} | {m.rps:.0f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | {m.errors} | {c['api']:.2f} "
            f"| {c['replica']:.2f} | {c['primary']:.3f} | {c['nginx']:.2f} |"
        )
    one = medians[1].cpu_ms
    say(
        f"\nOne replica core feeds about {one['api'] / max(one['replica'], 1e-9):.1f} API "
        "host cores "
        f"on this mix (API {one['api']:.2f} ms of CPU a request, replica {one['replica']:.2f} ms); "
        f"the primary spends {one['primary']:.3f} ms a read (the hosts' lag checks), so its "
        "limit is the write rate, not the readers."
    )


def caching(
    say: Any,
    workdir: Path,
    args: Any,
    mix: list[str],
    procs: dict[str, int],
    primary: Server,
    replica: Server,
) -> None:
    say("\n### The cache in front: a skewed read mix (Zipf s=1.1), 2 API hosts\n")
    say("| nginx | requests/s | p50 ms | p99 ms | errors | hit ratio | API CPU ms/req |")
    say("|---|---|---|---|---|---|---|")
    paths = skewed(mix)
    hosts = ["api1", "api2"]
    for cache in (False, True):
        runs, ratios = [], []
        for _ in range(args.rounds):
            with nginx(workdir, hosts, cache=cache) as (base, log, pid):
                run = wrk(
                    base, paths, args.duration, workdir, tiers(hosts, procs, primary, replica, pid)
                )
                statuses = Counter(
                    line.split()[-3] for line in log.read_text().splitlines() if '"GET /v1/' in line
                )
            runs.append(run)
            ratios.append(statuses["HIT"] / max(sum(statuses.values()), 1))
        m = median_run(runs)
        say(
            f"| {'cache on' if cache else 'cache off'} | {m.rps:.0f} | {m.p50_ms:.1f} "
            f"| {m.p99_ms:.1f} "
            f"| {m.errors} | {statistics.median(ratios):.0%} | {m.cpu_ms['api']:.2f} |"
        )


def lag(say: Any, workdir: Path, args: Any, key: str) -> None:
    say(
        f"\n### Replica lag under a steady write load (4 clients aiming at {args.write_rate:.0f}"
        " writes/s, each write read back), with reads beside it\n"
    )
    samples: list[dict[str, Any]] = []
    with (
        nginx(workdir, ["api1", "api2"], cache=True) as (base, _, _),
        Writer(base, key, args.write_rate, 0) as writer,
    ):
        reads = threading.Thread(target=wrk, args=(base, read_mix_light(), 20, workdir, {}))
        reads.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            samples.append(replica_state("api1"))
            time.sleep(0.25)
        reads.join()
    seconds = [s["lag_seconds"] for s in samples if s["lag_seconds"] is not None]
    sizes = [s["lag_bytes"] for s in samples if s["lag_bytes"] is not None]
    out = sum(1 for s in samples if not s["in_pool"])
    writes = writer.statuses["write 201"]
    say(
        "| samples | lag s median | lag s max | lag bytes median | lag bytes max "
        "| out of pool | writes | write p50 ms | own reads missing |"
    )
    say("|---|---|---|---|---|---|---|---|---|")
    say(
        f"| {len(samples)} | {statistics.median(seconds):.3f} | {max(seconds):.3f} "
        f"| {statistics.median(sizes):.0f} "
        f"| {max(sizes)} | {out} | {writes} ({writes / writer.seconds:.1f}/s) "
        f"| {statistics.median(writer.write_seconds) * 1000:.0f} | {len(writer.stale)} |"
    )


def read_mix_light() -> list[str]:
    return ["/v1/incidents?limit=20", "/v1/stats/incidents?group_by=month", "/v1/actors"]


def outage(say: Any, workdir: Path, args: Any, key: str, replica: Server) -> None:
    say("\n### The replica stopped and started mid-run (a client writing and reading back)\n")
    events: list[str] = []
    with (
        nginx(workdir, ["api1", "api2"], cache=True) as (base, _, _),
        Writer(base, key, 10, 100_000) as writer,
    ):
        time.sleep(5)
        started = time.monotonic()
        replica.pg_ctl("-m", "fast", "stop")
        events.append(f"replica stopped at {time.monotonic() - started:.1f} s")
        while replica_state("api1")["in_pool"]:
            time.sleep(0.1)
        events.append(f"out of the pool at {time.monotonic() - started:.1f} s")
        time.sleep(5)
        replica.pg_ctl("start")
        events.append(f"started again at {time.monotonic() - started:.1f} s")
        while not replica_state("api1")["in_pool"]:
            time.sleep(0.1)
        events.append(f"back in the pool at {time.monotonic() - started:.1f} s")
        time.sleep(5)
    say("; ".join(events) + ".\n")
    say("| what the client did | status | count |")
    say("|---|---|---|")
    for what, count in sorted(writer.statuses.items()):
        kind, status = what.rsplit(" ", 1)
        say(f"| {kind} | {status} | {count} |")
    say(
        f"\nReads of its own write that came back without it: {len(writer.stale)}"
        + (f" ({', '.join(writer.stale[:5])})" if writer.stale else "")
        + "."
    )


if __name__ == "__main__":
    main()
