"""SQL conditions for the filters of `app.schemas.queries`, defined once for every caller."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlmodel import col

from app.models import (
    Actor,
    Attribution,
    DatasetRow,
    Incident,
    IncidentActor,
    IncidentExcerpt,
    Location,
    Quote,
    QuoteIncident,
)
from app.models.incidents import SPAN_CLASSES
from app.schemas.queries import IncidentFilters, parse_bbox
from app.services.search import incident_match
from app.sql.dialect import LOW, SEARCH, Unindexed, day_key, read_by_index
from app.vocab import ATTRIBUTED_BY, SPEAKER


def contains_words(q: str, columns: Iterable[Any]) -> list[ColumnElement[bool]]:
    """One condition per word: each word occurs, in any case, in one of `columns`."""
    conditions = []
    for word in q.split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(*(_match(c, pattern) for c in columns)))
    return conditions


def _match(column: Any, pattern: str) -> ColumnElement[bool]:
    if isinstance(column, Select):  # a subquery of texts: any of them matches
        inner = column.selected_columns[0]
        return exists(column.where(inner.ilike(pattern, escape="\\")))
    return column.ilike(pattern, escape="\\")


def involvement(roles: Sequence[str], actors: list[str] | None = None) -> list[Any]:
    """Each way an actor is involved in an incident, as a select of (incident_id, actor_id):
    in a role the record lists, as the one who attributed it (`attributed_by`), as the
    speaker of a quote about it (`speaker`); only the `roles` given (all if none), only
    the `actors` given (any if None)."""
    listed = [r for r in roles if r not in (ATTRIBUTED_BY, SPEAKER)]
    ways: list[Any] = []
    if not roles or listed:
        way: Any = select(
            col(IncidentActor.incident_id).label("incident_id"),
            col(IncidentActor.actor_id).label("actor_id"),
        )
        ways.append(way.where(col(IncidentActor.role).in_(listed)) if listed else way)
    if not roles or ATTRIBUTED_BY in roles:
        by = col(Attribution.by_actor_id)
        ways.append(
            select(col(Attribution.incident_id).label("incident_id"), by.label("actor_id")).where(
                by.is_not(None)
            )
        )
    if not roles or SPEAKER in roles:
        ways.append(
            select(
                col(QuoteIncident.incident_id).label("incident_id"),
                col(Quote.speaker_id).label("actor_id"),
            ).join(Quote, col(Quote.id) == QuoteIncident.quote_id)
        )
    if actors is not None:
        ways = [way.where(way.selected_columns.actor_id.in_(actors)) for way in ways]
    return ways


def with_descendants(actor_ids: list[str]) -> Select[Any]:
    """The actors and every group under them (recursively), e.g. militias under an umbrella."""
    tree = select(col(Actor.id)).where(col(Actor.id).in_(actor_ids)).cte("tree", recursive=True)
    tree = tree.union(select(col(Actor.id)).where(col(Actor.parent_id) == tree.c.id))
    return select(tree.c.id)


def in_bbox(
    lat: Any, lon: Any, bbox: str | None, *, unplaced: bool = False
) -> list[ColumnElement[bool]]:
    """Inside the box; with `unplaced`, also where a coordinate is unknown (OGC API)."""
    box = parse_bbox(bbox)
    if box is None:
        return []
    min_lon, min_lat, max_lon, max_lat = box
    inside = [lat.between(min_lat, max_lat), lon.between(min_lon, max_lon)]
    return [or_(and_(*inside), lat.is_(None), lon.is_(None))] if unplaced else inside


Conditions = list[ColumnElement[bool]]

SPAN_CLASS: Any = Incident.__table__.c.span_class  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DatePart:
    """One disjoint part of a date window's overlapping incidents (`overlapping`)."""

    where: tuple[ColumnElement[bool], ...]
    index: str | None = None
    """The index that finds this part (`read_by_index`): without statistics SQLite's
    planner would rather walk a country's every incident."""

    def apply(self, stmt: Any) -> Any:
        """`stmt` (a select from `incident`) restricted to this part."""
        stmt = stmt.where(*self.where)
        if self.index:
            stmt = read_by_index(stmt, Incident.__table__, self.index)  # type: ignore[attr-defined]
        return stmt


