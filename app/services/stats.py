"""Incident aggregates for dashboards: counts by time bucket and dimension, zero-filled.

SQL does the GROUP BY; Python only fills the gaps of the (small) aggregated rows.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, Subquery, cast, func, literal_column, select
from sqlmodel import Session, col

from app.countries import country_name
from app.errors import InvalidValue, ProblemItem
from app.models import Actor, Attribution, Incident, IncidentActor, Location
from app.schemas.queries import TIME_BUCKETS, StatsQuery
from app.services.filters import incident_conditions

MAX_ROWS = 10_000
"""The most rows one answer may hold, zero-filled buckets included."""

Counts = tuple[int, int, int]
ZERO: Counts = (0, 0, 0)

# Time buckets, in SQL and in Python: the labels of both must agree to the character.

PG_FORMATS = {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM", "year": "YYYY"}
SQLITE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def _sql_text(value: str) -> Any:
    # Inline, not a bound parameter: PostgreSQL must see the GROUP BY expression as
    # identical to the selected one. The values are constants of this module.
    return literal_column("'" + value.replace("'", "''") + "'")


def bucket_sql(unit: str, day: Any, dialect: str) -> ColumnElement[Any]:
    """The label of the `unit` holding `day`: `2022-01-05`, `2022-W01`, `2022-01`, `2022`."""
    if dialect == "postgresql":
        return func.to_char(day, _sql_text(PG_FORMATS[unit]))
    if unit != "week":
        return func.strftime(_sql_text(SQLITE_FORMATS[unit]), day)
    # SQLite before 3.46 has no ISO week (%G, %V): an ISO week belongs to the year of its
    # Thursday, and is numbered by that Thursday's day of the year.
    thursday = func.date(day, _sql_text("-3 days"), _sql_text("weekday 4"))
    week = (cast(func.strftime(_sql_text("%j"), thursday), Integer) + 6) // 7
    return func.printf(_sql_text("%s-W%02d"), func.strftime(_sql_text("%Y"), thursday), week)


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


def _dimension(name: str, query: StatsQuery, dialect: str) -> tuple[Any, Subquery | None]:
    """The SQL value of a dimension, and the subquery to outer-join for it, if any."""
    if name in TIME_BUCKETS:
        return bucket_sql(name, col(Incident.date_start), dialect), None
    if name == "attributed_to":  # once per distinct actor, whoever made the accusation
        claims = select(col(Attribution.incident_id), col(Attribution.actor_id))
        if query.stance:
            claims = claims.where(col(Attribution.stance).in_(query.stance))
        sub = claims.distinct().subquery("attributed")
        return sub.c.actor_id, sub
    if name == "actor":  # once per distinct actor, in any role or the roles asked for
        parts = select(col(IncidentActor.incident_id), col(IncidentActor.actor_id))
        if query.role:
            parts = parts.where(col(IncidentActor.role).in_(query.role))
        sub = parts.distinct().subquery("involved")
        return sub.c.actor_id, sub
    columns = {
        "country": Incident.country,
        "event_type": Incident.event_type,
        "sub_event_type": Incident.sub_event_type,
        "location": Incident.location_id,
        "admin1": Incident.admin1,
    }
    return col(columns[name]), None


def _names(session: Session, name: str, ids: Iterable[Any]) -> dict[Any, str | None]:
    """The human label of each value of a dimension, for chart legends."""
    wanted = {i for i in ids if i is not None}
    if name == "country":
        return {code: country_name(code) for code in wanted}
    model: Any = Location if name == "location" else Actor
    rows = session.execute(select(model.id, model.name).where(col(model.id).in_(wanted)))
    return {row[0]: row[1] for row in rows}


LABELLED = ("country", "attributed_to", "actor", "location")


def _too_many(hint: str, rows: int | None = None) -> InvalidValue:
    size = f"{rows} rows, more than {MAX_ROWS}" if rows else f"more than {MAX_ROWS} rows"
    message = f"the answer would have {size}: {hint}"
    return InvalidValue(f"group_by: {message}", [ProblemItem(param="group_by", message=message)])


def _aggregate(
    session: Session, query: StatsQuery, dims: Sequence[str], by_start: bool
) -> list[Any]:
    """One row per group: its dimension values, counts, sums, first and last `date_start`."""
    dialect = session.get_bind().dialect.name
    values: list[Any] = []
    joins: list[Subquery] = []
    for name in dims:
        value, join = _dimension(name, query, dialect)
        values.append(value)
        if join is not None:
            joins.append(join)
    start = col(Incident.date_start)
    stmt = select(
        *(v.label(f"d{i}") for i, v in enumerate(values)),
        func.count(),
        func.coalesce(func.sum(col(Incident.fatalities)), 0),
        func.coalesce(func.sum(col(Incident.injuries)), 0),
        func.min(start),
        func.max(start),
    ).select_from(Incident)
    for join in joins:
        stmt = stmt.outerjoin(join, join.c.incident_id == Incident.id)
    stmt = (
        stmt.where(*incident_conditions(query, by_start=by_start))
        .group_by(*values)
        .limit(MAX_ROWS + 1)  # enough to know the answer would be too large
    )
    rows = list(session.execute(stmt).all())
    if len(rows) > MAX_ROWS:
        raise _too_many("add filters, narrow the dates or group by fewer dimensions")
    return rows


def incident_stats(session: Session, query: StatsQuery) -> dict[str, Any]:
    time = next((d for d in query.group_by if d in TIME_BUCKETS), None)
    others = [d for d in query.group_by if d not in TIME_BUCKETS]
    dims = ([time] if time else []) + others  # time first: the order of the rows
    rows = _aggregate(session, query, dims, by_start=time is not None)
    n = len(dims)
    counts: dict[tuple[Any, ...], Counts] = {
        tuple(r[:n]): (int(r[n]), int(r[n + 1]), int(r[n + 2])) for r in rows
    }
    date_from, date_to = query.date_from, query.date_to
    if time is None:
        keys = list(counts)
    else:
        date_from = date_from or min((r[n + 3] for r in rows), default=None)
        date_to = date_to or max((r[n + 4] for r in rows), default=None)
        keys = _filled_keys(time, date_from, date_to, {k[1:] for k in counts}, bool(others))

    names = {
        d: _names(session, d, (k[i] for k in keys)) for i, d in enumerate(dims) if d in LABELLED
    }
    data = []
    for key in sorted(keys, key=lambda k: [(v is None, v or "") for v in k]):  # nulls last
        row: dict[str, Any] = {}
        for name, value in zip(dims, key, strict=True):
            row[name] = value
            if name in names:
                row[f"{name}_name"] = names[name].get(value)
        incidents, fatalities, injuries = counts.get(key, ZERO)
        row |= {"incidents": incidents, "fatalities": fatalities, "injuries": injuries}
        data.append(row)
    meta = {"group_by": query.group_by, "date_from": date_from, "date_to": date_to}
    return {"data": data, "meta": meta}


def _filled_keys(
    unit: str,
    start: date | None,
    end: date | None,
    series: set[tuple[Any, ...]],
    grouped: bool,
) -> list[tuple[Any, ...]]:
    """Every bucket from `start` to `end` for every series (each value of the other dimension).

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
    return [(label, *s) for s in series for label in labels]
