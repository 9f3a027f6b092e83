"""Exports stream: a 100k-incident export peaks at no more server memory than a 1k one.

Builds a database with `incident-record synth`, then for each format and each limit
(1000, 10000, 100000) starts a fresh server process, streams the export to nowhere with httpx,
and reads the server's resident-memory high-water mark (VmHWM in /proc/<pid>/status)
before and after. Prints a table and the ratio peak(100k) / peak(1k) per format.

    .venv/bin/python bench/export_memory.py                       # temporary SQLite
    .venv/bin/python bench/export_memory.py --database-url postgresql+psycopg://...

A PostgreSQL database given with --database-url should be empty (it is migrated and
synthesised here), or already synthesised with the same --incidents (pass --skip-synth).
Linux only (/proc).
"""

import csv
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from harness import Server, arguments, backend_of, prepare

LIMITS = (1000, 10_000, 100_000)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak so far) of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def lines_of(chunks: Iterator[bytes]) -> Iterator[str]:
    """Text lines with their endings, from arbitrary chunks (for csv.reader)."""
    carry = b""
    for chunk in chunks:
        carry += chunk
        *whole, carry = carry.split(b"\n")
        for line in whole:
            yield (line + b"\n").decode()
    if carry:
        yield carry.decode()


def export_once(env: dict[str, str], fmt: str, limit: int, log: Path) -> dict[str, float]:
    server = Server(env, log)
    try:
        pid = server.process.pid
        url = f"{server.base}/v1/incidents?format={fmt}"
        httpx.get(url + "&limit=1").raise_for_status()  # imports and caches warmed up
        baseline = memory_kib(pid)["VmHWM"]
        counted = {"bytes": 0}

        def counting(chunks: Iterator[bytes]) -> Iterator[bytes]:
            for chunk in chunks:
                counted["bytes"] += len(chunk)
                yield chunk

        started = time.perf_counter()
        headers = {"Accept-Encoding": "identity"}
        with httpx.stream("GET", f"{url}&limit={limit}", headers=headers, timeout=None) as r:
            r.raise_for_status()
            chunks = counting(r.iter_raw())
            if fmt == "csv":
                rows = sum(1 for _ in csv.reader(lines_of(chunks))) - 1
            elif fmt == "ndjson":
                rows = sum(chunk.count(b"\n") for chunk in chunks)
            else:  # geojson: one feature a line between the header and footer lines
                rows = sum(chunk.count(b"\n") for chunk in chunks) - 2
        seconds = time.perf_counter() - started
        peak = memory_kib(pid)["VmHWM"]
    finally:
        server.stop()
    return {
        "rows": rows,
        "bytes": counted["bytes"],
        "seconds": seconds,
        "baseline": baseline / 1024,
        "peak": peak / 1024,
    }


def main() -> None:
    parser = arguments(__doc__.split("\n")[0])
    parser.add_argument("--formats", nargs="+", default=["csv", "ndjson", "geojson"])
    args = parser.parse_args()
    url, env, log = prepare(args, "export-memory")

    backend = backend_of(url)
    print(f"\nbackend: {backend}; server log: {log}\n")
    print(f"{'format':8} {'limit':>7} {'rows':>7} {'bytes':>12} {'seconds':>8}", end="")
    print(f" {'baseline MiB':>13} {'peak MiB':>9}")
    peaks: dict[str, dict[int, float]] = {}
    for fmt in args.formats:
        for limit in LIMITS:
            r = export_once(env, fmt, limit, log)
            peaks.setdefault(fmt, {})[limit] = r["peak"]
            print(
                f"{fmt:8} {limit:>7} {r['rows']:>7.0f} {r['bytes']:>12,.0f} {r['seconds']:>8.2f}"
                f" {r['baseline']:>13.1f} {r['peak']:>9.1f}",
                flush=True,
            )
    print()
    for fmt, peak in peaks.items():
        print(
            f"{fmt}: peak(100k) / peak(1k) = {peak[100_000] / peak[1000]:.2f};"
            f" peak(100k) / peak(10k) = {peak[100_000] / peak[10_000]:.2f}"
        )


if __name__ == "__main__":
    main()
