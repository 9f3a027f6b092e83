"""The suite's streaming replica: `.ci/run` makes the cluster of TEST_DATABASE_URL a primary
and starts a replica of it (`pg_basebackup -R`), exporting

- TEST_DATABASE_REPLICA_URL: the replica, as an admin URL like TEST_DATABASE_URL's;
- TEST_DATABASE_REPLICA_DIR: its data folder, so that a test may stop and start it.

A database a test creates on the primary reaches the replica by replication. Without the
variables the tests skip, or fail under CI.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import fresh_database
from tests.helpers_pg import _bin_dir


def _replica_env() -> tuple[str, Path]:
    url = os.environ.get("TEST_DATABASE_REPLICA_URL")
    folder = os.environ.get("TEST_DATABASE_REPLICA_DIR")
    if not url or not folder or not os.environ.get("TEST_DATABASE_URL"):
        reason = "TEST_DATABASE_REPLICA_URL/_DIR are not set: the replica cases are skipped"
        if os.environ.get("CI"):
            pytest.fail(reason + " (required under CI)")
        pytest.skip(reason)
    return url, Path(folder)


@dataclass(frozen=True)
class Pair:
    primary: str
    """A new database on the primary."""
    replica: str
    """The same database, read on the replica."""
    replica_admin: str
    replica_dir: Path

    def admin(self, sql: str) -> object:
        """Run `sql` on the replica's admin database; its first value."""
        engine = create_engine(self.replica_admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                return connection.execute(text(sql)).scalar()
        finally:
            engine.dispose()

    def pause_replay(self) -> None:
        self.admin("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.admin("SELECT pg_wal_replay_resume()")

    def pg_ctl(self, *args: str) -> None:
        import subprocess

        command = [str(_bin_dir() / "pg_ctl"), "-D", str(self.replica_dir), "-w", *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        log = str(self.replica_dir.parent / "replica-test.log")
        if args and args[0] == "start":
            command += ["-l", log]
        done = subprocess.run(
            command, cwd="/", capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        self.pg_ctl("start")


def _wait_for(url: str, seconds: float = 30) -> None:
    engine = create_engine(url)
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        engine.dispose()


@contextmanager
def replica_pair(tmp_path: Path) -> Iterator[Pair]:
    """A new, empty database on the primary and the replica's view of it."""
    replica_admin, folder = _replica_env()
    with fresh_database("postgresql", tmp_path) as primary:
        name = make_url(primary).database
        replica = make_url(replica_admin).set(database=name).render_as_string(False)
        _wait_for(replica)
        pair = Pair(primary, replica, replica_admin, folder)
        try:
            yield pair
        finally:
            # Whatever the test did, the suite's replica is left replaying and running.
            if not (folder / "postmaster.pid").exists():
                pair.start()
            pair.resume_replay()
