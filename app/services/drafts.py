"""Drafting a bundle from an article against the record's names; nothing is written."""

from typing import Any

from sqlmodel import Session

from app.drafting import Article, Step, draft_bundle, known_from_session
from app.schemas.drafts import DraftRequest


def draft(
    session: Session | None, request: DraftRequest, steps: tuple[Step, ...] = ()
) -> dict[str, Any]:
    """The draft bundle of an article; actors and locations the record holds are reused
    (read through `session`; None: an empty record)."""
    article = Article(
        request.text, request.published_on, request.publisher, request.title, request.dateline
    )
    known = known_from_session(session) if session is not None else None
    return draft_bundle(article, known, steps)
