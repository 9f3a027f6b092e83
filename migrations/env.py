"""Alembic environment: the URL comes from the app's settings unless a caller passes one."""

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table)
from app.config import get_settings

config = context.config
target_metadata = SQLModel.metadata


# The full-text search objects differ by backend (FTS5 tables on SQLite, tsvectors and their
# indexes on PostgreSQL) and are kept by migrations c5d2e8f1a0b3 and b7e4d2a91c3f alone.
SEARCH_OBJECTS = {"search", "ix_quote_search"}


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN201
    name = name or ""
    if name in SEARCH_OBJECTS or name.startswith(("incident_search", "ix_incident_search")):
        return False
    return not (type_ == "table" and "_fts" in name)


def _url() -> str:
    return config.attributes.get("url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        {"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
