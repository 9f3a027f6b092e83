"""Load an article bundle: check it whole (`check`), then write it (`write`).

Used by `seed`, `import`, `POST /v1/sources` and the incident edits alike. Checking is
whole: every problem in the bundle is reported at once, and nothing is written unless
there are none. The write is one transaction.
"""

import copy
import json
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine
from sqlmodel import Session

from app.db import CLI, Author, write_session
from app.encoding import to_json
from app.errors import Conflict, InvalidBundle, NotFound, ProblemItem
from app.loader.check import validate_bundle
from app.loader.spans import resolve_spans
from app.loader.write import bundle_sha256, stored_form, write_bundle
from app.models import Source, SourceBundle
from app.schemas.bundle import Bundle

__all__ = [
    "Outcome",
    "bundle_json",
    "bundle_sha256",
    "export_bundle",
    "import_bundle",
    "load_bundle",
    "load_folder",
    "read_bundle_file",
    "resolve_spans",
    "validate_bundle",
    "write_bundle",
]

Outcome = Literal["created", "unchanged", "replaced"]


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
                session.add(SourceBundle(source_id=existing.id, bundle=stored_form(bundle)))
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


def bundle_json(session: Session, source_id: str) -> bytes:
    """The body of `GET /v1/sources/{id}/bundle`: its ETag is what `If-Match` repeats to
    replace the source only if nobody changed it meanwhile."""
    return to_json(export_bundle(session, source_id))


def import_bundle(
    engine: Engine, data: Any, *, replace: bool = False, author: Author = CLI
) -> Outcome:
    """`load_bundle` in a write transaction of its own: `import`, `seed` and POST."""
    with write_session(engine, author) as session:
        return load_bundle(session, data, replace=replace)
