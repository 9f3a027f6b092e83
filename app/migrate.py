"""Alembic, driven from the app: `db upgrade`, `serve` and `/readyz` use these."""

from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from app.config import PROJECT_ROOT
from app.db import refresh_statistics, without_time_limit


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    if url:
        cfg.attributes["url"] = url
    return cfg


@lru_cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every migration of this version, so a database from a newer one can be told apart."""
    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Apply every migration, with no statement time limit (an index on a big table takes
    long); then, if one ran, refresh the planner's statistics (new indexes have none, and a
    database built by an older version may have none at all)."""
    cfg = alembic_config()
    with without_time_limit(engine).begin() as connection:
        before = current_revision(connection)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        if current_revision(connection) != before:
            refresh_statistics(connection)
