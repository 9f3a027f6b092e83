"""Quote queries."""

from collections import defaultdict
from typing import Any

from sqlalchemy import Select, exists, select
from sqlmodel import Session, col

from app.errors import NotFound
from app.models import Actor, Quote, QuoteIncident
from app.schemas.queries import QuoteQuery
from app.schemas.resources import QuoteOut, shaped
from app.services.pagination import PageResult, by_id, keyset_page
from app.services.search import quote_match


def quotes_out(session: Session, quotes: list[Quote]) -> list[dict[str, Any]]:
    ids = [q.id for q in quotes]
    speakers = {q.speaker_id for q in quotes}
    names = dict(
        session.execute(
            select(col(Actor.id), col(Actor.name)).where(col(Actor.id).in_(speakers))
        ).all()
    )
    incidents = defaultdict(list)
    for quote_id, incident_id in session.execute(
        select(col(QuoteIncident.quote_id), col(QuoteIncident.incident_id))
        .where(col(QuoteIncident.quote_id).in_(ids))
        .order_by(col(QuoteIncident.incident_id))
    ):
        incidents[quote_id].append(incident_id)
    return [
        shaped(
            QuoteOut,
            {
                **q.model_dump(),
                "speaker_name": names.get(q.speaker_id),
                "span": {"start": q.span_start, "end": q.span_end},
                "incident_ids": incidents[q.id],
            },
        )
        for q in quotes
    ]


QUOTE_ORDER = by_id(Quote)


def quotes_select(query: QuoteQuery) -> Select[Any]:
    stmt = select(Quote)
    if query.speaker:
        stmt = stmt.where(col(Quote.speaker_id).in_(query.speaker))
    if query.source:
        stmt = stmt.where(col(Quote.source_id).in_(query.source))
    if query.incident:
        stmt = stmt.where(
            exists().where(
                col(QuoteIncident.quote_id) == Quote.id,
                col(QuoteIncident.incident_id).in_(query.incident),
            )
        )
    if query.date_from:
        stmt = stmt.where(col(Quote.said_on) >= query.date_from)
    if query.date_to:
        stmt = stmt.where(col(Quote.said_on) <= query.date_to)
    if query.q:
        stmt = stmt.where(quote_match(query.q))
    if query.updated_since:
        stmt = stmt.where(col(Quote.updated_at) >= query.updated_since)
    return stmt


def list_quotes(session: Session, query: QuoteQuery) -> PageResult:
    stmt = quotes_select(query)
    rows, total, cursor = keyset_page(session, stmt, QUOTE_ORDER, query.limit, query.cursor)
    return quotes_out(session, rows), total, cursor


def get_quote(session: Session, quote_id: str) -> dict[str, Any]:
    quote = session.get(Quote, quote_id)
    if quote is None:
        raise NotFound(f"no quote with id {quote_id!r}")
    return quotes_out(session, [quote])[0]
