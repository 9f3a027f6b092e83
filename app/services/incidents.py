"""Incident queries: the filtered, keyset-paginated list and the full detail.

Both read plain rows (SQLAlchemy Core, no ORM objects) and build the JSON shapes of
`app.schemas.resources` directly, in the fields' public order: the response models
document them, and tests check every answer against them, but the request path does not
validate again what the database returned.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.config import get_settings
from app.countries import country_name
from app.encoding import to_json
from app.errors import InvalidValue, NotFound, ProblemItem
from app.models import (
    Actor,
    Attribution,
    DatasetRow,
    Incident,
    IncidentActor,
    IncidentExcerpt,
    IncidentRelation,
    Location,
    Quote,
    QuoteIncident,
    Source,
    Tombstone,
    Weapon,
)
from app.models.common import UTCDateTime
from app.schemas.queries import IncidentFilters, IncidentQuery
from app.schemas.resources import IncidentOut, LocationRef
from app.services.filters import (
    DatePart,
    figure_conditions,
    other_conditions,
    overlapping,
    started_before_matching,
    used_filters,
    within_keys,
)
from app.services.pagination import (
    Order,
    PageResult,
    Total,
    cached_total,
    capped_count,
    total_limit,
)
from app.services.prepared import Prepared
from app.services.search import relevance, search_match
from app.sql.dialect import (
    LOW,
    SEARCH,
    JsonArray,
    JsonNested,
    JsonObject,
    JsonStored,
    JsonTimestamp,
    OfCountry,
    SearchFigures,
    SearchIncident,
    SearchOf,
    Unindexed,
    day_key,
    search_figures,
)

# Unknown sorts below zero. A literal -1, not a bound parameter: the expression must be
# the one indexed by ix_incident_fatalities_sort for the database to read that index.
FATALITIES = func.coalesce(Incident.fatalities, literal_column("-1"))


def _sort(name: str, key: Any, kind: type) -> Order:
    # A row of the list holds its first key as `k` (`incidents_select`, `page_keys`).
    desc = name.startswith("-")
    return Order(name, (key, col(Incident.id)), (kind, str), desc, ("k", "id"))


SORTS: dict[str, Order] = {
    "-date": _sort("-date", col(Incident.date_start), date),
    "date": _sort("date", col(Incident.date_start), date),
    "-fatalities": _sort("-fatalities", FATALITIES, int),
    "fatalities": _sort("fatalities", FATALITIES, int),
    "updated_at": _sort("updated_at", col(Incident.updated_at), datetime),
}


def order_of(query: IncidentQuery) -> Order:
    """The order of `query.sort`. `relevance` ranks by how well the incident's texts match
    `q` (app.services.search.relevance)."""
    if query.sort != "relevance":
        return SORTS[query.sort]
    if not query.q:
        message = "sort=relevance ranks the matches of q: give q"
        raise InvalidValue.listing([ProblemItem(param="sort", message=message)])
    # Ties newest first: by the search row's key (its start day, then its number), negated,
    # which the search rows hold; a tie by id would read each ranked row's incident.
    rank = relevance(search_match(query.q, query.country))
    return Order("relevance", (rank, -SEARCH.c.rowid), (float, int), False, ("k", "tie"))


# The list item: each field of `IncidentOut` is a column of the list's statement under
# its own name (`columns`, `children`), or `incidents_out` makes it from those. A new
# column of the incident that the model names is selected and sent with no change here.

_TABLE: Any = Incident.__table__  # type: ignore[attr-defined]
FIELDS = tuple(IncidentOut.model_fields)
PLACE = tuple(LocationRef.model_fields)
OWN = tuple(name for name in FIELDS if name in _TABLE.c)
"""The fields that are the incident's own columns."""
CHILDREN = ("weapons", "attributed_to", "source_ids")
"""The fields that are arrays of the incident's child rows (`children`)."""
JSON_TEXT = (*CHILDREN, *(n for n in OWN if isinstance(_TABLE.c[n].type, JSON)))
"""The fields that come as JSON text: sent as they are, or parsed for CSV."""
BOOLEANS = tuple(n for n in OWN if isinstance(_TABLE.c[n].type, Boolean))


def _own(name: str) -> Any:
    """The incident's column `name`, as the list item has it."""
    column = _TABLE.c[name]
    if isinstance(column.type, UTCDateTime):  # as the response writes it
        return JsonTimestamp(column).label(name)
    if isinstance(column.type, JSON):  # as stored: the response carries it as it is
        return cast(column, Text).label(name)
    return column.label(name)


def columns() -> list[Any]:
    """What a list item is made of besides its `children`: the incident's own fields, and
    its place's as `location_<field>`. Timestamps and JSON come as text, as the response
    has them."""
    place: list[Any] = [col(getattr(Location, f)).label(f"location_{f}") for f in PLACE]
    return [*(_own(name) for name in OWN), *place]


