"""What the fault tests check after an outage, a crash or a restore, over real HTTP.

- The change feed tells a valid story: per record, one create first, then updates, then
  at most one delete, nothing after it; and replaying it gives exactly the records the
  API lists.
- A bundle is fully present (its source, every incident, every quote, each created once
  in the feed) or fully absent (none of them, nothing in the feed).
- A database file passes SQLite's own checks; a PostgreSQL cluster passes `pg_amcheck`.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from tests.helpers_writes import changes

Key = tuple[str, str]  # (resource, id)


def every(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    """Every item of a JSON list, following its pages."""
    items: list[dict[str, Any]] = []
    url: str | None = f"{path}?limit=1000"
    while url:
        response = client.get(url)
        assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text}"
        page = response.json()
        items += page["data"]
        url = page["links"]["next"]
    return items


@dataclass
class Snapshot:
    """The records the API lists, and the change feed's history of each."""

    live: dict[str, set[str]]
    history: dict[Key, list[str]]

    def actions(self, resource: str, record_id: str) -> list[str]:
        return self.history.get((resource, record_id), [])


def snapshot(client: httpx.Client) -> Snapshot:
    """Read everything, and check that the feed and the data agree."""
    live = {
        resource: {item["id"] for item in every(client, f"/v1/{resource}s")}
        for resource in ("incident", "source", "quote")
    }
    history: dict[Key, list[str]] = defaultdict(list)
    seqs = []
    for change in changes(client):  # type: ignore[arg-type]
        history[(change["resource"], change["resource_id"])].append(change["action"])
        seqs.append(change["seq"])
    assert seqs == sorted(set(seqs)), "the feed's sequence numbers rise and never repeat"
    replayed: dict[str, set[str]] = defaultdict(set)
    for (resource, record_id), actions in history.items():
        assert actions[0] == "create", f"{resource} {record_id}: {actions}"
        assert actions.count("create") == 1, f"{resource} {record_id} created twice: {actions}"
        assert "delete" not in actions[:-1], f"{resource} {record_id}: {actions}"
        if actions[-1] != "delete":
            replayed[resource].add(record_id)
    for resource, ids in live.items():
        missing, extra = ids - replayed[resource], replayed[resource] - ids
        assert not missing, f"{resource}s listed but never created in the feed: {sorted(missing)}"
        assert not extra, f"{resource}s alive in the feed but not listed: {sorted(extra)}"
    return Snapshot(live, dict(history))


def bundle_state(seen: Snapshot, data: dict[str, Any]) -> str:
    """`present` or `absent`, asserting that the bundle is one or the other, never half.

    Present: its source, incidents and quotes were each created (once: see `snapshot`;
    an incident may have been deleted since). Absent: none was, and none is listed.
    """
    records = [("source", data["source"]["id"])]
    records += [("incident", i["id"]) for i in data["incidents"]]
    records += [("quote", q["id"]) for q in data["quotes"]]
    created = {key: bool(seen.actions(*key)) for key in records}
    if all(created.values()):
        return "present"
    if not any(created.values()):
        return "absent"
    half = sorted(f"{r} {i}" for (r, i), made in created.items() if made)
    raise AssertionError(f"bundle {data['source']['id']} is half there: only {half}")


def sqlite_is_write_locked(database_url: str) -> bool:
    """Whether a write transaction holds the SQLite database's write lock right now."""
    path = make_url(database_url).database
    assert path
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


def sqlite_intact(path: Path) -> None:
    """`PRAGMA integrity_check` is ok and no foreign key dangles."""
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()
