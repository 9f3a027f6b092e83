"""What FTS5's `bm25()` costs a relevance page on SQLite, whatever the page: its IDF.

Before it ranks a row, `bm25()` counts the rows holding each phrase of the query by
reading the phrase's whole list of rows, once a statement. This times, on an already
synthesised SQLite file, the keys of the newest 10 matches of the words (and country)
given, then `bm25()` of those 10 rows, then the same for each phrase alone: each word as
the indexed words it begins (as `app.sql.dialect` writes a prefix), and the country as a
phrase of its column. Each statement 5 times; medians in milliseconds.

    .venv/bin/python bench/bm25_cost.py --database sqlite-1000000.db attack forces --country SY
"""

import argparse
import sqlite3
import statistics
import time

COLUMNS = "{title summary quotes}"
RANK = "bm25(incident_search, 10.0, 4.0, 1.0, 0.0)"


def median_ms(connection: sqlite3.Connection, sql: str, match: str) -> float:
    times = []
    for _ in range(5):
        began = time.perf_counter()
        connection.execute(sql, {"m": match}).fetchall()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def newest(what: str) -> str:
    """`what` of the newest 10 matches of the FTS5 query `:m`."""
    edge = "SELECT rowid FROM incident_search WHERE incident_search MATCH :m ORDER BY rowid DESC"
    where = f"incident_search MATCH :m AND rowid >= coalesce(({edge} LIMIT 1 OFFSET 9), 0)"
    return f"SELECT {what} FROM incident_search WHERE {where}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a SQLite file at the head")
    parser.add_argument("words", nargs="+")
    parser.add_argument("--country")
    args = parser.parse_args()
    connection = sqlite3.connect(args.database)
    expanded = [_terms(connection, word) for word in args.words]
    phrases = [f'{COLUMNS} : "{term}"' for terms in expanded for term in terms]
    whole = (
        f"{COLUMNS} : ("
        + " AND ".join("(" + " OR ".join(f'"{t}"' for t in terms) + ")" for terms in expanded)
        + ")"
    )
    if args.country:
        country = f'{{country}} : "{args.country.lower()}"'
        phrases.append(country)
        whole += f" AND {country}"
    print("| statement | rows holding it | ms |\n| --- | ---: | ---: |")
    print(
        f"| keys of the newest 10 matches | | {median_ms(connection, newest('rowid'), whole):.1f} |"
    )
    print(f"| bm25 of the newest 10 matches | | {median_ms(connection, newest(RANK), whole):.1f} |")
    for phrase in phrases:
        rows = connection.execute(
            "SELECT count(*) FROM incident_search WHERE incident_search MATCH ?", (phrase,)
        ).fetchone()[0]
        ms = median_ms(connection, newest(RANK), phrase)
        print(f"| IDF of `{phrase}` (bm25 of its newest 10 rows) | {rows:,} | {ms:.1f} |")


def _terms(connection: sqlite3.Connection, word: str) -> list[str]:
    """The indexed words `word` begins (at most 65, as the app's prefix)."""
    listed = connection.execute(
        "SELECT term FROM incident_search_term WHERE term >= ? AND term < ? || char(1114111)"
        " LIMIT 65",
        (word, word),
    )
    return [term for (term,) in listed]


if __name__ == "__main__":
    main()
