"""A PostgreSQL cluster of a test's own, that the test may stop and start under a server.

Made as `.ci/run` makes the suite's: `initdb` into a temporary folder (as the `postgres`
OS user when the tests run as root, since PostgreSQL refuses to run as root), trust
authentication, a free port on 127.0.0.1, `fsync=off`. Without the server binaries the
test skips, or fails under CI.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import require_postgres_marker
from tests.helpers_server import free_port


def _bin_dir() -> Path:
    require_postgres_marker()
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent  # /usr/local/bin may link to a few of them
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    reason = "PostgreSQL server binaries (initdb, pg_ctl) not found"
    if os.environ.get("CI"):
        pytest.fail(reason + " (required under CI)")
    pytest.skip(reason)


@dataclass(frozen=True)
class Cluster:
    bin_dir: Path
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, tool: str, *args: str, timeout: float = 60) -> str:
        """Run a PostgreSQL program on this cluster, as the `postgres` user when root."""
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, f"{tool} failed: {done.stdout}{done.stderr}"
        return done.stdout

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self.run("pg_ctl", "-D", str(self.root / "data"), "-l", log, "-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the cluster; `immediate` is as abrupt as a crash (recovery on the next start)."""
        self.run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "stop")


def pg_tool(tool: str, *args: str, timeout: float = 120) -> str:
    """Run a PostgreSQL client program (pg_dump, pg_amcheck, ...); its output."""
    done = subprocess.run(
        [str(_bin_dir() / tool), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{tool}: {done.stdout}{done.stderr}"
    return done.stdout


def amcheck(database_url: str) -> None:
    """`pg_amcheck`: every table and every B-tree index of the database is sound."""
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    pg_tool("pg_amcheck", "--install-missing", "--heapallindexed", libpq)


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A new, running cluster; stopped and removed on exit."""
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="incident-record-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(bin_dir, root, free_port())
    try:
        data = str(root / "data")
        cluster.run(
            "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        cluster.start()
        yield cluster
    finally:
        if (root / "data" / "postmaster.pid").exists():
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
