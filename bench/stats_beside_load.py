"""Stats under `q` while the same server answers a stream of cheap requests.

Serves an already synthesised database (`--skip-synth --database-url`) with a real server
(one process, on any core, as `serve` runs it with WORKERS=1), drives one incident's
detail with `wrk` (16 connections) for `--seconds`, and meanwhile asks, one after another,
the explorer's two stats (by place, by month) for three common words. Prints each stats
answer's time (ms) and wrk's requests/s and latencies, with the load average. A heavy
statement whose thread waits for Python's lock each time it calls back into Python (a
row, or a progress handler) while the event loop holds it runs several times longer
than alone (docs/benchmarks.md, eleventh stop).

    .venv/bin/python bench/stats_beside_load.py --skip-synth \
        --database-url sqlite:////work/bench-load/sqlite-1000000.db
"""

import os
import subprocess
import time

import httpx
from harness import Server, arguments, prepare, settle

WORDS = ["drone", "shelling", "attack"]


def main() -> None:
    parser = arguments(__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=25)
    args = parser.parse_args()
    url, env, log = prepare(args, "stats-beside-load")
    settle(url)
    server = Server(env, log)
    try:
        with httpx.Client(base_url=server.base, timeout=60) as client:
            first = client.get("/v1/incidents", params={"limit": 1}).json()["data"][0]["id"]
            detail = f"{server.base}/v1/incidents/{first}"
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            wrk = subprocess.Popen(
                ["wrk", "-t1", "-c16", f"-d{args.seconds}s", "--latency", detail],
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(2)
            asked: dict[str, list[int]] = {}
            for group_by in ("location", "month"):
                for word in WORDS:
                    started = time.perf_counter()
                    answer = client.get(
                        "/v1/stats/incidents", params={"q": word, "group_by": group_by}
                    )
                    answer.raise_for_status()
                    elapsed = round((time.perf_counter() - started) * 1000)
                    asked.setdefault(group_by, []).append(elapsed)
            if wrk.poll() is not None:
                print("wrk ended before the stats did: raise --seconds")
            out, _ = wrk.communicate()
        print(f"load average {load}; stats under q (ms) by {', '.join(WORDS)}: {asked}")
        print("wrk on one incident's detail:")
        for line in out.splitlines():
            if line.strip().startswith(("Latency", "Req/Sec", "Requests/sec", "99%", "50%")):
                print("  " + line.strip())
    finally:
        server.stop()


if __name__ == "__main__":
    main()
