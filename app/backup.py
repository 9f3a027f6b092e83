"""`db backup` and `db restore` of a SQLite database, while it serves: SQLite's backup API.

A backup is copied in one step, that is in one read transaction on the live database
(in WAL mode writers go on meanwhile), so it holds exactly the transactions committed
before it began. It is written beside its path, checked (`PRAGMA integrity_check`, a
schema revision this version knows), then renamed into place: a failed backup leaves
no file behind, and an existing file is never replaced.

A restore is one write transaction on the database, so anything reading it sees the old
or the restored data, never a mix; it is refused while another process (a running
server) has the database open, unless forced.

PostgreSQL has its own tools, `pg_dump` and `pg_restore`: the README gives the recipe.
"""

import fcntl
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from app.errors import Conflict, InvalidValue, NotFound
from app.migrate import known_revisions


@dataclass(frozen=True)
class Copy:
    """What `db backup` or `db restore` wrote."""

    path: Path
    size: int
    revision: str

    def line(self, verb: str) -> str:
        return f"{verb} {self.path} ({self.size} bytes, integrity ok, schema {self.revision})"


def sqlite_file(database_url: str) -> Path:
    """The file of a SQLite DATABASE_URL; refused for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise InvalidValue(
            f"db backup and db restore copy SQLite databases; for {url.get_backend_name()} "
            "use pg_dump and pg_restore (README, Backups)"
        )
    if not url.database or url.database == ":memory:":
        raise InvalidValue(f"DATABASE_URL names no database file: {database_url}")
    return Path(url.database)


def backup(database_url: str, target: Path) -> Copy:
    """Copy the live database at `database_url` to `target`, a new file."""
    source = sqlite_file(database_url)
    if not source.is_file():
        raise NotFound(f"no database at {source}")
    if target.exists():
        raise Conflict(f"{target} exists: a backup never replaces a file, name a new one")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(_read_only(source)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)  # all pages in one step: one read transaction, one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            revision = _check(copy, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Copy(target, target.stat().st_size, revision)


def restore(database_url: str, saved: Path, *, force: bool = False) -> Copy:
    """Replace the database at `database_url` with the backup `saved`."""
    target = sqlite_file(database_url)
    if not saved.is_file():
        raise NotFound(f"no backup at {saved}")
    with closing(_read_only(saved)) as source:
        revision = _check(source, saved)
        if not force and in_use(target):
            raise Conflict(
                f"{target} is open in another process (a running server?): stop it first, "
                "or pass --force to restore under it"
            )
        with closing(sqlite3.connect(target)) as live:
            source.backup(live)  # one write transaction on the live database
    return Copy(target, target.stat().st_size, revision)


def in_use(database: Path) -> bool:
    """Whether another process has the (WAL mode) database open.

    Every connection to a WAL database holds a shared lock on byte 128 of its `-shm`
    file, the "DMS" lock of the WAL-index (https://sqlite.org/walformat.html), for as long
    as it is open: an exclusive lock on that byte is refused while any connection is.
    """
    shm = database.with_name(database.name + "-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 128)
        return False
    finally:
        os.close(fd)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _check(connection: sqlite3.Connection, path: Path) -> str:
    """The schema revision of an intact incident-record database, or an error saying why not."""
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InvalidValue(f"{path} is not an incident-record database: {exc}") from None
    if verdict != "ok":
        raise InvalidValue(f"{path} fails SQLite's integrity check: {verdict}")
    if row is None:
        raise InvalidValue(f"{path} is not an incident-record database: no schema revision")
    if row[0] not in known_revisions():
        raise InvalidValue(
            f"{path} has schema revision {row[0]}, unknown to this version (a newer one?)"
        )
    return str(row[0])
