"""The change feed: every create, update and delete, recorded in the writing transaction."""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlmodel import Session, col

from app.db import CLI, Author
from app.models import Change
from app.models.common import utcnow
from app.services.pagination import count

Resource = Literal["incident", "source", "quote", "location", "actor"]
Action = Literal["create", "update", "delete"]


def author_of(session: Session) -> Author:
    """Who writes in this session, and why (`app.db.write_session`)."""
    author: Author = session.info.get("author", CLI)
    return author


def record(session: Session, resource: Resource, resource_id: str, action: Action) -> None:
    """Add a change to the session's transaction, by the session's author (write_session)."""
    author = author_of(session)
    session.add(
        Change(
            resource=resource,
            resource_id=resource_id,
            action=action,
            at=utcnow(),
            key_name=author.key_name,
            via=author.via,
            reason=author.reason,
        )
    )


def last_change_at(session: Session) -> datetime | None:
    """When the data last changed (any create, update or delete), or None before any."""
    last = select(col(Change.at)).order_by(col(Change.seq).desc()).limit(1)
    return session.scalars(last).first()


def list_changes(
    session: Session, since: int, limit: int
) -> tuple[list[dict[str, Any]], int, int, bool]:
    """Changes after `since`, the number of them, the cursor to continue from, and more?"""
    after = select(Change).where(col(Change.seq) > since)
    total = count(session, after)
    rows = list(session.scalars(after.order_by(col(Change.seq)).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1].seq if rows else since
    assert cursor is not None
    return [row.model_dump() for row in rows], total, cursor, more
