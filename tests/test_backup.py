"""Backups: `db backup` of a live SQLite database during writes, `db restore` elsewhere,
their refusals, and the README's `pg_dump` / `pg_restore` recipe for PostgreSQL.
"""

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.backup import backup, restore
from app.db import make_engine
from app.errors import Conflict, InvalidValue
from app.migrate import upgrade
from tests.conftest import fresh_database
from tests.helpers_bundles import many_incidents
from tests.helpers_faults import bundle_state, snapshot, sqlite_intact
from tests.helpers_pg import pg_tool
from tests.helpers_server import cli_write_key, run_cli, running_server
from tests.helpers_writes import dump, seed

pytestmark = [pytest.mark.slow, pytest.mark.faults]


@dataclass(frozen=True)
class Write:
    number: int
    started: float
    ended: float
    status: int


def keep_writing(base_url: str, key: str, stop: threading.Event, writes: list[Write]) -> None:
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        for n in range(10_000):
            if stop.is_set():
                return
            started = time.monotonic()
            data = many_incidents(f"backed-up-{n}", 5)
            status = client.post("/v1/sources", json=data, headers=auth).status_code
            writes.append(Write(n, started, time.monotonic(), status))


def wait_for_writes(writes: list[Write], count: int, after: float = 0.0) -> None:
    deadline = time.monotonic() + 60
    while sum(w.started > after for w in writes) < count:
        assert time.monotonic() < deadline, "the writer keeps writing"
        time.sleep(0.05)


def test_a_backup_during_writes_holds_every_write_committed_before_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    saved = tmp_path / "backups" / "live-backup.db"
    saved.parent.mkdir()
    writes: list[Write] = []
    stop = threading.Event()
    with running_server(tmp_path / "server", database_url=url) as server:
        key = cli_write_key(url, "backup-test")
        writer = threading.Thread(target=keep_writing, args=(server.base_url, key, stop, writes))
        writer.start()
        try:
            wait_for_writes(writes, 5)
            began = time.monotonic()
            done = run_cli(url, "db", "backup", str(saved))
            finished = time.monotonic()
            wait_for_writes(writes, 3, after=finished)
        finally:
            stop.set()
            writer.join()
    assert done.returncode == 0, done.stderr
    assert "integrity ok" in done.stdout
    assert all(w.status == 201 for w in writes), writes
    assert not list(saved.parent.glob("*.partial")), "no partial file is left"

    restored_url = f"sqlite:///{tmp_path / 'elsewhere' / 'restored.db'}"
    (tmp_path / "elsewhere").mkdir()
    done = run_cli(restored_url, "db", "restore", str(saved))
    assert done.returncode == 0, done.stderr
    with (
        running_server(tmp_path / "restored", database_url=restored_url) as server,
        httpx.Client(base_url=server.base_url, timeout=60.0) as client,
    ):
        seen = snapshot(client)
        states = {w.number: bundle_state(seen, many_incidents(f"backed-up-{w.number}", 5))
                  for w in writes}  # fmt: skip
    before = [w.number for w in writes if w.ended < began]
    after = [w.number for w in writes if w.started > finished]
    assert {states[n] for n in before} == {"present"}, "every write committed before it"
    assert {states[n] for n in after} == {"absent"}, "no write begun after it"
    sqlite_intact(tmp_path / "elsewhere" / "restored.db")


def test_restore_refuses_a_database_in_use_unless_forced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    saved = tmp_path / "saved.db"
    with running_server(tmp_path / "server", database_url=url) as server:
        backup(url, saved)
        key = cli_write_key(url, "backup-test")
        later = many_incidents("after-the-backup", 3)
        auth = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.base_url, timeout=60.0) as client:
            assert client.post("/v1/sources", json=later, headers=auth).status_code == 201
            in_use = run_cli(url, "db", "restore", str(saved))
            assert in_use.returncode == 1
            assert "open in another process" in in_use.stderr
            assert client.get("/v1/sources/after-the-backup").status_code == 200
            forced = run_cli(url, "db", "restore", "--force", str(saved))
            assert forced.returncode == 0, forced.stderr
            # The server now reads the restored database: the later write is gone.
            assert client.get("/v1/sources/after-the-backup").status_code == 404
    sqlite_intact(tmp_path / "live.db")


def test_backup_and_restore_refusals(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    saved = tmp_path / "saved.db"
    backup(url, saved)
    with pytest.raises(Conflict, match="exists"):
        backup(url, saved)
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("not a database")
    with pytest.raises(InvalidValue, match="not an incident-record database"):
        restore(url, not_a_database)
    with pytest.raises(InvalidValue, match="pg_dump"):
        backup("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path / "x.db")


@pytest.mark.postgres
def test_the_readme_pg_dump_recipe(tmp_path: Path) -> None:
    """README, Backups: `pg_dump --format=custom`, then `pg_restore --no-owner` into an
    empty database, which `db upgrade` finds at the latest migration, every row alike."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "pg_dump --format=custom --file=incident-record.dump" in readme
    assert "pg_restore --no-owner --dbname=" in readme
    with (
        fresh_database("postgresql", tmp_path) as url,
        fresh_database("postgresql", tmp_path) as restored_url,
    ):
        original, copy = make_engine(url), make_engine(restored_url)
        try:
            upgrade(original)
            seed(original)
            libpq = make_url(url).set(drivername="postgresql").render_as_string(False)
            restored = make_url(restored_url).set(drivername="postgresql")
            dump_file = str(tmp_path / "incident-record.dump")
            pg_tool("pg_dump", "--format=custom", f"--file={dump_file}", libpq)
            pg_tool("pg_restore", "--no-owner", f"--dbname={restored.render_as_string(False)}",
                    dump_file)  # fmt: skip
            upgrade(copy)  # `incident-record db upgrade`: already at the latest migration
            assert dump(copy) == dump(original)
            with copy.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM incident")).scalar() == 10
        finally:
            original.dispose()
            copy.dispose()
