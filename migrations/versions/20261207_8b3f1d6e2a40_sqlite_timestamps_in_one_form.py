"""SQLite: every timestamp in the one form SQLAlchemy stores and binds

SQLite keeps a timestamp as text, and SQLAlchemy writes and binds it as
`YYYY-MM-DD HH:MM:SS.ffffff`. Rows written in bulk (`app.db.bulk_insert`: `synth`, a
dataset import) were given to the driver as `datetime`s instead, which it writes without
the fraction when that is zero (`2026-07-01 00:00:00`). That text sorts before the same
instant written in full, so a page by `updated_at` after a cursor at that instant found
no more rows of it: the list by `updated_at` of a synthetic record stopped after its
first page. `bulk_insert` now makes the text as SQLAlchemy does; this completes the
values already written so.

PostgreSQL: nothing (its timestamps are not text).

Revision ID: 8b3f1d6e2a40
Revises: 5e2c9a4d7b13
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '8b3f1d6e2a40'
down_revision: str | None = '5e2c9a4d7b13'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != 'sqlite':
        return
    tables = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE TABLE%'"
    ).scalars()
    for table in list(tables):
        columns = conn.exec_driver_sql(f'PRAGMA table_info("{table}")').all()
        for column in (c[1] for c in columns if c[2].upper() == 'DATETIME'):
            op.execute(
                f'UPDATE "{table}" SET "{column}" = "{column}" || \'.000000\''
                f' WHERE length("{column}") = 19'
            )


def downgrade() -> None:
    pass  # the full form is right before this revision too
