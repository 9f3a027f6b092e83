"""The change feed, and the tombstones that keep deleted ids deleted."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.models.common import UTCDateTime, utcnow


class Change(SQLModel, table=True):
    """One create, update or delete of a record, in commit order (`seq`)."""

    seq: int | None = Field(default=None, primary_key=True)
    resource: str
    """incident, source, quote, location or actor."""
    resource_id: str = Field(index=True)
    action: str
    """create, update or delete."""
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    key_name: str | None = None
    """The API key that made the change; null for the command line."""
    via: str
    """api or cli."""


class Tombstone(SQLModel, table=True):
    """A record deleted through the API: its id reads as 404 and is never reused."""

    resource: str = Field(primary_key=True)
    resource_id: str = Field(primary_key=True)
    deleted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    key_name: str | None = None