def incidents_select(query: IncidentQuery) -> Select[Any]:
    """The rows (`columns`, `children`, and the first sort key as `k`) of the incidents
    matching every filter, unordered: what an export reads. Not by relevance: that ranks
    the matches a page's total counts (`_searched_keys`), one page at a time; 422."""
    if query.sort == "relevance":
        message = (
            "sort=relevance orders the pages of the JSON list; an export (CSV, GeoJSON,"
            " NDJSON or a layout) is ordered by date, fatalities or updated_at"
        )
        raise InvalidValue.listing([ProblemItem(param="sort", message=message)])
    parts = overlapping(query.date_from, query.date_to)
    dates = parts[0].where if len(parts) == 1 else (or_(*(and_(*p.where) for p in parts)),)
    first_key = order_of(query).keys[0]
    return _rows().add_columns(first_key.label("k")).where(*dates, *other_conditions(query))


@cache
def _rows() -> Any:
    """Incidents as the list shows them: their columns, their place's, their children."""
    return (
        select(*columns(), *children())
        .select_from(Incident)
        .outerjoin(Location, col(Location.id) == Incident.location_id)
    )


def _by_ids(n: int) -> Any:
    return _rows().where(col(Incident.id).in_([bindparam(f"id{i}") for i in range(n)]))


BY_IDS = Prepared(_by_ids)
"""The list rows of `n` incidents by id: every page and detail reads its rows so."""


def rows_by_id(session: Session, ids: Sequence[str]) -> list[Any]:
    """The list rows (`columns`, `children`) of these incidents, in the order of `ids`."""
    if not ids:
        return []
    values = {f"id{i}": incident_id for i, incident_id in enumerate(ids)}
    found = {row.id: row for row in BY_IDS.rows(session.connection(), values, len(ids))}
    return [found[i] for i in ids if i in found]


def count_incidents(session: Session, query: IncidentFilters, *, exact: bool = False) -> Total:
    """How many incidents match. Without `q`, exactly: the sum over the disjoint parts of
    the date window. With `q`, up to `total_limit` (`exact`: all of them), then a lower
    bound: the search rows' own count (those starting inside the window, plus those that
    started before it and run into it); with filters the figures kept beside the search
    rows hold, and no `date_from`, the count of the matches among those; else the parts'."""
    if not query.q:
        return cached_total(session, "incidents", query, lambda: Total(_count(session, query)))
    limit = None if exact else total_limit(session)

    def count() -> Total:
        theirs = other_conditions(query, searched=True)
        if theirs and not query.date_from:  # the figures beside the search rows, if they hold them
            figures = search_figures(session.connection().dialect.name)
            kept = figure_conditions(query, figures.rows)
            if kept is not None:
                found = search_match(query.q or "", query.country)
                hits = select(SEARCH.c.rowid).select_from(figures.source)
                hits = hits.where(found, *kept, *within_keys(query))
                return capped_count(session, hits, limit)
        if not theirs:
            inside = _hits_count(session, query, limit)
            if not query.date_from or not inside.exact:
                return inside
            # The few that started before the window and run into it, read by their index.
            before = overlapping(query.date_from, query.date_to)[1]
            # No other filter applies here (`other_conditions` is empty).
            match = started_before_matching(query, query.date_from, common=_common(session, query))
            rows = before.apply(select(func.count()).select_from(Incident).where(*match))
            n = inside.value + (session.connection().execute(rows).scalar() or 0)
            return Total(limit, exact=False) if limit is not None and n > limit else Total(n)
        # Made once: the parts share its subqueries (a CTE is one by its name).
        where = other_conditions(query, common=_common(session, query))
        parts = [
            part.apply(select(col(Incident.id)).where(*where))
            for part in overlapping(query.date_from, query.date_to)
        ]
        rows = union_all(*parts).subquery().select() if len(parts) > 1 else parts[0]
        return capped_count(session, rows, limit)

    # The budget is part of the key: a total counted up to another is another answer.
    return cached_total(session, f"incidents-q-{limit}", query, count)


def _count(session: Session, query: IncidentFilters) -> int:
    common = other_conditions(query)
    counts = [
        part.apply(select(func.count()).select_from(Incident).where(*common)).scalar_subquery()
        for part in overlapping(query.date_from, query.date_to)
    ]
    total = counts[0] if len(counts) == 1 else sum(counts[1:], counts[0])
    return session.connection().execute(select(total)).scalar() or 0


def _hits(query: IncidentFilters, *, probed: bool = False) -> Select[Any]:
    """The search rows of `q` and `country` that start inside the dates: in no order, or,
    `probed`, the newest first, each tested (`TextMatch`)."""
    match = search_match(query.q or "", query.country, probed=probed)
    hits = select(SEARCH.c.rowid).where(match, *within_keys(query))
    return hits.order_by(SEARCH.c.rowid.desc()) if probed else hits


