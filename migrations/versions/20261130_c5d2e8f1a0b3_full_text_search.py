"""full-text search

`q` is answered by a full-text index on both backends, with the same words
(app.services.search):

- SQLite: FTS5 tables `incident_fts` (title, summary) and `quote_fts` (text), external
  content over `incident` and `quote` (keyed by rowid), kept by triggers, with the
  `unicode61` tokenizer keeping diacritics.
- PostgreSQL: a stored `search` tsvector on `incident` and `quote` (the `simple`
  configuration over the text lowercased by ICU, every character but letters and digits
  a space, so words split where FTS5 splits them) with a GIN index.

Autogenerate ignores these objects (migrations/env.py): they differ by backend.

Revision ID: c5d2e8f1a0b3
Revises: a9e1f3c2b7d4
Create Date: 2026-11-30 02:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'c5d2e8f1a0b3'
down_revision: str | None = 'a9e1f3c2b7d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = {'incident': ('title', 'summary'), 'quote': ('text',)}


def _postgresql_vector(columns: tuple[str, ...]) -> str:
    text = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    return (
        "to_tsvector('simple'::regconfig, regexp_replace("
        f"lower(({text}) COLLATE \"und-x-icu\"), '[^[:alnum:]]+', ' ', 'g'))"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table, columns in SEARCHED.items():
            op.execute(
                f'ALTER TABLE {table} ADD COLUMN search tsvector '
                f'GENERATED ALWAYS AS ({_postgresql_vector(columns)}) STORED'
            )
            op.execute(f'CREATE INDEX ix_{table}_search ON {table} USING gin (search)')
        return
    for table, columns in SEARCHED.items():
        fts = f'{table}_fts'
        names = ', '.join(columns)
        new = ', '.join(f'new.{c}' for c in columns)
        old = ', '.join(f'old.{c}' for c in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
            "content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')"
        )
        add = f'INSERT INTO {fts}(rowid, {names}) VALUES (new.rowid, {new});'
        remove = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.rowid, {old});"
        op.execute(f'CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END')
        op.execute(f'CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END')
        op.execute(
            f'CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} '
            f'BEGIN {remove} {add} END'
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in SEARCHED:
            op.execute(f'DROP INDEX ix_{table}_search')
            op.execute(f'ALTER TABLE {table} DROP COLUMN search')
        return
    for table in SEARCHED:
        fts = f'{table}_fts'
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER {fts}_{trigger}')
        op.execute(f'DROP TABLE {fts}')
