"""The change feed, each incident's history, and the tombstones that keep deleted ids deleted."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
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
    reason: str | None = Field(default=None, sa_column=Column(Text))
    """Why, as the writer said (`X-Change-Reason`, `reason`, `--reason`); null when not said."""


class IncidentVersion(SQLModel, table=True):
    """One version of an incident, written in the transaction that writes the incident.

    `record` is the incident as its bundle holds it (the editor's data, children
    included), or null once deleted: what changed is derived on read, by comparing a
    version with the one before it. Kept after the incident is deleted.
    """

    __tablename__ = "incident_version"
    __table_args__ = (Index("ix_incident_version_incident_seq", "incident_id", "seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    incident_id: str
    action: str
    """create, update, delete, or baseline: the state when history began (the migration
    that added it), earlier changes unknown."""
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    key_name: str | None = None
    """The API key that made the change; null for the command line."""
    via: str
    """api or cli."""
    reason: str | None = Field(default=None, sa_column=Column(Text))
    record: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class Tombstone(SQLModel, table=True):
    """A record deleted through the API: its id reads as 404 and is never reused."""

    resource: str = Field(primary_key=True)
    resource_id: str = Field(primary_key=True)
    deleted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    key_name: str | None = None
