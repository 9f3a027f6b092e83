from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.models.common import json_list_field, updated_at_field


class Source(SQLModel, table=True):
    id: str = Field(primary_key=True)
    title: str
    publisher: str | None = None
    dateline: str | None = None
    published_on: date | None = Field(default=None, index=True)
    published_on_basis: str | None = Field(default=None, sa_column=Column(Text))
    url: str | None = None
    language: str = "en"
    text: str = Field(sa_column=Column(Text, nullable=False))
    notes: str | None = Field(default=None, sa_column=Column(Text))
    added: list[str] = json_list_field()
    bundle_sha256: str
    """Hash of the canonical bundle last loaded under this id: re-loading it is a no-op."""
    updated_at: datetime = updated_at_field()
