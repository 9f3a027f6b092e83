"""Two checkouts on `bench/words.py`'s questions (lists and stats), alternated round by round.

For each round, each checkout in turn runs the chosen questions in a process of its own
(its `app` first on the path), against the same database: each question asked 6 times,
the first dropped, the cache of totals emptied before each ask. Prints each round's
medians as it goes, then, per question, the median and range across rounds for each
checkout, as a Markdown table.

    .venv/bin/python bench/words_ab.py --database-url sqlite:////work/sqlite-1000000.db \
        --rounds 5 ../before . -- "q=rocket attack&sort=relevance" "q=drone"

Without questions after `--`, all of `bench/words.py`'s questions.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = """
import json, statistics, sys, time
sys.path.insert(0, "bench")
from sqlmodel import Session
from app.db import make_engine
from app.schemas.queries import IncidentQuery, StatsQuery
from app.services import incidents, pagination, stats
import words
engine, out = make_engine(sys.argv[1]), {}
for name in sys.argv[2:] or [*words.LISTS, *words.STATS]:
    if name in words.STATS:
        query = StatsQuery.model_validate(words.STATS[name])
        ask = lambda session, query=query: stats.incident_stats(session, query)
    else:
        query = IncidentQuery.model_validate({"limit": 50, **words.LISTS[name]})
        ask = lambda session, query=query: incidents.list_incidents(session, query)
    times = []
    with Session(engine) as session:
        for _ in range(6):
            pagination._TOTALS._totals.clear()
            began = time.perf_counter()
            ask(session)
            times.append((time.perf_counter() - began) * 1000)
    out[name] = statistics.median(times[1:])
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("checkouts", nargs=2, type=Path)
    parser.add_argument("questions", nargs="*", help="words.LISTS or words.STATS names (after --)")
    args = parser.parse_args()
    found: dict[Path, dict[str, list[float]]] = {c: {} for c in args.checkouts}
    for round_ in range(args.rounds):
        for checkout in args.checkouts:
            env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
            command = [sys.executable, "-c", CHILD, args.database_url, *args.questions]
            done = subprocess.run(
                command, cwd=checkout, env=env, capture_output=True, text=True, check=True
            )
            for name, ms in json.loads(done.stdout.splitlines()[-1]).items():
                found[checkout].setdefault(name, []).append(ms)
        load = os.getloadavg()[0]
        last = {str(c): {n: round(v[-1], 1) for n, v in found[c].items()} for c in found}
        print(f"round {round_ + 1}, load {load:.2f}: {last}", flush=True)
    first, second = args.checkouts
    print(f"\n| question | {first} | {second} |\n| --- | --- | --- |")
    for name in found[first]:
        cells = [found[c][name] for c in args.checkouts]
        shown = [f"{statistics.median(v):.1f} ({min(v):.0f}-{max(v):.0f})" for v in cells]
        print(f"| {name} | {shown[0]} | {shown[1]} |")


if __name__ == "__main__":
    main()
