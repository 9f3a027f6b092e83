"""The explorer's two stats under a word, in-process: by month and by place, each alone,
then both at once on two threads (as the page asks for them), for each word.

Runs against an already synthesised database (`DATABASE_URL`); each figure is the median
of `--runs` requests, in milliseconds, through the app (TestClient, no socket).

    DATABASE_URL=sqlite:////work/bench-load/sqlite-1000000.db \\
        .venv/bin/python bench/stats_pair.py attack drone strike forces shelling
"""

import argparse
import statistics
import threading
import time

from fastapi.testclient import TestClient

from app.main import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("words", nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with TestClient(create_app()) as client:

        def timed(path: str) -> float:
            started = time.perf_counter()
            client.get(path).raise_for_status()
            return (time.perf_counter() - started) * 1000

        def both(paths: list[str]) -> float:
            threads = [threading.Thread(target=timed, args=(path,)) for path in paths]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return (time.perf_counter() - started) * 1000

        print("word | by month ms | by place ms | both at once ms")
        for word in args.words:
            paths = [f"/v1/stats/incidents?q={word}&group_by={by}" for by in ("month", "location")]
            alone = [statistics.median(timed(p) for _ in range(args.runs)) for p in paths]
            pair = statistics.median(both(paths) for _ in range(args.runs))
            print(f"{word} | {alone[0]:.0f} | {alone[1]:.0f} | {pair:.0f}")


if __name__ == "__main__":
    main()
