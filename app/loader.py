"""Validate and write an article bundle; used by `seed`, `import` and `POST /v1/sources`.

Validation is whole: every problem in the bundle is reported at once, and nothing is
written unless there are none. The write is one transaction.
"""

import copy
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, delete, select, update
from sqlmodel import Session, col

from app.countries import to_alpha2
from app.db import CLI, Author, bump_version, refresh_statistics, write_session
from app.errors import Conflict, InvalidBundle, NotFound, ProblemItem, message_of
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
    Tombstone,
    Weapon,
)
from app.models.common import utcnow
from app.schemas.bundle import (
    BUNDLE_FORMAT,
    Bundle,
    BundleActor,
    BundleAttribution,
    BundleIncident,
    BundleLocation,
    BundleQuote,
    BundleSource,
)
from app.services import changes
from app.vocab import EVENT_TYPES

Outcome = Literal["created", "unchanged", "replaced"]


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_bundle_file(path: Path) -> dict[str, Any]:
    """Read a bundle file; a `source.text_file` is read from beside it into `source.text`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidBundle(f"cannot read bundle {path.name}: {exc}") from None
    source = data.get("source") if isinstance(data, dict) else None
    if isinstance(source, dict) and source.get("text_file"):
        text_path = path.parent / str(source.pop("text_file"))
        try:
            source["text"] = text_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidBundle(
                f"cannot read the source text of {path.name}",
                [ProblemItem(field="source.text_file", message=str(exc))],
            ) from None
    return data


def _strings(value: Any, path: str = "") -> Iterable[tuple[str, str]]:
    """Every string in a nested structure, with its path (`incidents[0].title`)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _strings(item, f"{path}[{n}]")


_RECORD_MODELS: dict[str, type[BaseModel]] = {
    "locations": BundleLocation,
    "actors": BundleActor,
    "quotes": BundleQuote,
    "incidents": BundleIncident,
}


