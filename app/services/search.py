"""Full-text search for `q`: every word must occur, as the start of a word, found by index.

The words of `q` are its runs of letters and digits, lowercased; an incident matches when
each occurs at the start of a word of its title or summary or of a quote about it (so
`drone` finds "drones" and "anti-drone", not "androne"). The same text is indexed the
same way on both backends (migration `c5d2e8f1a0b3`): SQLite's FTS5 with its `unicode61`
tokenizer (diacritics kept), PostgreSQL's `simple` text search over the text lowercased
by ICU with everything but letters and digits made a space. Both therefore split words at
the same characters and fold the same case, and answer the same.

How each backend writes a query, a match and a rank is `app.sql.dialect`'s (`TextQuery`,
`TextMatch`, `TextRank`); what is searched is here.
"""

import re
from typing import Any, Literal

from sqlalchemy import ColumnElement, select, union
from sqlmodel import col

from app.errors import InvalidValue, ProblemItem
from app.models import Incident, Quote, QuoteIncident
from app.sql.dialect import TextMatch, TextQuery, TextRank

WORD = re.compile(r"[^\W_]+")


def words(q: str) -> list[str]:
    """The words of a search, lowercased; 422 if it has none."""
    found = list(dict.fromkeys(WORD.findall(q.lower())))
    if not found:
        message = "no word to search for: give letters or digits"
        raise InvalidValue(f"q: {message}", [ProblemItem(param="q", message=message)])
    return found


def matches(table: Literal["incident", "quote"], word: str) -> ColumnElement[bool]:
    """The `incident` (or `quote`) has `word` at the start of a word of its text; an incident
    also when a quote about it has."""
    query = TextQuery([word])
    if table == "quote":
        return TextMatch("quote", query)
    # Uncorrelated: the same incidents whatever the enclosing query reads.
    own: Any = select(col(Incident.id)).where(TextMatch("incident", query)).correlate(None)
    quoted = (
        select(col(QuoteIncident.incident_id))
        .join(Quote, col(Quote.id) == QuoteIncident.quote_id)
        .where(TextMatch("quote", query))
        .correlate(None)
    )
    return col(Incident.id).in_(union(own, quoted))


def relevance(found: list[str]) -> ColumnElement[float]:
    """How well an incident's own text matches `found` (the words of `q`), as a key that
    sorts the best first; 0 when only its quotes match."""
    return TextRank("incident", TextQuery(found))
