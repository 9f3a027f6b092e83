"""Import a dataset file: `incident-record import-dataset` and `POST /v1/datasets/imports`.

One pass over the file, in one write transaction: a failure anywhere (a bad row without
`skip_bad_rows`, an id another source owns, a delete that another source's records
forbid, the database) leaves the record as it was.
"""

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, select
from sqlmodel import SQLModel

from app import request_context
from app.datasets.acled import Acled
from app.datasets.mapping import BadRow, Mapping, Record, detect
from app.datasets.reader import DatasetFile
from app.datasets.store import BATCH, Store
from app.datasets.ucdp import UcdpGed
from app.db import (
    CLI,
    Author,
    bulk_insert,
    bulk_write_cache,
    bump_version,
    full_text_after_bulk_write,
    read_record_state,
    refresh_statistics,
    tallies_after_bulk_write,
    without_time_limit,
)
from app.errors import Conflict, InvalidDataset
from app.models.common import utcnow
from app.services.changes import record_many

MAPPINGS: dict[str, type[Mapping]] = {m.format: m for m in (UcdpGed, Acled)}
FORMATS = tuple(MAPPINGS)
LISTED = 1000
"""Bad rows listed in a refusal or a summary (all are counted; the command line writes
every one to a file)."""
BULK_BYTES = 5_000_000
"""From this size of file on, the tallies are rebuilt once at the end of the import on
PostgreSQL rather than kept row by row by their trigger (app.db.tallies_after_bulk_write):
there, the trigger costs more than one pass over every incident."""
STATISTICS_AFTER = 1000
"""Rows added or deleted from which the planner's statistics are refreshed."""
PROGRESS_EVERY = 2000

Progress = Callable[[int, int, int], None]
"""Called as rows are read: bytes read, bytes in all, rows read."""
Refused = Callable[[list[BadRow], list[str]], None]
"""Called for each bad row: what is wrong with it, and its fields as read."""


@dataclass
class ImportSummary:
    dataset: str
    """The dataset's source id."""
    format: str
    release: str
    file: str
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    refused: int = 0
    seconds: float = 0.0
    refused_rows: list[BadRow] = field(default_factory=list)
    """The first `LISTED` of the refused rows' problems."""

    def line(self) -> str:
        rate = self.read / self.seconds if self.seconds else 0
        return (
            f"{self.file} into {self.dataset} ({self.format} {self.release}): {self.read} rows "
            f"read, {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deleted} deleted, {self.refused} refused in {self.seconds:.1f} s "
            f"({rate:,.0f} rows/s)"
        )


def import_dataset(
    engine: Engine,
    file: Path | IO[bytes],
    *,
    format: str | None = None,
    release: str | None = None,
    dataset: str | None = None,
    skip_bad_rows: bool = False,
    author: Author = CLI,
    file_name: str | None = None,
    on_progress: Progress | None = None,
    on_refused: Refused | None = None,
) -> ImportSummary:
    """Import a UCDP GED or ACLED file (CSV, or a zip holding one; a path, or an open
    binary file named `file_name`) into the dataset
    `dataset` (default: the format's name), as its release `release` (default: the file's
    name without extension). The rows the dataset holds and the file lacks are deleted.

    Raises InvalidDataset for a file that cannot be read as the format, or (unless
    `skip_bad_rows`) that has bad rows, listing them; nothing is written then.
    """
    began = time.perf_counter()
    with DatasetFile(file, file_name) as data:
        mapping_class = MAPPINGS[format] if format else detect(data.header, list(MAPPINGS.values()))
        mapping = mapping_class(data.header)
        summary = ImportSummary(
            dataset=dataset or mapping.format,
            format=mapping.format,
            release=release or Path(data.name).stem,
            file=data.name,
        )
        with without_time_limit(engine).connect() as conn:
            conn.execution_options(write_lock=True)  # the write transaction (app.db)
            bulk = data.size >= BULK_BYTES
            with (
                conn.begin(),
                bulk_write_cache(conn),
                tallies_after_bulk_write(conn) if bulk else nullcontext() as tallies,
                full_text_after_bulk_write(conn) if bulk else nullcontext(),
            ):
                _import(
                    conn, data, mapping, summary, skip_bad_rows, author, on_progress, on_refused
                )
                if tallies is not None:  # nothing written: the tallies stand as they are
                    tallies.rebuild = bool(summary.added or summary.updated or summary.deleted)
                version = read_record_state(conn).version
    # As `app.db.write_session` does: the answer to an upload names the version holding it.
    request = request_context.current()
    if request is not None:
        request.record_version = version
    summary.seconds = time.perf_counter() - began
    return summary


