"""How fast `synth` generates rows, and how fast it writes them, on SQLite and PostgreSQL.

    .venv/bin/python bench/synth_speed.py [INCIDENTS] [POSTGRES_ADMIN_URL]

Generation alone, then a full run into a temporary SQLite file and (given an admin URL,
e.g. postgresql+psycopg://postgres@127.0.0.1:55432/postgres) a scratch PostgreSQL
database that is dropped afterwards. Prints rows per second.
"""

import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import make_engine
from app.migrate import upgrade
from app.synth import _Generator, synthesize


def run(url: str, incidents: int) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        print(f"{engine.dialect.name:10} {synthesize(engine, incidents, seed=1).line()}")
    finally:
        engine.dispose()


def main() -> None:
    incidents = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    began = time.perf_counter()
    rows = sum(len(r) for chunk in _Generator(1, incidents).chunks() for r in chunk.values())
    seconds = time.perf_counter() - began
    print(f"{'generate':10} {rows} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'synth.db'}", incidents)
    if len(sys.argv) > 2:
        admin_url = make_url(sys.argv[2])
        name = f"synth_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(admin_url.set(database=name).render_as_string(hide_password=False), incidents)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