def _items(parent: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    """The records of a list field, skipping what is not a record (pydantic reports it)."""
    value = parent.get(key) if isinstance(parent, dict) else None
    if not isinstance(value, list):
        return []
    return [(n, item) for n, item in enumerate(value) if isinstance(item, dict)]


def _str(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return value if isinstance(value, str) else None


def _day(record: dict[str, Any], key: str) -> date | None:
    try:
        return date.fromisoformat(record[key]) if isinstance(record.get(key), str) else None
    except ValueError:
        return None


class _Checker:
    """Every semantic error (spans, references, dates, countries, vocabularies).

    It reads the raw data, not the parsed bundle, so that it reports its errors even
    where the structure is also wrong: one refusal lists everything to fix.
    """

    def __init__(self, data: dict[str, Any], session: Session) -> None:
        self.data = data
        self.session = session
        self.errors: list[ProblemItem] = []
        source = data.get("source") if isinstance(data.get("source"), dict) else {}
        self.source: dict[str, Any] = source  # type: ignore[assignment]
        self.text = _str(self.source, "text") or ""
        self.incidents = _items(data, "incidents")

    def err(self, field: str, message: str) -> None:
        self.errors.append(ProblemItem(field=field, message=message))

    def ids(self, key: str) -> list[str]:
        return [i for _, r in _items(self.data, key) if (i := _str(r, "id"))]

    def attribution_ids(self) -> list[str]:
        return [i for _, a in self.attributions() if (i := _str(a, "id"))]

    def attributions(self) -> list[tuple[str, dict[str, Any]]]:
        return [
            (f"incidents[{n}].attributions[{k}]", a)
            for n, inc in self.incidents
            for k, a in _items(inc, "attributions")
        ]

    def existing(self, model: Any, ids: set[str]) -> dict[str, Any]:
        if not ids:
            return {}
        rows = self.session.scalars(select(model).where(model.id.in_(ids)))
        return {row.id: row for row in rows}

    def span(self, field: str, where: Any, text: Any = None) -> None:
        """`text` (by default `where["text"]`) must be the source's text at `where`'s span."""
        if not isinstance(where, dict):
            return
        start, end = where.get("start"), where.get("end")
        text = where.get("text") if text is None else text
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(text, str)):
            return
        if not 0 <= start < end <= len(self.text):
            self.err(field, f"span {start}..{end} is outside the source text (0..{len(self.text)})")
        elif self.text[start:end] != text:
            found = self.text[start:end]
            self.err(field, f"text is not verbatim at {start}..{end}: the source has {found!r}")

    def country(self, field: str, record: dict[str, Any]) -> None:
        value = _str(record, "country")
        if value is not None and to_alpha2(value) is None:
            self.err(f"{field}.country", f"unknown country: {value}")

    def ref(self, field: str, value: Any, known: set[str], kind: str) -> None:
        if isinstance(value, str) and value not in known:
            self.err(field, f"unknown {kind} id: {value}")

    def duplicates(self, field: str, values: list[Any], what: str) -> None:
        # Only well-typed values: a list where an offset belongs is pydantic's to report.
        for value, n in Counter(v for v in values if isinstance(v, str | int)).items():
            if n > 1:
                self.err(field, what.format(value=value, n=n))

    def run(self) -> list[ProblemItem]:
        d, src = self.data, self.source
        if d.get("format", BUNDLE_FORMAT) != BUNDLE_FORMAT:
            given = d.get("format")
            self.err("format", f"unsupported format {given!r}; expected {BUNDLE_FORMAT!r}")
        if _str(src, "text") is None:
            self.err("source.text", "the source text is required")
        if src.get("text_file") is not None:
            self.err("source.text_file", "text_file is only read from a bundle file on disk")
        for key in ("locations", "actors", "quotes", "incidents"):
            self.duplicates(key, self.ids(key), "id {value} appears {n} times")
        self.duplicates("attributions", self.attribution_ids(), "id {value} appears {n} times")
        for field, value in _strings(d):
            if "\x00" in value:
                self.err(field, "contains a NUL character")
        self._added()
        self._references()
        self._locations_and_actors()
        self._quotes()
        self._incidents()
        return self.errors

    def _added(self) -> None:
        records: list[tuple[str, dict[str, Any], type[BaseModel]]] = [
            ("source", self.source, BundleSource)
        ]
        for key, model in _RECORD_MODELS.items():
            records += [(f"{key}[{n}]", r, model) for n, r in _items(self.data, key)]
        records += [(f, a, BundleAttribution) for f, a in self.attributions()]
        for field, record, model in records:
            added = record.get("added")
            for name in added if isinstance(added, list) else []:
                if isinstance(name, str) and name not in model.model_fields:
                    self.err(f"{field}.added", f"{name} is not a field of this record")

    def _references(self) -> None:
        d = self.data
        wanted_actors = {_str(a, "parent_id") for _, a in _items(d, "actors")}
        wanted_actors |= {_str(q, "speaker_id") for _, q in _items(d, "quotes")}
        for _, inc in self.incidents:
            wanted_actors |= {_str(a, "actor_id") for _, a in _items(inc, "actors")}
        for _, at in self.attributions():
            wanted_actors |= {_str(at, "actor_id"), _str(at, "by_actor_id")}
        wanted_actors.discard(None)
        wanted_locations = {_str(i, "location_id") for _, i in self.incidents} - {None}
        self.actor_ids = set(self.ids("actors"))
        self.actor_ids |= set(self.existing(Actor, wanted_actors))  # type: ignore[arg-type]
        self.location_ids = set(self.ids("locations"))
        self.location_ids |= set(self.existing(Location, wanted_locations))  # type: ignore[arg-type]
        self.quote_ids = set(self.ids("quotes"))
        self.incident_ids = set(self.ids("incidents"))
        related = {
            _str(r, "incident_id") for _, inc in self.incidents for _, r in _items(inc, "related")
        }
        source_id = _str(self.source, "id")
        # Another source's incident may be referred to; one of this source that the bundle
        # no longer holds is about to be removed.
        stored = self.existing(Incident, related - {None})  # type: ignore[arg-type]
        self.incident_ids |= {i for i, row in stored.items() if row.source_id != source_id}
        deleted = self.session.scalars(
            select(Tombstone).where(
                col(Tombstone.resource) == "incident",
                col(Tombstone.resource_id).in_(self.ids("incidents")),
            )
        )
        when = {t.resource_id: t.deleted_at for t in deleted}
        for n, inc in self.incidents:
            if _str(inc, "id") in when:
                self.err(
                    f"incidents[{n}].id",
                    f"incident {inc['id']} was deleted at {when[inc['id']]:%Y-%m-%dT%H:%M:%SZ}; "
                    "a deleted id is not reused: drop it from the bundle or give it a new id",
                )
        # Records that another source owns cannot be redefined by this one.
        for model, kind, ids in (
            (Incident, "incidents", set(self.ids("incidents"))),
            (Quote, "quotes", self.quote_ids),
            (Attribution, "attributions", set(self.attribution_ids())),
        ):
            for row_id, row in self.existing(model, ids).items():
                owner = self._owner(row) if model is Attribution else row.source_id
                if owner != source_id:
                    self.err(kind, f"id {row_id} already belongs to source {owner}")

    def _owner(self, attribution: Attribution) -> str | None:
        incident = self.session.get(Incident, attribution.incident_id)
        return incident.source_id if incident else None

    def _locations_and_actors(self) -> None:
        for n, loc in _items(self.data, "locations"):
            self.country(f"locations[{n}]", loc)
            if (loc.get("latitude") is None) != (loc.get("longitude") is None):
                self.err(f"locations[{n}]", "latitude and longitude go together")
        actors = _items(self.data, "actors")
        parents = {_str(a, "id"): _str(a, "parent_id") for _, a in actors}
        for n, actor in actors:
            self.country(f"actors[{n}]", actor)
            self.ref(f"actors[{n}].parent_id", actor.get("parent_id"), self.actor_ids, "actor")
            seen, cur = {_str(actor, "id")}, _str(actor, "parent_id")
            while cur is not None and cur in parents:  # an actor without an id has no chain
                if cur in seen:
                    message = f"parent chain of {_str(actor, 'id')} is a cycle"
                    self.err(f"actors[{n}].parent_id", message)
                    break
                seen.add(cur)
                cur = parents[cur]

    def _quotes(self) -> None:
        for n, q in _items(self.data, "quotes"):
            self.span(f"quotes[{n}].span", q.get("span"), q.get("text"))
            self.ref(f"quotes[{n}].speaker_id", q.get("speaker_id"), self.actor_ids, "actor")
            incident_ids = q.get("incident_ids")
            for k, iid in enumerate(incident_ids if isinstance(incident_ids, list) else []):
                self.ref(f"quotes[{n}].incident_ids[{k}]", iid, self.incident_ids, "incident")

    def _incidents(self) -> None:
        locations = {_str(x, "id"): x for _, x in _items(self.data, "locations")}
        for n, inc in self.incidents:
            f = f"incidents[{n}]"
            start, end = _day(inc, "date_start"), _day(inc, "date_end")
            if start and end and start > end:
                self.err(f"{f}.date_end", f"date_end {end} is before date_start {start}")
            if inc.get("date_precision") == "day" and start and end and start != end:
                self.err(f"{f}.date_precision", "precision day needs date_start == date_end")
            kind, sub = inc.get("event_type"), inc.get("sub_event_type")
            if isinstance(kind, str) and kind not in EVENT_TYPES:
                self.err(f"{f}.event_type", f"unknown event type: {kind}")
            elif isinstance(kind, str) and isinstance(sub, str) and sub not in EVENT_TYPES[kind]:
                self.err(f"{f}.sub_event_type", f"{sub!r} is not a sub-event type of {kind!r}")
            self.country(f, inc)
            self.ref(f"{f}.location_id", inc.get("location_id"), self.location_ids, "location")
            loc = locations.get(_str(inc, "location_id")) or {}
            here = to_alpha2(_str(inc, "country") or "")
            there = to_alpha2(_str(loc, "country") or "")
            if here and there and here != there:
                self.err(f"{f}.country", f"{inc['country']} is not the country of {loc['id']}")
            excerpts = _items(inc, "excerpts")
            for k, ex in excerpts:
                self.span(f"{f}.excerpts[{k}]", ex)
            self.duplicates(
                f"{f}.excerpts",
                [ex.get("start") for _, ex in excerpts],
                "two excerpts start at offset {value}",
            )
            self.duplicates(
                f"{f}.weapons",
                [_str(w, "kind") for _, w in _items(inc, "weapons")],
                "weapon kind {value!r} appears more than once",
            )
            roles = _items(inc, "actors")
            for k, a in roles:
                self.ref(f"{f}.actors[{k}].actor_id", a.get("actor_id"), self.actor_ids, "actor")
            self.duplicates(
                f"{f}.actors",
                [f"{a.get('actor_id')} as {a.get('role')}" for _, a in roles],
                "{value} appears more than once",
            )
            for k, r in _items(inc, "related"):
                other = r.get("incident_id")
                self.ref(f"{f}.related[{k}].incident_id", other, self.incident_ids, "incident")
                if other is not None and other == inc.get("id"):
                    self.err(f"{f}.related[{k}]", "an incident cannot relate to itself")
        for g, at in self.attributions():
            self.ref(f"{g}.actor_id", at.get("actor_id"), self.actor_ids, "actor")
            self.ref(f"{g}.by_actor_id", at.get("by_actor_id"), self.actor_ids, "actor")
            self.ref(f"{g}.evidence_quote_id", at.get("evidence_quote_id"), self.quote_ids, "quote")
            excerpt = at.get("excerpt")
            self.span(f"{g}.excerpt", excerpt)
            if at.get("evidence_quote_id") is None and excerpt is None:
                self.err(g, "an attribution needs an evidence_quote_id or an excerpt")


def validate_bundle(data: Any, session: Session) -> Bundle:
    """The parsed bundle, or InvalidBundle listing every structural and semantic error."""
    errors: list[ProblemItem] = []
    bundle = None
    try:
        # Strict: as JSON Schema reads the bundle (no "5" for 5, no 0 for a date).
        bundle = Bundle.model_validate(data, strict=True)
    except ValidationError as exc:
        errors += [ProblemItem(field=_path(e["loc"]), message=message_of(e)) for e in exc.errors()]
    if isinstance(data, dict):
        errors += _Checker(data, session).run()
    if errors or bundle is None:
        unique = list({(e.field, e.message): e for e in errors}.values())
        raise InvalidBundle(f"{len(unique)} error(s) in the bundle", unique)
    return bundle


def bundle_sha256(bundle: Bundle) -> str:
    canonical = json.dumps(bundle.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_bundle(session: Session, data: Any, *, replace: bool = False) -> Outcome:
    """Validate `data` whole, then write it and commit.

    Use a session from `app.db.write_session`, so that the check and the write are one
    atomic step. The same bundle loaded twice changes nothing; a different bundle under
    an existing source id is a Conflict unless `replace`.
    """
    if isinstance(data, Bundle):
        data = data.model_dump(mode="json", exclude_none=False)
    bundle = validate_bundle(data, session)
    existing = session.get(Source, bundle.source.id)
    if existing is not None and existing.kind == "dataset":
        raise Conflict(
            f"source {existing.id} is a dataset: it changes by importing a release of it "
            "(incident-record import-dataset), not by a bundle"
        )
    try:
        if existing is not None and existing.bundle_sha256 == bundle_sha256(bundle):
            if session.get(SourceBundle, existing.id) is None:  # loaded before bundles were kept
                session.add(SourceBundle(source_id=existing.id, bundle=_stored_form(bundle)))
                session.commit()
            return "unchanged"
        if existing is not None and not replace:
            raise Conflict(
                f"source {bundle.source.id} exists with different content; "
                "replace it explicitly (replace=true; on the command line, --replace)"
            )
        write_bundle(session, bundle)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return "created" if existing is None else "replaced"


def load_folder(session: Session, folder: Path) -> list[tuple[str, Outcome]]:
    """Load every bundle (`*.json`) in `folder`; the files are authoritative (replace)."""
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InvalidBundle(f"no bundles (*.json) in {folder}")
    return [(p.name, load_bundle(session, read_bundle_file(p), replace=True)) for p in files]


def export_bundle(session: Session, source_id: str) -> dict[str, Any]:
    """The bundle of a source, in the import format: loading it back changes nothing."""
    source = session.get(Source, source_id)
    stored = session.get(SourceBundle, source_id)
    if source is None:
        raise NotFound(f"no source with id {source_id!r}")
    if stored is None:
        raise Conflict(
            f"source {source_id} has no stored bundle (it was written before bundles were "
            "kept, or not by the loader); import its bundle to export or edit it"
        )
    bundle = copy.deepcopy(stored.bundle)
    bundle["source"]["text"] = source.text
    return bundle


def _stored_form(bundle: Bundle) -> dict[str, Any]:
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
    from the stored bundle, and each such write is recorded in the change feed. Updated
    rows are updated in place, so relations from other sources into them are kept.
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
        session.add(SourceBundle(source_id=sid, bundle=_stored_form(b)))
    else:
        stored.bundle = _stored_form(b)
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
        row.update(source_id=sid, span_start=q.span.start, span_end=q.span.end, updated_at=now)
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
        session.add(
            IncidentExcerpt(
                incident_id=inc.id,
                source_id=source_id,
                span_start=ex.start,
                span_end=ex.end,
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
                excerpt_start=span.start if span else None,
                excerpt_end=span.end if span else None,
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


def import_bundle(
    engine: Engine, data: Any, *, replace: bool = False, author: Author = CLI
) -> Outcome:
    """`load_bundle` in a write transaction of its own: `import`, `seed` and POST."""
    with write_session(engine, author) as session:
        return load_bundle(session, data, replace=replace)
