"""Where SQLite and PostgreSQL differ in SQL: small constructs, each written per backend.

Query code builds these like any SQLAlchemy expression and never asks which database it
talks to; `@compiles` writes each one for the dialect a statement is compiled for. A
statement is compiled once per dialect and shape (SQLAlchemy's compiled cache, and
`app.services.prepared` for the statements every page runs), so this costs nothing per
request. Constructs that hold SQL of their own list it in `_traverse_internals`, so that
the compiled cache tells their statements apart and finds their bound values.

- JSON built by the database (`JsonObject`, `JsonArray`, `JsonNested`, `JsonStored`,
  `JsonTimestamp`): values as `app.encoding` writes them, dates `YYYY-MM-DD`, timestamps
  RFC 3339 in UTC with `Z`.
- Time buckets for the stats (`TimeBucket`).
- Full-text search (`TextMatch`, `TextRank`, `SearchOf`, `prefix_words`), over the search
  rows of migration `b7e4d2a91c3f` (`SEARCH`) and the quotes' index of `c5d2e8f1a0b3`.
- Index hints (`read_by_index`) and date arithmetic (`SpanDays`).

Migrations keep their own per-backend DDL; engine settings (pragmas, locks, time limits)
live in `app.db`.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    Integer,
    Text,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy import distinct as sql_distinct
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, Select
from sqlalchemy.sql.visitors import InternalTraversal

# JSON


class JsonObject(FunctionElement[Any]):
    """A JSON object of `fields` (name: SQL expression), in that order."""

    inherit_cache = True

    def __init__(self, **fields: Any) -> None:
        super().__init__(*(x for name, value in fields.items() for x in (literal(name), value)))


@compiles(JsonObject, "postgresql")
def _json_object_postgresql(element: JsonObject, compiler: Any, **kw: Any) -> str:
    return "json_build_object" + compiler.process(element.clause_expr, **kw)


@compiles(JsonObject, "sqlite")
def _json_object_sqlite(element: JsonObject, compiler: Any, **kw: Any) -> str:
    return "json_object" + compiler.process(element.clause_expr, **kw)


class JsonArray(ColumnElement[str]):
    """The JSON array (as text) of `value` for each row of `rows`, in `order`; `[]` if
    none. `value` is a column (then `distinct` drops repeats) or a `JsonObject`."""

    type = Text()
    inherit_cache = True
    _traverse_internals = [
        ("value", InternalTraversal.dp_clauseelement),
        ("rows", InternalTraversal.dp_clauseelement),
        ("order", InternalTraversal.dp_clauseelement_tuple),
        ("once", InternalTraversal.dp_boolean),
    ]

    def __init__(
        self, value: Any, rows: Select[Any], order: list[Any], *, distinct: bool = False
    ) -> None:
        self.value = value
        self.rows = rows
        self.order = tuple(order)
        self.once = distinct  # not `distinct`: a method of every column expression


@compiles(JsonArray, "postgresql")
def _json_array_postgresql(element: JsonArray, compiler: Any, **kw: Any) -> str:
    item = sql_distinct(element.value) if element.once else element.value
    agg = cast(func.json_agg(aggregate_order_by(item, *element.order)), Text)
    found = element.rows.with_only_columns(func.coalesce(agg, text("'[]'")))
    return str(compiler.process(found.scalar_subquery(), **kw))


@compiles(JsonArray, "sqlite")
def _json_array_sqlite(element: JsonArray, compiler: Any, **kw: Any) -> str:
    # SQLite (before 3.44) has no ORDER BY in an aggregate, but aggregates in the order its
    # subquery gives; `rows` is correlated with the enclosing query, two levels up.
    ordered = element.rows.with_only_columns(element.value.label("v")).order_by(*element.order)
    inner = (ordered.distinct() if element.once else ordered).subquery()
    # A JSON object passed through a subquery is text again: json() makes it an object.
    item = func.json(inner.c.v) if isinstance(element.value, JsonObject) else inner.c.v
    return str(compiler.process(select(func.json_group_array(item)).scalar_subquery(), **kw))


class JsonNested(FunctionElement[Any]):
    """JSON text (a `JsonArray`, a JSON column on SQLite) as a value inside a `JsonObject`."""

    inherit_cache = True


@compiles(JsonNested, "postgresql")
def _json_nested_postgresql(element: JsonNested, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(cast(_only(element), JSON), **kw))


@compiles(JsonNested, "sqlite")
def _json_nested_sqlite(element: JsonNested, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(func.json(_only(element)), **kw))


class JsonStored(FunctionElement[Any]):
    """A JSON column as a value inside a `JsonObject`."""

    inherit_cache = True


@compiles(JsonStored, "postgresql")
def _json_stored_postgresql(element: JsonStored, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(_only(element), **kw))


@compiles(JsonStored, "sqlite")
def _json_stored_sqlite(element: JsonStored, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(func.json(_only(element)), **kw))


class JsonBoolean(FunctionElement[Any]):
    """A boolean column as a value inside a `JsonObject` (SQLite keeps 0 or 1)."""

    inherit_cache = True


@compiles(JsonBoolean, "postgresql")
def _json_boolean_postgresql(element: JsonBoolean, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(_only(element), **kw))


@compiles(JsonBoolean, "sqlite")
def _json_boolean_sqlite(element: JsonBoolean, compiler: Any, **kw: Any) -> str:
    column = _only(element)
    value = case(
        (column.is_(None), None), (column == 0, func.json("false")), else_=func.json("true")
    )
    return str(compiler.process(value, **kw))


class JsonTimestamp(FunctionElement[str]):
    """A UTC timestamp column as RFC 3339 text, as `app.encoding` writes one: microseconds
    only when there are some, and `Z`."""

    type = Text()
    inherit_cache = True


@compiles(JsonTimestamp, "postgresql")
def _json_timestamp_postgresql(element: JsonTimestamp, compiler: Any, **kw: Any) -> str:
    column = _only(element)
    utc = column.op("AT TIME ZONE")(literal("UTC"))
    micro = cast(func.date_part("microseconds", column), BigInteger) % 1000000
    fraction = case((micro == 0, ""), else_=func.to_char(utc, ".US"))
    whole = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
    return str(compiler.process(_concat(whole, fraction, "Z"), **kw))


@compiles(JsonTimestamp, "sqlite")
def _json_timestamp_sqlite(element: JsonTimestamp, compiler: Any, **kw: Any) -> str:
    # SQLite holds `YYYY-MM-DD HH:MM:SS.ffffff` (SQLAlchemy's form).
    column = _only(element)
    micro = func.substr(column, 21, 6)
    fraction = case((or_(micro == "", micro == "000000"), ""), else_=_concat(".", micro))
    day, time = func.substr(column, 1, 10), func.substr(column, 12, 8)
    return str(compiler.process(_concat(day, "T", time, fraction, "Z"), **kw))


def _only(element: FunctionElement[Any]) -> Any:
    """The one argument of a construct made of one."""
    (argument,) = element.clauses
    return argument


def _concat(*parts: Any) -> ColumnElement[str]:
    """Text joined with `||` (both databases' operator)."""
    out = literal(parts[0]) if isinstance(parts[0], str) else parts[0]
    for part in parts[1:]:
        out = out.op("||")(literal(part) if isinstance(part, str) else part)
    return out


# Time buckets

PG_FORMATS = {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM", "year": "YYYY"}
SQLITE_LENGTHS = {"day": 10, "month": 7, "year": 4}
"""SQLite: the leading characters of a date (stored `YYYY-MM-DD`) that are its day, month
or year. `substr` costs half of what `strftime` does (a word's stats by month at 1M: 175
against 341 ms for 220,000 matches)."""


class TimeBucket(FunctionElement[str]):
    """The label of the `unit` (day, week, month, year) holding a date: `2022-01-05`,
    `2022-W01` (ISO 8601), `2022-01`, `2022`."""

    type = Text()
    inherit_cache = True
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("unit", InternalTraversal.dp_string),
    ]

    def __init__(self, unit: str, day: Any) -> None:
        self.unit = unit
        super().__init__(day)


def _sql_text(value: str) -> Any:
    # Inline, not a bound parameter: PostgreSQL must see a GROUP BY expression as
    # identical to the selected one. The values are constants of this module.
    return literal_column("'" + value.replace("'", "''") + "'")


@compiles(TimeBucket, "postgresql")
def _time_bucket_postgresql(element: TimeBucket, compiler: Any, **kw: Any) -> str:
    bucket = func.to_char(_only(element), _sql_text(PG_FORMATS[element.unit]))
    return str(compiler.process(bucket, **kw))


@compiles(TimeBucket, "sqlite")
def _time_bucket_sqlite(element: TimeBucket, compiler: Any, **kw: Any) -> str:
    day = _only(element)
    if element.unit != "week":
        bucket = func.substr(
            day, literal_column("1"), literal_column(str(SQLITE_LENGTHS[element.unit]))
        )
        return str(compiler.process(bucket, **kw))
    # SQLite before 3.46 has no ISO week (%G, %V): an ISO week belongs to the year of its
    # Thursday, and is numbered by that Thursday's day of the year.
    thursday = func.date(day, _sql_text("-3 days"), _sql_text("weekday 4"))
    week = (cast(func.strftime(_sql_text("%j"), thursday), Integer) + 6) // 7
    year = func.strftime(_sql_text("%Y"), thursday)
    return str(compiler.process(func.printf(_sql_text("%s-W%02d"), year, week), **kw))


# Full-text search (migration b7e4d2a91c3f): one row per incident in `incident_search`,
# SQLite's FTS5 table or PostgreSQL's table of tsvectors, both keyed by `rowid`; quotes
# alone in `quote_fts` and `quote.search` (migration c5d2e8f1a0b3). The words are runs of
# letters and digits (app.services.search), so they need no quoting inside either
# backend's query syntax: each is a bound value, and the query's text is made in SQL.

FIGURES = {
    "country": Text,
    "date_start": Date,
    "event_type": Text,
    "sub_event_type": Text,
    "location_id": Text,
    "fatalities": Integer,
    "fatalities_low": Integer,
    "fatalities_high": Integer,
    "injuries": Integer,
}
"""What is kept of each incident beside its search row (migration 6d1f0b8c2e57): what
stats group by and sum, and what filters the matches by relevance (`search_figures`)."""


def _keyed(name: str) -> Any:
    return table(name, column("rowid", BigInteger), *(column(n, t) for n, t in FIGURES.items()))


SEARCH = _keyed("incident_search")
"""The search rows. `rowid` is the incident's `date_start` as YYYYMMDD in its high 32 bits
(`day_key`) and a number of the incident in its low 32: the index's own order is by date,
and a page by date is read in it. Their `FIGURES` are PostgreSQL's alone: SQLite's are in
a table of their own (`search_figures`)."""


class SearchFigures(NamedTuple):
    """The `FIGURES` kept beside the search rows: `rows`, their columns; `source`, what a
    statement reads them from, with `SEARCH` (whose match and key it tests). SQLite: the
    table `incident_search_figure`, keyed like the FTS5 rows and joined to them by key
    (the matches come in key order, and read it in its own); PostgreSQL: the search rows,
    which hold them."""

    source: Any
    rows: Any


_SQLITE_FIGURES = _keyed("incident_search_figure")
_SEARCH_FIGURES = {
    "postgresql": SearchFigures(SEARCH, SEARCH),
    "sqlite": SearchFigures(
        SEARCH.join(_SQLITE_FIGURES, _SQLITE_FIGURES.c.rowid == SEARCH.c.rowid), _SQLITE_FIGURES
    ),
}


def search_figures(dialect: str) -> SearchFigures:
    return _SEARCH_FIGURES["postgresql" if dialect == "postgresql" else "sqlite"]


SEARCH_KEY = "((CAST(replace(incident.date_start, '-', '') AS INTEGER) << 32) | incident.rowid)"
"""The `rowid` of an incident's search row on SQLite, as migration b7e4d2a91c3f makes it."""
NUMBER_BITS = 32
LOW = 2**NUMBER_BITS - 1
"""The incident's number in a `rowid`."""
LAST_KEY = 2**63 - 1
WEIGHTS = {"title": 10.0, "summary": 4.0, "quotes": 1.0}
"""How much a match in each part counts in the rank (BM25 on SQLite, cover density on
PostgreSQL), in the columns' order."""
EXPANSIONS = 64
"""At most this many indexed words for a prefix (SQLite); beyond, FTS5 reads the prefix."""


def day_key(day: date) -> int:
    """The lowest `rowid` of the search rows of incidents starting on `day`."""
    return (day.year * 10000 + day.month * 100 + day.day) << NUMBER_BITS


class Phrase(NamedTuple):
    """One term of a search: a word, or words that follow each other; the last one a
    prefix when `prefix`."""

    words: tuple[str, ...]
    prefix: bool


class TextMatch(ColumnElement[bool]):
    """The rows of `table` whose indexed text has every phrase: `incident_search` (and one
    of `countries`, if given), `incident` (through `incident_search`) or `quote`.

    For `incident` on SQLite, `driving`: the matches are few, so the statement starts from
    them; else it reads incidents by its other conditions and tests each one against the
    matches, read first in full. `probed` (not `driving`): the statement tests few
    incidents (a page's walk along an index), so each looks up its own search row by its
    key instead: a lookup costs what the index's segments are many, not the matches.
    `keys` (`driving`): only the search rows from the first key up to the second (not
    included), i.e. of the incidents that start in a range of days (`day_key`).

    For `incident_search`, `probed`: the statement tests few search rows (a bounded range
    of keys), so that PostgreSQL tests each one rather than reading its index; the same
    with `keys`. SQLite's FTS5 reads a range of keys in its index anyway.
    """

    # No Boolean type: SQLite would be sent `rowid IN (...) = 1`, which it cannot answer
    # from the primary key (it scans the table instead).
    inherit_cache = True
    _traverse_internals = [
        ("table", InternalTraversal.dp_string),
        ("shape", InternalTraversal.dp_string),
        ("words", InternalTraversal.dp_clauseelement_tuple),
        ("countries", InternalTraversal.dp_clauseelement_tuple),
        ("driving", InternalTraversal.dp_boolean),
        ("probed", InternalTraversal.dp_boolean),
        ("keys", InternalTraversal.dp_clauseelement_tuple),
    ]

    def __init__(
        self,
        table: str,
        phrases: Sequence[Phrase],
        countries: Sequence[str] = (),
        *,
        driving: bool = True,
        probed: bool = False,
        keys: tuple[int, int] | None = None,
    ) -> None:
        self.table = table
        # The statement's shape (each phrase's length and whether its last word is a
        # prefix), for the compiled cache; the words are bound values.
        self.shape = " ".join(f"{len(p.words)}{'*' if p.prefix else ''}" for p in phrases)
        self.words: tuple[Any, ...] = tuple(
            bindparam(None, w, unique=True) for p in phrases for w in p.words
        )
        self.countries: tuple[Any, ...] = tuple(bindparam(None, c, unique=True) for c in countries)
        self.driving = driving
        self.probed = probed
        self.keys: tuple[Any, ...] = tuple(bindparam(None, k, unique=True) for k in keys or ())

    def phrases(self) -> list[tuple[list[Any], bool]]:
        """Each phrase's words (bound values) and whether its last word is a prefix."""
        out, at = [], 0
        for term in self.shape.split():
            size = int(term.rstrip("*"))
            out.append((list(self.words[at : at + size]), term.endswith("*")))
            at += size
        return out


def _fts5_query(element: TextMatch, compiler: Any, **kw: Any) -> str:
    """The FTS5 query of `element`, as SQL that makes its text. A word's prefix is written
    as the indexed words it begins (`incident_search_term`, at most `EXPANSIONS`): FTS5
    would merge every row of a prefix in memory on each query. A phrase's, and those of
    the quotes' own index, stay FTS5's."""
    terms = []
    for words, prefix in element.phrases():
        sql = [compiler.process(w, **kw) for w in words]
        if prefix and len(sql) == 1 and element.table != "quote":
            (word,) = sql
            listed = (
                "SELECT term FROM incident_search_term"
                f" WHERE term >= {word} AND term < {word} || char(1114111) LIMIT {EXPANSIONS + 1}"
            )
            terms.append(
                f"""(SELECT CASE WHEN count(*) = 0 THEN '"' || {word} || '"'"""
                f""" WHEN count(*) > {EXPANSIONS} THEN '"' || {word} || '"*'"""
                f""" ELSE '(' || group_concat('"' || term || '"', ' OR ') || ')' END"""
                f" FROM ({listed}))"
            )
        else:
            joined = " || ' ' || ".join(sql)
            terms.append(f"""'"' || {joined} || '"{"*" if prefix else ""}'""")
    query = " || ' AND ' || ".join(terms)
    if element.table == "quote":
        return query
    query = f"'{{title summary quotes}} : (' || {query} || ')'"
    if element.countries:
        codes = " || ' OR ' || ".join(_fts5_code(c, compiler, **kw) for c in element.countries)
        query += f" || ' AND {{country}} : (' || {codes} || ')'"
    return query


def _fts5_code(code: Any, compiler: Any, **kw: Any) -> str:
    """A country code (a bound value) as FTS5 query text: a word of the country column."""
    return f"""'"' || lower({compiler.process(code, **kw)}) || '"'"""


def _tsquery(element: TextMatch, compiler: Any, **kw: Any) -> str:
    """The tsquery of `element`: `<->` between the words of a phrase, `:*` after a prefix."""
    terms = []
    for words, prefix in element.phrases():
        joined = " || ' <-> ' || ".join(compiler.process(w, **kw) for w in words)
        terms.append(f"'(' || {joined} || '{':*' if prefix else ''})'")
    query = " || ' & ' || ".join(terms)
    return f"to_tsquery('simple', {query})"


@compiles(TextMatch, "sqlite")
def _text_match_sqlite(element: TextMatch, compiler: Any, **kw: Any) -> str:
    query = _fts5_query(element, compiler, **kw)
    if element.table == "quote":
        return f"quote.rowid IN (SELECT rowid FROM quote_fts WHERE quote_fts MATCH {query})"
    if element.table == "incident_search":
        return f"incident_search MATCH {query}"
    if element.probed and not element.driving:
        return (
            f"EXISTS (SELECT 1 FROM incident_search WHERE incident_search MATCH {query}"
            f" AND incident_search.rowid = {SEARCH_KEY})"
        )
    # `+` keeps SQLite from reading incidents by the matches' rowids.
    rowid = "incident.rowid" if element.driving else "+incident.rowid"
    found = f"SELECT rowid & {LOW} FROM incident_search WHERE incident_search MATCH"
    return f"{rowid} IN ({found} {query}{_key_range(element, compiler, **kw)})"


def _key_range(element: TextMatch, compiler: Any, **kw: Any) -> str:
    if not element.keys:
        return ""
    first, end = (compiler.process(k, **kw) for k in element.keys)
    return f" AND incident_search.rowid >= {first} AND incident_search.rowid < {end}"


@compiles(TextMatch, "postgresql")
def _text_match_postgresql(element: TextMatch, compiler: Any, **kw: Any) -> str:
    query = _tsquery(element, compiler, **kw)
    if element.table == "quote":
        return f"quote.search @@ {query}"
    match = f"incident_search.search @@ {query}"
    if element.keys or (element.probed and element.table == "incident_search"):
        # The rows tested are few (a range of keys, or a bounded one the statement finds):
        # each is tested by `@@`'s own function, which no index answers. The planner
        # would add the text index's list of every match (60 ms for a common word at 1M,
        # costed as nearly free) to the range's; 4 ms to test 8,000 rows.
        match = f"ts_match_vq(incident_search.search, {query})"
    if element.countries:
        codes = ", ".join(compiler.process(c, **kw) for c in element.countries)
        match += f" AND incident_search.country IN ({codes})"
    if element.table == "incident_search":
        return f"({match})"
    match += _key_range(element, compiler, **kw)
    return f"incident.id IN (SELECT incident_id FROM incident_search WHERE {match})"


class TextRank(ColumnElement[float]):
    """How well the search row of `match` (a `TextMatch` of `incident_search`) matches, as
    a key that sorts the best first: FTS5's BM25 (negative) on SQLite, minus the cover
    density rank on PostgreSQL, both with `WEIGHTS`. The statement reads `incident_search`."""

    type = Float()
    inherit_cache = True
    _traverse_internals = [("text_match", InternalTraversal.dp_clauseelement)]

    def __init__(self, text_match: TextMatch) -> None:
        self.text_match = text_match


@compiles(TextRank, "sqlite")
def _text_rank_sqlite(element: TextRank, compiler: Any, **kw: Any) -> str:
    weights = ", ".join(str(w) for w in (*WEIGHTS.values(), 0.0))  # the country: nothing
    return f"bm25(incident_search, {weights})"


@compiles(TextRank, "postgresql")
def _text_rank_postgresql(element: TextRank, compiler: Any, **kw: Any) -> str:
    # Weights D, C, B, A: the parts' separators, quotes, summary, title; normalised by
    # 1 + the logarithm of the document's length, as BM25 favours shorter documents.
    title, summary, quotes = (w / WEIGHTS["title"] for w in WEIGHTS.values())
    query = _tsquery(element.text_match, compiler, **kw)
    weights = f"'{{0, {quotes}, {summary}, {title}}}'"
    return f"(0.0 - ts_rank_cd({weights}, incident_search.search, {query}, 1))"


class SearchOf(ColumnElement[bool]):
    """The join of `incident` to its search row."""

    inherit_cache = True
    _traverse_internals: list[Any] = []  # no state: one cache key (else none, compiled anew)


@compiles(SearchOf, "sqlite")
def _search_of_sqlite(_element: SearchOf, _compiler: Any, **_kw: Any) -> str:
    return f"incident.rowid = (incident_search.rowid & {LOW})"


@compiles(SearchOf, "postgresql")
def _search_of_postgresql(_element: SearchOf, _compiler: Any, **_kw: Any) -> str:
    return "incident.id = incident_search.incident_id"


class SearchIncident(ColumnElement[str]):
    """The id of the incident whose search row has the key `key` (SQLite's FTS5 row holds
    its number only: the incident is read by it; PostgreSQL's row holds the id)."""

    type = Text()
    inherit_cache = True
    _traverse_internals = [("key", InternalTraversal.dp_clauseelement)]

    def __init__(self, key: Any) -> None:
        self.key = key


@compiles(SearchIncident, "sqlite")
def _search_incident_sqlite(element: SearchIncident, compiler: Any, **kw: Any) -> str:
    key = compiler.process(element.key, **kw)
    return f"(SELECT id FROM incident WHERE incident.rowid = (({key}) & {LOW}))"


@compiles(SearchIncident, "postgresql")
def _search_incident_postgresql(element: SearchIncident, compiler: Any, **kw: Any) -> str:
    key = compiler.process(element.key, **kw)
    return f"(SELECT incident_id FROM incident_search WHERE incident_search.rowid = ({key}))"


# Index hints


def read_by_index(stmt: Any, table: Any, index: str) -> Any:
    """`stmt` reading `table` through `index`. SQLite is told to (`INDEXED BY`): without
    statistics its planner may choose worse; PostgreSQL's planner is left to choose."""
    return stmt.with_hint(table, f"INDEXED BY {index}", "sqlite")


def _sqlite_table_hint(_compiler: SQLiteCompiler, _table: object, hint: str | None) -> str | None:
    return hint


# SQLAlchemy renders no table hints for SQLite; ours are `INDEXED BY <index>`, the one
# hint SQLite takes.
SQLiteCompiler.get_from_hint_text = _sqlite_table_hint  # type: ignore[method-assign,assignment]


class OfCountry(ColumnElement[bool]):
    """The search row (`incident_search`) is of the country `code`: a word of its FTS5
    column on SQLite; its `country` on PostgreSQL (`ix_incident_search_country`)."""

    inherit_cache = True
    _traverse_internals = [("code", InternalTraversal.dp_clauseelement)]

    def __init__(self, code: str) -> None:
        self.code: Any = bindparam(None, code, unique=True)


@compiles(OfCountry, "sqlite")
def _of_country_sqlite(element: OfCountry, compiler: Any, **kw: Any) -> str:
    return f"incident_search MATCH '{{country}} : ' || {_fts5_code(element.code, compiler, **kw)}"


@compiles(OfCountry, "postgresql")
def _of_country_postgresql(element: OfCountry, compiler: Any, **kw: Any) -> str:
    return f"incident_search.country = {compiler.process(element.code, **kw)}"


class Unindexed(ColumnElement[Any]):
    """A column that SQLite must not read the rows through (`+column`), so that its planner
    keeps to another index, that of the statement's order. Other backends: the column."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any) -> None:
        self.column = column
        self.type = column.type


@compiles(Unindexed)
def _unindexed(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.column, **kw)}"


# Date arithmetic


class SpanDays(ColumnElement[int]):
    """`date_end - date_start` of the row, in days (the generated `incident.span_class`)."""

    type = Integer()
    inherit_cache = True
    _traverse_internals: list[Any] = []


@compiles(SpanDays)
def _span_days(_element: SpanDays, _compiler: Any, **_kw: Any) -> str:
    return "(date_end - date_start)"


@compiles(SpanDays, "sqlite")
def _span_days_sqlite(_element: SpanDays, _compiler: Any, **_kw: Any) -> str:
    return "CAST(julianday(date_end) - julianday(date_start) AS INTEGER)"
