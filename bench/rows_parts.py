"""What a page's rows cost on SQLite, by part: the statement every list page and detail
reads its rows with (`BY_IDS`: 100 incidents by id, each with its place and, as JSON, its
weapons, attributions and sources), against the incident's own columns alone, each JSON
array alone, and the arrays read flat and built in Python.

Pages are those of question (a) of `bench/load.py` (one country, one month, 100 incidents);
each variant runs over all of them, alternated, `--passes` times; prints medians and
minimums in milliseconds a page.

    .venv/bin/python bench/rows_parts.py --database sqlite-1000000.db
"""

import argparse
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
from sqlmodel import col

from app.db import make_engine
from app.models import Incident
from app.services import incidents

COUNTRIES = "SY IQ YE AF SO NG ML PK LY SD LB PS IL IR SA".split()
N = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a synthesised SQLite file")
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--passes", type=int, default=7)
    args = parser.parse_args()
    engine = make_engine(f"sqlite:///{args.database}")
    dialect = engine.dialect
    # The driver's own connection, with the pragmas the app sets on each of its connections.
    conn: sqlite3.Connection = engine.raw_connection().driver_connection  # type: ignore[assignment]
    rng = random.Random(1)
    pages = []
    for _ in range(args.pages):
        year, month = rng.randint(2014, 2025), rng.randint(1, 12)
        window = (rng.choice(COUNTRIES), f"{year}-{month:02d}-01", f"{year}-{month:02d}-28")
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM incident WHERE country = ? AND date_start BETWEEN ? AND ?"
                " ORDER BY date_start DESC, id DESC LIMIT 100",
                window,
            )
        ]
        if len(ids) == N:
            pages.append(ids)

    def by_ids(*columns: Any) -> Any:
        """`BY_IDS` reading only `columns`: the same join and ids."""
        return incidents.BY_IDS.build(N).with_only_columns(*columns).compile(dialect=dialect)

    def timed(compiled: Any) -> Callable[[], None]:
        def run() -> None:
            for ids in pages:
                params = compiled.construct_params({f"id{i}": v for i, v in enumerate(ids)})
                values = tuple(params[name] for name in compiled.positiontup)
                conn.execute(compiled.string, values).fetchall()

        return run

    marks = ",".join("?" * N)
    flat_sql = (
        f"SELECT incident_id, kind, quantity, quantity_text, notes FROM weapon"
        f" WHERE incident_id IN ({marks})",
        "SELECT a.incident_id, a.actor_id, actor.name, a.stance, a.by_actor_id FROM attribution a"
        f" JOIN actor ON actor.id = a.actor_id WHERE a.incident_id IN ({marks})"
        " ORDER BY a.incident_id, a.id",
        "SELECT DISTINCT incident_id, source_id FROM incident_excerpt"
        f" WHERE incident_id IN ({marks})",
    )
    own = by_ids(*incidents.columns())
    own_rows = timed(own)

    def flat() -> None:
        own_rows()
        for ids in pages:
            found: list[dict[str, list[Any]]] = [{}, {}, {}]
            names = (
                ("kind", "quantity", "quantity_text", "notes"),
                ("actor_id", "actor_name", "stance", "by_actor_id"),
                None,
            )
            for sql, keys, into in zip(flat_sql, names, found, strict=True):
                for row in conn.execute(sql, ids):
                    value = dict(zip(keys, row[1:], strict=True)) if keys else row[1]
                    into.setdefault(row[0], []).append(value)
            for i in ids:
                orjson.dumps([f.get(i, []) for f in found])

    variants: dict[str, Callable[[], None]] = {
        "the rows (BY_IDS)": timed(incidents.BY_IDS.build(N).compile(dialect=dialect)),
        "own columns and place": own_rows,
        **{
            f"{name} alone": timed(by_ids(col(Incident.id), array))
            for name, array in zip(incidents.CHILDREN, incidents.children(), strict=True)
        },
        "own columns, arrays read flat": flat,
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.passes):
        for name, run in variants.items():
            started = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - started) * 1000 / len(pages))
    print(f"{len(pages)} pages of {N} incidents, {args.passes} passes (ms a page)")
    for name, t in times.items():
        print(f"  {name:32} median {statistics.median(t):6.2f}  min {min(t):6.2f}")


if __name__ == "__main__":
    main()