@lru_cache(maxsize=4096)  # SQL expressions are immutable: a window's parts are shared
def overlapping(date_from: date | None, date_to: date | None) -> tuple[DatePart, ...]:
    """Incidents whose date range overlaps `date_from`..`date_to`, as disjoint parts.

    An index on `date_start` alone cannot find ranges that began before the window and
    still run into it. So the overlap is split in two: those that start inside the window
    (one range of an index on `date_start`), and those that started earlier and end inside
    or after its start. The second are found per span class (an incident of class k lasts
    fewer than 2**k days, `app.models.incidents`): for each class, only the starts within
    its longest span before the window are read (`ix_incident_span`), so the work is
    proportional to the matches, not to everything older. The parts are disjoint: their
    counts add up, and a page is the first rows of the union of each part's first rows.
    """
    start, end = col(Incident.date_start), col(Incident.date_end)
    if date_from is None:
        return (DatePart((start <= date_to,) if date_to else ()),)
    inside = (start >= date_from, *((start <= date_to,) if date_to else ()))
    last = SPAN_CLASSES - 1
    earlier = []
    for k in range(1, SPAN_CLASSES):
        bound = [] if k == last else [start >= _days_before(date_from, 2**k - 1)]
        earlier.append(and_(SPAN_CLASS == k, *bound))
    before = (start < date_from, end >= date_from, or_(*earlier))
    return (DatePart(inside), DatePart(before, "ix_incident_span"))


NEAR = 5
"""The span classes up to this one (under 32 days) reach back few days before a window."""


def started_before_matching(f: IncidentFilters, date_from: date, *, common: bool) -> Conditions:
    """`q` (and `country`) for the incidents that started before `date_from` and run into
    the window (`overlapping`'s second part); the statement adds the other filters
    (`other_conditions` with `searched`, made once where its parts share them). One of a
    short span class (up to `NEAR`) is among the matches that start on the days it can have
    started on (a range of the search rows' keys, read once); a longer one, rare, is tested
    by its own search row if `q` is `common`, else among all its matches."""
    q = f.q or ""
    reach = day_key(_days_before(date_from, 2**NEAR - 1))
    near = incident_match(q, f.country, keys=(reach, day_key(date_from)))
    far = incident_match(q, f.country, driving=not common, probed=True)
    started = or_(and_(SPAN_CLASS <= NEAR, near), and_(SPAN_CLASS > NEAR, far))
    return [started]


def _days_before(day: date, days: int) -> date:
    return day - timedelta(days=days) if day.toordinal() > days else date.min


ESTIMATES = {"low": "fatalities_low", "best": "fatalities", "high": "fatalities_high"}
"""The column each `fatalities_estimate` compares `min_fatalities` with."""