def _import(
    conn: Connection,
    data: DatasetFile,
    mapping: Mapping,
    summary: ImportSummary,
    skip_bad_rows: bool,
    author: Author,
    on_progress: Progress | None,
    on_refused: Refused | None,
) -> None:
    now = utcnow()
    source = _dataset_source(conn, mapping, summary, author, now)
    store = Store(conn, type(mapping), summary.dataset, author, now)
    refusing = False  # a bad row, without skip_bad_rows: read on (writing nothing) to list all

    def refuse(bad: list[BadRow], fields: list[str]) -> None:
        nonlocal refusing
        summary.refused += 1
        room = LISTED - len(summary.refused_rows)
        summary.refused_rows += bad[: max(room, 0)]
        if on_refused is not None:
            on_refused(bad, fields)
        refusing = refusing or not skip_bad_rows

    # The file is read and mapped here while the batch before is written in a thread of
    # its own: the database's work (SQLite's, PostgreSQL's server process) runs without
    # Python's lock, so the two cores each have their half. One batch at a time is
    # written, so memory stays at two batches.
    batch: list[Record] = []
    kept: list[tuple[str, int]] = []
    writing: Future[list[tuple[Record, BadRow]]] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dataset-writer") as writer:

        def written() -> None:
            nonlocal writing
            if writing is not None:
                for record, bad in writing.result():
                    refuse([bad], record.fields)
                writing = None

        def write() -> None:
            nonlocal writing, batch, kept
            written()
            writing = writer.submit(store.write, batch, kept, refusing)
            batch, kept = [], []

        for line, fields in data.rows():
            summary.read += 1
            result = mapping.read(line, fields)
            if isinstance(result, list):
                refuse(result, fields)
                if skip_bad_rows and (incident_id := mapping.incident_id(fields)):
                    kept.append((incident_id, line))
            else:
                batch.append(result)
            if len(batch) >= BATCH:
                write()
            if on_progress is not None and summary.read % PROGRESS_EVERY == 0:
                on_progress(data.bytes_read, data.size, summary.read)
        write()
        written()
    summary.refused_rows.sort(key=lambda b: b.line)  # found out of order: writes lag a batch
    if refusing:
        listed = len(summary.refused_rows)
        more = f" (the first {listed} listed)" if listed < summary.refused else ""
        raise InvalidDataset(
            f"{summary.refused} bad rows in {data.name}; nothing was imported{more}. Fix "
            "them, or import the rest and set the bad rows aside (--skip-bad-rows, or the "
            "form field skip_bad_rows=true)",
            [b.item() for b in summary.refused_rows],
        )
    store.delete_missing()
    store.close()
    for key, value in store.counts.items():
        setattr(summary, key, value)
    source_changed = _finish_source(conn, mapping, source, summary, data.sha256, author, now)
    if source_changed or summary.added or summary.updated or summary.deleted:
        bump_version(conn)
    if summary.added + summary.deleted >= STATISTICS_AFTER:
        refresh_statistics(conn)
    if on_progress is not None:
        on_progress(data.bytes_read, data.size, summary.read)


def _dataset_source(
    conn: Connection, mapping: Mapping, summary: ImportSummary, author: Author, now: Any
) -> dict[str, Any] | None:
    """The dataset's source as stored (None: new, and created here, to be completed by
    `_finish_source`); Conflict if the id is an article's or another format's dataset."""
    table = SQLModel.metadata.tables["source"]
    stored = conn.execute(select(table).where(table.c.id == summary.dataset)).mappings().first()
    if stored is None:
        bulk_insert(conn, table, [_source_values(mapping, summary, "", now)])
        record_many(conn, author, "source", [summary.dataset], "create")
        return None
    if stored["kind"] != "dataset":
        raise Conflict(
            f"source {summary.dataset} is an article, not a dataset: name another dataset "
            "(--dataset, or the form field dataset)"
        )
    if stored["dataset_format"] != mapping.format:
        raise Conflict(
            f"dataset {summary.dataset} holds {stored['dataset_format']} rows; a "
            f"{mapping.format} file cannot be a release of it: name another dataset"
        )
    return dict(stored)


def _source_values(
    mapping: Mapping, summary: ImportSummary, sha256: str, now: Any
) -> dict[str, Any]:
    return {
        "id": summary.dataset,
        "kind": "dataset",
        "title": f"{mapping.title}, release {summary.release}",
        "publisher": mapping.publisher,
        "dataset_format": mapping.format,
        "release": summary.release,
        "licence": mapping.licence,
        "citation": mapping.citation,
        "dateline": None,
        "published_on": None,
        "published_on_basis": None,
        "url": mapping.url,
        "language": "en",
        "text": "",
        "notes": (
            f"A dataset: {mapping.label} rows imported with `incident-record import-dataset` "
            f"from {summary.file}. Each incident from it keeps its row's id and words."
        ),
        "added": [],
        "bundle_sha256": sha256,
        "updated_at": now,
    }


def _finish_source(
    conn: Connection,
    mapping: Mapping,
    stored: dict[str, Any] | None,
    summary: ImportSummary,
    sha256: str,
    author: Author,
    now: Any,
) -> bool:
    """Write the source's release, file and hash; whether it changed (a new one did)."""
    table = SQLModel.metadata.tables["source"]
    values = _source_values(mapping, summary, sha256, now)
    described = {k: v for k, v in values.items() if k not in ("id", "updated_at")}
    if stored is not None and all(stored[k] == v for k, v in described.items()):
        return False
    conn.execute(table.update().where(table.c.id == summary.dataset).values(**values))
    if stored is not None:
        record_many(conn, author, "source", [summary.dataset], "update")
    return True
