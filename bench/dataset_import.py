"""How fast a UCDP GED file imports, and in how much memory, on SQLite and PostgreSQL.

    .venv/bin/python bench/dataset_import.py [ROWS] [POSTGRES_ADMIN_URL]

Writes a GED-layout CSV of ROWS rows (default 385,000, the size of GED's global release)
made from the project's test rows (tests/data/datasets/ucdp-ged-23.1.csv): each row a
template row with a new id, a date spread over 1989-2024, one of 70,000 places (each
place always from the same template row) and one of 3,000 armed groups, as the global
release has about that many of each. Then imports it
into a new SQLite file and (given an admin URL, e.g.
postgresql+psycopg://postgres@127.0.0.1:55432/postgres) a scratch PostgreSQL database,
dropped afterwards; then imports it again (every row unchanged). Prints each run's
summary line, the CPU time of this process and of the PostgreSQL server (wall time on a
shared machine depends on what else runs: the load average is printed beside), and the
process's resident memory as the import goes: the file streams, so it levels off (what
it holds is two batches of rows, bounded caches of the places, sides and dates seen, and
SQLite's page cache, 256 MiB for a bulk write).
"""

import csv
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.datasets.service import import_dataset
from app.db import make_engine, without_time_limit
from app.migrate import upgrade

TEMPLATE = Path(__file__).resolve().parent.parent / "tests/data/datasets/ucdp-ged-23.1.csv"
PLACES, GROUPS = 70_000, 3_000
FIRST, DAYS = date(1989, 1, 1), 36 * 365


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(17)
    with TEMPLATE.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, templates = list(reader.fieldnames or []), list(reader)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\r\n")
        writer.writeheader()
        for n in range(rows):
            # A place is one template row's place moved: its values all follow its number,
            # so the file holds at most PLACES of them, as GED's release does.
            place, group = rng.randrange(PLACES), rng.randrange(GROUPS)
            row = dict(templates[place % len(templates)])
            start = FIRST + timedelta(days=rng.randrange(DAYS))
            end = start + timedelta(days=rng.choice([0, 0, 0, 0, 2, 6, 29]))
            latitude = float(row["latitude"]) + (place % 100) / 200
            longitude = float(row["longitude"]) + (place // 100 % 100) / 200
            best = rng.choice([0, 1, 1, 2, 3, 5, 8, 13, 40])
            row.update(
                id=str(10_000_000 + n),
                year=str(start.year),
                date_start=f"{start} 00:00:00.000",
                date_end=f"{end} 00:00:00.000",
                where_coordinates=f"Place {place} village",
                latitude=f"{latitude:.6f}",
                longitude=f"{longitude:.6f}",
                best=str(best),
                low=str(best),
                high=str(best + rng.choice([0, 0, 1, 5])),
                deaths_a="0",
                deaths_b=str(best),
                deaths_civilians="0",
                deaths_unknown="0",
            )
            if row["side_b"] != "civilians" and not row["side_b"].startswith("Government"):
                row.update(side_b=f"Armed group {group}", side_b_new_id=str(500_000 + group))
                row["dyad_name"] = f"{row['side_a']} - {row['side_b']}"
            writer.writerow(row)


def server_cpu(database: str | None) -> float:
    """CPU seconds of the PostgreSQL server processes serving `database` (its backends
    name it on their command line); 0 for SQLite, which works in this process."""
    if not database or not Path("/proc").exists():
        return 0.0
    ticks = 0
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="ignore")
            if entry.name.isdigit() and "postgres:" in command and database in command:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mib() -> str:
    """Resident memory: the process's own (anonymous: its heap, SQLite's page cache) and
    the database file's pages that SQLite reads through memory mapping (file-backed:
    the kernel's to drop), in MiB."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    anon, file = (int(status[k].split()[0]) // 1024 for k in ("RssAnon", "RssFile"))
    return f"{anon}+{file}"


def run(url: str, path: Path) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        for attempt in ("import", "again"):
            memory: list[str] = []

            def progress(done: int, total: int, rows: int, memory: list[str] = memory) -> None:
                if rows % 50_000 == 0 or done >= total:
                    memory.append(f"{rows // 1000}k:{rss_mib()}")

            database = engine.url.database if engine.dialect.name == "postgresql" else None
            cpu, server = time.process_time(), server_cpu(database)
            summary = import_dataset(
                without_time_limit(engine), path, release="bench", on_progress=progress
            )
            cpu, server = time.process_time() - cpu, server_cpu(database) - server
            load = os.getloadavg()[0]
            print(f"{engine.dialect.name:10} {attempt:6} {summary.line()}")
            print(
                f"{'':17} CPU: this process {cpu:.0f} s, the database server {server:.0f} s; "
                f"load average {load:.1f} on {os.cpu_count()} cores"
            )
            print(f"{'':17} resident MiB (own+file) by rows read: {' '.join(memory)}")
    finally:
        engine.dispose()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 385_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "GEDEvent_bench.csv"
        began = time.perf_counter()
        write_file(path, rows)
        size = path.stat().st_size / 2**20
        seconds = time.perf_counter() - began
        print(f"{'file':10} {rows} rows, {size:.0f} MiB, written in {seconds:.1f} s")
        print(f"{'':10} resident MiB (own+file) before importing: {rss_mib()}")
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", path)
        if len(sys.argv) > 2:
            admin_url = make_url(sys.argv[2])
            name = f"dataset_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                run(admin_url.set(database=name).render_as_string(hide_password=False), path)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
