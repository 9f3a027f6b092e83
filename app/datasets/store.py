"""Writing a dataset's records: in batches, each row only as it differs from the stored one.

A `Store` lives for one import, on its connection and inside its one transaction. Each
batch of records is compared with what the dataset holds (by the digest of what the
import makes of a row): new rows are inserted in bulk (`app.db.bulk_insert`: executemany,
COPY on PostgreSQL), changed ones updated in place, unchanged ones left alone; each
write goes into the change feed and each incident's into its history (`app.services.history`,
the version built by the database from the rows written). The ids seen are kept in a
temporary table, so that at the end the dataset's incidents that the file no longer has
can be deleted (with their tombstones, change-feed entries and history) without holding
every id in memory.

Places and actors are shared records. A place's id is made from all its values, so a
place is created once and never rewritten. An actor is found by UCDP's id of it (kept
in `dataset_actor`), else by its name or an alias (any actor of the record, whoever
made it), else created.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    select,
    text,
)
from sqlmodel import Session, SQLModel

from app.datasets.mapping import ActorRef, BadRow, Mapping, Record, short_hash, slug
from app.db import Author, StatisticsAsRowsDouble, bulk_insert
from app.loader.write import _refuse_removing_referenced
from app.services import history
from app.services.changes import record_many

BATCH = 2000
"""Rows compared and written at a time: an import holds about twice this many in memory
(one batch being written while the next is read)."""
READ_BY_A_BATCH = ("incident", "dataset_row", "incident_actor", "dataset_import_seen")
"""PostgreSQL: the tables whose statistics are refreshed as an import doubles them."""
CHUNK = 1000
"""Ids per statement when deleting."""

_SEEN = Table(
    "dataset_import_seen",
    MetaData(),
    Column("id", String, primary_key=True),
    Column("line", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
"""The incident ids of this import's file so far, with their lines (per connection)."""
_BATCH = Table(
    "dataset_import_batch",
    MetaData(),
    Column("id", String, primary_key=True),
    Column("line", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
"""The incident ids of the batch being written."""
# Read from the batch's few ids into the large tables, one lookup by key each (a subquery
# of each batch row, which neither backend turns into a join): as joins, SQLite's planner
# (without statistics during an import) scanned the whole table for each batch, and
# PostgreSQL's hashed every stored incident and seen id (385,000 rows: 0.15 s a batch by
# the end, 22 s in all).
_EARLIER = text(
    "SELECT id, line FROM (SELECT b.id, (SELECT s.line FROM dataset_import_seen AS s"
    " WHERE s.id = b.id) AS line FROM dataset_import_batch AS b) AS e WHERE line IS NOT NULL"
)
_FOUND = text(
    "SELECT id, source_id, (SELECT d.row_hash FROM dataset_row AS d WHERE d.incident_id = f.id)"
    " FROM (SELECT b.id, (SELECT i.source_id FROM incident AS i WHERE i.id = b.id) AS source_id"
    " FROM dataset_import_batch AS b) AS f WHERE source_id IS NOT NULL"
)
# NOT EXISTS, an anti-join: PostgreSQL ran `NOT IN (SELECT ...)` over a release's ids as a
# scan of them per incident, once they outgrew work_mem.
_GONE = text(
    "SELECT i.id FROM incident AS i WHERE i.source_id = :source AND NOT EXISTS "
    "(SELECT 1 FROM dataset_import_seen AS s WHERE s.id = i.id) ORDER BY i.id"
)
_KEEP = text(
    "INSERT INTO dataset_import_seen (id, line) VALUES (:id, :line) ON CONFLICT (id) DO NOTHING"
)

TABLES = SQLModel.metadata.tables
INCIDENT, DATASET_ROW = TABLES["incident"], TABLES["dataset_row"]


def _chunks(items: list[str], size: int = CHUNK) -> Iterable[list[str]]:
    return (items[n : n + size] for n in range(0, len(items), size))


class Store:
    def __init__(
        self,
        connection: Connection,
        mapping: type[Mapping],
        source_id: str,
        author: Author,
        now: datetime,
    ) -> None:
        self.conn = connection
        self.mapping = mapping
        self.source_id = source_id
        self.author = author
        self.now = now
        self.counts = dict.fromkeys(("added", "updated", "unchanged", "deleted"), 0)
        location = TABLES["location"]
        prefix = f"{mapping.id_prefix}-place-"
        self._places: set[str] = set(
            connection.scalars(
                select(location.c.id).where(location.c.id.startswith(prefix, autoescape=True))
            )
        )
        for table in (_SEEN, _BATCH):
            table.drop(connection, checkfirst=True)
            table.create(connection)
        self._load_actors()
        self._statistics = StatisticsAsRowsDouble(connection, READ_BY_A_BATCH, BATCH)

    # Records in

    def write(
        self, batch: list[Record], kept: list[tuple[str, int]], check_only: bool = False
    ) -> list[tuple[Record, BadRow]]:
        """Write a batch of records; the records refused, and why.

        `kept`: the ids (and lines) of rows refused by `--skip-bad-rows` whose id reads:
        their stored incidents, if any, stay as they were (neither updated nor deleted).
        `check_only`: find what would be refused, write nothing (the import is refused
        already, and lists every bad row).
        """
        if kept:
            self.conn.execute(_KEEP, [{"id": i, "line": line} for i, line in kept])
        records, stored, bad = self._admitted(batch)
        if records:
            bulk_insert(self.conn, _SEEN, [{"id": r.incident_id, "line": r.line} for r in records])
        new = [r for r in records if r.incident_id not in stored]
        changed = [
            r for r in records if r.incident_id in stored and stored[r.incident_id] != r.digest
        ]
        if (new or changed) and not check_only:
            self.counts["unchanged"] += len(records) - len(new) - len(changed)
            self._write(new, changed)
        elif not check_only:
            self.counts["unchanged"] += len(records)
        # PostgreSQL: emptied by TRUNCATE, not DELETE, which left each batch's rows dead in
        # the table (no autovacuum for a temporary table) for every later batch to step over.
        truncate = self.conn.dialect.name == "postgresql"
        self.conn.execute(text("TRUNCATE dataset_import_batch") if truncate else delete(_BATCH))
        self._statistics.written(self.counts["added"])
        return bad

    def _admitted(
        self, batch: list[Record]
    ) -> tuple[list[Record], dict[str, str | None], list[tuple[Record, BadRow]]]:
        """The records that may be written; this dataset's incidents among them, with the
        digest of their stored row (none: an incident of the dataset without its row, to
        be rewritten); and why the others may not be written: an id seen before in the
        file, or one that another source's incident has."""
        id_column = self.mapping.required[0]
        bad: list[tuple[Record, BadRow]] = []

        def refuse(r: Record, message: str) -> None:
            bad.append((r, BadRow(r.line, id_column, r.row["row_id"], message)))

        first: dict[str, Record] = {}
        for r in batch:
            if r.incident_id in first:
                refuse(r, f"the same id as line {first[r.incident_id].line}")
            else:
                first[r.incident_id] = r
        # The batch's ids in a table of their own, joined: no statement with thousands of
        # parameters to build, send and plan for each batch.
        bulk_insert(self.conn, _BATCH, [{"id": i, "line": r.line} for i, r in first.items()])
        earlier = self.conn.execute(_EARLIER).all()
        found = self.conn.execute(_FOUND).all()
        for incident_id, line in earlier:
            refuse(first.pop(incident_id), f"the same id as line {line}")
        stored: dict[str, str | None] = {}
        for incident_id, owner, row_hash in found:
            if owner == self.source_id:
                stored[incident_id] = row_hash
            elif (other := first.pop(incident_id, None)) is not None:
                refuse(other, f"incident {incident_id} belongs to source {owner}, not this dataset")
        return list(first.values()), stored, sorted(bad, key=lambda b: b[1].line)

    # Writing

    def _write(self, new: list[Record], changed: list[Record]) -> None:
        records = new + changed
        self._ensure_places(records)
        links = {
            (r.incident_id, self._actor(actor), role): None
            for r in records
            for actor, role in r.actors
        }
        self._flush_actors()
        rows = [self._incident_row(r) for r in records]
        new_ids = [r.incident_id for r in new]
        changed_ids = [r.incident_id for r in changed]
        if new:
            # An id a former release deleted, back in a newer one: the dataset says it is.
            # (Only a new one can have a tombstone: the batch's ids are in _BATCH.)
            tombstones = TABLES["tombstone"]
            self.conn.execute(
                delete(tombstones).where(
                    tombstones.c.resource == "incident",
                    tombstones.c.resource_id.in_(select(_BATCH.c.id)),
                )
            )
            bulk_insert(self.conn, INCIDENT, rows[: len(new)])
        if changed:
            fields = [k for k in rows[0] if k != "id"]
            update = (
                INCIDENT.update()
                .where(INCIDENT.c.id == bindparam("_id"))
                .values({k: bindparam(f"_{k}") for k in fields})
            )
            values = [{f"_{k}": v for k, v in row.items()} for row in rows[len(new) :]]
            self.conn.execute(update, values)
            for part in _chunks(changed_ids):
                for table in (TABLES["incident_actor"], DATASET_ROW):
                    self.conn.execute(delete(table).where(table.c.incident_id.in_(part)))
        bulk_insert(
            self.conn,
            DATASET_ROW,
            [{"incident_id": r.incident_id, "row_hash": r.digest, **r.row} for r in records],
        )
        bulk_insert(
            self.conn,
            "incident_actor",
            [
                {"incident_id": i, "actor_id": a, "role": role, "notes": None}
                for i, a, role in links
            ],
        )
        record_many(self.conn, self.author, "incident", new_ids, "create")
        record_many(self.conn, self.author, "incident", changed_ids, "update")
        # Each version built by the database from the rows just written, in the batch's one
        # statement (per action), as synth does.
        versions: list[history.Version] = [
            *((i, history.AS_STORED, "create") for i in new_ids),
            *((i, history.AS_STORED, "update") for i in changed_ids),
        ]
        history.record(self.conn, versions, author=self.author, at=self.now)
        self.counts["added"] += len(new)
        self.counts["updated"] += len(changed)

    def _incident_row(self, r: Record) -> dict[str, Any]:
        location_id = r.location["id"] if r.location else None
        return {
            "id": r.incident_id,
            "source_id": self.source_id,
            **r.incident,
            "location_id": location_id,
            "updated_at": self.now,
        }

    def _ensure_places(self, records: list[Record]) -> None:
        """Create the places not yet in the record (`_places`: the ids of the format's
        places, loaded once; a place is never rewritten, its id says all it is)."""
        missing = {
            r.location["id"]: r.location
            for r in records
            if r.location and r.location["id"] not in self._places
        }
        rows = [place | {"updated_at": self.now} for place in missing.values()]
        bulk_insert(self.conn, "location", rows)
        record_many(self.conn, self.author, "location", list(missing), "create")
        self._places |= missing.keys()

    # Actors

    def _load_actors(self) -> None:
        actor = TABLES["actor"]
        self._names: dict[str, str] = {}
        self._actor_ids: set[str] = set()
        for actor_id, name, aliases in self.conn.execute(
            select(actor.c.id, actor.c.name, actor.c.aliases).order_by(actor.c.id)
        ):
            self._actor_ids.add(actor_id)
            for known in [name, *(aliases or [])]:
                self._names.setdefault(known.casefold(), actor_id)
        external = TABLES["dataset_actor"]
        self._external: dict[tuple[str, str], str] = {
            (scheme, external_id): actor_id
            for scheme, external_id, actor_id in self.conn.execute(
                select(external.c.scheme, external.c.external_id, external.c.actor_id)
            )
        }
        self._new_actors: list[dict[str, Any]] = []
        self._new_external: list[dict[str, Any]] = []

    def _actor(self, ref: ActorRef) -> str:
        scheme = self.mapping.actor_scheme
        key = (scheme, ref.external_id) if ref.external_id else None
        if key and key in self._external:
            return self._external[key]
        actor_id = self._names.get(ref.name.casefold())
        if actor_id is None:
            actor_id = self._new_actor_id(ref)
            self._names[ref.name.casefold()] = actor_id
            self._actor_ids.add(actor_id)
            self._new_actors.append(
                {
                    "id": actor_id,
                    "name": ref.name,
                    "aliases": [],
                    "kind": ref.kind,
                    "country": ref.country,
                    "parent_id": None,
                    "description": None,
                    "notes": ref.notes,
                    "added": list(ref.added),
                    "updated_at": self.now,
                }
            )
        if key:
            self._external[key] = actor_id
            self._new_external.append(
                {"scheme": scheme, "external_id": ref.external_id, "actor_id": actor_id}
            )
        return actor_id

    def _new_actor_id(self, ref: ActorRef) -> str:
        prefix = f"{self.mapping.actor_scheme}-actor"
        name = ref.external_id or slug(ref.name)
        candidate = f"{prefix}-{name}" if name else f"{prefix}-{short_hash(ref.name)}"
        if candidate in self._actor_ids:
            candidate = f"{candidate}-{short_hash(ref.name)}"
        return candidate

    def _flush_actors(self) -> None:
        bulk_insert(self.conn, "actor", self._new_actors)
        record_many(self.conn, self.author, "actor", [a["id"] for a in self._new_actors], "create")
        bulk_insert(self.conn, "dataset_actor", self._new_external)
        self._new_actors, self._new_external = [], []

    # The end

    def delete_missing(self) -> int:
        """Delete the dataset's incidents that the file does not have, as a delete through
        the API does: refused if another source's records refer to one (the loader's
        check), each recorded in the change feed and left as a tombstone."""
        gone = list(self.conn.scalars(_GONE, {"source": self.source_id}))
        tombstone = TABLES["tombstone"]
        for part in _chunks(gone):
            with Session(bind=self.conn) as session:
                _refuse_removing_referenced(session, self.source_id, part)
            self.conn.execute(delete(INCIDENT).where(INCIDENT.c.id.in_(part)))
            record_many(self.conn, self.author, "incident", part, "delete")
            deleted: list[history.Version] = [(i, None, "delete") for i in part]
            history.record(self.conn, deleted, author=self.author, at=self.now)
            bulk_insert(
                self.conn,
                tombstone,
                [
                    {
                        "resource": "incident",
                        "resource_id": i,
                        "deleted_at": self.now,
                        "key_name": self.author.key_name,
                    }
                    for i in part
                ],
            )
        self.counts["deleted"] += len(gone)
        return len(gone)

    def close(self) -> None:
        for table in (_SEEN, _BATCH):
            table.drop(self.conn, checkfirst=True)
