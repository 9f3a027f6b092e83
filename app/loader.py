"""Validate and write an article bundle; used by `seed`, `import` and `POST /v1/sources`.

Validation is whole: every problem in the bundle is reported at once, and nothing is
written unless there are none. The write is one transaction.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, or_, select, update
from sqlmodel import Session, col

from app.countries import to_alpha2
from app.errors import Conflict, InvalidBundle, ProblemItem
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
    Weapon,
)
from app.models.common import utcnow
from app.schemas.bundle import BUNDLE_FORMAT, Bundle, BundleActor, BundleLocation
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
    return data  # type: ignore[no-any-return]


def parse_bundle(data: Any) -> Bundle:
    """Structure and vocabularies; raises InvalidBundle listing every error."""
    try:
        return Bundle.model_validate(data)
    except ValidationError as exc:
        items = [ProblemItem(field=_path(e["loc"]), message=e["msg"]) for e in exc.errors()]
        raise InvalidBundle(f"{len(items)} error(s) in the bundle", items) from None


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


def _unknown_added(record: BaseModel) -> list[str]:
    return [name for name in getattr(record, "added", []) if name not in type(record).model_fields]


class _Checker:
    """Collects every semantic error in a parsed bundle."""

    def __init__(self, bundle: Bundle, session: Session) -> None:
        self.b = bundle
        self.session = session
        self.errors: list[ProblemItem] = []
        self.text = bundle.source.text or ""

    def err(self, field: str, message: str) -> None:
        self.errors.append(ProblemItem(field=field, message=message))

    def existing(self, model: Any, ids: set[str]) -> dict[str, Any]:
        if not ids:
            return {}
        rows = self.session.scalars(select(model).where(model.id.in_(ids)))
        return {row.id: row for row in rows}

    def span(self, field: str, start: int, end: int, text: str) -> None:
        if not start < end <= len(self.text):
            self.err(field, f"span {start}..{end} is outside the source text (0..{len(self.text)})")
        elif self.text[start:end] != text:
            found = self.text[start:end]
            self.err(field, f"text is not verbatim at {start}..{end}: the source has {found!r}")

    def country(self, field: str, value: str | None) -> None:
        if value is not None and to_alpha2(value) is None:
            self.err(field, f"unknown country: {value}")

    def unique(self, kind: str, ids: list[str]) -> None:
        for dup, n in Counter(ids).items():
            if n > 1:
                self.err(kind, f"id {dup} appears {n} times")

    def run(self) -> list[ProblemItem]:
        b = self.b
        if b.format != BUNDLE_FORMAT:
            self.err("format", f"unsupported format {b.format!r}; expected {BUNDLE_FORMAT!r}")
        if b.source.text is None:
            self.err("source.text", "the source text is required")
        if b.source.text_file is not None:
            self.err("source.text_file", "text_file is only read from a bundle file on disk")
        self.unique("locations", [x.id for x in b.locations])
        self.unique("actors", [x.id for x in b.actors])
        self.unique("quotes", [x.id for x in b.quotes])
        self.unique("incidents", [x.id for x in b.incidents])
        self.unique("attributions", [a.id for i in b.incidents for a in i.attributions])

        records: list[tuple[str, BaseModel]] = [("source", b.source)]
        records += [(f"locations[{n}]", x) for n, x in enumerate(b.locations)]
        records += [(f"actors[{n}]", x) for n, x in enumerate(b.actors)]
        records += [(f"quotes[{n}]", x) for n, x in enumerate(b.quotes)]
        for n, inc in enumerate(b.incidents):
            records.append((f"incidents[{n}]", inc))
            records += [
                (f"incidents[{n}].attributions[{k}]", a) for k, a in enumerate(inc.attributions)
            ]
        for field, record in records:
            for name in _unknown_added(record):
                self.err(f"{field}.added", f"{name} is not a field of this record")

        for field, value in _strings(b.model_dump()):
            if "\x00" in value:
                self.err(field, "contains a NUL character")
        self._references()
        self._locations_and_actors()
        self._quotes()
        self._incidents()
        return self.errors

    def _references(self) -> None:
        b = self.b
        self.location_ids = {x.id for x in b.locations}
        self.location_ids |= set(self.existing(Location, self._wanted_locations()))
        self.actor_ids = {x.id for x in b.actors} | set(self.existing(Actor, self._wanted_actors()))
        self.quote_ids = {q.id for q in b.quotes}
        self.incident_ids = {i.id for i in b.incidents}
        related = {r.incident_id for i in b.incidents for r in i.related} - self.incident_ids
        self.incident_ids |= set(self.existing(Incident, related))
        # Records that another source owns cannot be redefined by this one.
        sid = b.source.id
        for model, kind, ids in (
            (Incident, "incidents", [i.id for i in b.incidents]),
            (Quote, "quotes", [q.id for q in b.quotes]),
            (Attribution, "attributions", [a.id for i in b.incidents for a in i.attributions]),
        ):
            for row_id, row in self.existing(model, set(ids)).items():
                owner = row.source_id if model is not Attribution else self._owner(row)
                if owner != sid:
                    self.err(kind, f"id {row_id} already belongs to source {owner}")

    def _owner(self, attribution: Attribution) -> str | None:
        incident = self.session.get(Incident, attribution.incident_id)
        return incident.source_id if incident else None

    def _wanted_locations(self) -> set[str]:
        return {i.location_id for i in self.b.incidents if i.location_id}

    def _wanted_actors(self) -> set[str]:
        b = self.b
        wanted = {a.parent_id for a in b.actors if a.parent_id}
        wanted |= {q.speaker_id for q in b.quotes}
        for i in b.incidents:
            wanted |= {a.actor_id for a in i.actors}
            for at in i.attributions:
                wanted |= {at.actor_id} | ({at.by_actor_id} if at.by_actor_id else set())
        return wanted

    def ref(self, field: str, value: str | None, known: set[str], kind: str) -> None:
        if value is not None and value not in known:
            self.err(field, f"unknown {kind} id: {value}")

    def _locations_and_actors(self) -> None:
        for n, loc in enumerate(self.b.locations):
            self.country(f"locations[{n}].country", loc.country)
            if (loc.latitude is None) != (loc.longitude is None):
                self.err(f"locations[{n}]", "latitude and longitude go together")
        parents = {a.id: a.parent_id for a in self.b.actors}
        for n, actor in enumerate(self.b.actors):
            self.country(f"actors[{n}].country", actor.country)
            self.ref(f"actors[{n}].parent_id", actor.parent_id, self.actor_ids, "actor")
            seen, cur = {actor.id}, actor.parent_id
            while cur in parents:
                if cur in seen:
                    self.err(f"actors[{n}].parent_id", f"parent chain of {actor.id} is a cycle")
                    break
                seen.add(cur)
                cur = parents[cur]

    def _quotes(self) -> None:
        for n, q in enumerate(self.b.quotes):
            self.span(f"quotes[{n}].span", q.span.start, q.span.end, q.text)
            self.ref(f"quotes[{n}].speaker_id", q.speaker_id, self.actor_ids, "actor")
            for k, iid in enumerate(q.incident_ids):
                self.ref(f"quotes[{n}].incident_ids[{k}]", iid, self.incident_ids, "incident")

    def _incidents(self) -> None:
        locations = {x.id: x for x in self.b.locations}
        for n, inc in enumerate(self.b.incidents):
            f = f"incidents[{n}]"
            if inc.date_start > inc.date_end:
                self.err(f"{f}.date_end", f"date_end {inc.date_end} is before {inc.date_start}")
            if inc.date_precision == "day" and inc.date_start != inc.date_end:
                self.err(f"{f}.date_precision", "precision day needs date_start == date_end")
            subs = EVENT_TYPES.get(inc.event_type)
            if subs is None:
                self.err(f"{f}.event_type", f"unknown event type: {inc.event_type}")
            elif inc.sub_event_type not in subs:
                self.err(
                    f"{f}.sub_event_type",
                    f"{inc.sub_event_type!r} is not a sub-event type of {inc.event_type!r}",
                )
            self.country(f"{f}.country", inc.country)
            self.ref(f"{f}.location_id", inc.location_id, self.location_ids, "location")
            loc = locations.get(inc.location_id or "")
            if loc and to_alpha2(loc.country) and to_alpha2(loc.country) != to_alpha2(inc.country):
                self.err(f"{f}.country", f"{inc.country} is not the country of {loc.id}")
            for k, ex in enumerate(inc.excerpts):
                self.span(f"{f}.excerpts[{k}]", ex.start, ex.end, ex.text)
            starts = Counter(ex.start for ex in inc.excerpts)
            if any(c > 1 for c in starts.values()):
                self.err(f"{f}.excerpts", "two excerpts start at the same offset")
            kinds = Counter(w.kind for w in inc.weapons)
            for kind in (k for k, c in kinds.items() if c > 1):
                self.err(f"{f}.weapons", f"weapon kind {kind!r} appears more than once")
            for k, a in enumerate(inc.actors):
                self.ref(f"{f}.actors[{k}].actor_id", a.actor_id, self.actor_ids, "actor")
            roles = Counter((a.actor_id, a.role) for a in inc.actors)
            for actor, role in (r for r, c in roles.items() if c > 1):
                self.err(f"{f}.actors", f"{actor} appears twice as {role}")
            for k, at in enumerate(inc.attributions):
                g = f"{f}.attributions[{k}]"
                self.ref(f"{g}.actor_id", at.actor_id, self.actor_ids, "actor")
                self.ref(f"{g}.by_actor_id", at.by_actor_id, self.actor_ids, "actor")
                self.ref(f"{g}.evidence_quote_id", at.evidence_quote_id, self.quote_ids, "quote")
                if at.excerpt:
                    self.span(f"{g}.excerpt", at.excerpt.start, at.excerpt.end, at.excerpt.text)
                if at.evidence_quote_id is None and at.excerpt is None:
                    self.err(g, "an attribution needs an evidence_quote_id or an excerpt")
            for k, r in enumerate(inc.related):
                self.ref(
                    f"{f}.related[{k}].incident_id", r.incident_id, self.incident_ids, "incident"
                )
                if r.incident_id == inc.id:
                    self.err(f"{f}.related[{k}]", "an incident cannot relate to itself")


def check_bundle(bundle: Bundle, session: Session) -> list[ProblemItem]:
    return _Checker(bundle, session).run()


def bundle_sha256(bundle: Bundle) -> str:
    canonical = json.dumps(bundle.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _record(model: Any, item: BaseModel, exclude: set[str] = frozenset(), **extra: Any) -> Any:  # type: ignore[assignment]
    fields = item.model_dump(exclude=exclude | {"text_file"})
    return model(**fields, **extra)


def _upsert(session: Session, model: Any, item: BundleLocation | BundleActor) -> None:
    """Locations and actors are shared across sources: insert, or update if changed."""
    values = item.model_dump()
    if values.get("country") is not None:
        values["country"] = to_alpha2(values["country"])
    row = session.get(model, item.id)
    if row is None:
        session.add(model(**values))
    elif any(getattr(row, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(row, k, v)
        row.updated_at = utcnow()


def _by_parent_depth(actors: list[BundleActor]) -> list[BundleActor]:
    parents = {a.id: a.parent_id for a in actors}

    def depth(actor_id: str | None) -> int:
        n = 0
        while actor_id in parents and n <= len(parents):
            actor_id, n = parents[actor_id], n + 1
        return n

    return sorted(actors, key=lambda a: depth(a.id))


def _delete_source_records(session: Session, source_id: str) -> None:
    incidents = select(col(Incident.id)).where(col(Incident.source_id) == source_id)
    quotes = select(col(Quote.id)).where(col(Quote.source_id) == source_id)
    session.execute(
        delete(IncidentRelation).where(
            or_(
                IncidentRelation.incident_id.in_(incidents),  # type: ignore[attr-defined]
                IncidentRelation.related_incident_id.in_(incidents),  # type: ignore[attr-defined]
            )
        )
    )
    session.execute(
        delete(QuoteIncident).where(
            or_(QuoteIncident.incident_id.in_(incidents), QuoteIncident.quote_id.in_(quotes))  # type: ignore[attr-defined]
        )
    )
    for model in (Attribution, Weapon, IncidentActor, IncidentExcerpt):
        session.execute(delete(model).where(model.incident_id.in_(incidents)))  # type: ignore[attr-defined]
    session.execute(delete(Incident).where(col(Incident.source_id) == source_id))  # type: ignore[arg-type]
    session.execute(delete(Quote).where(col(Quote.source_id) == source_id))  # type: ignore[arg-type]


def load_bundle(session: Session, data: Any, *, replace: bool = False) -> Outcome:
    """Validate `data` whole, then write it in one transaction.

    The same bundle loaded twice changes nothing; a different bundle under an existing
    source id is a Conflict unless `replace`, which swaps that source's records.
    """
    bundle = data if isinstance(data, Bundle) else parse_bundle(data)
    errors = check_bundle(bundle, session)
    if errors:
        raise InvalidBundle(f"{len(errors)} error(s) in the bundle", errors)
    digest = bundle_sha256(bundle)
    existing = session.get(Source, bundle.source.id)
    if existing is not None and existing.bundle_sha256 == digest:
        return "unchanged"
    if existing is not None and not replace:
        raise Conflict(
            f"source {bundle.source.id} exists with different content; "
            "post with replace=true to replace its records"
        )
    try:
        _write(session, bundle, digest, existing)
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


def _write(session: Session, b: Bundle, digest: str, existing: Source | None) -> None:
    now = utcnow()
    if existing is not None:
        _delete_source_records(session, existing.id)
        values = b.source.model_dump(exclude={"text_file"})
        session.execute(
            update(Source)
            .where(col(Source.id) == existing.id)  # type: ignore[arg-type]
            .values(**values, bundle_sha256=digest, updated_at=now)
        )
    else:
        session.add(_record(Source, b.source, bundle_sha256=digest, updated_at=now))
    for loc in b.locations:
        _upsert(session, Location, loc)
    for actor in _by_parent_depth(b.actors):
        _upsert(session, Actor, actor)
        session.flush()
    session.flush()
    for inc in b.incidents:
        nested = {"excerpts", "weapons", "actors", "attributions", "related"}
        row = _record(Incident, inc, nested, source_id=b.source.id, updated_at=now)
        row.country = to_alpha2(inc.country)
        session.add(row)
    session.flush()
    for q in b.quotes:
        session.add(
            _record(
                Quote,
                q,
                {"span", "incident_ids"},
                source_id=b.source.id,
                span_start=q.span.start,
                span_end=q.span.end,
                updated_at=now,
            )
        )
    session.flush()
    for q in b.quotes:
        for iid in dict.fromkeys(q.incident_ids):
            session.add(QuoteIncident(quote_id=q.id, incident_id=iid))
    for inc in b.incidents:
        for ex in inc.excerpts:
            session.add(
                IncidentExcerpt(
                    incident_id=inc.id,
                    source_id=b.source.id,
                    span_start=ex.start,
                    span_end=ex.end,
                    text=ex.text,
                )
            )
        for w in inc.weapons:
            session.add(_record(Weapon, w, incident_id=inc.id))
        for a in inc.actors:
            session.add(_record(IncidentActor, a, incident_id=inc.id))
        for at in inc.attributions:
            span = at.excerpt
            session.add(
                _record(
                    Attribution,
                    at,
                    {"excerpt"},
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
    session.flush()
