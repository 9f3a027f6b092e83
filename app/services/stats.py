"""Incident aggregates for dashboards: counts by time bucket and dimension, zero-filled.

SQL does the GROUP BY: over the monthly tally that the database keeps (app.models.aggregates)
where it holds the answer, else over the incidents. Python only fills the gaps of the
(small) aggregated rows.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Subquery, func, select, text, union
from sqlmodel import Session, col

from app.countries import country_name
from app.errors import InvalidValue, ProblemItem
from app.models import (
    Actor,
    Attribution,
    Incident,
    IncidentPlaceTally,
    IncidentTally,
    Location,
)
from app.schemas.queries import TIME_BUCKETS, StatsQuery
from app.services.filters import (
    FIGURED,
    DatePart,
    figure_column,
    figure_conditions,
    involvement,
    other_conditions,
    overlapping,
    used_filters,
    within_keys,
)
from app.services.search import search_match
from app.sql.dialect import SEARCH, TimeBucket, search_figures

MAX_ROWS = 10_000
"""The most rows one answer may hold, zero-filled buckets included."""

SUMMED = ("fatalities", "fatalities_low", "fatalities_high", "injuries")
FIGURES = ("incidents", *(f for name in SUMMED for f in (name, f"{name}_known")))
"""Per group: incidents; the sum of the known fatalities and how many incidents had a
figure; the same for a dataset's low and high estimates, and for injuries
(`app.models.aggregates.IncidentTally`)."""
KNOWN = [(FIGURES.index(name), FIGURES.index(f"{name}_known")) for name in SUMMED]
"""Where each summed figure and its count of known ones are in `FIGURES`."""
EMPTY = [0] * len(FIGURES)
"""The figures of a zero-filled group."""

# Time buckets in Python; their labels must agree to the character with app.sql.dialect's
# `TimeBucket`, which makes them in SQL.


def _bucket_index(unit: str, day: date) -> int:
    """Consecutive buckets have consecutive indexes."""
    if unit == "day":
        return day.toordinal()
    if unit == "week":
        return (day.toordinal() - 1) // 7  # ordinal 1, 0001-01-01, is a Monday
    if unit == "month":
        return day.year * 12 + day.month - 1
    return day.year


def _bucket_label(unit: str, index: int) -> str:
    if unit == "day":
        return date.fromordinal(index).isoformat()
    if unit == "week":
        iso = date.fromordinal(index * 7 + 1).isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    if unit == "month":
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    return f"{index:04d}"


# Dimensions


def _dimension(name: str, query: StatsQuery) -> tuple[Any, Subquery | None]:
    """The SQL value of a dimension, and the subquery to outer-join for it, if any."""
    if name in TIME_BUCKETS:
        return TimeBucket(name, col(Incident.date_start)), None
    if name == "attributed_to":  # once per distinct actor, whoever made the accusation
        claims = select(col(Attribution.incident_id), col(Attribution.actor_id))
        if query.stance:
            claims = claims.where(col(Attribution.stance).in_(query.stance))
        sub = claims.distinct().subquery("attributed")
        return sub.c.actor_id, sub
    if name == "actor":  # once per distinct actor, however involved (or in the roles asked)
        sub = union(*involvement(query.role)).subquery("involved")
        return sub.c.actor_id, sub
    columns = {
        "country": Incident.country,
        "event_type": Incident.event_type,
        "sub_event_type": Incident.sub_event_type,
        "location": Incident.location_id,
        "admin1": Incident.admin1,
    }
    return col(columns[name]), None


def _labels(session: Session, name: str, ids: Iterable[Any]) -> dict[Any, tuple[Any, ...]]:
    """The label fields (`LABELLED`) of each value of a dimension: its human name, for
    chart legends; a place's coordinates besides, for maps."""
    wanted = {i for i in ids if i is not None}
    if name == "country":
        return {code: (country_name(code),) for code in wanted}
    model: Any = Location if name == "location" else Actor
    columns = [model.id, model.name]
    if name == "location":
        columns += [Location.latitude, Location.longitude]
    rows = session.connection().execute(select(*columns).where(col(model.id).in_(wanted)))
    return {row[0]: tuple(row[1:]) for row in rows}


LABELLED = {
    "country": ("country_name",),
    "attributed_to": ("attributed_to_name",),
    "actor": ("actor_name",),
    "location": ("location_name", "location_latitude", "location_longitude"),
}
UNLABELLED = (None, None, None)
"""The label fields of a null group, or of a value with no record."""


def _too_many(hint: str, rows: int | None = None) -> InvalidValue:
    size = f"{rows} rows, more than {MAX_ROWS}" if rows else f"more than {MAX_ROWS} rows"
    message = f"the answer would have {size}: {hint}"
    return InvalidValue(f"group_by: {message}", [ProblemItem(param="group_by", message=message)])


