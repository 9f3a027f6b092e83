from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from app.models.common import json_list_field, updated_at_field


class Source(SQLModel, table=True):
    id: str = Field(primary_key=True)
    kind: str = Field(default="article", sa_column_kwargs={"server_default": "article"})
    """`article` (a report, its text and bundle) or `dataset` (a file of events imported
    whole by `app.datasets`, each incident from one of its rows)."""
    title: str
    publisher: str | None = None
    dataset_format: str | None = None
    """A dataset's layout: `ucdp-ged` or `acled`."""
    release: str | None = None
    """A dataset's release (`23.1`), as the import was told or the file was named."""
    licence: str | None = None
    citation: str | None = Field(default=None, sa_column=Column(Text))
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


class SourceBundle(SQLModel, table=True):
    """The bundle last written for a source (without its text, which is in `source`).

    `GET /v1/sources/{id}/bundle` returns it, and edits (PATCH, DELETE) are applied to it
    and written through the loader, so the export always re-imports as `unchanged`.
    """

    __tablename__ = "source_bundle"

    source_id: str = Field(foreign_key="source.id", primary_key=True, ondelete="CASCADE")
    bundle: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