def _common(session: Session, query: IncidentFilters) -> bool:
    """`q` (with `country`) matches more incidents than a total counts: cheaper tested one
    by one than read first."""
    plain = query.model_copy(update={"date_from": None, "date_to": None})
    return not _hits_count(session, plain, total_limit(session)).exact


def _hits_count(session: Session, query: IncidentFilters, limit: int | None) -> Total:
    """How many search rows `_hits` has, up to `limit`: kept for this version of the
    record, so that a total without dates is the count `_common` made.

    On PostgreSQL, rows that reach the newest ones (no dates, or `date_from` alone) are
    counted from them down, each row tested, where `q` matches densely there (`_probed`,
    `COUNTED_SHARE`): the count stops within `limit / COUNTED_SHARE` rows or so. Else the
    planner added the text index's list of every match to the window's range (60 to 90 ms
    for `drone` at 1M)."""

    def count() -> Total:
        dense = bool(limit and not query.date_to) and _tests_rows(session)
        probed = dense and _probed(session, query, COUNTED_SHARE)
        return capped_count(session, _hits(query, probed=probed), limit)

    return cached_total(session, f"incident-hits-{limit}", query, count)


PROBE_SHARE = 1 / 8
"""A page of `q` in an order of the incidents' own (`sort=-fatalities`) walks an index of
theirs and looks up each one's search row (`TextMatch`'s `probed`) when at least this
share of the newest search rows match: it then tests about `limit / PROBE_SHARE`
incidents at most, at about 0.3 ms each at 1M on SQLite, where reading every match first
costs about 2 microseconds a match (0.4 s for 220,000)."""
SAMPLE = 2000
"""How many of the newest search rows `PROBE_SHARE` is measured on."""
RANKED_SHARE = 1 / 24
"""By relevance on PostgreSQL, the newest `ranked` matches are found among the newest
search rows, each tested, when at least this share of them match: about `ranked /
RANKED_SHARE` rows tested at most. Pairs of words at 1M, first asks: at 5 to 7.5% of the
newest rows, 360 to 430 ms from the text index, 230 to 270 ms so; at 3.2%, 280 ms from
the index and 340 ms so; at 1 to 1.6%, 240 to 260 ms from the index."""


COUNTED_SHARE = 1 / 24
"""A total on PostgreSQL counts the newest search rows down, each tested, when at least
this share of them match (`_hits_count`): about `limit / COUNTED_SHARE` rows tested at
most, at 0.15 to 0.3 microseconds each, where the text index's list of a common word
costs 60 to 100 ms to read. At 1M, words in two countries at 5 to 6 % of the newest rows:
60 to 105 ms from the index, 25 to 32 ms so."""


def _tests_rows(session: Session) -> bool:
    """Whether testing a dense word's search rows one by one can beat reading its index's
    matches: on PostgreSQL (`ts_match_vq`). SQLite's FTS5 reads a range of keys in its
    own index either way, so asking (`_probed`) would buy nothing there."""
    return session.connection().dialect.name == "postgresql"


def _probed(
    session: Session, query: IncidentFilters, share: float = PROBE_SHARE, *, walked: bool = False
) -> bool:
    """`q` (with `country`) matches at least `share` of the newest search rows: of the
    countries' own newest rows where the statement reads only theirs, in the order of their
    keys or of its index. That is a page's walk along an index of the incidents (`walked`),
    which tests the country before the word; and on PostgreSQL one `country`'s search rows
    (`ix_incident_search_country`)."""
    countries = query.country or []
    one = len(countries) == 1 and _tests_rows(session)
    among = countries if walked or one else []
    sample = _sample(query, among)
    found = cached_total(
        session,
        f"incident-sample-{len(among)}",  # among all rows, or the countries' (their number)
        query,
        lambda: capped_count(session, sample, None),
    )
    return found.value >= SAMPLE * share


def _sample(query: IncidentFilters, countries: list[str] | None = None) -> Select[Any]:
    """The matches of `q` (with `country`) among the newest `SAMPLE` search rows (of
    `countries`, if given: each one's newest, read by its own index, then the newest of
    those), each row tested (`probed`)."""
    rows = SEARCH.c.rowid
    newest: Any = rows
    if countries:
        each = [
            select(rows).where(OfCountry(c)).order_by(rows.desc()).limit(SAMPLE).subquery().select()
            for c in countries
        ]
        newest = union_all(*each).subquery("newest").c.rowid
    edge = select(newest).order_by(newest.desc()).offset(SAMPLE - 1).limit(1)
    sample = select(rows).where(search_match(query.q or "", query.country, probed=True))
    return sample.where(rows >= func.coalesce(edge.scalar_subquery(), 0))


