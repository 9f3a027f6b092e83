"""The seed loads to the same records, row for row, as the bundle with hand-typed offsets did.

`tests/data/seed_records.json` holds every row the loader wrote from the seed when its
bundle still gave every span as offsets; the seed now quotes its words and the loader
finds them. Every column is compared except timestamps. Regenerate the file
(`python -m tests.test_seed_records`) only when the seed's records change on purpose.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from app.config import get_settings
from app.loader import load_folder

FIXTURE = Path(__file__).parent / "data" / "seed_records.json"
TABLES = (
    "source",
    "source_bundle",
    "location",
    "actor",
    "incident",
    "incident_excerpt",
    "incident_actor",
    "incident_relation",
    "weapon",
    "attribution",
    "quote",
    "quote_incident",
    "incident_tally",
    "incident_place_tally",
)
TIMESTAMPS = {"updated_at"}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def dump(engine: Engine, columns: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Every row of `TABLES`, sorted, without timestamps (or with only `columns`)."""
    out: dict[str, Any] = {}
    with Session(engine) as session:
        for name in TABLES:
            table = SQLModel.metadata.tables[name]
            names = [
                c.name
                for c in table.columns
                if (columns is None or c.name in columns[name]) and c.name not in TIMESTAMPS
            ]
            rows = session.execute(select(*(table.c[n] for n in names))).all()
            records = [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in rows]
            out[name] = sorted(records, key=lambda r: json.dumps(r, sort_keys=True))
    return out


def test_the_seed_loads_to_the_same_records(engine: Engine) -> None:
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    with Session(engine) as session:
        assert load_folder(session, get_settings().seed_dir) == [
            ("000_4649b48b659e9093.json", "created")
        ]
    # The columns of then: a column added since is not part of what the seed held.
    got = dump(engine, {name: list(rows[0]) for name, rows in expected.items()})
    assert set(got) == set(expected)
    for name in TABLES:
        assert len(got[name]) == len(expected[name]), name
        for mine, theirs in zip(got[name], expected[name], strict=True):
            assert mine == theirs, name
    assert all(expected[name] for name in TABLES)


if __name__ == "__main__":
    import tempfile

    from app.db import make_engine
    from app.migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        eng = make_engine(f"sqlite:///{folder}/seed.db")
        upgrade(eng)
        with Session(eng) as s:
            load_folder(s, get_settings().seed_dir)
        FIXTURE.write_text(json.dumps(dump(eng), indent=1, ensure_ascii=False) + "\n")
        eng.dispose()
