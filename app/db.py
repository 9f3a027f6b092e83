"""The engine and sessions; SQLite pragmas live here and nowhere else."""

import json
from functools import lru_cache

from sqlalchemy import Engine, event
from sqlmodel import create_engine

from app.config import get_settings


def _json(value: object) -> str:
    # Keep non-ASCII names searchable as written (Türkiye, not T\u00fcrkiye).
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, json_serializer=_json
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=_json)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)
