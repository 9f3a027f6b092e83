"""Locations, actors, sources and the vocabularies: the record's reference data."""

from typing import Any

from sqlalchemy import Row, Select, String, cast, func, select, union
from sqlmodel import Session, SQLModel, col

from app.countries import alpha3, country_name
from app.errors import NotFound
from app.models import (
    Actor,
    Attribution,
    IncidentExcerpt,
    IncidentPlaceTally,
    IncidentTally,
    Location,
    Source,
)
from app.schemas.queries import ActorQuery, LocationQuery, SourceQuery
from app.schemas.resources import ActorOut, LocationOut, SourceDetail, SourceOut, shaped
from app.services.filters import contains_words, in_bbox, involvement
from app.services.pagination import PageResult, by_id, keyset_page
from app.services.search import words
from app.vocab import EVENT_TYPES


def _name_or_alias(model: Any, q: str | None) -> list[Any]:
    if not q:
        return []
    # The words of `q` (app.services.search: 422 if it has none), each in the name or an
    # alias; as substrings, for the catalogue is small.
    return contains_words(" ".join(words(q)), [col(model.name), cast(model.aliases, String)])


# Locations


def locations_out(session: Session, rows: list[Row[Any]]) -> list[dict[str, Any]]:
    """The JSON items of rows of `locations_select`."""
    # From the place tally (app.models.aggregates): a few rows a place and month, not an
    # index entry an incident (a page of 1,000 places at 1M incidents).
    place = col(IncidentPlaceTally.location_id)
    counts = dict(
        session.connection()
        .execute(
            select(place, func.sum(col(IncidentPlaceTally.incidents)))
            .where(place.in_([r.id for r in rows]))
            .group_by(place)
        )
        .all()
    )
    return [
        shaped(
            LocationOut,
            {
                **r._mapping,
                "country_name": country_name(r.country),
                "incident_count": counts.get(r.id, 0),
            },
        )
        for r in rows
    ]


LOCATION_ORDER = by_id(Location)
LOCATION = SQLModel.metadata.tables["location"]


def locations_select(query: LocationQuery) -> Select[Any]:
    """The matching places, as rows of their columns: made into model objects first, a page
    of 1,000 cost about a quarter more of the server's time."""
    lat, lon = col(Location.latitude), col(Location.longitude)
    stmt = select(*LOCATION.columns).where(
        *in_bbox(lat, lon, query.bbox, unplaced=query.bbox_matches_unplaced),
        *_name_or_alias(Location, query.q),
    )
    if query.country:
        stmt = stmt.where(col(Location.country).in_(query.country))
    if query.kind:
        stmt = stmt.where(col(Location.kind).in_(query.kind))
    if query.updated_since:
        stmt = stmt.where(col(Location.updated_at) >= query.updated_since)
    return stmt


def list_locations(session: Session, query: LocationQuery) -> PageResult:
    stmt = locations_select(query)
    rows, total, cursor = keyset_page(
        session, stmt, LOCATION_ORDER, query.limit, query.cursor, rows=True
    )
    return locations_out(session, rows), total, cursor


def get_location(session: Session, location_id: str) -> dict[str, Any]:
    found = select(*LOCATION.columns).where(LOCATION.c.id == location_id)
    row = session.connection().execute(found).first()
    if row is None:
        raise NotFound(f"no location with id {location_id!r}")
    return locations_out(session, [row])[0]


# Actors


def actors_out(session: Session, rows: list[Actor]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    # Every way it is involved (a role, attributing, quoted), or blamed.
    blamed: Any = select(
        col(Attribution.incident_id).label("incident_id"),
        col(Attribution.actor_id).label("actor_id"),
    ).where(col(Attribution.actor_id).in_(ids))
    involved = union(blamed, *involvement([], ids)).subquery()
    counts = dict(
        session.execute(
            select(involved.c.actor_id, func.count()).group_by(involved.c.actor_id)
        ).all()
    )
    children: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
    for child_id, name, parent_id in session.execute(
        select(col(Actor.id), col(Actor.name), col(Actor.parent_id))
        .where(col(Actor.parent_id).in_(ids))
        .order_by(col(Actor.id))
    ):
        children[parent_id].append({"id": child_id, "name": name})
    return [
        shaped(
            ActorOut,
            {
                **r.model_dump(),
                "country_name": country_name(r.country),
                "children": children[r.id],
                "incident_count": counts.get(r.id, 0),
            },
        )
        for r in rows
    ]


ACTOR_ORDER = by_id(Actor)


def actors_select(query: ActorQuery) -> Select[Any]:
    stmt = select(Actor).where(*_name_or_alias(Actor, query.q))
    if query.kind:
        stmt = stmt.where(col(Actor.kind).in_(query.kind))
    if query.country:
        stmt = stmt.where(col(Actor.country).in_(query.country))
    if query.parent:
        stmt = stmt.where(col(Actor.parent_id).in_(query.parent))
    if query.updated_since:
        stmt = stmt.where(col(Actor.updated_at) >= query.updated_since)
    return stmt


def list_actors(session: Session, query: ActorQuery) -> PageResult:
    stmt = actors_select(query)
    rows, total, cursor = keyset_page(session, stmt, ACTOR_ORDER, query.limit, query.cursor)
    return actors_out(session, rows), total, cursor


def get_actor(session: Session, actor_id: str) -> dict[str, Any]:
    row = session.get(Actor, actor_id)
    if row is None:
        raise NotFound(f"no actor with id {actor_id!r}")
    return actors_out(session, [row])[0]


# Sources


def sources_out(session: Session, rows: list[Source], *, with_text: bool) -> list[dict[str, Any]]:
    incidents: dict[str, list[str]] = {r.id: [] for r in rows}
    for source_id, incident_id in session.execute(
        select(col(IncidentExcerpt.source_id), col(IncidentExcerpt.incident_id))
        .where(col(IncidentExcerpt.source_id).in_(incidents))
        .distinct()
        .order_by(col(IncidentExcerpt.incident_id))
    ):
        incidents[source_id].append(incident_id)
    model = SourceDetail if with_text else SourceOut
    return [shaped(model, {**r.model_dump(), "incident_ids": incidents[r.id]}) for r in rows]


def list_sources(session: Session, query: SourceQuery) -> PageResult:
    stmt = select(Source)
    if query.updated_since:
        stmt = stmt.where(col(Source.updated_at) >= query.updated_since)
    rows, total, cursor = keyset_page(session, stmt, by_id(Source), query.limit, query.cursor)
    return sources_out(session, rows, with_text=False), total, cursor


def get_source(session: Session, source_id: str) -> Source:
    row = session.get(Source, source_id)
    if row is None:
        raise NotFound(f"no source with id {source_id!r}")
    return row


# Vocabularies


def event_types() -> list[dict[str, str]]:
    return [
        {"event_type": kind, "sub_event_type": sub, "description": description}
        for kind, subs in EVENT_TYPES.items()
        for sub, description in subs.items()
    ]


def countries(session: Session) -> list[dict[str, Any]]:
    # From the tally (app.models.aggregates: a group without incidents has no row), not a
    # count of every incident.
    country = col(IncidentTally.country)
    rows = session.execute(
        select(country, func.sum(col(IncidentTally.incidents))).group_by(country).order_by(country)
    )
    return [
        {
            "country": code,
            "country_name": country_name(code),
            "alpha3": alpha3(code),
            "incident_count": n,
        }
        for code, n in rows
    ]
