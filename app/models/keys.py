"""API keys: only a prefix (to find the key) and a hash of the whole key are stored; and the
failed authentications that the failed-key limit counts (app.http.auth_limit)."""

from datetime import datetime

from sqlalchemy import Column, Index
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


class AuthFailure(SQLModel, table=True):
    """An unknown or revoked key presented by `client` at `at`; pruned after the window."""

    __tablename__ = "auth_failure"
    __table_args__ = (Index("ix_auth_failure_client_at", "client", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    client: str
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
