"""How long `q` takes at the service, unloaded: the word questions of issue 18.

Runs each question against an already migrated and synthesised database (`--database-url`,
e.g. one `bench/load.py` built), in this process and without HTTP: the list's statements
(its page and its total, as `GET /v1/incidents` runs them) and, for `stats`, those of
`GET /v1/stats/incidents`. Each question is asked once to warm the caches, then `--repeat`
times; the cache of totals is cleared before each run so that every run counts. Prints,
per question, the page's rows, `meta.total` and `meta.total_relation`, and the median and
worst time in milliseconds.

    .venv/bin/python bench/words.py --database-url sqlite:///work/sqlite-1000000.db
"""

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.db import make_engine
from app.schemas.queries import IncidentQuery, StatsQuery
from app.services import incidents, pagination, stats

LISTS: dict[str, dict[str, Any]] = {
    "q=drone": {"q": "drone"},
    "q=attack (the most frequent noun)": {"q": "attack"},
    "q=drone&country=IQ": {"q": "drone", "country": ["IQ"]},
    "q=attack&country=IQ": {"q": "attack", "country": ["IQ"]},
    "q=rocket attack&sort=relevance": {"q": "rocket attack", "sort": "relevance"},
    'q="drone strike"&sort=relevance': {"q": '"drone strike"', "sort": "relevance"},
    'q="drone strike"': {"q": '"drone strike"'},
    "q=attack forces&sort=relevance&country=SY": {
        "q": "attack forces",
        "sort": "relevance",
        "country": ["SY"],
    },
    "q=att*": {"q": "att*"},
    "q=drone&date_from=2024-01-01": {"q": "drone", "date_from": "2024-01-01"},
    "q=drone&date_from=2024-01-01&sort=date": {
        "q": "drone",
        "date_from": "2024-01-01",
        "sort": "date",
    },
    "q=attack&sort=-fatalities": {"q": "attack", "sort": "-fatalities"},
    "q=drone&sort=-fatalities": {"q": "drone", "sort": "-fatalities"},
    "q=roadside&sort=-fatalities (8% of incidents)": {"q": "roadside", "sort": "-fatalities"},
    "q=checkpoint&sort=-fatalities (1.6%)": {"q": "checkpoint", "sort": "-fatalities"},
    # Several countries, and a walk of an index of the incidents with a country (eighth stop)
    "q=drone&country=IQ,SY": {"q": "drone", "country": ["IQ", "SY"]},
    "q=attack forces&sort=relevance&country=IQ,SY": {
        "q": "attack forces",
        "sort": "relevance",
        "country": ["IQ", "SY"],
    },
    "q=drone&sort=-fatalities&country=SY": {"q": "drone", "sort": "-fatalities", "country": ["SY"]},
    "q=attack&sort=-fatalities&country=IQ,SY": {
        "q": "attack",
        "sort": "-fatalities",
        "country": ["IQ", "SY"],
    },
    "q=drone&sort=updated_at&country=SY": {"q": "drone", "sort": "updated_at", "country": ["SY"]},
    # Relevance with a filter of the incidents' own (ninth stop)
    "q=attack forces&sort=relevance&event_type=Battles": {
        "q": "attack forces",
        "sort": "relevance",
        "event_type": ["Battles"],
    },
    "q=drone&sort=relevance&min_fatalities=5": {
        "q": "drone",
        "sort": "relevance",
        "min_fatalities": 5,
    },
    # A filter of the incidents' by date (the page walks the search rows; the total counts)
    "q=drone&event_type=Battles": {"q": "drone", "event_type": ["Battles"]},
    "q=drone&min_fatalities=5": {"q": "drone", "min_fatalities": 5},
}
STATS: dict[str, dict[str, Any]] = {
    "stats q=drone by year": {"q": "drone", "group_by": ["year"]},
    "stats q=drone&country=IQ by month": {"q": "drone", "country": ["IQ"], "group_by": ["month"]},
    # The explorer's two with a word (its map by place, its timeline by month)
    "stats q=drone by location": {"q": "drone", "group_by": ["location"]},
    "stats q=drone by month": {"q": "drone", "group_by": ["month"]},
    "stats q=attack (most frequent) by month": {"q": "attack", "group_by": ["month"]},
    "stats q=drone&event_type=Battles by month, 2024": {
        "q": "drone",
        "event_type": ["Battles"],
        "group_by": ["month"],
        "date_from": "2024-01-01",
        "date_to": "2024-12-31",
    },
}


def timed(run: Callable[[], str], repeat: int) -> tuple[str, list[float]]:
    run()  # warm
    times = []
    for _ in range(repeat):
        pagination._TOTALS._totals.clear()
        began = time.perf_counter()
        shown = run()
        times.append((time.perf_counter() - began) * 1000)
    return shown, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    print("| question | rows | total | median ms | worst ms |\n|---|---:|---:|---:|---:|")
    with Session(engine) as session:
        for name, params in LISTS.items():
            query = IncidentQuery.model_validate({"limit": 50, **params})

            def page(query: IncidentQuery = query) -> str:
                data, total, _ = incidents.list_incidents(session, query)
                mark = "" if total.exact else "≥ "
                return f"{len(data)} | {mark}{total.value:,}"

            shown, times = timed(page, args.repeat)
            print(f"| {name} | {shown} | {statistics.median(times):.1f} | {max(times):.1f} |")
        for name, params in STATS.items():
            stats_query = StatsQuery.model_validate(params)

            def grouped(query: StatsQuery = stats_query) -> str:
                found = stats.incident_stats(session, query)
                return f"{len(found['data'])} | {sum(r['incidents'] for r in found['data']):,}"

            shown, times = timed(grouped, args.repeat)
            print(f"| {name} | {shown} | {statistics.median(times):.1f} | {max(times):.1f} |")


if __name__ == "__main__":
    main()