def incident_stats(session: Session, query: StatsQuery) -> dict[str, Any]:
    time = next((d for d in query.group_by if d in TIME_BUCKETS), None)
    others = [d for d in query.group_by if d not in TIME_BUCKETS]
    dims = ([time] if time else []) + others  # time first: the order of the rows
    tally = _tally_for(query, dims, time)
    if tally is not None:
        rows, first, last = _from_tally(session, tally, query, dims)
    elif _searched(query, dims, time):
        rows, first, last = _from_search_rows(session, query, dims)
    else:
        rows, first, last = _aggregate(session, query, dims, by_start=time is not None)
    n = len(dims)
    figures: dict[tuple[Any, ...], list[int]] = {}
    for r in rows:  # a group can come from several parts (whole months, cut days)
        key, found = tuple(r[:n]), [value or 0 for value in r[n:]]
        sums = figures.setdefault(key, found)
        if sums is not found:
            figures[key] = [a + b for a, b in zip(sums, found, strict=True)]
    _checked(list(figures))
    date_from, date_to = query.date_from, query.date_to
    if time is None:
        keys = sorted(figures, key=_nulls_last)
    else:
        date_from, date_to = date_from or first, date_to or last
        keys = _filled_keys(time, date_from, date_to, {k[1:] for k in figures}, bool(others))

    # Each dimension's value, then its label fields if it has them (for legends); then the
    # figures, a sum of no known figure null (unknown is never zero).
    plan = [
        (len(LABELLED[d]), _labels(session, d, {k[i] for k in keys})) if d in LABELLED else (0, {})
        for i, d in enumerate(dims)
    ]
    names = [f for d in dims for f in (d, *LABELLED.get(d, ()))] + list(FIGURES)
    at = len(names) - len(FIGURES)  # where the figures start
    data = []
    for key in keys:
        values: list[Any] = []
        for (fields, labels), value in zip(plan, key, strict=True):
            values.append(value)
            if fields:
                values += labels.get(value, UNLABELLED)[:fields]
        values += figures.get(key, EMPTY)
        for figure, known in KNOWN:
            if not values[at + known]:
                values[at + figure] = None
        data.append(dict(zip(names, values, strict=True)))
    meta = {"group_by": query.group_by, "date_from": date_from, "date_to": date_to}
    return {"data": data, "meta": meta}


def _nulls_last(key: tuple[Any, ...]) -> list[tuple[bool, Any]]:
    """The order of the rows: by each dimension, nulls last."""
    return [(v is None, v or "") for v in key]


Found = tuple[list[Any], date | None, date | None]
"""Rows of the dimension values then `FIGURES`, and the first and last `date_start` matched."""


def _aggregate(session: Session, query: StatsQuery, dims: Sequence[str], by_start: bool) -> Found:
    """The groups, read from the incidents."""
    values: list[Any] = []
    joins: list[Subquery] = []
    for name in dims:
        value, join = _dimension(name, query)
        values.append(value)
        if join is not None:
            joins.append(join)
    start = col(Incident.date_start)
    summed = [col(getattr(Incident, name)) for name in SUMMED]
    stmt = _grouped(values, summed, start if by_start else None)
    stmt = stmt.select_from(Incident)
    for join in joins:
        stmt = stmt.outerjoin(join, join.c.incident_id == Incident.id)
    stmt = stmt.where(*other_conditions(query)).group_by(*values)
    if by_start:  # time buckets: the incidents that start inside the dates
        within = [start >= query.date_from] if query.date_from else []
        within += [start <= query.date_to] if query.date_to else []
        parts: tuple[DatePart, ...] = (DatePart(tuple(within)),)
    else:  # as in the list: those that overlap them, read part by part
        parts = overlapping(query.date_from, query.date_to)
    rows = []
    for part in parts:  # a group in two parts is summed by the caller
        rows += _limited(session, part.apply(stmt))
    return _found(rows, len(dims), by_start)


def _grouped(values: Sequence[Any], summed: Sequence[Any], start: Any = None) -> Any:
    """The groups by `values`: the `FIGURES` of each from the columns `summed` (`SUMMED`'s);
    with a time bucket, the first and last `start` too (the range it fills). Only then:
    without, each group's sort carried them for nothing (a sixth of the statement's time)."""
    return select(
        *(v.label(f"d{i}") for i, v in enumerate(values)),
        func.count(),
        *(f(figure) for figure in summed for f in (func.sum, func.count)),
        *([func.min(start), func.max(start)] if start is not None else []),
    )


def _limited(session: Session, stmt: Any) -> list[Any]:
    """The rows of `stmt`, a 422 if more than `MAX_ROWS` (one more is enough to know)."""
    return _checked(list(session.connection().execute(stmt.limit(MAX_ROWS + 1)).all()))


