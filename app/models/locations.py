from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.models.common import json_list_field, updated_at_field


class Location(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    aliases: list[str] = json_list_field()
    kind: str = Field(index=True)
    country: str = Field(index=True, max_length=2)
    admin1: str | None = Field(default=None, index=True)
    latitude: float | None = Field(default=None, index=True)
    longitude: float | None = Field(default=None, index=True)
    geo_precision: int
    notes: str | None = Field(default=None, sa_column=Column(Text))
    added: list[str] = json_list_field()
    updated_at: datetime = updated_at_field()
