"""search document: one full-text row per incident, keyed by its date

`q` reads one index per incident (issue 18), over its title, its summary and its quotes'
texts, with its country, so that the filter, the order by date and the `LIMIT` are
applied inside the index (app.services.search):

- Its key, `rowid` on both backends, is the incident's `date_start` as YYYYMMDD in the
  high 32 bits and a number of the incident in the low 32 bits (SQLite: the incident's
  rowid; PostgreSQL: from the sequence `incident_search_number`), so that the index's
  own order is the order by date.
- SQLite: the FTS5 table `incident_search(title, summary, quotes, country)`, with its own
  copy of the text (a row is deleted by its key; FTS5 needs the old text to remove it);
  quotes joined in id order with the token U+001E between them (the tokenizer keeps it
  as a token and nothing else writes it), so that a phrase stays inside one quote.
  `incident_search_term` lists every word indexed, so that a prefix is expanded into
  its words (a prefix query over a million rows is merged in memory on each query).
  The view `incident_search_document` says what is indexed for an incident; inserting
  into the view `incident_search_write` (incident_id, old_key) writes it again.
- PostgreSQL: the table `incident_search(rowid, incident_id, country, search)`, `search`
  a tsvector of the same words (the `simple` configuration over the text lowercased by
  ICU, every character but letters and digits a space), weighted A (title), B (summary)
  and C (quotes), with the lexeme `_` between the parts so that a phrase stays inside
  one; a GIN index on it and an index on (country, rowid).
- Triggers on `incident`, `quote_incident` and `quote` keep it in the writing
  transaction. A bulk load (app.db.full_text_after_bulk_write) turns off the incident
  insert trigger and writes the new rows in one pass at its end.

Supersedes `incident_fts` (SQLite) and `incident.search` (PostgreSQL) of c5d2e8f1a0b3;
`quote_fts` and `quote.search` stay (the quote list's `q`). Autogenerate ignores these
objects (migrations/env.py).

Revision ID: b7e4d2a91c3f
Revises: e4f7a2b9c1d6
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'b7e4d2a91c3f'
down_revision: str | None = 'e4f7a2b9c1d6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEPARATOR = chr(30)
"""Between the quotes of an incident (SQLite): a token no text or query can hold."""
TOKENIZE = f"unicode61 remove_diacritics 0 tokenchars '{SEPARATOR}'"
LOW = 4294967295
"""The low 32 bits of a key: the incident's number."""


def _sqlite_key(row: str) -> str:
    return f"((CAST(replace({row}.date_start, '-', '') AS INTEGER) << 32) | {row}.rowid)"


def _indexed(row: str) -> str:
    """The incident `row` has its search row (not yet during a bulk load)."""
    return f'EXISTS (SELECT 1 FROM incident_search WHERE incident_search.rowid = {_sqlite_key(row)})'


SUMMARY = "coalesce(i.summary, '')"


def _clean(text: str) -> str:
    return f"replace({text}, char(30), ' ')"


