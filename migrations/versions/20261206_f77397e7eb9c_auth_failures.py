"""auth failures

The failed authentications the failed-key limit counts (app.http.auth_limit), kept in
the database so that every process and host counts the same ones. A new table only:
the same on SQLite and PostgreSQL.

Revision ID: f77397e7eb9c
Revises: c5d2e8f1a0b3
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f77397e7eb9c'
down_revision: str | None = 'c5d2e8f1a0b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'auth_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('auth_failure', schema=None) as batch_op:
        batch_op.create_index('ix_auth_failure_client_at', ['client', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_failure_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('auth_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_failure_at'))
        batch_op.drop_index('ix_auth_failure_client_at')
    op.drop_table('auth_failure')
