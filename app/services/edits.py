"""PATCH and DELETE of one incident: applied to its source's bundle, written by the loader;
and an import guarded by `If-Match` on its source's bundle.

An edit is validated exactly as an imported bundle is (the same `validate_bundle`), and
written by the same `write_bundle`, so the change feed, `updated_at` and the exported
bundle follow from one code path.
"""

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.db import Author, write_session
from app.errors import (
    Conflict,
    InvalidBundle,
    InvalidPatch,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ProblemItem,
)
from app.http.etag import etag_for, if_match_holds
from app.loader import (
    Outcome,
    bundle_json,
    export_bundle,
    load_bundle,
    validate_bundle,
    write_bundle,
)
from app.models import Incident, Tombstone
from app.schemas.bundle import PATCHABLE
from app.schemas.resources import IncidentDetail
from app.services.incidents import incident_json, missing

READ_ONLY = (set(IncidentDetail.model_fields) | {"source_id", "source"}) - set(PATCHABLE)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge member by member, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _patch_fields(patch: Any) -> dict[str, Any]:
    """The patch in the bundle's field names, or 422 naming every field that cannot change."""
    if not isinstance(patch, dict):
        raise InvalidPatch("a merge patch is a JSON object of the fields to change")
    patch = dict(patch)
    errors = []
    if "location" in patch:  # as GET shows it: {"id": ...}; a bare id or null also do
        location = patch.pop("location")
        if isinstance(location, dict) and set(location) != {"id"}:
            message = "only the id can be set here (a location is edited in its bundle)"
            errors.append(ProblemItem(field="location", message=message))
        patch["location_id"] = location.get("id") if isinstance(location, dict) else location
    errors += [
        ProblemItem(field=key, message="read-only" if key in READ_ONLY else "unknown field")
        for key in patch
        if key not in PATCHABLE
    ]
    if errors:
        raise InvalidPatch("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    return patch


def _locked(session: Session, incident_id: str, if_match: str | None) -> Incident:
    """The incident, locked for this transaction, if `If-Match` holds its current ETag."""
    row = session.get(Incident, incident_id, with_for_update=True)
    if row is None:
        raise missing(session, incident_id)
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag of GET /v1/incidents/" + incident_id
        )
    if not if_match_holds(if_match, etag_for(incident_json(session, incident_id))):
        raise PreconditionFailed("the incident changed since that ETag: GET it again")
    return row


def patch_incident(
    engine: Engine, incident_id: str, patch: Any, if_match: str | None, author: Author
) -> bytes:
    """Apply a merge patch; the new body (what GET now answers)."""
    fields = _patch_fields(patch)
    with write_session(engine, author) as session:
        row = _locked(session, incident_id, if_match)
        bundle = export_bundle(session, row.source_id)
        n = next(n for n, inc in enumerate(bundle["incidents"]) if inc["id"] == incident_id)
        before = bundle["incidents"][n]
        bundle["incidents"][n] = merge_patch(before, fields)
        if bundle["incidents"][n] == before:
            return incident_json(session, incident_id)
        try:
            valid = validate_bundle(bundle, session)
        except InvalidBundle as exc:
            prefix = f"incidents[{n}]."
            errors = [
                ProblemItem(field=(e.field or "").removeprefix(prefix), message=e.message)
                for e in exc.errors or []
            ]
            detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
            raise InvalidPatch(detail, errors) from None
        write_bundle(session, valid)
        session.flush()
        session.expire_all()  # render what a GET will read back
        return incident_json(session, incident_id)


def delete_incident(engine: Engine, incident_id: str, if_match: str | None, author: Author) -> None:
    """Remove the incident and what hangs off it, and leave a tombstone."""
    with write_session(engine, author) as session:
        row = _locked(session, incident_id, if_match)
        bundle = export_bundle(session, row.source_id)
        bundle["incidents"] = [i for i in bundle["incidents"] if i["id"] != incident_id]
        for inc in bundle["incidents"]:
            inc["related"] = [r for r in inc["related"] if r["incident_id"] != incident_id]
        for quote in bundle["quotes"]:
            quote["incident_ids"] = [i for i in quote["incident_ids"] if i != incident_id]
        write_bundle(session, validate_bundle(bundle, session))
        session.add(
            Tombstone(resource="incident", resource_id=incident_id, key_name=author.key_name)
        )


def import_source(
    engine: Engine, data: Any, *, replace: bool, author: Author, if_match: str | None
) -> Outcome:
    """`import_bundle`, made only if `if_match` (when given) holds the stored bundle's ETag,
    checked in the write transaction, as for an incident's PATCH."""
    with write_session(engine, author) as session:
        if if_match is not None:
            _bundle_unchanged(session, data, if_match)
        return load_bundle(session, data, replace=replace)


def _bundle_unchanged(session: Session, data: Any, if_match: str) -> None:
    """The ETag must be the stored bundle's (RFC 9110 §13.1.1; a source that does not exist
    has none, so nothing matches, not even `*`)."""
    source = data.get("source") if isinstance(data, dict) else None
    source_id = source.get("id") if isinstance(source, dict) else None
    if not isinstance(source_id, str):
        return  # no source to compare: the bundle's own errors say so
    try:
        current = etag_for(bundle_json(session, source_id))
    except (NotFound, Conflict):
        raise PreconditionFailed(
            f"If-Match names a version of source {source_id}, which has no stored bundle"
        ) from None
    if not if_match_holds(if_match, current):
        raise PreconditionFailed(
            f"source {source_id} changed since that ETag: GET /v1/sources/{source_id}/bundle "
            "again and make the change on it"
        )
