"""Incremental sync: `updated_since` on every list, and `updated_at` moved by every write."""

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from app.config import get_settings
from app.loader import load_bundle, load_folder
from tests.conftest import client_for
from tests.helpers_bundles import bundle

LISTS = {
    "incidents": {"test-rockets"},
    "locations": {"fort-nowhere"},
    "actors": {"imaginary-front", "imaginary-brigade", "examplestan-guard"},
    "quotes": {"guard-no-casualties"},
    "sources": {"test-source"},
}


def ids_since(engine: Engine, resource: str, since: datetime) -> set[str]:
    with client_for(engine) as client:
        r = client.get(f"/v1/{resource}", params={"updated_since": since.isoformat()})
        assert r.status_code == 200, r.text
        return {item["id"] for item in r.json()["data"]}


def test_every_list_returns_only_what_was_written_since(engine: Engine) -> None:
    with Session(engine) as session:
        load_folder(session, get_settings().seed_dir)
    before_second = datetime.now(UTC)
    with Session(engine) as session:
        load_bundle(session, bundle())
    for resource, written in LISTS.items():
        assert ids_since(engine, resource, before_second) == written, resource
        everything = ids_since(engine, resource, datetime(2000, 1, 1, tzinfo=UTC))
        assert written < everything, resource  # the seed's records are older


def test_a_replace_moves_updated_at_of_what_it_rewrites_only(engine: Engine) -> None:
    with Session(engine) as session:
        load_bundle(session, bundle())
    before_fix = datetime.now(UTC)
    fixed = bundle()
    fixed["locations"][0]["latitude"] = 33.5  # a corrected place
    with Session(engine) as session:
        assert load_bundle(session, fixed, replace=True) == "replaced"
    assert ids_since(engine, "locations", before_fix) == {"fort-nowhere"}
    assert ids_since(engine, "incidents", before_fix) == {"test-rockets"}
    assert ids_since(engine, "actors", before_fix) == set()  # unchanged, so not re-sent
    with Session(engine) as session:
        assert load_bundle(session, fixed) == "unchanged"
    assert ids_since(engine, "incidents", datetime.now(UTC)) == set()
