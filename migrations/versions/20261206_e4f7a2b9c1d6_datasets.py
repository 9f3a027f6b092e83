"""datasets: UCDP GED and ACLED imports, fatality estimates

For issue 17 (app.datasets):

- `incident` gains `fatalities_low`, `fatalities_high` and GED's breakdown of its best
  estimate, `deaths_a`, `deaths_b`, `deaths_civilians`, `deaths_unknown` (nullable).
  Added in place (ALTER TABLE ADD COLUMN on both backends; never a copy of the table,
  which on SQLite would drop its triggers and renumber the rows its FTS5 index keys on).
- `source` gains `kind` (`article`, the default, or `dataset`), and for a dataset its
  `dataset_format`, `release`, `licence` and `citation`.
- `dataset_row`: the row an imported incident came from (its id, its words verbatim, the
  publisher's values no field holds, GED's codes and names); `dataset_actor`: UCDP's
  side ids and the actors they are.
- `incident_tally` and `incident_place_tally` sum `fatalities_low` and `fatalities_high`
  with the count of incidents that have each, as they do `fatalities`, so stats can
  give the estimates from the tally; their triggers (a9e1f3c2b7d4) are replaced by ones
  that keep the new figures too. Existing incidents have no estimates: the new columns
  start at 0, which is their sum and count.

Revision ID: e4f7a2b9c1d6
Revises: 391a0d662212
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'e4f7a2b9c1d6'
down_revision: str | None = '391a0d662212'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ESTIMATES = ('fatalities_low', 'fatalities_high')
BREAKDOWN = ('deaths_a', 'deaths_b', 'deaths_civilians', 'deaths_unknown')
SUMMED_BEFORE = ('fatalities', 'injuries')
SUMMED = ('fatalities', 'fatalities_low', 'fatalities_high', 'injuries')
NEW_TALLY_COLUMNS = ('fatalities_low', 'fatalities_low_known', 'fatalities_high', 'fatalities_high_known')
TALLIES = ('incident_tally', 'incident_place_tally')


def _figures(summed: Sequence[str]) -> list[str]:
    return ['incidents', *(f for s in summed for f in (s, f'{s}_known'))]


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


def _add(dialect: str, summed: Sequence[str]) -> str:
    """Count NEW into its row of each tally."""
    figures = _figures(summed)
    values = ['1'] + [
        v for s in summed for v in (f'coalesce(NEW.{s}, 0)', f'CAST(NEW.{s} IS NOT NULL AS INTEGER)')
    ]
    statements = []
    for table, key in _keys('NEW', dialect).items():
        updates = ', '.join(f'{f} = {table}.{f} + excluded.{f}' for f in figures)
        statements.append(
            f"INSERT INTO {table} ({', '.join([*key, *figures])}) "
            f"VALUES ({', '.join([*key.values(), *values])}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates};"
        )
    return ' '.join(statements)


def _remove(dialect: str, summed: Sequence[str]) -> str:
    """Take OLD out of its row of each tally, and drop a row once it counts nothing."""
    changes = ['incidents = incidents - 1'] + [
        c
        for s in summed
        for c in (
            f'{s} = {s} - coalesce(OLD.{s}, 0)',
            f'{s}_known = {s}_known - CAST(OLD.{s} IS NOT NULL AS INTEGER)',
        )
    ]
    statements = []
    for table, key in _keys('OLD', dialect).items():
        where = ' AND '.join(f'{column} = {value}' for column, value in key.items())
        statements.append(
            f"UPDATE {table} SET {', '.join(changes)} WHERE {where}; "
            f'DELETE FROM {table} WHERE incidents = 0 AND {where};'
        )
    return ' '.join(statements)


def _counted(summed: Sequence[str]) -> str:
    return ', '.join(['date_start', 'country', 'event_type', 'sub_event_type', 'location_id', *summed])


def _create_triggers(dialect: str, summed: Sequence[str]) -> None:
    if dialect == 'postgresql':
        op.execute(
            'CREATE FUNCTION incident_tally_keep() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            "BEGIN\n  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n    "
            + _remove(dialect, summed)
            + "\n  END IF;\n  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n    "
            + _add(dialect, summed)
            + '\n  END IF;\n  RETURN NULL;\nEND $$'
        )
        op.execute(
            f'CREATE TRIGGER incident_tally_keep AFTER INSERT OR DELETE OR UPDATE OF {_counted(summed)} '
            'ON incident FOR EACH ROW EXECUTE FUNCTION incident_tally_keep()'
        )
        return
    add, remove = _add(dialect, summed), _remove(dialect, summed)
    op.execute(f'CREATE TRIGGER incident_tally_insert AFTER INSERT ON incident BEGIN {add} END')
    op.execute(f'CREATE TRIGGER incident_tally_delete AFTER DELETE ON incident BEGIN {remove} END')
    op.execute(
        f'CREATE TRIGGER incident_tally_update AFTER UPDATE OF {_counted(summed)} ON incident '
        f'BEGIN {remove} {add} END'
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
    with op.batch_alter_table('incident', recreate='never') as batch_op:
        for name in (*ESTIMATES, *BREAKDOWN):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    with op.batch_alter_table('source', recreate='never') as batch_op:
        batch_op.add_column(
            sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), server_default='article', nullable=False)
        )
        for name in ('dataset_format', 'release', 'licence'):
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('citation', sa.Text(), nullable=True))

    # No incident has an estimate yet: 0 is each new sum and count.
    for table in TALLIES:
        with op.batch_alter_table(table, recreate='never') as batch_op:
            for name in NEW_TALLY_COLUMNS:
                batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    _drop_triggers(dialect)
    _create_triggers(dialect, SUMMED)

    op.create_table(
        'dataset_row',
        sa.Column('incident_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('row_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('row_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('words', sa.JSON(), nullable=False),
        sa.Column('extra', sa.JSON(), nullable=False),
        sa.Column('type_of_violence', sa.Integer(), nullable=True),
        sa.Column('conflict_new_id', sa.Integer(), nullable=True),
        sa.Column('conflict_name', sa.Text(), nullable=True),
        sa.Column('dyad_new_id', sa.Integer(), nullable=True),
        sa.Column('dyad_name', sa.Text(), nullable=True),
        sa.Column('side_a_new_id', sa.Integer(), nullable=True),
        sa.Column('side_b_new_id', sa.Integer(), nullable=True),
        sa.Column('date_prec', sa.Integer(), nullable=True),
        sa.Column('where_prec', sa.Integer(), nullable=True),
        sa.Column('admin2', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('incident_id'),
    )
    op.create_index('ix_dataset_row_type_of_violence', 'dataset_row', ['type_of_violence'])
    op.create_table(
        'dataset_actor',
        sa.Column('scheme', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actor.id']),
        sa.PrimaryKeyConstraint('scheme', 'external_id'),
    )
    op.create_index('ix_dataset_actor_actor_id', 'dataset_actor', ['actor_id'])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index('ix_dataset_actor_actor_id', table_name='dataset_actor')
    op.drop_table('dataset_actor')
    op.drop_index('ix_dataset_row_type_of_violence', table_name='dataset_row')
    op.drop_table('dataset_row')
    _drop_triggers(dialect)
    # ALTER TABLE DROP COLUMN on both backends (SQLite 3.35+): a batch copy of `incident`
    # would lose its full-text triggers and rowids.
    for table in TALLIES:
        for name in NEW_TALLY_COLUMNS:
            op.execute(f'ALTER TABLE {table} DROP COLUMN {name}')
    _create_triggers(dialect, SUMMED_BEFORE)
    for name in ('citation', 'licence', 'release', 'dataset_format', 'kind'):
        op.execute(f'ALTER TABLE source DROP COLUMN {name}')
    for name in (*BREAKDOWN, *ESTIMATES):
        op.execute(f'ALTER TABLE incident DROP COLUMN {name}')
