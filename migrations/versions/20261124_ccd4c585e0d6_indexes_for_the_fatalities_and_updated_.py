"""indexes for the fatalities and updated_at sorts

`GET /v1/incidents?sort=-fatalities` (or `fatalities`) orders by
`coalesce(fatalities, -1), id` and `sort=updated_at` by `updated_at, id`: with these
indexes each page reads its rows in index order instead of sorting every match. New
indexes only, so it runs unchanged on SQLite and PostgreSQL. The expression index is
written by hand: autogenerate cannot see it on SQLite.

Revision ID: ccd4c585e0d6
Revises: 8d683a71c0e4
Create Date: 2026-11-24 11:14:07.077274
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'ccd4c585e0d6'
down_revision: str | None = '8d683a71c0e4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_incident_fatalities_sort',
        'incident',
        [sa.text('coalesce(fatalities, -1)'), 'id'],
        unique=False,
    )
    op.create_index('ix_incident_updated_at_id', 'incident', ['updated_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_incident_updated_at_id', table_name='incident')
    op.drop_index('ix_incident_fatalities_sort', table_name='incident')