def _found(rows: list[Any], dims: int, dated: bool) -> Found:
    """`Found` from the rows of `_grouped` (`dated`: given its `start`)."""
    n = dims + len(FIGURES)
    first = min((r[n] for r in rows), default=None) if dated else None
    last = max((r[n + 1] for r in rows), default=None) if dated else None
    return [r[:n] for r in rows], first, last


# The figures kept beside the search rows (app.sql.dialect.search_figures): stats under `q`
# without reading the incidents, for the dimensions and filters they hold.
SEARCHED_DIMS = {*TIME_BUCKETS, "country", *FIGURED}


def _searched(query: StatsQuery, dims: Sequence[str], time: str | None) -> bool:
    """Whether the figures beside the search rows answer: `q`, and only the dimensions and
    filters they hold (the dates only with a time bucket: by start, as the keys)."""
    dated = query.date_from is not None or query.date_to is not None
    return (
        query.q is not None
        and (time is not None or not dated)
        and set(dims) <= SEARCHED_DIMS
        and figure_conditions(query, SEARCH) is not None
    )


SEARCH_WORK_MEM = "32MB"
"""PostgreSQL: the memory of a statement that reads every match of `q` (exact bitmaps up to
some 5M search rows)."""


def _from_search_rows(session: Session, query: StatsQuery, dims: Sequence[str]) -> Found:
    """The groups of the matches of `q`, read from the figures kept beside their search rows:
    the matches' keys come in order from the text index, and their figures with them (SQLite:
    a narrow table in the same order; PostgreSQL: the search rows the match reads anyway),
    instead of a wide incident each."""
    assert query.q is not None
    figures = search_figures(session.connection().dialect.name)
    rows = figures.rows.c
    values = [
        TimeBucket(d, rows.date_start) if d in TIME_BUCKETS else figure_column(figures.rows, d)
        for d in dims
    ]
    dated = any(d in TIME_BUCKETS for d in dims)
    stmt = _grouped(values, [rows[name] for name in SUMMED], rows.date_start if dated else None)
    stmt = stmt.select_from(figures.source).where(search_match(query.q, query.country))
    stmt = stmt.where(*(figure_conditions(query, figures.rows) or []), *within_keys(query))
    if session.connection().dialect.name == "postgresql":
        # Every match is read, through a bitmap of the text index's matches: exact within
        # this memory (one bit a row), else of whole pages, each of whose rows is matched
        # again (at 1.385M incidents, a common word's bitmap outgrew the default 4 MB: 400k
        # rows matched again, 533 ms by year where 464 with this; docs/benchmarks.md).
        session.execute(text(f"SET LOCAL work_mem = '{SEARCH_WORK_MEM}'"))
    return _found(_limited(session, stmt.group_by(*values)), len(dims), dated)


def _checked(rows: list[Any]) -> list[Any]:
    if len(rows) > MAX_ROWS:
        raise _too_many("add filters, narrow the dates or group by fewer dimensions")
    return rows


# The tallies (app.models.aggregates): what each can answer, and how.


@dataclass(frozen=True)
class Tally:
    model: Any
    dims: frozenset[str]
    """The dimensions it can group by."""
    filters: tuple[str, ...]
    """The incident filters it can apply; each names a column of the tally and of
    `incident` (`location` is `location_id` in both)."""

    def column(self, model: Any, name: str) -> Any:
        return col(getattr(model, "location_id" if name == "location" else name))

    def value(self, dim: str) -> Any:
        month = col(self.model.month)
        if dim == "month":
            return month
        if dim == "year":
            return func.substr(month, 1, 4)
        if dim == "location":  # '' in the tally's key: no place, the null group
            return func.nullif(col(self.model.location_id), "")
        return self.column(self.model, dim)

    def where(self, model: Any, query: StatsQuery) -> list[Any]:
        """The filters of `query` on `model`: the tally or `Incident`."""
        return [
            self.column(model, name).in_(getattr(query, name))
            for name in self.filters
            if getattr(query, name)
        ]


TALLIES = (
    Tally(
        IncidentTally,
        frozenset({"month", "year", "country", "event_type", "sub_event_type"}),
        ("country", "event_type", "sub_event_type"),
    ),
    Tally(
        IncidentPlaceTally,
        frozenset({"month", "year", "country", "location"}),
        ("country", "location"),
    ),
)


def _tally_for(query: StatsQuery, dims: Sequence[str], time: str | None) -> Tally | None:
    """The tally that holds the answer, if one does: month or year buckets (or none), and
    dimensions and filters it keeps. Without a time bucket the dates mean overlap, as in
    the list, which a tally by start month cannot tell."""
    used = used_filters(query)
    if time is None and used & {"date_from", "date_to"}:
        return None
    used -= {"date_from", "date_to"}
    for tally in TALLIES:
        if set(dims) <= tally.dims and used <= set(tally.filters):
            return tally
    return None


