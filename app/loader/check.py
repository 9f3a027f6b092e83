"""Checking a bundle: the raw data in, the validated `Bundle` out, or one InvalidBundle
(422) that lists every structural and semantic problem at once.

Nothing here writes; the session is read for the records a bundle refers to (actors,
locations, incidents of other sources) and those it may not redefine.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from app.countries import to_alpha2
from app.errors import InvalidBundle, ProblemItem
from app.loader.spans import resolve_spans
from app.models import Actor, Attribution, Incident, Location, Quote, Tombstone
from app.schemas.bundle import (
    BUNDLE_FORMAT,
    Bundle,
    BundleActor,
    BundleAttribution,
    BundleIncident,
    BundleLocation,
    BundleQuote,
    BundleSource,
    record_fields,
)
from app.schemas.messages import message_of
from app.vocab import EVENT_TYPES


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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
    """Every semantic error (references, dates, countries, vocabularies; spans are
    found and checked in `app.loader.spans`).

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
                if isinstance(name, str) and name not in record_fields(model):
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
            if at.get("evidence_quote_id") is None and at.get("excerpt") is None:
                self.err(g, "an attribution needs an evidence_quote_id or an excerpt")


def validate_bundle(data: Any, session: Session) -> Bundle:
    """The parsed bundle, every span found or checked, or InvalidBundle listing every
    structural and semantic error."""
    data, errors = resolve_spans(data)
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
