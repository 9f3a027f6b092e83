"""Two checkouts' servers on one question of `bench/load.py`, alternated round by round.

For the before and after of a change: each checkout serves its own database (the
`before` one at its own schema) with its own virtual environment, pinned to CPU 0, and
wrk drives 16 connections from CPU 1 on the same URLs; which of the two goes first
changes every round. It prints each run, then the medians (requests/s, p50, p99 and the
server's CPU time a request) with the load average at the start of each round.

    .venv/bin/python bench/ab.py --question e --rounds 5 --duration 10 \\
        --a /work/before sqlite:////work/bench-before/sqlite-1000000.db \\
        --b . sqlite:////work/bench-after/sqlite-1000000.db

Or one checkout under two settings (`--a . URL --a-env READ_CONCURRENCY=40 --b . URL`).
A server runs one process (`WORKERS=1`) on CPU 0 unless its settings say otherwise; with
`WORKERS=2` (or more) its processes share both CPUs with wrk (the machine has two).

The URLs are those `bench/load.py` asks (drawn from `--b`'s database by this checkout's
code): use a question whose URLs both checkouts understand (`e`, `a`, `b`, `d`).
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--question", default="e", choices=sorted(load.QUESTIONS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    for side in ("a", "b"):
        parser.add_argument(f"--{side}", nargs=2, required=True, metavar=("CHECKOUT", "URL"))
        parser.add_argument(
            f"--{side}-env",
            nargs="*",
            default=[],
            metavar="NAME=VALUE",
            help=f"settings of {side}'s server (one checkout, two settings: the same CHECKOUT)",
        )
    args = parser.parse_args()
    load.ensure_wrk()
    contenders = {"a": args.a, "b": args.b}
    paths = load.questions(args.b[1], "").ours[args.question]
    runs: dict[str, list[load.Run]] = {"a": [], "b": []}
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        for rnd in range(args.rounds):
            print(f"round {rnd + 1}/{args.rounds} (load average {os.getloadavg()[0]:.1f})")
            for side in ("a", "b")[:: -1 if rnd % 2 else 1]:
                checkout, url = contenders[side]
                python = Path(checkout).resolve() / ".venv" / "bin" / "python"
                port = load.free_port()
                command = [str(python), "-m", "app", "serve", "--port", str(port)]
                # PYTHONSAFEPATH: `-m app` is the checkout's (its editable install), not
                # the current directory's.
                given = (e.split("=", 1) for e in getattr(args, f"{side}_env"))
                settings = {"WORKERS": "1", **dict(given)}
                env = load.app_env(url, PYTHONSAFEPATH="1", **settings)
                # One process on the server's CPU; more share both CPUs with wrk.
                cpus = load.SERVER_CPU if settings["WORKERS"] == "1" else "0,1"
                log = workdir / "server.log"
                with load.serving(command, env, port, "/healthz", log, cpus) as p:
                    # Warm-up: every URL once, or, over several processes (each keeps
                    # its own totals), on 4 connections a process, which the kernel
                    # spreads among them.
                    times = 1 if settings["WORKERS"] == "1" else 4 * int(settings["WORKERS"])
                    for path in paths:
                        for _ in range(times):
                            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=120)
                    run = load.wrk(port, paths, args.duration, workdir, [load.server_pid(p)])
                runs[side].append(run)
                print(
                    f"  {side} {checkout:24} {run.rps:8.1f} req/s  p50 {run.p50_ms:7.1f} ms"
                    f"  p99 {run.p99_ms:7.1f} ms  errors {run.errors}  cpu {run.cpu_ms:.2f} ms"
                )
                time.sleep(1)
    for side in ("a", "b"):
        done = runs[side]
        medians = [
            statistics.median(getattr(r, name) or 0.0 for r in done)
            for name in ("rps", "p50_ms", "p99_ms", "cpu_ms")
        ]
        named = " ".join([contenders[side][0], *getattr(args, f"{side}_env")])
        print(
            f"{side} {named}: median {medians[0]:.1f} req/s, p50 {medians[1]:.1f}"
            f" ms, p99 {medians[2]:.1f} ms, server CPU {medians[3]:.2f} ms a request"
        )


if __name__ == "__main__":
    main()
