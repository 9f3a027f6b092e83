"""interval index, incident tally, record version

For reads at a million incidents (issue 9):

- `incident.span_class`, a generated column (how many days the incident lasts, in
  classes of powers of two), and `ix_incident_span` on it: a date window's overlapping
  incidents are those starting inside it (a range of `ix_incident_date_start_id` or the
  new `ix_incident_country_date`) plus, per span class, those starting at most that
  class's longest span before it. `ix_incident_country` and `ix_incident_date_range`
  are superseded.
- `ix_attribution_incident_actor` covers the `attributed_to`/`stance` test of an
  incident; it supersedes `ix_attribution_incident_id`.
- `incident_tally`: incidents, known-figure sums and counts per month of `date_start`,
  country and event type, and `incident_place_tally` the same per place, month and
  country, kept by triggers on `incident` in the writing transaction, whatever writes
  (the loader, synth's COPY, cascades).
- `record_version`: one row that every write of the record moves (app.db.bump_version).

Revision ID: a9e1f3c2b7d4
Revises: ccd4c585e0d6
Create Date: 2026-11-30 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.incidents import span_class_sql

revision: str = 'a9e1f3c2b7d4'
down_revision: str | None = 'ccd4c585e0d6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = ('incidents', 'fatalities', 'fatalities_known', 'injuries', 'injuries_known')


def _keys(row: str, dialect: str) -> dict[str, dict[str, str]]:
    """Each tally's key columns, and the expression of each for a row (NEW or OLD)."""
    month = f"to_char({row}.date_start, 'YYYY-MM')" if dialect == 'postgresql' else f'substr({row}.date_start, 1, 7)'
    return {
        'incident_tally': {
            'month': month,
            'country': f'{row}.country',
            'event_type': f'{row}.event_type',
            'sub_event_type': f'{row}.sub_event_type',
        },
        'incident_place_tally': {
            'location_id': f"coalesce({row}.location_id, '')",
            'month': month,
            'country': f'{row}.country',
        },
    }


def _add(dialect: str) -> str:
    """Count NEW into its row of each tally."""
    figures = (
        '1, coalesce(NEW.fatalities, 0), CAST(NEW.fatalities IS NOT NULL AS INTEGER), '
        'coalesce(NEW.injuries, 0), CAST(NEW.injuries IS NOT NULL AS INTEGER)'
    )
    statements = []
    for table, key in _keys('NEW', dialect).items():
        updates = ', '.join(f'{f} = {table}.{f} + excluded.{f}' for f in FIGURES)
        statements.append(
            f"INSERT INTO {table} ({', '.join([*key, *FIGURES])}) "
            f"VALUES ({', '.join(key.values())}, {figures}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates};"
        )
    return ' '.join(statements)


def _remove(dialect: str) -> str:
    """Take OLD out of its row of each tally, and drop a row once it counts nothing."""
    statements = []
    for table, key in _keys('OLD', dialect).items():
        where = ' AND '.join(f'{column} = {value}' for column, value in key.items())
        statements.append(
            f'UPDATE {table} SET incidents = incidents - 1, '
            'fatalities = fatalities - coalesce(OLD.fatalities, 0), '
            'fatalities_known = fatalities_known - CAST(OLD.fatalities IS NOT NULL AS INTEGER), '
            'injuries = injuries - coalesce(OLD.injuries, 0), '
            'injuries_known = injuries_known - CAST(OLD.injuries IS NOT NULL AS INTEGER) '
            f'WHERE {where}; DELETE FROM {table} WHERE incidents = 0 AND {where};'
        )
    return ' '.join(statements)


COUNTED = 'date_start, country, event_type, sub_event_type, location_id, fatalities, injuries'


