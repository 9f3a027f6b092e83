"""Aggregates that the database maintains beside the incidents, so reads need not scan them.

`incident_tally` and `incident_place_tally` are kept by triggers on `incident` (migration
`a9e1f3c2b7d4`), inside the transaction of every write whatever writes it: the loader
(seed, import, POST, PATCH, DELETE) and `synth`. `record_version` is moved by every write
of the record, so answers computed from the data (the totals of lists) can be cached
until it moves.
"""

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.models.common import UTCDateTime


class IncidentTally(SQLModel, table=True):
    """Incidents per month of `date_start`, country and event type, with their figures.

    `fatalities`, `fatalities_low`, `fatalities_high` (a dataset's estimates) and `injuries`
    sum the known figures; `*_known` count the incidents that have one (a null figure is
    "not said", never zero).
    """

    __tablename__ = "incident_tally"
    __table_args__ = (
        # An event type's months without reading every other type's (migration 5e2c9a4d7b13).
        Index("ix_incident_tally_event_type_month", "event_type", "month"),
        # SQLite: stored in the order of the key (migration 3c8d1e5a7f20).
        {"sqlite_with_rowid": False},
    )

    month: str = Field(primary_key=True, max_length=7)
    """`YYYY-MM` of `date_start`."""
    country: str = Field(primary_key=True, max_length=2, index=True)
    event_type: str = Field(primary_key=True)
    sub_event_type: str = Field(primary_key=True)
    incidents: int
    fatalities: int
    fatalities_known: int
    fatalities_low: int = Field(sa_column_kwargs={"server_default": "0"})
    fatalities_low_known: int = Field(sa_column_kwargs={"server_default": "0"})
    fatalities_high: int = Field(sa_column_kwargs={"server_default": "0"})
    fatalities_high_known: int = Field(sa_column_kwargs={"server_default": "0"})
    injuries: int
    injuries_known: int


class IncidentPlaceTally(SQLModel, table=True):
    """The same figures per place, month of `date_start` and country: the map's counts.

    `location_id` is `''` for incidents without a place (a key cannot be null).
    """

    __tablename__ = "incident_place_tally"
    __table_args__ = {"sqlite_with_rowid": False}

    location_id: str = Field(primary_key=True)
    month: str = Field(primary_key=True, max_length=7)
    country: str = Field(primary_key=True, max_length=2)
    incidents: int
    fatalities: int
    fatalities_known: int
    fatalities_low: int = Field(sa_column_kwargs={"server_default": "0"})
    fatalities_low_known: int = Field(sa_column_kwargs={"server_default": "0"})
    fatalities_high: int = Field(sa_column_kwargs={"server_default": "0"})
    fatalities_high_known: int = Field(sa_column_kwargs={"server_default": "0"})
    injuries: int
    injuries_known: int


class RecordVersion(SQLModel, table=True):
    """One row: a number that every write of the record increments, and when it last did
    (`app.db.bump_version`)."""

    __tablename__ = "record_version"

    id: int = Field(primary_key=True)
    version: int
    written_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