def searched(query: IncidentQuery) -> bool:
    """The page is read from the search rows, in their order: with `q`, by relevance or by
    date (those that started before `date_from` and run into the window are read through
    the incidents' indexes besides)."""
    return bool(query.q) and query.sort in ("relevance", "-date", "date")


def _searched_keys(
    query: IncidentQuery,
    order: Order,
    ranked: int,
    theirs: list[Any],
    *,
    probed: bool = False,
    in_key_order: bool = False,
    figures: SearchFigures | None = None,
) -> Select[Any]:
    """The first `limit + 1` (sort key `k`, id) of the matches after the cursor, read from
    the search rows in their order.

    By date: the search rows are in the order of `date_start`, then of the incident's
    number, which is not that of its id; so the statement takes the day of the row
    `limit + 1` rows on (an `OFFSET` in the index), and orders the rows from it on by
    (`date_start`, id). By relevance (`_ranked_keys`): it ranks the newest `ranked`
    matches; `probed` (`q` dense among the newest rows, and more matches than `ranked`):
    found from the newest search rows down, each tested; `in_key_order`: the text index
    reads its matches in the order of their keys (`page_keys`). Filters that the `figures`
    kept beside the search rows hold are tested there, not on an incident each.
    """
    relevant = query.sort == "relevance"
    # What the statement reads of the search rows: with the figures kept beside them when
    # those hold every filter, tested there (not on an incident each).
    own: Any = SEARCH
    figured = False
    if theirs and figures is not None and not (relevant and query.date_from):
        kept = figure_conditions(query, figures.rows)
        if kept is not None:
            theirs, own, figured = kept, figures.source, True
    rows: Any = own.join(Incident, SearchOf())
    # By relevance, the rank's own match.
    match = order.keys[0].text_match if relevant else search_match(query.q or "", query.country)
    where: list[Any] = [match, *theirs]
    if relevant:
        where += within_keys(query.model_copy(update={"date_from": None}))
        if query.date_from:  # overlapping the window: it ends after its start
            where.append(col(Incident.date_end) >= query.date_from)
    else:  # those that start inside the window (`page_keys` reads those before it)
        where += within_keys(query)
    key = SEARCH.c.rowid
    # The edges read the incidents only where a condition is theirs: else the search rows
    # alone (and their figures), not one incident for each of the `ranked` rows.
    alone = figured or not theirs and not (relevant and query.date_from)
    if relevant:
        # PostgreSQL: not its text index's list of every match, where `q` is dense among
        # the newest rows (and no filter makes the matches fewer).
        down = alone and probed and not theirs
        if down:  # from the newest search rows down, each tested
            where[0] = search_match(query.q or "", query.country, probed=True)
        return _ranked_keys(
            query, order, ranked, where, own if alone else rows, in_key_order or down
        )
    start = order.start(query.cursor)
    if start is not None:  # the cursor's day bounds the index too
        on = day_key(start[0])
        where += [order.after(start), key <= on + LOW if order.desc else key >= on]
    first = select(order.keys[0].label("k"), order.keys[1].label("id")).select_from(rows)
    walk = select(key).select_from(own if alone and start is None else rows).where(*where)
    walk = walk.order_by(key.desc() if order.desc else key.asc())
    edge = walk.offset(query.limit).limit(1).correlate(None).scalar_subquery()
    day = edge - edge.op("&")(literal_column(str(LOW)))  # its day's first key
    # The page is among the walk's first `limit + 1` matches and the other matches of the
    # last one's day (a day's rows are in the order of their ids, not of their keys): at
    # most a day of search rows, each tested (`probed`), none when the walk found fewer.
    rest = [key >= day, key < edge] if order.desc else [key > edge, key < day + (LOW + 1)]
    tested = search_match(query.q or "", query.country, probed=True)
    walked = first.where(key.in_(walk.limit(query.limit + 1)))
    union = union_all(walked, first.where(tested, *where[1:], *rest)).subquery("walked")
    by = order.on(union.c.k, union.c.id).by()
    return select(union.c.k, union.c.id).order_by(*by).limit(query.limit + 1)


