"""API keys: stored as a hash, 401/403 as the contract says, and the `keys` commands."""

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.errors import BadRequest, Conflict
from app.models import ApiKey
from app.services.keys import create_key, revoke_key
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_server import run_cli
from tests.helpers_writes import bearer, dump, new_key, seed


def test_only_a_prefix_and_a_hash_are_stored(engine: Engine) -> None:
    key = create_key(engine, "editor", "write")
    assert key.startswith("ir_")
    _, prefix, secret = key.split("_", 2)
    with Session(engine) as session:
        row = session.get(ApiKey, "editor")
        assert row is not None
        assert row.prefix == prefix
        assert row.scope == "write"
        assert row.revoked_at is None
    stored = repr(dump(engine)["api_key"])
    assert secret not in stored
    assert key not in stored


INVALID = 'Bearer error="invalid_token"'
"""The challenge to a key that was sent and is unknown or revoked (RFC 6750 §3.1)."""


def assert_401(response, detail: str, challenge: str = "Bearer") -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == challenge
    assert detail in response.json()["detail"]


def test_writes_need_a_valid_write_key(engine: Engine) -> None:
    read = new_key(engine, "read", "reader")
    write_key = create_key(engine, "editor", "write")
    wrong_secret = write_key[:-4] + ("aaaa" if not write_key.endswith("aaaa") else "bbbb")
    with client_for(engine) as c:
        assert_401(c.post("/v1/sources", json=bundle()), "needs an API key with scope write")
        nonsense = c.post("/v1/sources", json=bundle(), headers=bearer("nonsense"))
        assert_401(nonsense, "unknown", INVALID)
        wrong = c.post("/v1/sources", json=bundle(), headers=bearer(wrong_secret))
        assert_401(wrong, "unknown", INVALID)
        basic = {"Authorization": "Basic " + write_key}
        assert_401(c.post("/v1/sources", json=bundle(), headers=basic), "needs an API key")
        forbidden = c.post("/v1/sources", json=bundle(), headers=read)
        assert forbidden.status_code == 403
        assert forbidden.json()["detail"] == "API key 'reader' has scope read; this needs write"
        assert c.get("/v1/sources/test-source").status_code == 404  # nothing was written
        assert c.post("/v1/sources", json=bundle(), headers=bearer(write_key)).status_code == 201
        revoke_key(engine, "editor")
        revoked = c.post("/v1/sources", json=bundle(), headers=bearer(write_key))
        assert_401(revoked, "API key 'editor' was revoked", INVALID)


def test_reads_are_public_by_default(engine: Engine) -> None:
    seed(engine)
    with client_for(engine) as c:
        for path in ("/v1/incidents", "/v1/changes", "/v1/sources", "/v1/actors"):
            assert c.get(path).status_code == 200, path


def test_a_key_sent_with_an_open_read_is_checked(engine: Engine) -> None:
    """An unknown or revoked key is a 401 even where reads are open: the client learns its
    key is bad rather than reading as the public; a valid key reads, and is logged."""
    seed(engine)
    read = new_key(engine, "read", "reader")
    revoked = new_key(engine, "read", "former")
    revoke_key(engine, "former")
    with client_for(engine) as c:
        for path in ("/v1/incidents", "/v1/changes", "/ogc/collections", "/ogc/conformance"):
            assert c.get(path).status_code == 200, path
            assert c.get(path, headers=read).status_code == 200, path
            assert_401(c.get(path, headers=bearer("ir_000000000000_nope")), "unknown", INVALID)
            assert_401(c.get(path, headers=revoked), "'former' was revoked", INVALID)
        # Documentation and operations take no key, so they check none.
        for path in ("/healthz", "/openapi.json", "/ogc/api"):
            assert c.get(path, headers=bearer("nonsense")).status_code == 200, path


def test_read_requires_key_setting(engine: Engine) -> None:
    seed(engine)
    read, write = new_key(engine, "read", "reader"), new_key(engine, "write", "editor")
    revoked = new_key(engine, "read", "former")
    revoke_key(engine, "former")
    with client_for(engine, Settings(read_requires_key=True)) as c:
        for path in (
            "/v1/incidents",
            "/v1/incidents/2022-01-05-ain-al-asad-rockets",
            "/v1/changes",
            "/v1/sources",
            "/v1/quotes",
            "/v1/event-types",
        ):
            assert_401(c.get(path), "needs an API key with scope read")
            assert c.get(path, headers=read).status_code == 200, path
            assert c.get(path, headers=write).status_code == 200, path  # write implies read
            assert_401(c.get(path, headers=revoked), "was revoked", INVALID)
        for path in ("/healthz", "/readyz", "/openapi.json", "/docs", "/redoc", "/metrics"):
            assert c.get(path).status_code == 200, path
        # What needs a key is not for shared caches to hand to someone else.
        assert c.get("/v1/incidents", headers=read).headers["cache-control"].startswith("private")


def test_a_key_name_is_unique_and_checked(engine: Engine) -> None:
    create_key(engine, "editor", "read")
    revoke_key(engine, "editor")
    with pytest.raises(Conflict, match="exists"):
        create_key(engine, "editor", "write")
    with pytest.raises(BadRequest, match="invalid key name"):
        create_key(engine, "-bad name", "write")


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(f"sqlite:///{db}", "keys", *args)


@pytest.mark.slow
def test_keys_commands_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "keys.db"
    created = cli(db, "create", "--name", "dashboard", "--scope", "write")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("ir_")
    assert "not shown again" in created.stderr
    assert cli(db, "create", "--name", "reader", "--scope", "read").returncode == 0
    duplicate = cli(db, "create", "--name", "dashboard", "--scope", "read")
    assert duplicate.returncode == 1
    assert "exists" in duplicate.stderr

    listed = cli(db, "list")
    assert listed.returncode == 0
    lines = [line.split("\t") for line in listed.stdout.strip().splitlines()]
    assert lines[0] == ["name", "scope", "created", "revoked"]
    assert [(n, s, r) for n, s, _, r in lines[1:]] == [
        ("dashboard", "write", "-"),
        ("reader", "read", "-"),
    ]
    assert key not in listed.stdout
    assert key.split("_", 2)[2] not in listed.stdout

    engine = make_engine(f"sqlite:///{db}")
    try:
        with client_for(engine) as c:
            assert c.post("/v1/sources", json=bundle(), headers=bearer(key)).status_code == 201
            revoked = cli(db, "revoke", "dashboard")
            assert revoked.returncode == 0
            assert revoked.stdout.strip() == "revoked dashboard"
            again = c.post("/v1/sources", json=bundle(), headers=bearer(key))
            assert again.status_code == 401
    finally:
        engine.dispose()
    after = [line.split("\t") for line in cli(db, "list").stdout.strip().splitlines()]
    assert after[1][0] == "dashboard"
    assert after[1][3].endswith("Z")
    unknown = cli(db, "revoke", "nobody")
    assert unknown.returncode == 1
    assert "no key named 'nobody'" in unknown.stderr
