"""How long w3 takes for each of its pairs of words: the first ask, in-process.

`bench/load.py`'s w3 asks two of its 17 common words by relevance, a pair drawn at random
for each URL. This asks the same pairs (the same seed), each once, in this process and
without HTTP, its total counted anew, against an already synthesised database, and prints
each pair's time in milliseconds, its total, and how many of the newest `SAMPLE` search
rows it matches (what `RANKED_SHARE` is compared with, on PostgreSQL).

    .venv/bin/python bench/pairs.py --database-url postgresql+psycopg://...
"""

import argparse
import time
from urllib.parse import parse_qs, urlsplit

import load
from sqlmodel import Session

from app.db import make_engine
from app.schemas.queries import IncidentQuery
from app.services import incidents, pagination
from app.services.pagination import capped_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    asked = load.Asked()
    load.words(asked, "", 17)  # the URLs `bench/load.py` asks, drawn the same way
    pairs = [parse_qs(urlsplit(url).query)["q"][0] for url in asked.ours["w3"]]
    engine = make_engine(args.database_url)
    print("| pair | ms | total | newest rows matched |\n|---|---:|---:|---:|")
    with Session(engine) as session:
        for pair in pairs:
            query = IncidentQuery.model_validate({"q": pair, "sort": "relevance", "limit": 50})
            pagination._TOTALS._totals.clear()
            began = time.perf_counter()
            _, total, _ = incidents.list_incidents(session, query)
            ms = (time.perf_counter() - began) * 1000
            sample = capped_count(session, incidents._sample(query), None).value  # untimed
            mark = "" if total.exact else "≥ "
            print(f"| {pair} | {ms:.1f} | {mark}{total.value:,} | {sample} |")


if __name__ == "__main__":
    main()