def _ranked_keys(
    query: IncidentQuery, order: Order, ranked: int, where: list[Any], rows: Any, one_pass: bool
) -> Select[Any]:
    """By relevance, the first `limit + 1` (`k`, `tie`, id) after the cursor among the
    newest `ranked` matches of `where` in `rows` (those a total counts: all of them when
    it is exact). Ties go by the search rows' keys, and only the page's rows read their
    incident's id. `one_pass`: the matches are read newest first with no sort (FTS5's
    order, or PostgreSQL's walk down an index), so each of the newest is ranked as it is
    read. Else the newest's keys are found first, and each of those rows is then tested
    and ranked by its key: PostgreSQL would rank every match its text index gives before
    sorting them, and an edge key read the index twice (and a range of every key since)."""
    key = SEARCH.c.rowid
    labelled = [k.label(name) for k, name in zip(order.keys, order.names, strict=True)]
    start = order.start(query.cursor)
    if one_pass:
        newest = select(*labelled).select_from(rows).where(*where).order_by(key.desc())
        found = newest.limit(ranked).subquery("newest")
        ranking = order.on(found.c.k, found.c.tie)
        best = select(found.c.k, found.c.tie)
    else:
        newest = select(key).select_from(rows).where(*where).order_by(key.desc()).limit(ranked)
        # Each row tested (FTS5 ranks only in a statement with its MATCH).
        tested = search_match(query.q or "", query.country, probed=True)
        ranking = order  # its keys: a statement's WHERE cannot name its labels
        # Not FTS5's rowid: it would run its MATCH (and bm25's counts) once for each key.
        best = select(*labelled).where(tested, Unindexed(key).in_(newest.correlate(None)))
    if start is not None:
        best = best.where(ranking.after(start))
    # Ordered by the labels: SQLite computes each key once a row.
    page = best.order_by(*order.on(*best.selected_columns).by()).limit(query.limit + 1)
    ids = page.subquery("best")
    with_id = select(ids.c.k, ids.c.tie, SearchIncident(-ids.c.tie).label("id"))
    return with_id.order_by(*order.on(ids.c.k, ids.c.tie).by())


def page_keys(
    query: IncidentQuery,
    *,
    common: bool = False,
    probed: bool = False,
    ranked: int | None = None,
    in_key_order: bool = False,
    figures: SearchFigures | None = None,
) -> list[Any]:
    """The sort key (`k`) and id of the page's first `limit + 1` matches after the cursor:
    read from the search rows (`searched`), with, by date from `date_from`, those that
    started before it read from the incidents; or for each disjoint part of the date window
    (`overlapping`) in the order of an index. `common`: `q` matches many incidents
    (`other_conditions`); `probed`: densely, so that each incident the page's walk tests
    looks up its own search row (by relevance: the newest matches are found among the newest
    search rows, each tested); `ranked`: how many matches relevance ranks
    (`total_limit`); `in_key_order`: the text index reads its matches in the order of
    their keys, with no sort (SQLite's FTS5; PostgreSQL's GIN index gives them unordered);
    `figures`: those kept beside the search rows, on which the filters they hold are tested
    (`_searched_keys`)."""
    order = order_of(query)
    if searched(query):
        budget = ranked or get_settings().exact_total_limit
        # Made once: both parts hold its subqueries (a CTE is one by its name).
        theirs = other_conditions(query, searched=True)
        found = _searched_keys(
            query,
            order,
            budget,
            theirs,
            probed=probed,
            in_key_order=in_key_order,
            figures=figures,
        )
        if query.sort == "relevance" or not query.date_from:
            return [found]
        # The few that started before the window and run into it: each tested by its key.
        before = overlapping(query.date_from, query.date_to)[1]
        where = [*theirs, *started_before_matching(query, query.date_from, common=common)]
        return [found, _part_keys(query, order, before, where)]
    # Made once: the parts' statements share its subqueries (a CTE is one by its name).
    where = other_conditions(query, common=common, probed=probed, walked=common)
    return [_part_keys(query, order, p, where) for p in overlapping(query.date_from, query.date_to)]


def _part_keys(query: IncidentQuery, order: Order, part: DatePart, where: list[Any]) -> Select[Any]:
    """The first `limit + 1` (`k`, id) of one part of the date window matching `where`
    (`page_keys`)."""
    return _first_keys(order, part, where, order.start(query.cursor), query.limit + 1)


def _first_keys(
    order: Order, part: DatePart, where: list[Any], start: Sequence[Any] | None, n: int
) -> Select[Any]:
    """The first `n` (`k`, id) of `part` matching `where` in `order`, after `start`."""
    if start is not None:
        where = [*where, order.after(start)]
    keys = select(order.keys[0].label("k"), col(Incident.id).label("id")).where(*where)
    return part.apply(keys).order_by(*order.by()).limit(n)


def _every_key(sort: str, after: bool, n: int) -> Select[Any]:
    """The first `n` (`k`, id) of every incident in `sort` order, after the keys bound as
    `k0`, `k1`, ... (`after`): the page of a list with no filter, as `_part_keys` builds it."""
    order = SORTS[sort]
    start = [bindparam(f"k{i}", type_=key.type) for i, key in enumerate(order.keys)]
    return _first_keys(order, DatePart(()), [], start if after else None, n)


EVERY_KEY = Prepared(_every_key)
"""Every list with no filter pages so: the explorer's first view, a walk of the record."""


class PageKey(NamedTuple):
    k: Any
    id: str