SQLITE = [
    f"CREATE VIRTUAL TABLE incident_search USING fts5(title, summary, quotes, country, tokenize=\"{TOKENIZE}\")",
    'CREATE VIRTUAL TABLE incident_search_vocab USING fts5vocab(incident_search, row)',
    'CREATE TABLE incident_search_term (term TEXT PRIMARY KEY) WITHOUT ROWID',
    f"CREATE VIRTUAL TABLE incident_search_scratch USING fts5(text, content='', tokenize=\"{TOKENIZE}\")",
    'CREATE VIRTUAL TABLE incident_search_scratch_vocab USING fts5vocab(incident_search_scratch, row)',
    'CREATE VIEW incident_search_document AS SELECT i.id AS incident_id, i.rowid AS incident_rowid, '
    f'{_sqlite_key("i")} AS key, {_clean("i.title")} AS title, '
    f'{_clean(SUMMARY)} AS summary, '
    "coalesce((SELECT group_concat(t, ' ' || char(30) || ' ') FROM "
    f'(SELECT {_clean("q.text")} AS t FROM quote_incident qi JOIN quote q ON q.id = qi.quote_id '
    "WHERE qi.incident_id = i.id ORDER BY q.id)), '') AS quotes, i.country AS country "
    'FROM incident i',
    'CREATE VIEW incident_search_write (incident_id, old_key) AS SELECT NULL, NULL WHERE 0',
    'CREATE TRIGGER incident_search_write INSTEAD OF INSERT ON incident_search_write BEGIN '
    'DELETE FROM incident_search WHERE rowid = new.old_key; '
    'INSERT INTO incident_search (rowid, title, summary, quotes, country) '
    'SELECT key, title, summary, quotes, country FROM incident_search_document '
    'WHERE incident_id = new.incident_id; '
    "INSERT INTO incident_search_scratch (rowid, text) SELECT 1, title || ' ' || summary || ' ' || quotes "
    'FROM incident_search_document WHERE incident_id = new.incident_id; '
    'INSERT OR IGNORE INTO incident_search_term SELECT term FROM incident_search_scratch_vocab; '
    "INSERT INTO incident_search_scratch (incident_search_scratch) VALUES ('delete-all'); END",
    'CREATE TRIGGER incident_search_insert AFTER INSERT ON incident BEGIN '
    'INSERT INTO incident_search_write VALUES (new.id, NULL); END',
    'CREATE TRIGGER incident_search_update AFTER UPDATE OF title, summary, country, date_start '
    f'ON incident BEGIN INSERT INTO incident_search_write VALUES (new.id, {_sqlite_key("old")}); END',
    'CREATE TRIGGER incident_search_delete AFTER DELETE ON incident BEGIN '
    f'DELETE FROM incident_search WHERE rowid = {_sqlite_key("old")}; END',
    *(
        f'CREATE TRIGGER incident_search_link_{event} AFTER {event.upper()} ON quote_incident BEGIN '
        + ' '.join(
            f'INSERT INTO incident_search_write SELECT i.id, {_sqlite_key("i")} FROM incident i '
            f'WHERE i.id = {row}.incident_id AND {_indexed("i")};'
            for row in rows
        )
        + ' END'
        for event, rows in (('insert', ['new']), ('delete', ['old']), ('update', ['old', 'new']))
    ),
    'CREATE TRIGGER incident_search_quote AFTER UPDATE OF text ON quote BEGIN '
    f'INSERT INTO incident_search_write SELECT i.id, {_sqlite_key("i")} FROM quote_incident qi '
    f'JOIN incident i ON i.id = qi.incident_id WHERE qi.quote_id = new.id AND {_indexed("i")}; END',
]
SQLITE_FILL = [
    'INSERT INTO incident_search (rowid, title, summary, quotes, country) '
    'SELECT key, title, summary, quotes, country FROM incident_search_document',
    'INSERT OR IGNORE INTO incident_search_term SELECT term FROM incident_search_vocab',
]
SQLITE_DROP = [
    *(
        f'DROP TRIGGER incident_search_{name}'
        for name in ('insert', 'update', 'delete', 'link_insert', 'link_delete', 'link_update', 'quote')
    ),
    'DROP TRIGGER incident_search_write',
    'DROP VIEW incident_search_write',
    'DROP VIEW incident_search_document',
    'DROP TABLE incident_search_scratch_vocab',
    'DROP TABLE incident_search_scratch',
    'DROP TABLE incident_search_term',
    'DROP TABLE incident_search_vocab',
    'DROP TABLE incident_search',
]