def _create_triggers(dialect: str) -> None:
    if dialect == 'postgresql':
        op.execute(
            'CREATE FUNCTION incident_tally_keep() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            "BEGIN\n  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n    "
            + _remove(dialect)
            + "\n  END IF;\n  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n    "
            + _add(dialect)
            + '\n  END IF;\n  RETURN NULL;\nEND $$'
        )
        op.execute(
            f'CREATE TRIGGER incident_tally_keep AFTER INSERT OR DELETE OR UPDATE OF {COUNTED} '
            'ON incident FOR EACH ROW EXECUTE FUNCTION incident_tally_keep()'
        )
        return
    op.execute(f'CREATE TRIGGER incident_tally_insert AFTER INSERT ON incident BEGIN {_add(dialect)} END')
    op.execute(f'CREATE TRIGGER incident_tally_delete AFTER DELETE ON incident BEGIN {_remove(dialect)} END')
    op.execute(
        f'CREATE TRIGGER incident_tally_update AFTER UPDATE OF {COUNTED} ON incident '
        f'BEGIN {_remove(dialect)} {_add(dialect)} END'
    )


def _drop_triggers(dialect: str) -> None:
    if dialect == 'postgresql':
        op.execute('DROP TRIGGER incident_tally_keep ON incident')
        op.execute('DROP FUNCTION incident_tally_keep()')
        return
    for name in ('insert', 'delete', 'update'):
        op.execute(f'DROP TRIGGER incident_tally_{name}')


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # PostgreSQL stores generated columns; SQLite can only add a virtual one to a table
    # (its index stores the value, which is all the queries read).
    persisted = True if dialect == 'postgresql' else None
    op.add_column(
        'incident',
        sa.Column('span_class', sa.Integer(), sa.Computed(span_class_sql(), persisted=persisted)),
    )
    op.create_index('ix_incident_span', 'incident', ['span_class', 'date_start', 'date_end'])
    op.create_index('ix_incident_country_date', 'incident', ['country', 'date_start', 'id'])
    op.drop_index('ix_incident_country', table_name='incident')
    op.drop_index('ix_incident_date_range', table_name='incident')
    op.create_index(
        'ix_attribution_incident_actor', 'attribution', ['incident_id', 'actor_id', 'stance']
    )
    op.drop_index('ix_attribution_incident_id', table_name='attribution')

    op.create_table(
        'incident_tally',
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('sub_event_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES),
        sa.PrimaryKeyConstraint('month', 'country', 'event_type', 'sub_event_type'),
    )
    op.create_index('ix_incident_tally_country', 'incident_tally', ['country'])
    op.create_table(
        'incident_place_tally',
        sa.Column('location_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES),
        sa.PrimaryKeyConstraint('location_id', 'month', 'country'),
    )
    sums = (
        'count(*), coalesce(sum(fatalities), 0), count(fatalities), '
        'coalesce(sum(injuries), 0), count(injuries)'
    )
    for table, key in _keys('incident', dialect).items():
        op.execute(
            f"INSERT INTO {table} ({', '.join([*key, *FIGURES])}) "
            f"SELECT {', '.join(key.values())}, {sums} FROM incident "
            f"GROUP BY {', '.join(key.values())}"
        )
    _create_triggers(dialect)

    op.create_table(
        'record_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute('INSERT INTO record_version (id, version) VALUES (1, 0)')


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table('record_version')
    _drop_triggers(dialect)
    op.drop_table('incident_place_tally')
    op.drop_index('ix_incident_tally_country', table_name='incident_tally')
    op.drop_table('incident_tally')
    op.create_index('ix_attribution_incident_id', 'attribution', ['incident_id'])
    op.drop_index('ix_attribution_incident_actor', table_name='attribution')
    op.create_index('ix_incident_date_range', 'incident', ['date_end', 'date_start'])
    op.create_index('ix_incident_country', 'incident', ['country'])
    op.drop_index('ix_incident_country_date', table_name='incident')
    op.drop_index('ix_incident_span', table_name='incident')
    op.drop_column('incident', 'span_class')
