"""Every version of every incident, and why it changed: `GET /v1/incidents/{id}/history`.

A version holds the incident as its bundle holds it (the editor's data: its own fields
and its excerpts, weapons, actors, attributions and relations), or nothing once deleted.
Versions are written by `record`, in the transaction of the write, by every writer: the
loader (imports, PATCH, DELETE), `synth` and bulk importers. What changed is derived on
read, by comparing each version with the one before it.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import Connection, String, Text, bindparam, case, insert, select
from sqlmodel import Session, col

from app.db import Author
from app.errors import InvalidValue, ProblemItem
from app.models import (
    Attribution,
    Incident,
    IncidentActor,
    IncidentExcerpt,
    IncidentRelation,
    IncidentVersion,
    Weapon,
)
from app.models.common import UTCDateTime
from app.services.incidents import missing
from app.services.pagination import count, decode_cursor, encode_cursor
from app.sql.dialect import JsonArray, JsonBoolean, JsonNested, JsonObject, JsonStored

Action = Literal["create", "update", "delete", "baseline"]

REASON_MAX = 1000
"""The longest reason a change may carry, in characters."""
CONTROL = r"\x00-\x1f\x7f-\x9f"
REASON_PATTERN = rf"^[^{CONTROL}]*$"
"""A reason: any text without a control character (C0, line breaks included; DEL; C1)."""


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


class _AsStored:
    def __repr__(self) -> str:
        return "AS_STORED"


AS_STORED = _AsStored()
"""A version's record as the incident's rows hold it now, built by the database: for a
writer that wrote rows rather than a bundle (`synth`, a bulk importer)."""

Version = tuple[str, dict[str, Any] | None | _AsStored, Action]
"""An incident id, its record after the write (None: deleted; or `AS_STORED`), and what
the write did."""

IN_BATCH = 5000
"""Ids in one statement: well under SQLite's and PostgreSQL's limits on parameters."""


def record(
    connection: Connection | Session, versions: Iterable[Version], *, author: Author, at: datetime
) -> None:
    """Add versions of incidents to the writing transaction, by `author` (and its reason).

    The one way history is written, for one incident or a whole batch: one INSERT of the
    records given, and one INSERT ... SELECT per `IN_BATCH` incidents whose record is
    `AS_STORED` (the database builds those from the rows, with no round trip).
    """
    who = {"at": at, "key_name": author.key_name, "via": author.via, "reason": author.reason}
    given: list[dict[str, Any]] = []
    stored: dict[str, list[str]] = defaultdict(list)
    for incident_id, snapshot, action in versions:
        if isinstance(snapshot, _AsStored):
            stored[action].append(incident_id)
        else:
            given.append({"incident_id": incident_id, "action": action, "record": snapshot, **who})
    if given:
        connection.execute(insert(IncidentVersion), given)
    for done, ids in stored.items():
        for n in range(0, len(ids), IN_BATCH):
            values = {**who, "action": done, "ids": ids[n : n + IN_BATCH]}
            connection.execute(_from_rows(), values)


@cache
def _from_rows() -> Any:
    """INSERT of a version (`:action`, `:at`, ...) of each incident of `:ids`, its record
    built from its rows as its bundle holds it (children in the order of their keys)."""
    of = col(Incident.id)

    def listed(model: Any, value: Any, *order: str) -> Any:
        rows = select(model).where(model.incident_id == of).correlate(Incident)
        return JsonNested(JsonArray(value, rows, [getattr(model, name) for name in order]))

    def fields(model: Any, *names: str, **renamed: Any) -> Any:
        return JsonObject(**{name: getattr(model, name) for name in names}, **renamed)

    def span(start: Any, end: Any, text: Any) -> Any:
        return JsonObject(start=start, end=end, text=text)

    own = [
        "title", "summary", "date_start", "date_end", "date_precision", "time_of_day",
        "event_type", "sub_event_type", "country", "admin1", "location_id", "fatalities",
        "injuries", "damage",
    ]  # fmt: skip
    ex, at = IncidentExcerpt, Attribution
    excerpt = case(
        (col(at.excerpt_start).is_(None), None),
        else_=span(at.excerpt_start, at.excerpt_end, at.excerpt_text),
    )
    snapshot = fields(
        Incident,
        "id",
        *own,
        claimed=JsonBoolean(col(Incident.claimed)),
        excerpts=listed(ex, span(ex.span_start, ex.span_end, ex.text), "span_start"),
        weapons=listed(
            Weapon, fields(Weapon, "kind", "quantity", "quantity_text", "notes"), "kind"
        ),
        actors=listed(
            IncidentActor, fields(IncidentActor, "actor_id", "role", "notes"), "actor_id", "role"
        ),
        attributions=listed(
            at,
            fields(
                at,
                "id",
                "actor_id",
                "by_actor_id",
                "stance",
                "evidence_quote_id",
                excerpt=excerpt,
                notes=at.notes,
                added=JsonStored(col(at.added)),
            ),
            "id",
        ),
        related=listed(
            IncidentRelation,
            fields(
                IncidentRelation,
                "relation",
                incident_id=IncidentRelation.related_incident_id,
                notes=IncidentRelation.notes,
            ),
            "relation",
            "related_incident_id",
        ),
        notes=Incident.notes,
        added=JsonStored(col(Incident.added)),
    )
    values = select(
        of,
        bindparam("action", type_=String()),
        bindparam("at", type_=UTCDateTime()),
        bindparam("key_name", type_=String()),
        bindparam("via", type_=String()),
        bindparam("reason", type_=Text()),
        snapshot,
    ).where(of.in_(bindparam("ids", expanding=True)))
    columns = ["incident_id", "action", "at", "key_name", "via", "reason", "record"]
    return insert(IncidentVersion).from_select(columns, values)


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