PG_TEXT = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower(t COLLATE \"und-x-icu\"), "
    "'[^[:alnum:]]+', ' ', 'g'))"
)
POSTGRESQL = [
    'CREATE SEQUENCE incident_search_number',
    'CREATE TABLE incident_search (rowid bigint PRIMARY KEY, '
    'incident_id text NOT NULL UNIQUE REFERENCES incident (id) ON DELETE CASCADE, '
    'country varchar(2) NOT NULL, search tsvector NOT NULL)',
    f'CREATE FUNCTION incident_search_text(t text) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$ SELECT {PG_TEXT} $$',
    'CREATE FUNCTION incident_search_key(day date, number bigint) RETURNS bigint LANGUAGE sql '
    f"IMMUTABLE AS $$ SELECT (to_char(day, 'YYYYMMDD')::bigint << 32) | (number & {LOW}) $$",
    'CREATE FUNCTION incident_search_document(incident_id text, title text, summary text) '
    'RETURNS tsvector LANGUAGE plpgsql STABLE AS $$\n'
    "DECLARE\n  gap CONSTANT tsvector := '_:1';\n  document tsvector;\n  quote record;\n"
    "BEGIN\n  document := setweight(incident_search_text(title), 'A') || gap\n"
    "    || setweight(incident_search_text(coalesce(summary, '')), 'B');\n"
    '  FOR quote IN SELECT q.text FROM quote_incident qi JOIN quote q ON q.id = qi.quote_id\n'
    '      WHERE qi.incident_id = incident_search_document.incident_id ORDER BY q.id LOOP\n'
    "    document := document || gap || setweight(incident_search_text(quote.text), 'C');\n"
    '  END LOOP;\n  RETURN document;\nEND $$',
    'CREATE FUNCTION incident_search_keep() RETURNS trigger LANGUAGE plpgsql AS $$\n'
    "BEGIN\n  IF TG_OP = 'INSERT' THEN\n"
    '    INSERT INTO incident_search VALUES (\n'
    "      incident_search_key(NEW.date_start, nextval('incident_search_number')), NEW.id,\n"
    '      NEW.country, incident_search_document(NEW.id, NEW.title, NEW.summary));\n'
    '  ELSE\n'
    '    UPDATE incident_search SET rowid = incident_search_key(NEW.date_start, rowid),\n'
    '      country = NEW.country, search = incident_search_document(NEW.id, NEW.title, NEW.summary)\n'
    '    WHERE incident_search.incident_id = NEW.id;\n'
    '  END IF;\n  RETURN NULL;\nEND $$',
    'CREATE TRIGGER incident_search_insert AFTER INSERT ON incident '
    'FOR EACH ROW EXECUTE FUNCTION incident_search_keep()',
    'CREATE TRIGGER incident_search_update AFTER UPDATE OF title, summary, country, date_start '
    'ON incident FOR EACH ROW EXECUTE FUNCTION incident_search_keep()',
    # Quotes change an incident's document: once per statement (a COPY of a bulk load
    # included), for the incidents the statement touched that have their row.
    'CREATE FUNCTION incident_search_links() RETURNS trigger LANGUAGE plpgsql AS $$\n'
    'DECLARE\n  touched text[];\n'
    'BEGIN\n'
    "  IF TG_OP = 'DELETE' THEN\n"
    '    touched := ARRAY(SELECT incident_id FROM old_links);\n'
    "  ELSIF TG_OP = 'INSERT' THEN\n"
    '    touched := ARRAY(SELECT incident_id FROM new_links);\n'
    '  ELSE\n'
    '    touched := ARRAY(SELECT incident_id FROM old_links UNION SELECT incident_id FROM new_links);\n'
    '  END IF;\n'
    '  UPDATE incident_search s SET search = incident_search_document(i.id, i.title, i.summary)\n'
    '  FROM incident i WHERE i.id = s.incident_id AND i.id = ANY (touched);\n'
    '  RETURN NULL;\nEND $$',
    *(
        f'CREATE TRIGGER incident_search_link_{event} AFTER {event.upper()} ON quote_incident '
        f'REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION incident_search_links()'
        for event, tables in (
            ('insert', 'NEW TABLE AS new_links'),
            ('delete', 'OLD TABLE AS old_links'),
            ('update', 'OLD TABLE AS old_links NEW TABLE AS new_links'),
        )
    ),
    'CREATE FUNCTION incident_search_quote() RETURNS trigger LANGUAGE plpgsql AS $$\n'
    'BEGIN\n'
    '  UPDATE incident_search s SET search = incident_search_document(i.id, i.title, i.summary)\n'
    '  FROM incident i WHERE i.id = s.incident_id AND i.id IN (\n'
    '    SELECT incident_id FROM quote_incident WHERE quote_id = NEW.id);\n'
    '  RETURN NULL;\nEND $$',
    'CREATE TRIGGER incident_search_quote AFTER UPDATE OF text ON quote '
    'FOR EACH ROW EXECUTE FUNCTION incident_search_quote()',
]
POSTGRESQL_FILL = [
    # In date order, so that the numbers of one day follow the order of the ids.
    'INSERT INTO incident_search SELECT incident_search_key(date_start, '
    "nextval('incident_search_number')), id, country, incident_search_document(id, title, summary) "
    'FROM (SELECT * FROM incident ORDER BY date_start, id) AS i',
    'CREATE INDEX ix_incident_search_search ON incident_search USING gin (search)',
    'CREATE INDEX ix_incident_search_country ON incident_search (country, rowid)',
    'ANALYZE incident_search',
]
POSTGRESQL_DROP = [
    'DROP TRIGGER incident_search_quote ON quote',
    *(f'DROP TRIGGER incident_search_{n} ON quote_incident' for n in ('link_insert', 'link_delete', 'link_update')),
    'DROP TRIGGER incident_search_insert ON incident',
    'DROP TRIGGER incident_search_update ON incident',
    'DROP FUNCTION incident_search_quote()',
    'DROP FUNCTION incident_search_links()',
    'DROP FUNCTION incident_search_keep()',
    'DROP TABLE incident_search',
    'DROP FUNCTION incident_search_document(text, text, text)',
    'DROP FUNCTION incident_search_key(date, bigint)',
    'DROP FUNCTION incident_search_text(text)',
    'DROP SEQUENCE incident_search_number',
]

