"""Helpers for the tests that write: keys, the seed, table dumps."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from app.config import get_settings
from app.loader import import_bundle, read_bundle_file
from app.services.keys import Scope, create_key

SEED_SOURCE = "afp-2022-01-05-coalition-under-fire"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_key(engine: Engine, scope: Scope = "write", name: str = "editor") -> dict[str, str]:
    """A key made by the real service, as the Authorization header that carries it."""
    return bearer(create_key(engine, name, scope))


def seed(engine: Engine) -> None:
    for path in sorted(get_settings().seed_dir.glob("*.json")):
        import_bundle(engine, read_bundle_file(path))


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: equal dumps mean equal content."""
    with Session(engine) as session:
        return {
            table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


def changes(c: TestClient, since: int = 0) -> list[dict[str, Any]]:
    """Every change after `since`, following the feed's pages."""
    out: list[dict[str, Any]] = []
    while True:
        page = c.get("/v1/changes", params={"since": since, "limit": 1000}).json()
        out += page["data"]
        since = int(page["meta"]["next_cursor"])
        if page["links"]["next"] is None:
            return out


def month_of(engine: Engine) -> str:
    """SQL for an incident's month, YYYY-MM, as the tallies key it."""
    if engine.dialect.name == "postgresql":
        return "to_char(date_start, 'YYYY-MM')"
    return "substr(date_start, 1, 7)"


TALLIED = ("fatalities", "fatalities_low", "fatalities_high", "injuries")
"""The figures both tallies keep, each as a sum and a count of the incidents that give it."""


def tallies_beside_grouped(engine: Engine) -> list[tuple[dict[Any, Any], dict[Any, Any]]]:
    """Each tally table as the triggers (or a rebuild) kept it, beside the same keys and
    figures grouped from the incidents by plain SQL: `incident_tally`, then
    `incident_place_tally` (an incident without a place under "")."""
    month = month_of(engine)
    kept = ", ".join(f"{f}, {f}_known" for f in TALLIED)
    sums = ", ".join(f"coalesce(sum({f}), 0), count({f})" for f in TALLIED)
    keys = {
        "incident_tally": (
            "month, country, event_type, sub_event_type",
            f"{month}, country, event_type, sub_event_type",
        ),
        "incident_place_tally": (
            "location_id, month, country",
            f"coalesce(location_id, ''), {month}, country",
        ),
    }
    pairs = []
    with engine.connect() as connection:
        for table, (columns, grouping) in keys.items():
            n = columns.count(",") + 1
            stored = connection.exec_driver_sql(f"SELECT {columns}, incidents, {kept} FROM {table}")
            grouped = connection.exec_driver_sql(
                f"SELECT {grouping}, count(*), {sums} FROM incident GROUP BY {grouping}"
            )
            pairs.append(
                (
                    {tuple(r[:n]): tuple(r[n:]) for r in stored},
                    {tuple(r[:n]): tuple(r[n:]) for r in grouped},
                )
            )
    return pairs


SEARCH_FIGURES = (
    "country, date_start, event_type, sub_event_type, location_id, "
    "fatalities, fatalities_low, fatalities_high, injuries"
)
"""What the search rows keep of each incident for stats under `q` (migration 6d1f0b8c2e57)."""


def search_figures_beside_incidents(engine: Engine) -> tuple[set[Any], set[Any]]:
    """The figures kept beside the search rows, with each row's key (PostgreSQL: its
    incident and the date in its key), beside the same read from `incident` by plain SQL."""
    if engine.dialect.name == "postgresql":
        stored = f"SELECT incident_id, rowid >> 32, {SEARCH_FIGURES} FROM incident_search"
        day = "to_char(date_start, 'YYYYMMDD')::bigint"
        expected = f"SELECT id, {day}, {SEARCH_FIGURES} FROM incident"
    else:
        stored = f"SELECT key, {SEARCH_FIGURES} FROM incident_search_figure"
        key = "(CAST(replace(date_start, '-', '') AS INTEGER) << 32) | rowid"
        expected = f"SELECT {key}, {SEARCH_FIGURES} FROM incident"
    with engine.connect() as connection:
        return (
            {tuple(r) for r in connection.exec_driver_sql(stored)},
            {tuple(r) for r in connection.exec_driver_sql(expected)},
        )
