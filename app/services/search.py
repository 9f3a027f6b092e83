"""Full-text search for `q`: every word must occur, as the start of a word, found by index.

The words of `q` are its runs of letters and digits, lowercased; an incident matches when
each occurs at the start of a word of its title or summary or of a quote about it (so
`drone` finds "drones" and "anti-drone", not "androne"). The same text is indexed the
same way on both backends (migration `c5d2e8f1a0b3`): SQLite's FTS5 with its `unicode61`
tokenizer (diacritics kept), PostgreSQL's `simple` text search over the text lowercased
by ICU with everything but letters and digits made a space. Both therefore split words at
the same characters and fold the same case, and answer the same.

`Matches` and `Relevance` are SQL expressions that each backend writes its own way.
"""

import re
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Float, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from app.errors import InvalidValue, ProblemItem

WORD = re.compile(r"[^\W_]+")


def words(q: str) -> list[str]:
    """The words of a search, lowercased; 422 if it has none."""
    found = list(dict.fromkeys(WORD.findall(q.lower())))
    if not found:
        message = "no word to search for: give letters or digits"
        raise InvalidValue(f"q: {message}", [ProblemItem(param="q", message=message)])
    return found


class Matches(ColumnElement[bool]):
    """`incident` (or `quote`) has `word` at the start of a word of its text; an incident
    also when a quote about it has."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [
        ("table", InternalTraversal.dp_string),
        ("word", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, table: str, word: str) -> None:
        self.table = table
        self.word: Any = bindparam(None, word, unique=True)


class Relevance(ColumnElement[float]):
    """How well an incident's own text matches `words`, as a key that sorts the best
    first: FTS5's bm25 (negative) on SQLite, minus ts_rank on PostgreSQL; 0 when only its
    quotes match."""

    type = Float()
    inherit_cache = True
    _traverse_internals = [("words", InternalTraversal.dp_clauseelement_tuple)]

    def __init__(self, found: list[str]) -> None:
        self.words: tuple[Any, ...] = tuple(bindparam(None, w, unique=True) for w in found)


def _fts5(compiler: Any, word: Any, **kw: Any) -> str:
    """An FTS5 prefix query for one word: `"word"*` (a word is letters and digits only)."""
    return f"""('"' || {compiler.process(word, **kw)} || '"*')"""


def _tsquery(compiler: Any, word: Any, **kw: Any) -> str:
    return f"to_tsquery('simple', {compiler.process(word, **kw)} || ':*')"


@compiles(Matches, "sqlite")
def _matches_sqlite(element: Matches, compiler: Any, **kw: Any) -> str:
    query = _fts5(compiler, element.word, **kw)
    quotes = f"SELECT rowid FROM quote_fts WHERE quote_fts MATCH {query}"
    if element.table == "quote":
        return f"quote.rowid IN ({quotes})"
    return (
        "incident.id IN (SELECT incident.id FROM incident WHERE incident.rowid IN"
        f" (SELECT rowid FROM incident_fts WHERE incident_fts MATCH {query})"
        " UNION SELECT quote_incident.incident_id FROM quote_incident JOIN quote"
        f" ON quote.id = quote_incident.quote_id WHERE quote.rowid IN ({quotes}))"
    )


@compiles(Matches, "postgresql")
def _matches_postgresql(element: Matches, compiler: Any, **kw: Any) -> str:
    query = _tsquery(compiler, element.word, **kw)
    if element.table == "quote":
        return f"quote.search @@ {query}"
    return (
        f"incident.id IN (SELECT incident.id FROM incident WHERE incident.search @@ {query}"
        " UNION SELECT quote_incident.incident_id FROM quote_incident JOIN quote"
        f" ON quote.id = quote_incident.quote_id WHERE quote.search @@ {query})"
    )


@compiles(Relevance, "sqlite")
def _relevance_sqlite(element: Relevance, compiler: Any, **kw: Any) -> str:
    query = " || ' ' || ".join(_fts5(compiler, w, **kw) for w in element.words)
    return (
        "coalesce((SELECT bm25(incident_fts) FROM incident_fts WHERE incident_fts MATCH"
        f" {query} AND incident_fts.rowid = incident.rowid), 0.0)"
    )


@compiles(Relevance, "postgresql")
def _relevance_postgresql(element: Relevance, compiler: Any, **kw: Any) -> str:
    query = " || ' & ' || ".join(f"{compiler.process(w, **kw)} || ':*'" for w in element.words)
    return f"(0.0 - ts_rank(incident.search, to_tsquery('simple', {query})))"