def other_conditions(
    f: IncidentFilters,
    *,
    searched: bool = False,
    common: bool = False,
    probed: bool = False,
    walked: bool = False,
) -> Conditions:
    """Every filter but the dates, as SQL conditions on `Incident`.

    `searched`: the statement reads the search rows, whose match has `q` and `country`
    (app.services.incidents), so they are left out. `common`: `q` matches many incidents,
    so they are tested one by one rather than read first (`TextMatch`); `probed`, each by
    its own search row (a page's walk, which tests few). `walked`: the statement walks the
    index of its order and stops at a page, so `country` is tested on the way rather than
    read by its own index (SQLite, `Unindexed`): with `common`, the walk meets a match
    within about `limit` times the incidents over the matches, where the country's index
    would read every incident of the country and sort them.
    """
    c: Conditions = []
    if f.country and not searched:
        country = col(Incident.country)
        c.append((Unindexed(country) if walked else country).in_(f.country))
    if f.attributed_to or f.stance:
        claim = [col(Attribution.incident_id) == Incident.id]
        if f.attributed_to:
            claim.append(col(Attribution.actor_id).in_(with_descendants(f.attributed_to)))
        if f.stance:
            claim.append(col(Attribution.stance).in_(f.stance))
        c.append(exists().where(*claim))
    if f.actor or f.role:
        ways = [
            exists(way.where(way.selected_columns.incident_id == Incident.id))
            for way in involvement(f.role, f.actor or None)
        ]
        c.append(or_(*ways))
    if f.event_type:
        c.append(col(Incident.event_type).in_(f.event_type))
    if f.sub_event_type:
        c.append(col(Incident.sub_event_type).in_(f.sub_event_type))
    if f.location:
        c.append(col(Incident.location_id).in_(f.location))
    if f.admin1:
        admin1 = col(Incident.admin1)
        c.append(or_(*(admin1.ilike(a.replace("%", "\\%"), escape="\\") for a in f.admin1)))
    if f.bbox:
        # IN, not a correlated EXISTS: SQLite then finds the few locations in the box and
        # their incidents by index, instead of looking up the location of every incident.
        unplaced = f.bbox_matches_unplaced
        box = in_bbox(col(Location.latitude), col(Location.longitude), f.bbox, unplaced=unplaced)
        placed = col(Incident.location_id).in_(select(col(Location.id)).where(*box))
        c.append(or_(placed, col(Incident.location_id).is_(None)) if unplaced else placed)
    if f.q and not searched:
        c.append(incident_match(f.q, f.country, driving=not common, probed=probed))
    if f.min_fatalities is not None:
        figure = getattr(Incident, ESTIMATES[f.fatalities_estimate or "best"])
        c.append(col(figure) >= f.min_fatalities)
    if f.dataset:
        c.append(col(Incident.source_id).in_(f.dataset))
    if f.type_of_violence:
        c.append(
            exists().where(
                col(DatasetRow.incident_id) == Incident.id,
                col(DatasetRow.type_of_violence).in_([int(t) for t in f.type_of_violence]),
            )
        )
    if f.source:
        c.append(
            exists().where(
                col(IncidentExcerpt.incident_id) == Incident.id,
                col(IncidentExcerpt.source_id).in_(f.source),
            )
        )
    if f.updated_since:
        c.append(col(Incident.updated_at) >= f.updated_since)
    return c


FIGURED = ("event_type", "sub_event_type", "location")
"""The filters of a column kept beside the search rows (app.sql.dialect.FIGURES)."""


def used_filters(f: IncidentFilters) -> set[str]:
    """The names of the filters `f` gives."""
    return {n for n in IncidentFilters.model_fields if getattr(f, n) not in (None, [])}


def figure_column(rows: Any, name: str) -> Any:
    """The column of `rows` (the figures beside the search rows) of the filter or
    dimension `name`: `location` is `location_id`."""
    return rows.c["location_id" if name == "location" else name]


def figure_conditions(f: IncidentFilters, rows: Any) -> Conditions | None:
    """Every filter but `q`, `country` and the dates as conditions on the figures kept
    beside the search rows (`rows`, app.sql.dialect.search_figures); None when one of them
    is not kept there."""
    kept = {"q", "country", "date_from", "date_to", *FIGURED, "min_fatalities"}
    if not used_filters(f) <= kept | {"fatalities_estimate"}:
        return None
    c: Conditions = [figure_column(rows, n).in_(getattr(f, n)) for n in FIGURED if getattr(f, n)]
    if f.min_fatalities is not None:
        c.append(rows.c[ESTIMATES[f.fatalities_estimate or "best"]] >= f.min_fatalities)
    return c


def within_keys(query: IncidentFilters) -> list[Any]:
    """The search rows of the incidents that start between `date_from` and `date_to`: a
    range of their keys."""
    within = [SEARCH.c.rowid >= day_key(query.date_from)] if query.date_from else []
    return within + ([SEARCH.c.rowid <= day_key(query.date_to) + LOW] if query.date_to else [])
