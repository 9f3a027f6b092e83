"""Incident queries: the filtered, keyset-paginated list and the full detail."""

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.countries import country_name
from app.errors import NotFound
from app.models import (
    Actor,
    Attribution,
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
from app.schemas.queries import IncidentQuery
from app.schemas.resources import IncidentDetail
from app.services.filters import incident_conditions
from app.services.pagination import PageResult, keyset_page
from app.services.quotes import quotes_out

# Unknown sorts below zero. A literal -1, not a bound parameter: the expression must be
# the one indexed by ix_incident_fatalities_sort for the database to read that index.
FATALITIES = func.coalesce(Incident.fatalities, literal_column("-1"))
SORTS: dict[str, tuple[list[Any], list[type], bool]] = {
    "-date": ([col(Incident.date_start), col(Incident.id)], [date, str], True),
    "date": ([col(Incident.date_start), col(Incident.id)], [date, str], False),
    "-fatalities": ([FATALITIES, col(Incident.id)], [int, str], True),
    "fatalities": ([FATALITIES, col(Incident.id)], [int, str], False),
    "updated_at": ([col(Incident.updated_at), col(Incident.id)], [datetime, str], False),
}


def sort_key(sort: str, incident: Incident) -> list[Any]:
    first = {
        "date": incident.date_start,
        "fatalities": -1 if incident.fatalities is None else incident.fatalities,
        "updated_at": incident.updated_at,
    }[sort.lstrip("-")]
    return [first, incident.id]


def incidents_select(query: IncidentQuery) -> Select[Any]:
    """The incidents matching every filter of `query`, unordered."""
    return select(Incident).where(*incident_conditions(query))


def list_incidents(session: Session, query: IncidentQuery) -> PageResult:
    keys, types, desc = SORTS[query.sort]
    stmt = incidents_select(query)
    rows, total, next_cursor = keyset_page(
        session,
        stmt,
        sort=query.sort,
        keys=keys,
        key_types=types,
        desc=desc,
        limit=query.limit,
        cursor=query.cursor,
        key_of=lambda i: sort_key(query.sort, i),
    )
    return incidents_out(session, rows), total, next_cursor


def incidents_out(session: Session, incidents: list[Incident]) -> list[dict[str, Any]]:
    """The list shape of each incident, with its children loaded in a few batch queries."""
    ids = [i.id for i in incidents]
    location_ids = {i.location_id for i in incidents if i.location_id}
    locations = {
        loc.id: loc
        for loc in session.scalars(select(Location).where(col(Location.id).in_(location_ids)))
    }
    # Plain rows, not ORM objects: exports hydrate 100k incidents this way.
    weapons = defaultdict(list)
    for w in session.execute(
        select(
            col(Weapon.incident_id),
            col(Weapon.kind),
            col(Weapon.quantity),
            col(Weapon.quantity_text),
            col(Weapon.notes),
        )
        .where(col(Weapon.incident_id).in_(ids))
        .order_by(col(Weapon.kind))
    ):
        weapons[w.incident_id].append(
            {
                "kind": w.kind,
                "quantity": w.quantity,
                "quantity_text": w.quantity_text,
                "notes": w.notes,
            }
        )
    attributed = defaultdict(list)
    for at in session.execute(
        select(
            col(Attribution.incident_id),
            col(Attribution.actor_id),
            col(Actor.name),
            col(Attribution.stance),
            col(Attribution.by_actor_id),
        )
        .join(Actor, col(Actor.id) == Attribution.actor_id)
        .where(col(Attribution.incident_id).in_(ids))
        .order_by(col(Attribution.id))
    ):
        attributed[at.incident_id].append(
            {
                "actor_id": at.actor_id,
                "actor_name": at.name,
                "stance": at.stance,
                "by_actor_id": at.by_actor_id,
            }
        )
    sources = defaultdict(list)
    for incident_id, source_id in session.execute(
        select(col(IncidentExcerpt.incident_id), col(IncidentExcerpt.source_id))
        .where(col(IncidentExcerpt.incident_id).in_(ids))
        .distinct()
        .order_by(col(IncidentExcerpt.source_id))
    ):
        sources[incident_id].append(source_id)
    out = []
    for i in incidents:
        loc = locations.get(i.location_id or "")
        out.append(
            {
                **i.model_dump(exclude={"source_id", "location_id"}),
                "country_name": country_name(i.country),
                "location": None
                if loc is None
                else {
                    "id": loc.id,
                    "name": loc.name,
                    "latitude": loc.latitude,
                    "longitude": loc.longitude,
                    "geo_precision": loc.geo_precision,
                },
                "weapons": weapons[i.id],
                "attributed_to": attributed[i.id],
                "source_ids": sources[i.id],
            }
        )
    return out


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
    detail = IncidentDetail.model_validate(get_incident(session, incident_id))
    return detail.model_dump_json().encode()


def get_incident(session: Session, incident_id: str) -> dict[str, Any]:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise missing(session, incident_id)
    out = incidents_out(session, [incident])[0]
    out["actors"] = [
        {"actor_id": a.actor_id, "actor_name": name, "role": a.role, "notes": a.notes}
        for a, name in session.execute(
            select(IncidentActor, col(Actor.name))
            .join(Actor, col(Actor.id) == IncidentActor.actor_id)
            .where(col(IncidentActor.incident_id) == incident_id)
            .order_by(col(IncidentActor.role), col(IncidentActor.actor_id))
        )
    ]
    by = aliased(Actor)
    out["attributions"] = [
        {
            "id": at.id,
            "actor_id": at.actor_id,
            "actor_name": name,
            "by_actor_id": at.by_actor_id,
            "by_actor_name": by_name,
            "stance": at.stance,
            "evidence_quote_id": at.evidence_quote_id,
            "excerpt": at.excerpt_text,
            "span": None
            if at.excerpt_start is None
            else {"start": at.excerpt_start, "end": at.excerpt_end},
            "notes": at.notes,
            "added": at.added,
        }
        for at, name, by_name in session.execute(
            select(Attribution, col(Actor.name), col(by.name))
            .join(Actor, col(Actor.id) == Attribution.actor_id)
            .outerjoin(by, col(by.id) == Attribution.by_actor_id)
            .where(col(Attribution.incident_id) == incident_id)
            .order_by(col(Attribution.id))
        )
    ]
    quote_ids = select(col(QuoteIncident.quote_id)).where(
        col(QuoteIncident.incident_id) == incident_id
    )
    quotes = session.scalars(
        select(Quote).where(col(Quote.id).in_(quote_ids)).order_by(col(Quote.id))
    )
    out["quotes"] = quotes_out(session, list(quotes))
    out["sources"] = [
        {
            "source_id": ex.source_id,
            "title": title,
            "excerpt": ex.text,
            "span": {"start": ex.span_start, "end": ex.span_end},
        }
        for ex, title in session.execute(
            select(IncidentExcerpt, col(Source.title))
            .join(Source, col(Source.id) == IncidentExcerpt.source_id)
            .where(col(IncidentExcerpt.incident_id) == incident_id)
            .order_by(col(IncidentExcerpt.source_id), col(IncidentExcerpt.span_start))
        )
    ]
    out["related"] = _related(session, incident_id)
    return out


def _related(session: Session, incident_id: str) -> list[dict[str, Any]]:
    related = []
    for direction, mine, theirs in (
        ("outgoing", IncidentRelation.incident_id, IncidentRelation.related_incident_id),
        ("incoming", IncidentRelation.related_incident_id, IncidentRelation.incident_id),
    ):
        for rel, title in session.execute(
            select(IncidentRelation, col(Incident.title))
            .join(Incident, col(Incident.id) == theirs)
            .where(col(mine) == incident_id)
            .order_by(theirs)
        ):
            outgoing = direction == "outgoing"
            other = rel.related_incident_id if outgoing else rel.incident_id
            related.append(
                {
                    "incident_id": other,
                    "title": title,
                    "relation": rel.relation,
                    "direction": direction,
                    "notes": rel.notes,
                }
            )
    return related
