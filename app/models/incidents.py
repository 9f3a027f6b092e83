"""An incident and the rows that hang off it: excerpts, weapons, actors, attributions."""

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from app.models.common import json_list_field, updated_at_field


class Incident(SQLModel, table=True):
    __table_args__ = (
        Index("ix_incident_date_start_id", "date_start", "id"),
        Index("ix_incident_date_range", "date_end", "date_start"),
        # The keys of the other sorts (app.services.incidents.SORTS), so that a page reads
        # its rows in index order instead of sorting every match.
        Index("ix_incident_fatalities_sort", text("coalesce(fatalities, -1)"), "id"),
        Index("ix_incident_updated_at_id", "updated_at", "id"),
    )

    id: str = Field(primary_key=True)
    source_id: str = Field(foreign_key="source.id", index=True, ondelete="CASCADE")
    """The source whose bundle defines this incident."""
    title: str
    summary: str | None = Field(default=None, sa_column=Column(Text))
    date_start: date
    date_end: date
    date_precision: str
    time_of_day: str | None = None
    event_type: str = Field(index=True)
    sub_event_type: str = Field(index=True)
    country: str = Field(index=True, max_length=2)
    admin1: str | None = Field(default=None, index=True)
    location_id: str | None = Field(default=None, foreign_key="location.id", index=True)
    fatalities: int | None = Field(default=None, index=True)
    injuries: int | None = None
    damage: str = "unknown"
    claimed: bool | None = None
    notes: str | None = Field(default=None, sa_column=Column(Text))
    added: list[str] = json_list_field()
    updated_at: datetime = updated_at_field()


class IncidentExcerpt(SQLModel, table=True):
    """The words of a source that support an incident, at their character span."""

    __tablename__ = "incident_excerpt"

    incident_id: str = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    source_id: str = Field(
        foreign_key="source.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    span_start: int = Field(primary_key=True)
    span_end: int
    text: str = Field(sa_column=Column(Text, nullable=False))


class Weapon(SQLModel, table=True):
    incident_id: str = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(primary_key=True)
    quantity: int | None = None
    quantity_text: str | None = None
    notes: str | None = Field(default=None, sa_column=Column(Text))


class IncidentActor(SQLModel, table=True):
    __tablename__ = "incident_actor"
    __table_args__ = (Index("ix_incident_actor_actor_role", "actor_id", "role"),)

    incident_id: str = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    actor_id: str = Field(foreign_key="actor.id", primary_key=True)
    role: str = Field(primary_key=True)
    notes: str | None = Field(default=None, sa_column=Column(Text))


class Attribution(SQLModel, table=True):
    """A claim: `by_actor_id` attributed the incident to `actor_id`, with a stance."""

    id: str = Field(primary_key=True)
    incident_id: str = Field(foreign_key="incident.id", index=True, ondelete="CASCADE")
    actor_id: str = Field(foreign_key="actor.id", index=True)
    by_actor_id: str | None = Field(default=None, foreign_key="actor.id")
    stance: str = Field(index=True)
    evidence_quote_id: str | None = Field(default=None, foreign_key="quote.id")
    excerpt_start: int | None = None
    excerpt_end: int | None = None
    excerpt_text: str | None = Field(default=None, sa_column=Column(Text))
    notes: str | None = Field(default=None, sa_column=Column(Text))
    added: list[str] = json_list_field()


class IncidentRelation(SQLModel, table=True):
    __tablename__ = "incident_relation"

    incident_id: str = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    relation: str = Field(primary_key=True)
    related_incident_id: str = Field(
        foreign_key="incident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    notes: str | None = Field(default=None, sa_column=Column(Text))