def _from_tally(session: Session, tally: Tally, query: StatsQuery, dims: Sequence[str]) -> Found:
    """The groups, read from a tally: whole months from it, the days of a month that
    `date_from` or `date_to` cut from the incidents. Thousands of rows read for years of
    a million incidents, with the same sums as the incidents give."""
    whole, cuts = _months(query.date_from, query.date_to)
    month = col(tally.model.month)
    values = [tally.value(d) for d in dims]
    stmt = select(
        *(v.label(f"d{i}") for i, v in enumerate(values)),
        *(func.sum(col(getattr(tally.model, f))) for f in FIGURES),
    ).where(*tally.where(tally.model, query))
    rows: list[Any] = []
    first = last = None
    if whole is not None:
        low, high = whole
        stmt = stmt.where(*([month >= low] if low else []), *([month <= high] if high else []))
        # A place's groups by the key's own column, not the value made of it: they follow
        # the tally's key rather than a sort (the same statement's value elsewhere).
        by = zip(dims, values, strict=True)
        grouped = stmt.group_by(
            *(tally.column(tally.model, d) if d == "location" else v for d, v in by)
        )
        rows = list(session.connection().execute(grouped).all())
        if set(dims) & set(TIME_BUCKETS) and (query.date_from is None or query.date_to is None):
            first, last = _first_and_last(session, tally, query, low, high)  # the filled range
    for cut_from, cut_to in cuts:
        cut = query.model_copy(update={"date_from": cut_from, "date_to": cut_to})
        found, cut_first, cut_last = _aggregate(session, cut, dims, by_start=True)
        rows += found
        first = min(d for d in (first, cut_first) if d) if first or cut_first else None
        last = max(d for d in (last, cut_last) if d) if last or cut_last else None
    return _checked(rows), first, last


def _first_and_last(
    session: Session, tally: Tally, query: StatsQuery, low: str | None, high: str | None
) -> tuple[date | None, date | None]:
    """The first and last `date_start` matching within the whole months `low`..`high`: the
    tally gives their months, the incidents of those two months their days."""
    month = col(tally.model.month)
    found = select(func.min(month), func.max(month)).where(*tally.where(tally.model, query))
    found = found.where(*([month >= low] if low else []), *([month <= high] if high else []))
    first_month, last_month = session.connection().execute(found).one()
    if first_month is None:
        return None, None
    start = col(Incident.date_start)
    within = tally.where(Incident, query)

    def day(fn: Any, month_label: str) -> Any:
        first_day = date.fromisoformat(month_label + "-01")
        days = start.between(first_day, _month_end(first_day))
        return select(fn(start)).where(*within, days).scalar_subquery()

    first, last = (
        session.connection()
        .execute(select(day(func.min, first_month), day(func.max, last_month)))
        .one()
    )
    return first, last


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _months(
    date_from: date | None, date_to: date | None
) -> tuple[tuple[str | None, str | None] | None, list[tuple[date, date]]]:
    """The whole months between the dates (`YYYY-MM` bounds, None: open; None if no month
    is whole), and the cut ranges of days at either end that the tally cannot answer."""
    low = high = None
    cuts = []
    if date_from is not None:
        low = date_from.strftime("%Y-%m")
        if date_from.day != 1:
            end = _month_end(date_from)
            cuts.append((date_from, end if date_to is None else min(end, date_to)))
            low = (end + timedelta(days=1)).strftime("%Y-%m")
    if date_to is not None:
        high = date_to.strftime("%Y-%m")
        if date_to != _month_end(date_to):
            start = date_to.replace(day=1)
            if not cuts or cuts[0][0] < start:  # else the first cut holds it
                cuts.append((start if date_from is None else max(start, date_from), date_to))
            high = (start - timedelta(days=1)).strftime("%Y-%m")
    if low is not None and high is not None and low > high:
        return None, cuts
    return (low, high), cuts


def _filled_keys(
    unit: str,
    start: date | None,
    end: date | None,
    series: set[tuple[Any, ...]],
    grouped: bool,
) -> list[tuple[Any, ...]]:
    """Every bucket from `start` to `end` for every series (each value of the other dimension),
    in the order of the rows.

    Time alone is one series, filled even when nothing matches.
    """
    if start is None or end is None:
        return []
    if not grouped:
        series = {()}
    first, last = _bucket_index(unit, start), _bucket_index(unit, end)
    total = (last - first + 1) * len(series)
    if total > MAX_ROWS:
        raise _too_many("narrow date_from/date_to or use a coarser time bucket", total)
    labels = [_bucket_label(unit, i) for i in range(first, last + 1)]
    ordered = sorted(series, key=_nulls_last)
    return [(label, *s) for label in labels for s in ordered]
