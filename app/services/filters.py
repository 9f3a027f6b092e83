"""SQL conditions for the filters of `app.schemas.queries`, defined once for every caller."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlmodel import col

from app.models import (
    Actor,
    Attribution,
    Incident,
    IncidentActor,
    IncidentExcerpt,
    Location,
    Quote,
    QuoteIncident,
)
from app.schemas.queries import IncidentFilters, parse_bbox


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


def incident_conditions(f: IncidentFilters, *, by_start: bool = False) -> list[ColumnElement[bool]]:
    """The filters as SQL conditions on `Incident`.

    Dates select incidents whose range overlaps `date_from`..`date_to`; with `by_start`
    (time-bucketed stats), those that start inside it.
    """
    c: list[ColumnElement[bool]] = []
    if f.date_from:  # overlap: the incident ends on or after the start
        c.append(col(Incident.date_start if by_start else Incident.date_end) >= f.date_from)
    if f.date_to:
        c.append(col(Incident.date_start) <= f.date_to)
    if f.country:
        c.append(col(Incident.country).in_(f.country))
    if f.attributed_to or f.stance:
        claim = [col(Attribution.incident_id) == Incident.id]
        if f.attributed_to:
            claim.append(col(Attribution.actor_id).in_(with_descendants(f.attributed_to)))
        if f.stance:
            claim.append(col(Attribution.stance).in_(f.stance))
        c.append(exists().where(*claim))
    if f.actor or f.role:
        part = [col(IncidentActor.incident_id) == Incident.id]
        if f.actor:
            part.append(col(IncidentActor.actor_id).in_(f.actor))
        if f.role:
            part.append(col(IncidentActor.role).in_(f.role))
        c.append(exists().where(*part))
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
    if f.q:
        quotes = (
            select(col(Quote.text))
            .join(QuoteIncident, col(QuoteIncident.quote_id) == Quote.id)
            .where(col(QuoteIncident.incident_id) == Incident.id)
        )
        c += contains_words(f.q, [col(Incident.title), col(Incident.summary), quotes])
    if f.min_fatalities is not None:
        c.append(col(Incident.fatalities) >= f.min_fatalities)
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
