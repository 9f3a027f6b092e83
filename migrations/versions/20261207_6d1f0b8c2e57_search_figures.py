"""search figures: what stats group and sum, beside each incident's search row

Stats under `q` (issue 18) read every match's figures. From `incident` that is a read of a
wide row at a random place for each match (SQLite: 0.37 s for a word in a sixth of a
million incidents; PostgreSQL: a hash join with a scan of `incident`, 1.1 s). The figures
that stats group by and sum are kept keyed by the search row (app.services.stats):

- SQLite: the table `incident_search_figure`, its `rowid` the search row's key
  (`incident_search`'s), so that the matches, which FTS5 gives in key order, read it in
  its own order. Its triggers on `incident` keep it, bulk loads included (a plain insert
  a row).
- PostgreSQL: the same columns in `incident_search`, read by the scan of the matched rows
  that finds them; kept by its trigger function, which now rewrites the document only
  when the title or the summary changed. Filled by an UPDATE, then written again in the
  order of the keys (CLUSTER); `db upgrade` vacuums after it (app.migrate.upgrade).

Revision ID: 6d1f0b8c2e57
Revises: 8b3f1d6e2a40
Create Date: 2026-12-07 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6d1f0b8c2e57"
down_revision: str | None = "8b3f1d6e2a40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEPT = (
    "date_start",
    "event_type",
    "sub_event_type",
    "location_id",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "injuries",
)
"""The figures beside `country`, which both backends' search rows already hold."""
TYPES = ("date", "varchar", "varchar", "varchar", "integer", "integer", "integer", "integer")


def _sqlite_key(row: str) -> str:
    return f"((CAST(replace({row}.date_start, '-', '') AS INTEGER) << 32) | {row}.rowid)"


def _values(row: str) -> str:
    return ", ".join([_sqlite_key(row), f"{row}.country", *(f"{row}.{c}" for c in KEPT)])


COLUMNS = ("country", *KEPT)
SQLITE = [
    "CREATE TABLE incident_search_figure (key INTEGER PRIMARY KEY, country VARCHAR NOT NULL, "
    + ", ".join(f"{c} {t.upper()}" for c, t in zip(KEPT, TYPES, strict=True))
    + ")",
    "INSERT INTO incident_search_figure SELECT " + _values("i") + " FROM incident i ORDER BY 1",
    "CREATE TRIGGER incident_search_figure_insert AFTER INSERT ON incident BEGIN "
    f"INSERT INTO incident_search_figure VALUES ({_values('new')}); END",
    f"CREATE TRIGGER incident_search_figure_update AFTER UPDATE OF {', '.join(COLUMNS)} "
    f"ON incident BEGIN DELETE FROM incident_search_figure WHERE key = {_sqlite_key('old')}; "
    f"INSERT INTO incident_search_figure VALUES ({_values('new')}); END",
    "CREATE TRIGGER incident_search_figure_delete AFTER DELETE ON incident BEGIN "
    f"DELETE FROM incident_search_figure WHERE key = {_sqlite_key('old')}; END",
]
SQLITE_DROP = [
    *(f"DROP TRIGGER incident_search_figure_{n}" for n in ("insert", "update", "delete")),
    "DROP TABLE incident_search_figure",
]


def _keep(figures: bool) -> str:
    """`incident_search_keep()` of b7e4d2a91c3f, and with the figures."""
    columns = "".join(f", NEW.{c}" for c in KEPT) if figures else ""
    updated = "".join(f", {c} = NEW.{c}" for c in KEPT) if figures else ""
    document = "incident_search_document(NEW.id, NEW.title, NEW.summary)"
    rewrite = (
        "    WHERE incident_search.incident_id = NEW.id;\n"
        "    IF NEW.title IS DISTINCT FROM OLD.title OR NEW.summary IS DISTINCT FROM OLD.summary THEN\n"
        f"      UPDATE incident_search SET search = {document} WHERE incident_id = NEW.id;\n"
        "    END IF;\n"
        if figures
        else f", search = {document}\n    WHERE incident_search.incident_id = NEW.id;\n"
    )
    return (
        "CREATE OR REPLACE FUNCTION incident_search_keep() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  IF TG_OP = 'INSERT' THEN\n"
        "    INSERT INTO incident_search VALUES (\n"
        "      incident_search_key(NEW.date_start, nextval('incident_search_number')), NEW.id,\n"
        f"      NEW.country, {document}{columns});\n"
        "  ELSE\n"
        "    UPDATE incident_search SET rowid = incident_search_key(NEW.date_start, rowid),\n"
        f"      country = NEW.country{updated}" + rewrite + "  END IF;\n  RETURN NULL;\nEND $$"
    )


def _update_trigger(columns: Sequence[str]) -> list[str]:
    return [
        "DROP TRIGGER incident_search_update ON incident",
        f"CREATE TRIGGER incident_search_update AFTER UPDATE OF {', '.join(columns)} "
        "ON incident FOR EACH ROW EXECUTE FUNCTION incident_search_keep()",
    ]


POSTGRESQL = [
    "ALTER TABLE incident_search "
    + ", ".join(f"ADD COLUMN {c} {t}" for c, t in zip(KEPT, TYPES, strict=True)),
    "UPDATE incident_search s SET "
    + ", ".join(f"{c} = i.{c}" for c in KEPT)
    + " FROM incident i WHERE i.id = s.incident_id",
    # The UPDATE wrote every row anew, in no order: the table twice its size, and its rows
    # no longer in the order of their keys, which the walks down the key's index rely on
    # (the planner, seeing no correlation, read the whole table instead: a word's page by
    # relevance at 1.385M went from 55 to 890 ms). CLUSTER writes it again in key order
    # (20 s at 1.385M).
    "CLUSTER incident_search USING incident_search_pkey",
    _keep(figures=True),
    *_update_trigger(("title", "summary", *COLUMNS)),
    "ANALYZE incident_search",
]
POSTGRESQL_DROP = [
    _keep(figures=False),
    *_update_trigger(("title", "summary", "country", "date_start")),
    "ALTER TABLE incident_search " + ", ".join(f"DROP COLUMN {c}" for c in KEPT),
]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        op.execute(statement)
