"""Writing a bundle that `app.loader.check` validated, in the caller's transaction.

Each record is created, updated or deleted only as it differs from the stored bundle,
and each such write goes to the change feed. Locations and actors are shared across
sources; incidents and quotes belong to the source whose bundle holds them.
"""

import hashlib
import json
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from app.countries import to_alpha2
from app.db import bump_version, refresh_statistics
from app.errors import Conflict, ProblemItem
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
    SourceBundle,
    Weapon,
)
from app.models.common import utcnow
from app.schemas.bundle import Bundle, BundleActor, BundleIncident, BundleLocation
from app.services import changes, history


def bundle_sha256(bundle: Bundle) -> str:
    """The fingerprint of a bundle's content: the same bundle loaded again is `unchanged`."""
    canonical = json.dumps(bundle.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_form(bundle: Bundle) -> dict[str, Any]:
    """The bundle as `source_bundle` keeps it: the text is the source row's."""
    return bundle.model_dump(mode="json", exclude={"source": {"text", "text_file"}})


def _by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


def _diff(
    old: list[dict[str, Any]], new: list[dict[str, Any]], stored_ids: set[str]
) -> tuple[list[str], list[str], list[str]]:
    """Ids to create, update and delete: a record is updated only if it differs."""
    before, after = _by_id(old), _by_id(new)
    created = [i for i in after if i not in stored_ids]
    updated = [i for i in after if i in stored_ids and before.get(i) != after[i]]
    deleted = sorted(stored_ids - after.keys())
    return created, updated, deleted


def _refuse_removing_referenced(session: Session, source_id: str, removed: list[str]) -> None:
    """Another source's relation or quote pointing at a removed incident would dangle."""
    if not removed:
        return
    other = col(Incident.source_id) != source_id
    relations = session.execute(
        select(col(IncidentRelation.incident_id), col(IncidentRelation.related_incident_id))
        .join(Incident, col(Incident.id) == IncidentRelation.incident_id)
        .where(col(IncidentRelation.related_incident_id).in_(removed), other)
    ).all()
    links = session.execute(
        select(col(QuoteIncident.quote_id), col(QuoteIncident.incident_id))
        .join(Quote, col(Quote.id) == QuoteIncident.quote_id)
        .where(col(QuoteIncident.incident_id).in_(removed), col(Quote.source_id) != source_id)
    ).all()
    errors = [
        ProblemItem(field=f"incidents.{target}", message=f"incident {ref} relates to it")
        for ref, target in relations
    ] + [
        ProblemItem(field=f"incidents.{target}", message=f"quote {ref} refers to it")
        for ref, target in links
    ]
    if errors:
        raise Conflict(
            "incidents that records of other sources refer to cannot be removed; "
            "remove those references first",
            errors,
        )


def _upsert(
    session: Session, model: Any, item: BundleLocation | BundleActor, now: Any
) -> changes.Action | None:
    """Locations and actors are shared across sources: insert, or update if changed."""
    values = item.model_dump()
    if values.get("country") is not None:
        values["country"] = to_alpha2(values["country"])
    row = session.get(model, item.id)
    if row is None:
        session.add(model(**values, updated_at=now))
        return "create"
    if any(getattr(row, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(row, k, v)
        row.updated_at = now
        return "update"
    return None


def _by_parent_depth(actors: list[BundleActor]) -> list[BundleActor]:
    parents = {a.id: a.parent_id for a in actors}

    def depth(actor_id: str | None) -> int:
        n = 0
        while actor_id in parents and n <= len(parents):
            actor_id, n = parents[actor_id], n + 1
        return n

    return sorted(actors, key=lambda a: depth(a.id))


def _put(session: Session, model: Any, row_id: str, values: dict[str, Any]) -> None:
    """Insert a row, or update the stored one in place (rows of other sources refer to it)."""
    row = session.get(model, row_id)
    if row is None:
        session.add(model(id=row_id, **values))
    else:
        for k, v in values.items():
            setattr(row, k, v)


BULK = 1000
"""A bundle creating this many incidents is a bulk load: the planner's statistics are
refreshed in its transaction."""


def write_bundle(session: Session, b: Bundle) -> None:
    """Write a validated bundle in the session's transaction (no commit).

    Each incident and quote is created, updated or deleted only as it actually differs
    from the stored bundle, and each such write is recorded in the change feed (and each
    incident's in its history). Updated rows are updated in place, so relations from
    other sources into them are kept.
    """
    now = utcnow()
    sid = b.source.id
    stored = session.get(SourceBundle, sid)
    old: dict[str, Any] = stored.bundle if stored else {}
    new = b.model_dump(mode="json")
    stored_incidents = set(
        session.scalars(select(col(Incident.id)).where(col(Incident.source_id) == sid))
    )
    stored_quotes = set(session.scalars(select(col(Quote.id)).where(col(Quote.source_id) == sid)))
    inc_new, inc_upd, inc_del = _diff(old.get("incidents", []), new["incidents"], stored_incidents)
    q_new, q_upd, q_del = _diff(old.get("quotes", []), new["quotes"], stored_quotes)
    _refuse_removing_referenced(session, sid, inc_del)

    values = b.source.model_dump(exclude={"text_file"})
    source = session.get(Source, sid)
    if source is None:
        session.add(Source(**values, bundle_sha256=bundle_sha256(b), updated_at=now))
        changes.record(session, "source", sid, "create")
    else:
        if any(getattr(source, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(source, k, v)
            source.updated_at = now
            changes.record(session, "source", sid, "update")
        source.bundle_sha256 = bundle_sha256(b)
    if stored is None:
        session.add(SourceBundle(source_id=sid, bundle=stored_form(b)))
    else:
        stored.bundle = stored_form(b)
    changed_locations, changed_actors = [], []
    for loc in b.locations:
        if action := _upsert(session, Location, loc, now):
            changes.record(session, "location", loc.id, action)
            changed_locations.append(loc.id)
    for actor in _by_parent_depth(b.actors):
        if action := _upsert(session, Actor, actor, now):
            changes.record(session, "actor", actor.id, action)
            changed_actors.append(actor.id)
        session.flush()
    session.flush()

    rewritten = inc_upd + inc_del
    for model in (Attribution, Weapon, IncidentActor, IncidentExcerpt, IncidentRelation):
        session.execute(delete(model).where(model.incident_id.in_(rewritten)))  # type: ignore[attr-defined]
    session.execute(delete(QuoteIncident).where(col(QuoteIncident.quote_id).in_(q_upd + q_del)))
    session.execute(delete(Quote).where(col(Quote.id).in_(q_del)))
    session.execute(delete(Incident).where(col(Incident.id).in_(inc_del)))
    session.expire_all()

    incidents = {inc.id: inc for inc in b.incidents}
    nested = {"id", "excerpts", "weapons", "actors", "attributions", "related"}
    for iid in inc_new + inc_upd:
        inc = incidents[iid]
        row = inc.model_dump(exclude=nested)
        row.update(country=to_alpha2(inc.country), source_id=sid, updated_at=now)
        _put(session, Incident, iid, row)
    session.flush()
    quotes = {q.id: q for q in b.quotes}
    for qid in q_new + q_upd:
        q = quotes[qid]
        row = q.model_dump(exclude={"id", "span", "incident_ids"})
        start, end = q.offsets()
        row.update(source_id=sid, span_start=start, span_end=end, updated_at=now)
        _put(session, Quote, qid, row)
    session.flush()
    for qid in q_new + q_upd:
        for iid in dict.fromkeys(quotes[qid].incident_ids):
            session.add(QuoteIncident(quote_id=qid, incident_id=iid))
    for iid in inc_new + inc_upd:
        _add_children(session, sid, incidents[iid])
    session.flush()
    for kind, created, updated, deleted in (
        ("incident", inc_new, inc_upd, inc_del),
        ("quote", q_new, q_upd, q_del),
    ):
        for action, ids in (("create", created), ("update", updated), ("delete", deleted)):
            for rid in ids:
                changes.record(session, kind, rid, action)  # type: ignore[arg-type]
    records = {inc["id"]: inc for inc in new["incidents"]}
    versions: list[history.Version] = [
        *((iid, records[iid], "create") for iid in inc_new),
        *((iid, records[iid], "update") for iid in inc_upd),
        *((iid, None, "delete") for iid in inc_del),
    ]
    history.record(session, versions, author=changes.author_of(session), at=now)
    written = set(inc_new + inc_upd + inc_del), set(q_new + q_upd + q_del)
    _touch_embedding(session, changed_locations, changed_actors, written, now)
    bump_version(session)
    if len(inc_new) >= BULK:
        refresh_statistics(session.connection())


def _touch_embedding(
    session: Session,
    locations: list[str],
    actors: list[str],
    written: tuple[set[str], set[str]],
    now: Any,
) -> None:
    """Incidents and quotes (of any source) whose list entry shows a changed location or
    actor have a new representation: move their `updated_at` and record an update, so
    that `updated_since` and the feed hand them to a mirror."""
    incidents = set(
        session.scalars(select(col(Incident.id)).where(col(Incident.location_id).in_(locations)))
    )
    incidents |= set(
        session.scalars(
            select(col(Attribution.incident_id)).where(col(Attribution.actor_id).in_(actors))
        )
    )
    quotes = set(session.scalars(select(col(Quote.id)).where(col(Quote.speaker_id).in_(actors))))
    for kind, model, ids in (
        ("incident", Incident, sorted(incidents - written[0])),
        ("quote", Quote, sorted(quotes - written[1])),
    ):
        if ids:
            session.execute(update(model).where(col(model.id).in_(ids)).values(updated_at=now))
        for rid in ids:
            changes.record(session, kind, rid, "update")  # type: ignore[arg-type]


def _add_children(session: Session, source_id: str, inc: BundleIncident) -> None:
    for ex in inc.excerpts:
        start, end = ex.offsets()
        session.add(
            IncidentExcerpt(
                incident_id=inc.id,
                source_id=source_id,
                span_start=start,
                span_end=end,
                text=ex.text,
            )
        )
    for w in inc.weapons:
        session.add(Weapon(**w.model_dump(), incident_id=inc.id))
    for a in inc.actors:
        session.add(IncidentActor(**a.model_dump(), incident_id=inc.id))
    for at in inc.attributions:
        span = at.excerpt
        session.add(
            Attribution(
                **at.model_dump(exclude={"excerpt"}),
                incident_id=inc.id,
                excerpt_start=span.offsets()[0] if span else None,
                excerpt_end=span.offsets()[1] if span else None,
                excerpt_text=span.text if span else None,
            )
        )
    for r in inc.related:
        session.add(
            IncidentRelation(
                incident_id=inc.id,
                relation=r.relation,
                related_incident_id=r.incident_id,
                notes=r.notes,
            )
        )