def _every_key_page(session: Session, query: IncidentQuery, order: Order) -> list[PageKey]:
    """The (`k`, id) of a page of the list with no filter (`_every_key`), each sort key read
    as SQLAlchemy reads it (SQLite's text of a timestamp: a datetime), so that the cursor is
    the one a filtered list writes."""
    connection = session.connection()
    start = order.start(query.cursor)
    values = {f"k{i}": value for i, value in enumerate(start or [])}
    shape = (query.sort, start is not None, query.limit + 1)
    rows = EVERY_KEY.rows(connection, values, *shape)
    dialect = connection.dialect
    read = order.keys[0].type.dialect_impl(dialect).result_processor(dialect, None)
    return [PageKey(read(k) if read else k, i) for k, i in rows]


def list_incidents(session: Session, query: IncidentQuery) -> PageResult:
    """One page of matching incidents in `query.sort` order, the total, the next cursor.

    The page's keys are the first of the union of each part's first keys; its rows are then
    read by id, with their places and children, in one prepared statement.
    """
    order = order_of(query)
    order.start(query.cursor)  # a 400 for a cursor of another order, whatever matches
    total = count_incidents(session, query)
    if total.exact and not total.value:  # nothing matches: no page to look for
        return incidents_out(session, []), total, None
    if not used_filters(query):  # prepared: building its statement took 0.2 ms a page
        return _page(session, query, order, total, _every_key_page(session, query, order))
    relevant = query.sort == "relevance"
    walked = bool(query.q) and not relevant and (not searched(query) or bool(query.date_from))
    # Dense words: a walk along an index of the incidents' tests each one's search row; by
    # relevance, PostgreSQL finds the newest matches among the newest rows, each tested,
    # for `q` (and `country`) alone (`_searched_keys`): with any other filter it has no use
    # for the density, which cost two statements (350 ms at 1.385M for `drone`).
    alone = not query.date_from and not other_conditions(query, searched=True)
    ranked = relevant and _tests_rows(session) and alone
    many = (walked or ranked) and _common(session, query)
    share = RANKED_SHARE if ranked else PROBE_SHARE
    on_incidents = not searched(query)  # the page walks an index of the incidents'
    probed = (
        many and (ranked or on_incidents) and _probed(session, query, share, walked=on_incidents)
    )
    common = many and not relevant
    in_key_order = not _tests_rows(session)
    branches = page_keys(
        query,
        common=common,
        probed=probed,
        ranked=total_limit(session),
        in_key_order=in_key_order,
        figures=search_figures(session.connection().dialect.name),
    )
    keys: Any = branches[0]
    if len(branches) > 1:
        union = union_all(*(b.subquery().select() for b in branches)).subquery("page")
        by = order.on(union.c.k, union.c.id).by()
        keys = select(union.c.k, union.c.id).order_by(*by).limit(query.limit + 1)
    found = session.connection().execute(keys).all()
    return _page(session, query, order, total, found)


def _page(
    session: Session, query: IncidentQuery, order: Order, total: Total, found: Sequence[Any]
) -> PageResult:
    """The page of the first `limit` of the (`k`, id) found, and the next cursor if there
    is one more."""
    cursor = None
    if len(found) > query.limit:
        cursor = order.cursor(order.key_of(found[query.limit - 1]))
    rows = rows_by_id(session, [row.id for row in found[: query.limit]])
    return incidents_out(session, rows), total, cursor


def children() -> list[Any]:
    """An incident's weapons, attributions and sources, each a JSON array (text)."""
    of = col(Incident.id)
    weapons = JsonArray(
        JsonObject(
            kind=col(Weapon.kind),
            quantity=col(Weapon.quantity),
            quantity_text=col(Weapon.quantity_text),
            notes=col(Weapon.notes),
        ),
        select(Weapon).where(col(Weapon.incident_id) == of).correlate(Incident),
        [col(Weapon.kind)],
    )
    attributed = JsonArray(
        JsonObject(
            actor_id=col(Attribution.actor_id),
            actor_name=col(Actor.name),
            stance=col(Attribution.stance),
            by_actor_id=col(Attribution.by_actor_id),
        ),
        select(Attribution)
        .join(Actor, col(Actor.id) == Attribution.actor_id)
        .where(col(Attribution.incident_id) == of)
        .correlate(Incident),
        [col(Attribution.id)],
    )
    sources = JsonArray(
        col(IncidentExcerpt.source_id),
        select(IncidentExcerpt).where(col(IncidentExcerpt.incident_id) == of).correlate(Incident),
        [col(IncidentExcerpt.source_id)],
        distinct=True,
    )
    found = {"weapons": weapons, "attributed_to": attributed, "source_ids": sources}
    return [found[name].label(name) for name in CHILDREN]


