"""incident history, change reasons

`incident_version`: every version of every incident (app.services.history), and a
`reason` on each change of the feed. Every incident stored now gets a first version,
`baseline`, at the time of this upgrade: its record as its source's stored bundle holds
it, or, for a source with no stored bundle (`synth`, or loaded before bundles were
kept), as built from its rows. The backfill reads the tables as they are at this
revision (its own table definitions, not the app's models), in batches.

Revision ID: 391a0d662212
Revises: f77397e7eb9c
Create Date: 2026-12-06 06:24:19.478878
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '391a0d662212'
down_revision: str | None = 'f77397e7eb9c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000

_incident = sa.table(
    'incident',
    *(
        sa.column(name)
        for name in (
            'id', 'source_id', 'title', 'summary', 'date_start', 'date_end', 'date_precision',
            'time_of_day', 'event_type', 'sub_event_type', 'country', 'admin1', 'location_id',
            'fatalities', 'injuries', 'damage', 'claimed', 'notes',
        )
    ),
    sa.column('added', sa.JSON),
)
_children = {
    'excerpts': sa.table(
        'incident_excerpt', *map(sa.column, ('incident_id', 'span_start', 'span_end', 'text'))
    ),
    'weapons': sa.table(
        'weapon', *map(sa.column, ('incident_id', 'kind', 'quantity', 'quantity_text', 'notes'))
    ),
    'actors': sa.table('incident_actor', *map(sa.column, ('incident_id', 'actor_id', 'role', 'notes'))),
    'attributions': sa.table(
        'attribution',
        *map(
            sa.column,
            (
                'incident_id', 'id', 'actor_id', 'by_actor_id', 'stance', 'evidence_quote_id',
                'excerpt_start', 'excerpt_end', 'excerpt_text', 'notes',
            ),
        ),
        sa.column('added', sa.JSON),
    ),
    'related': sa.table(
        'incident_relation',
        *map(sa.column, ('incident_id', 'relation', 'related_incident_id', 'notes')),
    ),
}
_order = {
    'excerpts': ('span_start',),
    'weapons': ('kind',),
    'actors': ('actor_id', 'role'),
    'attributions': ('id',),
    'related': ('relation', 'related_incident_id'),
}
_source_bundle = sa.table('source_bundle', sa.column('source_id'), sa.column('bundle', sa.JSON))


def _span(start: int, end: int, text: str) -> dict[str, Any]:
    return {'start': start, 'end': end, 'text': text}


def _child(kind: str, r: Any) -> dict[str, Any]:
    """A child row in the bundle's form (as `app.services.history.snapshot_from_rows`)."""
    if kind == 'excerpts':
        return _span(r.span_start, r.span_end, r.text)
    if kind == 'weapons':
        return {'kind': r.kind, 'quantity': r.quantity, 'quantity_text': r.quantity_text, 'notes': r.notes}
    if kind == 'actors':
        return {'actor_id': r.actor_id, 'role': r.role, 'notes': r.notes}
    if kind == 'related':
        return {'relation': r.relation, 'incident_id': r.related_incident_id, 'notes': r.notes}
    excerpt = None if r.excerpt_start is None else _span(r.excerpt_start, r.excerpt_end, r.excerpt_text)
    return {
        'id': r.id, 'actor_id': r.actor_id, 'by_actor_id': r.by_actor_id, 'stance': r.stance,
        'evidence_quote_id': r.evidence_quote_id, 'excerpt': excerpt, 'notes': r.notes,
        'added': list(r.added or []),
    }


def _iso(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value


def _from_rows(connection: sa.Connection, rows: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The bundle records of incidents, built from their rows and their children's."""
    ids = [r.id for r in rows]
    children: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for kind, table in _children.items():
        order = [table.c.incident_id, *(table.c[name] for name in _order[kind])]
        found = sa.select(table).where(table.c.incident_id.in_(ids)).order_by(*order)
        for child in connection.execute(found):
            children[child.incident_id][kind].append(_child(kind, child))
    for i in rows:
        own = children[i.id]
        yield i.id, {
            'id': i.id, 'title': i.title, 'summary': i.summary,
            'date_start': _iso(i.date_start), 'date_end': _iso(i.date_end),
            'date_precision': i.date_precision, 'time_of_day': i.time_of_day,
            'event_type': i.event_type, 'sub_event_type': i.sub_event_type,
            'country': i.country, 'admin1': i.admin1, 'location_id': i.location_id,
            'fatalities': i.fatalities, 'injuries': i.injuries, 'damage': i.damage,
            'claimed': None if i.claimed is None else bool(i.claimed),
            **{kind: own[kind] for kind in _children},
            'notes': i.notes, 'added': list(i.added or []),
        }  # fmt: skip


def _backfill(connection: sa.Connection, version: sa.Table) -> None:
    now = datetime.now(UTC)
    if connection.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # stored as UTC without an offset (UTCDateTime)
    bundled: dict[str, dict[str, Any]] = {}
    for _, bundle in connection.execute(sa.select(_source_bundle)):
        for record in bundle.get('incidents', []):
            bundled[record['id']] = record
    base = {'action': 'baseline', 'at': now, 'key_name': None, 'via': 'cli', 'reason': None}
    last = ''
    while True:
        rows = connection.execute(
            sa.select(_incident).where(_incident.c.id > last).order_by(_incident.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        records = {r.id: bundled[r.id] for r in rows if r.id in bundled}
        unbundled = [r for r in rows if r.id not in bundled]
        records.update(_from_rows(connection, unbundled) if unbundled else ())
        connection.execute(
            version.insert(),
            [{**base, 'incident_id': r.id, 'record': records[r.id]} for r in rows],
        )


def upgrade() -> None:
    version = op.create_table('incident_version',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('incident_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('via', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('record', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('seq')
    )
    assert version is not None
    _backfill(op.get_bind(), version)
    with op.batch_alter_table('incident_version', schema=None) as batch_op:
        batch_op.create_index('ix_incident_version_incident_seq', ['incident_id', 'seq'], unique=False)

    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_column('reason')

    with op.batch_alter_table('incident_version', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_version_incident_seq')

    op.drop_table('incident_version')
