from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.models.common import json_list_field, updated_at_field


class Quote(SQLModel, table=True):
    id: str = Field(primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    speaker_id: str = Field(foreign_key="actor.id", index=True)
    speaker_title: str | None = None
    said_on: date | None = Field(default=None, index=True)
    channel: str
    source_id: str = Field(foreign_key="source.id", index=True, ondelete="CASCADE")
    span_start: int
    span_end: int
    notes: str | None = Field(default=None, sa_column=Column(Text))
    added: list[str] = json_list_field()
    updated_at: datetime = updated_at_field()


class QuoteIncident(SQLModel, table=True):
    __tablename__ = "quote_incident"

    quote_id: str = Field(foreign_key="quote.id", primary_key=True, ondelete="CASCADE")
    incident_id: str = Field(
        foreign_key="incident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
