"""API keys: only a prefix (to find the key) and a hash of the whole key are stored."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.models.common import UTCDateTime, utcnow


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    name: str = Field(primary_key=True)
    prefix: str = Field(unique=True, index=True)
    key_sha256: str
    scope: str
    """`read` or `write` (which implies read)."""
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
