"""Every version of every incident, and why it changed: `GET /v1/incidents/{id}/history`.

A version holds the incident as its bundle holds it (the editor's data: its own fields
and its excerpts, weapons, actors, attributions and relations), or nothing once deleted.
Versions are written by `record`, in the transaction of the write, by every writer: the
loader (imports, PATCH, DELETE), `synth` and bulk importers. What changed is derived on
read, by comparing each version with the one before it.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Connection, insert, select
from sqlmodel import Session, col

from app.db import Author
from app.errors import InvalidValue, ProblemItem
from app.models import IncidentVersion
from app.services.incidents import missing
from app.services.pagination import count, decode_cursor, encode_cursor

Action = Literal["create", "update", "delete", "baseline"]
Version = tuple[str, dict[str, Any] | None, Action]
"""An incident id, its record after the write (None: deleted), and what the write did."""

REASON_MAX = 1000
"""The longest reason a change may carry, in characters."""
CONTROL = r"\x00-\x1f\x7f-\x9f"
REASON_PATTERN = rf"^[^{CONTROL}]*$"
"""A reason: any text without a control character (C0, DEL or C1); newlines included."""


def check_reason(value: str | None, name: str = "reason") -> str | None:
    """A change's reason as stored (blank: none); 422 naming `name` if it is too long or
    holds a control character."""
    if value is None:
        return None
    message = None
    control = re.search(f"[{CONTROL}]", value)
    if len(value) > REASON_MAX:
        message = f"must be at most {REASON_MAX} characters long"
    elif control:
        at = control.start() + 1
        message = f"must not contain control characters (U+{ord(control.group()):04X} at {at})"
    if message:
        raise InvalidValue.listing([ProblemItem(param=name, message=message)])
    return value.strip() or None


def record(
    connection: Connection | Session, versions: Iterable[Version], *, author: Author, at: datetime
) -> None:
    """Add versions of incidents to the writing transaction, by `author` (and its reason).

    The one way history is written: one INSERT of every version, so a bulk writer calls it
    once per batch.
    """
    rows = [
        {
            "incident_id": incident_id,
            "action": action,
            "at": at,
            "key_name": author.key_name,
            "via": author.via,
            "reason": author.reason,
            "record": snapshot,
        }
        for incident_id, snapshot, action in versions
    ]
    if rows:
        connection.execute(insert(IncidentVersion), rows)


def snapshot_from_rows(
    incident: Mapping[str, Any],
    excerpts: Sequence[Mapping[str, Any]] = (),
    weapons: Sequence[Mapping[str, Any]] = (),
    actors: Sequence[Mapping[str, Any]] = (),
    attributions: Sequence[Mapping[str, Any]] = (),
    related: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """An incident as its bundle record, from its rows as the tables hold them: for a
    writer that has rows rather than a bundle (`synth`, a bulk importer)."""
    i = incident
    return {
        "id": i["id"],
        "title": i["title"],
        "summary": i["summary"],
        "date_start": _iso(i["date_start"]),
        "date_end": _iso(i["date_end"]),
        "date_precision": i["date_precision"],
        "time_of_day": i["time_of_day"],
        "event_type": i["event_type"],
        "sub_event_type": i["sub_event_type"],
        "country": i["country"],
        "admin1": i["admin1"],
        "location_id": i["location_id"],
        "fatalities": i["fatalities"],
        "injuries": i["injuries"],
        "damage": i["damage"],
        "claimed": None if i["claimed"] is None else bool(i["claimed"]),
        "excerpts": [_span(e["span_start"], e["span_end"], e["text"]) for e in excerpts],
        "weapons": [
            {k: w[k] for k in ("kind", "quantity", "quantity_text", "notes")} for w in weapons
        ],
        "actors": [{k: a[k] for k in ("actor_id", "role", "notes")} for a in actors],
        "attributions": [
            {
                "id": a["id"],
                "actor_id": a["actor_id"],
                "by_actor_id": a["by_actor_id"],
                "stance": a["stance"],
                "evidence_quote_id": a["evidence_quote_id"],
                "excerpt": None
                if a["excerpt_start"] is None
                else _span(a["excerpt_start"], a["excerpt_end"], a["excerpt_text"]),
                "notes": a["notes"],
                "added": list(a["added"]),
            }
            for a in attributions
        ],
        "related": [
            {
                "relation": r["relation"],
                "incident_id": r["related_incident_id"],
                "notes": r["notes"],
            }
            for r in related
        ],
        "notes": i["notes"],
        "added": list(i["added"]),
    }


def _iso(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value


def _span(start: int, end: int, text: str) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text}


def _empty(value: Any) -> bool:
    return value is None or value == []


def changed_fields(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Each field whose value differs, with its value before and after, in the record's
    order; from nothing (a creation) every field given, to nothing (a deletion) every
    field that was."""
    old, new = before or {}, after or {}
    names = [*new, *(name for name in old if name not in new)]
    return [
        {"field": name, "before": old.get(name), "after": new.get(name)}
        for name in names
        if name != "id"
        and old.get(name) != new.get(name)
        and not (_empty(old.get(name)) and _empty(new.get(name)))
    ]


def _out(version: IncidentVersion, previous: IncidentVersion | None) -> dict[str, Any]:
    return {
        "seq": version.seq,
        "action": version.action,
        "at": version.at,
        "key_name": version.key_name,
        "via": version.via,
        "reason": version.reason,
        "changes": changed_fields(previous.record if previous else None, version.record),
    }


def incident_history(
    session: Session, incident_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], int, str | None]:
    """One page of an incident's versions, newest first, each with what it changed; the
    number of versions; the next cursor. An id that never had a version is a 404."""
    versions = select(IncidentVersion).where(col(IncidentVersion.incident_id) == incident_id)
    total = count(session, versions)
    if not total:
        raise missing(session, incident_id)
    if cursor:
        (seq,) = decode_cursor(cursor, "seq", [int])
        versions = versions.where(col(IncidentVersion.seq) < seq)
    # One more than the page: the version before the page's oldest, to compare it with.
    rows = list(
        session.scalars(versions.order_by(col(IncidentVersion.seq).desc()).limit(limit + 1))
    )
    page = [_out(v, rows[n + 1] if n + 1 < len(rows) else None) for n, v in enumerate(rows[:limit])]
    more = len(rows) > limit
    return page, total, encode_cursor("seq", [rows[limit - 1].seq]) if more else None