# What c5d2e8f1a0b3 made for incidents, dropped by the upgrade and made again by the downgrade.
OLD_FTS = [
    "CREATE VIRTUAL TABLE incident_fts USING fts5(title, summary, content='incident', "
    "content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER incident_fts_insert AFTER INSERT ON incident BEGIN INSERT INTO incident_fts(rowid, title, summary) VALUES (new.rowid, new.title, new.summary); END",
    "CREATE TRIGGER incident_fts_delete AFTER DELETE ON incident BEGIN INSERT INTO incident_fts(incident_fts, rowid, title, summary) VALUES ('delete', old.rowid, old.title, old.summary); END",
    "CREATE TRIGGER incident_fts_update AFTER UPDATE OF title, summary ON incident BEGIN INSERT INTO incident_fts(incident_fts, rowid, title, summary) VALUES ('delete', old.rowid, old.title, old.summary); INSERT INTO incident_fts(rowid, title, summary) VALUES (new.rowid, new.title, new.summary); END",
    "INSERT INTO incident_fts(incident_fts) VALUES ('rebuild')",
]
OLD_VECTOR = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower((coalesce(title, '') || ' ' || "
    "coalesce(summary, '')) COLLATE \"und-x-icu\"), '[^[:alnum:]]+', ' ', 'g'))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_incident_search')
        op.execute('ALTER TABLE incident DROP COLUMN search')
        for statement in (*POSTGRESQL, *POSTGRESQL_FILL):
            op.execute(statement)
        return
    for trigger in ('insert', 'delete', 'update'):
        op.execute(f'DROP TRIGGER incident_fts_{trigger}')
    op.execute('DROP TABLE incident_fts')
    for statement in (*SQLITE, *SQLITE_FILL):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRESQL_DROP:
            op.execute(statement)
        op.execute(f'ALTER TABLE incident ADD COLUMN search tsvector GENERATED ALWAYS AS ({OLD_VECTOR}) STORED')
        op.execute('CREATE INDEX ix_incident_search ON incident USING gin (search)')
        return
    for statement in (*SQLITE_DROP, *OLD_FTS):
        op.execute(statement)
