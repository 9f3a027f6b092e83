"""How long the read API takes to answer the usual questions, at 100k incidents.

Builds a database with `incident-record synth`, starts a real server (uvicorn) on it,
and times each question over HTTP with httpx: a warm-up, then `--repeat` requests one
after another. Prints, per question, the rows answered (and `meta.total` for lists),
the median and 95th percentile in milliseconds, and the median as a multiple of the
reference measured in the same run: the plain first page, `GET /v1/incidents` (50
incidents, newest first, with `meta.total` counted over all of them). Every other list
runs the same code (filters, count, keyset page, hydration of 50 rows), so the multiple
says what a filter or sort adds to it; `/healthz` and the detail are there too, for the
floor of HTTP alone and of a few primary-key queries.

    .venv/bin/python bench/read_latency.py                       # temporary SQLite
    .venv/bin/python bench/read_latency.py --database-url postgresql+psycopg://...

A PostgreSQL database given with --database-url should be empty (it is migrated and
synthesised here), or already synthesised with the same --incidents and --seed (pass
--skip-synth). On PostgreSQL it is vacuumed and analysed before the server starts, as
autovacuum would soon do, so that the figures are those of a settled database.
"""

import statistics
import time
from typing import Any

import httpx
from harness import Server, arguments, backend_of, prepare, settle

REFERENCE = "list (default, -date)"


def questions(client: httpx.Client, seed: int) -> dict[str, str]:
    """Name -> path and query. Ids are those `synth` makes for `seed` (app/synth.py)."""
    prefix = f"synth-{seed}-"
    umbrella = f"{prefix}umbrella-01"  # the umbrella with the most groups under it
    forces = f"{prefix}forces-iq"  # a target in about 13% of the incidents
    first = client.get("/v1/incidents", params={"limit": 1}).json()["data"][0]
    for needed in (f"/v1/actors/{umbrella}", f"/v1/actors/{forces}"):
        client.get(needed).raise_for_status()
    locations = []
    url: str | None = "/v1/locations?limit=1000"
    while url:
        page = client.get(url).json()
        locations += page["data"]
        url = page["links"]["next"]
    busiest = max(locations, key=lambda loc: loc["incident_count"])["id"]
    return {
        "healthz": "/healthz",
        "detail": f"/v1/incidents/{first['id']}",
        REFERENCE: "/v1/incidents",
        "date_from/date_to (a month)": "/v1/incidents?date_from=2025-03-01&date_to=2025-03-31",
        "country=IQ": "/v1/incidents?country=IQ",
        "attributed_to=umbrella": f"/v1/incidents?attributed_to={umbrella}",
        "location=busiest": f"/v1/incidents?location={busiest}",
        "actor+role=target": f"/v1/incidents?actor={forces}&role=target",
        "bbox (central Iraq)": "/v1/incidents?bbox=43.5,32.5,45.5,34.5",
        "q=drone": "/v1/incidents?q=drone",
        "min_fatalities=10": "/v1/incidents?min_fatalities=10",
        "sort=-fatalities": "/v1/incidents?sort=-fatalities",
        "sort=updated_at": "/v1/incidents?sort=updated_at",
        "page 21 (-date)": deep_page(client, "/v1/incidents", 20),
        "page 21 (-fatalities)": deep_page(client, "/v1/incidents?sort=-fatalities", 20),
        "page 21 (updated_at)": deep_page(client, "/v1/incidents?sort=updated_at", 20),
        "actors?parent=umbrella": f"/v1/actors?parent={umbrella}",
        "countries": "/v1/countries",
        "stats month": "/v1/stats/incidents?group_by=month",
        "stats month,country": "/v1/stats/incidents?group_by=month,country",
        "stats year,attributed_to": "/v1/stats/incidents?group_by=year,attributed_to",
        "stats week (2025)": (
            "/v1/stats/incidents?group_by=week&date_from=2025-01-01&date_to=2025-12-31"
        ),
    }


def deep_page(client: httpx.Client, url: str, pages: int) -> str:
    """The URL of the page after following `links.next` `pages` times."""
    for _ in range(pages):
        response = client.get(url)
        response.raise_for_status()
        url = response.json()["links"]["next"]
    return url


def measure(client: httpx.Client, url: str, repeat: int) -> dict[str, Any]:
    client.get(url).raise_for_status()  # warm-up: plans, caches, imports
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        response.raise_for_status()
        body = response.json() if url != "/healthz" else None
        times.append((time.perf_counter() - started) * 1000)
    rows: Any = ""
    total: Any = ""
    if isinstance(body, dict) and "data" in body:
        rows = len(body["data"])
        total = body["meta"].get("total", "")
    elif isinstance(body, list):
        rows = len(body)
    elif isinstance(body, dict):
        rows = 1
    return {
        "rows": rows,
        "total": total,
        "p50": statistics.median(times),
        "p95": statistics.quantiles(times, n=20, method="inclusive")[-1],
    }


def main() -> None:
    parser = arguments(__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    url, env, log = prepare(args, "read-latency")
    settle(url)

    server = Server(env, log)
    try:
        with httpx.Client(base_url=server.base, timeout=None) as client:
            asked = questions(client, args.seed)
            results = {name: measure(client, path, args.repeat) for name, path in asked.items()}
    finally:
        server.stop()

    reference = results[REFERENCE]["p50"]
    print(f"\nbackend: {backend_of(url)}; {args.repeat} requests each after a warm-up;")
    print(f"x ref = p50 / p50 of {REFERENCE} ({asked[REFERENCE]}); server log: {log}\n")
    print(f"{'query':28} {'rows':>5} {'total':>7} {'p50 ms':>8} {'p95 ms':>8} {'x ref':>6}")
    for name, r in results.items():
        print(
            f"{name:28} {r['rows']:>5} {r['total']:>7} {r['p50']:>8.1f} {r['p95']:>8.1f}"
            f" {r['p50'] / reference:>6.1f}"
        )


if __name__ == "__main__":
    main()