def incidents_out(
    session: Session, rows: Sequence[Any], *, parsed: bool = False
) -> list[dict[str, Any]]:
    """The list shape of each incident (`IncidentOut`), from rows of `columns` and
    `children`, read by name.

    The JSON fields are text, sent as they are unless `parsed` (CSV needs the values).
    """
    if not rows:
        return []
    item = _item_of(tuple(rows[0]._fields))
    json = orjson.loads if parsed else as_fragment
    return [item(row, json) for row in rows]


@cache
def _item_of(names: tuple[str, ...]) -> Callable[[Sequence[Any], Any], dict[str, Any]]:
    """How to make the item of a row whose columns are `names` (those of `columns` and
    `children`, in any order): a dict of `FIELDS` in their order, each read from the column
    of its name, JSON text through `json`, the place's columns as `location`.

    Written out as code once per statement, as `dataclasses` writes `__init__`: a dict
    display builds the item twice as fast as a dict built name by name, and every row of
    every list page is built here.
    """
    at = {name: f"v{i}" for i, name in enumerate(names)}
    place = ", ".join(f"{f!r}: {at[f'location_{f}']}" for f in PLACE)
    made = {
        "country_name": f"country_name({at['country']})",
        "location": f"None if {at['location_id']} is None else {{{place}}}",
        **{name: f"json({at[name]})" for name in JSON_TEXT},
        # SQLite gives booleans as 0 or 1.
        **{name: f"None if {at[name]} is None else bool({at[name]})" for name in BOOLEANS},
    }
    display = ", ".join(f"{name!r}: {made.get(name) or at[name]}" for name in FIELDS)
    source = f"def make(row, json):\n    {', '.join(at.values())}, = row\n    return {{{display}}}"
    scope: dict[str, Any] = {"country_name": country_name}
    exec(source, scope)  # the names and fields of this module only
    make: Callable[[Sequence[Any], Any], dict[str, Any]] = scope["make"]
    return make


def as_fragment(value: str | None) -> orjson.Fragment | None:
    """JSON text from the database, to go into a response as it is (never parsed and
    written again)."""
    return None if value is None else orjson.Fragment(value)


def missing(session: Session, incident_id: str) -> NotFound:
    """The 404 for an incident id, saying when it was deleted if it was."""
    gone = session.get(Tombstone, ("incident", incident_id))
    if gone is not None:
        return NotFound(
            f"incident {incident_id!r} was deleted at {gone.deleted_at:%Y-%m-%dT%H:%M:%SZ}"
        )
    return NotFound(f"no incident with id {incident_id!r}")


def incident_json(session: Session, incident_id: str) -> bytes:
    """The body of `GET /v1/incidents/{id}`: its ETag is what `If-Match` must repeat.

    GET, PATCH and DELETE all render through here, so the tags they compare agree.
    """
    return to_json(get_incident(session, incident_id))


def get_incident(session: Session, incident_id: str) -> dict[str, Any]:
    """The detail of one incident: its list shape, then what only the detail shows, each
    section a JSON array built by the database: two prepared statements in all."""
    found = rows_by_id(session, [incident_id])
    if not found:
        raise missing(session, incident_id)
    out = incidents_out(session, found)[0]
    provenance = {"notes": out.pop("notes"), "added": out.pop("added")}
    (sections,) = DETAIL.rows(session.connection(), {"incident_id": incident_id})
    out |= {name: as_fragment(v) for name, v in zip(DETAIL_SECTIONS, sections, strict=True)}
    return out | provenance


DETAIL_SECTIONS = ("actors", "attributions", "quotes", "sources", "related", "dataset")


