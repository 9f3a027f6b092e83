"""Fixtures: every API test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (an admin URL; `.ci/run` starts a throwaway
server and sets it). Each engine fixture gets its own new database, migrated with the
real Alembic migrations, and drops it afterwards. Without TEST_DATABASE_URL the
PostgreSQL cases skip with that reason; under CI they fail instead.

The migrations run once a session for each backend, into a template that each migrated
database is then a copy of (SQLite: the file copied; PostgreSQL: `CREATE DATABASE ...
TEMPLATE`): a copy takes a tenth of running them again, and hundreds of tests make one.
tests/test_migrations.py runs the migrations themselves, database by database.
"""

import os
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from app.config import Settings, get_settings
from app.db import make_engine
from app.deps import engine_dep, settings_dep
from app.loader import load_folder
from app.main import create_app
from app.migrate import upgrade

BACKENDS = ["sqlite", "postgresql"]


_ITEMS: dict[str, pytest.Item] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every PostgreSQL case `postgres` (a backend fixture's or a parametrize's
    `postgresql`), so that `-m "not postgres"` runs SQLite only."""
    for item in items:
        _ITEMS[item.nodeid] = item
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in callspec.params.values():
            item.add_marker(pytest.mark.postgres)


def require_marker(name: str, does: str) -> None:
    """Fail the running test if it lacks the marker `name` although it `does` what the
    marker says, so that `-m "not NAME"` leaves out every test it should."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    item = _ITEMS.get(current)
    if item is not None and item.get_closest_marker(name) is None:
        pytest.fail(f"{current} {does}: mark it @pytest.mark.{name}")


def require_postgres_marker() -> None:
    """A test that names PostgreSQL itself rather than take it as a parameter is marked."""
    require_marker("postgres", "uses PostgreSQL")


def _pg_admin_url() -> str:
    require_postgres_marker()
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        reason = "TEST_DATABASE_URL is not set: the PostgreSQL run is skipped"
        if os.environ.get("CI"):
            pytest.fail(reason + " (required under CI)")
        pytest.skip(reason)
    return url


@contextmanager
def _admin(admin_url: URL) -> Iterator[Connection]:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            yield conn
    finally:
        admin.dispose()


@contextmanager
def fresh_database(backend: str, tmp_path: Path, template: str | None = None) -> Iterator[str]:
    """The URL of a new database, dropped on exit: empty, or a copy of `template` (a
    SQLite file's path, or a PostgreSQL database's name)."""
    if backend == "sqlite":
        path = tmp_path / f"test-{uuid.uuid4().hex[:8]}.db"
        if template is not None:
            shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url = create_pg_database(f"test_{uuid.uuid4().hex[:12]}", template)
    try:
        yield url
    finally:
        drop_pg_database(url)


def create_pg_database(name: str, template: str | None = None) -> str:
    """The URL of a new PostgreSQL database `name` on the test cluster: empty, or a copy
    of the database `template` (which must have no connection open)."""
    admin_url = make_url(_pg_admin_url())
    copy = f' TEMPLATE "{template}"' if template is not None else ""
    with _admin(admin_url) as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str | URL) -> None:
    """Drops the database of `url`, closing whatever connections it still has (on the
    test cluster, named without a check of the marker: pytest_sessionfinish runs it too,
    with the last test still the current one)."""
    name = make_url(url).database
    with _admin(make_url(os.environ["TEST_DATABASE_URL"])) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass(frozen=True)
class Database:
    backend: str
    url: str


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database for a real server (`tests/helpers_server.py`) to migrate and seed."""
    with fresh_database(request.param, tmp_path) as url:
        yield Database(request.param, url)


_TEMPLATES: dict[str, str] = {}
_TEMPLATE_DIR = tempfile.TemporaryDirectory(prefix="incident-record-template-")


def _migrated_template(backend: str) -> str:
    """This session's migrated template for `backend` (made by its first use): a SQLite
    file's path, or a PostgreSQL database's name (dropped by pytest_sessionfinish)."""
    if backend in _TEMPLATES:
        return _TEMPLATES[backend]
    if backend == "sqlite":
        path = Path(_TEMPLATE_DIR.name) / "migrated.db"
        url, template = f"sqlite:///{path}", str(path)
    else:
        template = f"test_template_{uuid.uuid4().hex[:12]}"
        url = create_pg_database(template)
    engine = make_engine(url)
    try:
        upgrade(engine)
        if backend == "sqlite":  # the whole database in the file that is copied
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()  # a template with a connection open cannot be copied
    _TEMPLATES[backend] = template
    return template


def pytest_sessionfinish() -> None:
    if "postgresql" in _TEMPLATES:
        drop_pg_database(
            make_url(os.environ["TEST_DATABASE_URL"]).set(database=_TEMPLATES["postgresql"])
        )


@contextmanager
def migrated_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A new database holding what the migrations make (a copy of this session's
    migrated template), and an engine on it."""
    with fresh_database(backend, tmp_path, _migrated_template(backend)) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database of its own, for tests that write."""
    with migrated_engine(request.param, tmp_path) as eng:
        yield eng


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database holding the seed, shared by read-only tests."""
    with migrated_engine(request.param, tmp_path_factory.mktemp("seeded")) as eng:
        with Session(eng) as session:
            load_folder(session, get_settings().seed_dir)
        yield eng


def returning(value: object) -> Callable[[], Awaitable[object]]:
    """A dependency that gives `value`: async, as those it overrides, so that it costs no
    hand-off to the thread pool (which tests/test_http.py counts)."""

    async def dependency() -> object:
        return value

    return dependency


def client_for(engine: Engine, settings: Settings | None = None) -> TestClient:
    """An httpx client on a new app over `engine`, with `settings` if given."""
    app = create_app(settings)
    app.dependency_overrides[engine_dep] = returning(engine)
    if settings is not None:
        app.dependency_overrides[settings_dep] = returning(settings)
    return TestClient(app, base_url="http://testserver")


@pytest.fixture
def client(seeded_engine: Engine) -> Iterator[TestClient]:
    """An httpx client on the app over the seeded database (read-only use)."""
    with client_for(seeded_engine) as c:
        yield c


@pytest.fixture
def empty_client(engine: Engine) -> Iterator[TestClient]:
    with client_for(engine) as c:
        yield c
