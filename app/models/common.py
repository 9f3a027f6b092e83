"""Column helpers shared by every table."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps in UTC, timezone-aware on the way out on every backend.

    SQLite keeps no offset; values are stored as UTC and given back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # A timestamp without an offset is taken to be UTC.
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # PostgreSQL answers in the session's time zone; the API speaks UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def updated_at_field() -> Any:
    return Field(
        default_factory=utcnow,
        sa_column=Column(UTCDateTime, nullable=False, index=True),
    )


def json_list_field() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))