def _detail() -> Any:
    """What the detail adds to the list shape (`DETAIL_SECTIONS`), each a JSON array of the
    shapes of `app.schemas.resources` (`dataset` an object, or null), for the incident
    `:incident_id`."""
    incident_id: Any = bindparam("incident_id")
    by = aliased(Actor)
    speaker = aliased(Actor)
    linked = aliased(QuoteIncident)
    actors = JsonArray(
        JsonObject(
            actor_id=col(IncidentActor.actor_id),
            actor_name=col(Actor.name),
            role=col(IncidentActor.role),
            notes=col(IncidentActor.notes),
        ),
        select(IncidentActor)
        .join(Actor, col(Actor.id) == IncidentActor.actor_id)
        .where(col(IncidentActor.incident_id) == incident_id),
        [col(IncidentActor.role), col(IncidentActor.actor_id)],
    )
    attributions = JsonArray(
        JsonObject(
            id=col(Attribution.id),
            actor_id=col(Attribution.actor_id),
            actor_name=col(Actor.name),
            by_actor_id=col(Attribution.by_actor_id),
            by_actor_name=col(by.name),
            stance=col(Attribution.stance),
            evidence_quote_id=col(Attribution.evidence_quote_id),
            excerpt=col(Attribution.excerpt_text),
            span=case(
                (col(Attribution.excerpt_start).is_(None), None),
                else_=JsonObject(
                    start=col(Attribution.excerpt_start), end=col(Attribution.excerpt_end)
                ),
            ),
            notes=col(Attribution.notes),
            added=JsonStored(col(Attribution.added)),
        ),
        select(Attribution)
        .join(Actor, col(Actor.id) == Attribution.actor_id)
        .outerjoin(by, col(by.id) == Attribution.by_actor_id)
        .where(col(Attribution.incident_id) == incident_id),
        [col(Attribution.id)],
    )
    incident_ids = JsonArray(
        col(linked.incident_id),
        select(linked).where(col(linked.quote_id) == Quote.id).correlate(Quote),
        [col(linked.incident_id)],
    )
    quotes = JsonArray(
        JsonObject(
            id=col(Quote.id),
            text=col(Quote.text),
            speaker_id=col(Quote.speaker_id),
            speaker_name=col(speaker.name),
            speaker_title=col(Quote.speaker_title),
            said_on=col(Quote.said_on),
            channel=col(Quote.channel),
            source_id=col(Quote.source_id),
            span=JsonObject(start=col(Quote.span_start), end=col(Quote.span_end)),
            incident_ids=JsonNested(incident_ids),
            updated_at=JsonTimestamp(col(Quote.updated_at)),
            notes=col(Quote.notes),
            added=JsonStored(col(Quote.added)),
        ),
        select(Quote)
        .join(speaker, col(speaker.id) == Quote.speaker_id)
        .join(QuoteIncident, col(QuoteIncident.quote_id) == Quote.id)
        .where(col(QuoteIncident.incident_id) == incident_id),
        [col(Quote.id)],
    )
    sources = JsonArray(
        JsonObject(
            source_id=col(IncidentExcerpt.source_id),
            title=col(Source.title),
            excerpt=col(IncidentExcerpt.text),
            span=JsonObject(
                start=col(IncidentExcerpt.span_start), end=col(IncidentExcerpt.span_end)
            ),
        ),
        select(IncidentExcerpt)
        .join(Source, col(Source.id) == IncidentExcerpt.source_id)
        .where(col(IncidentExcerpt.incident_id) == incident_id),
        [col(IncidentExcerpt.source_id), col(IncidentExcerpt.span_start)],
    )
    other = aliased(Incident)
    relation = col(IncidentRelation.relation)
    outgoing: Any = (
        select(
            col(IncidentRelation.related_incident_id).label("incident_id"),
            col(other.title).label("title"),
            relation.label("relation"),
            literal("outgoing").label("direction"),
            col(IncidentRelation.notes).label("notes"),
            literal(0).label("turn"),
        )
        .join(other, col(other.id) == IncidentRelation.related_incident_id)
        .where(col(IncidentRelation.incident_id) == incident_id)
    )
    incoming: Any = (
        select(
            col(IncidentRelation.incident_id).label("incident_id"),
            col(other.title).label("title"),
            relation.label("relation"),
            literal("incoming").label("direction"),
            col(IncidentRelation.notes).label("notes"),
            literal(1).label("turn"),
        )
        .join(other, col(other.id) == IncidentRelation.incident_id)
        .where(col(IncidentRelation.related_incident_id) == incident_id)
    )
    both = union_all(outgoing, incoming).subquery("related")
    related = JsonArray(
        JsonObject(
            incident_id=both.c.incident_id,
            title=both.c.title,
            relation=both.c.relation,
            direction=both.c.direction,
            notes=both.c.notes,
        ),
        select(both),
        [both.c.turn, both.c.incident_id],
    )
    # An imported incident's row (`app.datasets`), with its dataset: null for an article's.
    kept = [
        "type_of_violence", "conflict_new_id", "conflict_name", "dyad_new_id", "dyad_name",
        "side_a_new_id", "side_b_new_id", "date_prec", "where_prec", "admin2",
    ]  # fmt: skip
    dataset = (
        select(
            cast(
                JsonObject(
                    source_id=col(Source.id),
                    title=col(Source.title),
                    publisher=col(Source.publisher),
                    format=col(Source.dataset_format),
                    release=col(Source.release),
                    licence=col(Source.licence),
                    citation=col(Source.citation),
                    url=col(Source.url),
                    row_id=col(DatasetRow.row_id),
                    words=JsonStored(col(DatasetRow.words)),
                    **{name: col(getattr(DatasetRow, name)) for name in kept},
                    values=JsonStored(col(DatasetRow.extra)),
                ),
                Text,
            )
        )
        .select_from(DatasetRow)
        .join(Incident, col(Incident.id) == DatasetRow.incident_id)
        .join(Source, col(Source.id) == Incident.source_id)
        .where(col(DatasetRow.incident_id) == incident_id)
        .scalar_subquery()
    )
    return select(actors, attributions, quotes, sources, related, dataset)


DETAIL = Prepared(_detail)
