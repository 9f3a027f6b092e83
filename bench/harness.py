"""What the benchmarks share: a synthetic database and a real server process over it."""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str]) -> None:
    """`incident-record ARGS` with this interpreter, from the checkout."""
    subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, check=True)


def bench_env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}


def synthesize(env: dict[str, str], incidents: int, seed: int) -> None:
    """`db upgrade` then `synth` into the (empty) database of `env`."""
    run(["db", "upgrade"], env)
    started = time.perf_counter()
    run(["synth", "--incidents", str(incidents), "--seed", str(seed)], env)
    print(f"synthesised {incidents} incidents in {time.perf_counter() - started:.0f} s")


def arguments(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes; a script adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-synth", action="store_true", help="the data is already there")
    return parser


def prepare(args: argparse.Namespace, name: str) -> tuple[str, dict[str, str], Path]:
    """The database URL (a new SQLite file unless given), synthesised, its env and a log path."""
    workdir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    env = bench_env(url)
    if not args.skip_synth:
        synthesize(env, args.incidents, args.seed)
    return url, env, workdir / "server.log"


def settle(url: str) -> None:
    """On PostgreSQL, what autovacuum would do to freshly loaded tables: `VACUUM ANALYZE`.

    Right after `synth` the tables have no statistics and no visibility map, and
    autovacuum may take a minute or more to reach them; until then PostgreSQL answers
    reads about three times slower (docs/benchmarks.md). SQLite: nothing (the app never
    runs ANALYZE there).
    """
    if backend_of(url) != "postgresql":
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()


def incidents_in(url: str) -> int:
    """How many incidents the database holds (with `--skip-synth`, `--incidents` may not say)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql("SELECT count(*) FROM incident").scalar_one())
    finally:
        engine.dispose()


def backend_of(url: str) -> str:
    return url.split(":", 1)[0].split("+")[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A fresh uvicorn process serving `app.main:app` on the database of `env`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(self.port)]
        command += ["--host", "127.0.0.1", "--no-access-log"]
        with open(log, "ab") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not start; see {log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
