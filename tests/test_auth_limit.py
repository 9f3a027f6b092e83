"""The failed-key limit (app.http.auth_limit): counted per client as the trusted proxy
reports it, kept in the database so that every process and host counts the same
failures, and costing a valid key no write.

Two apps over one database stand for two hosts; the test client's peer, `testclient`, is
named in FORWARDED_ALLOW_IPS so that `X-Forwarded-For` says which client is asking.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlmodel import Session

from app.config import Settings
from app.errors import TooManyFailedAuthentications as TooManyFailed
from app.http.auth_limit import FailedAuthLimiter
from app.models import AuthFailure
from app.models.common import utcnow
from tests.conftest import client_for
from tests.helpers_writes import bearer, new_key
from tests.test_http import assert_problem

GUESSER = {"X-Forwarded-For": "203.0.113.7"}
OTHER = {"X-Forwarded-For": "198.51.100.9"}
GUESS = bearer("ir_000000000000_guess")
SETTINGS = Settings(
    auth_failure_limit=3, auth_failure_window=60, forwarded_allow_ips=["testclient"]
)


def _post(client: TestClient, *headers: dict[str, str]) -> int:
    merged = {k: v for h in headers for k, v in h.items()}
    return client.post("/v1/sources", json={"format": "nothing"}, headers=merged).status_code


def _failures(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuthFailure)) or 0)


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_hosts_share_the_count(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine, SETTINGS) as one, client_for(engine, SETTINGS) as two:
        assert [_post(one, GUESS, GUESSER), _post(two, GUESS, GUESSER)] == [401, 401]
        assert _post(one, GUESS, GUESSER) == 401
        # The third failure was on the first host: the second refuses the fourth attempt.
        limited = two.post("/v1/sources", json={}, headers={**GUESS, **GUESSER})
        body = assert_problem(limited, 429)
        assert "3 failed authentications from this client within 60 s" in body["detail"]
        assert 59 <= int(limited.headers["retry-after"]) <= 60
        # Locked out, the guesser's right key is refused too: anything else would tell a
        # guesser which key is right.
        assert _post(one, key, GUESSER) == 429
        # Another client is never held back, with or without a key.
        assert _post(two, key, OTHER) == 422
        assert _post(one, GUESS, OTHER) == 401
        assert one.get("/v1/countries", headers=GUESSER).status_code == 200
    assert _failures(engine) == 4  # the 429s were not counted


def test_a_valid_key_costs_one_indexed_read_and_no_write(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine, SETTINGS) as c:
        assert _post(c, GUESS, GUESSER) == 401
        with _statements(engine) as seen:
            for _ in range(5):
                assert _post(c, key, GUESSER) == 422
    touching = [s for s in seen if "auth_failure" in s]
    assert len(touching) == 5
    assert all(s.lstrip().upper().startswith("SELECT") for s in touching), touching
    assert _failures(engine) == 1  # valid keys never count
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + touching[0], ("x", "2000-01-01", 3, 0)
            )
            assert "ix_auth_failure_client_at" in " ".join(str(row) for row in plan)


def test_requests_without_a_key_neither_read_nor_count(engine: Engine) -> None:
    with client_for(engine, SETTINGS) as c, _statements(engine) as seen:
        assert c.get("/v1/countries", headers=GUESSER).status_code == 200
        assert _post(c, GUESSER) == 401  # no key: not a guess
    assert not [s for s in seen if "auth_failure" in s]
    assert _failures(engine) == 0


def test_a_bad_key_on_an_open_read_counts(engine: Engine) -> None:
    with client_for(engine, SETTINGS) as c:
        for _ in range(3):
            assert c.get("/v1/countries", headers={**GUESS, **GUESSER}).status_code == 401
        assert_problem(c.get("/v1/countries", headers={**GUESS, **GUESSER}), 429)
        assert c.get("/v1/countries", headers=GUESSER).status_code == 200  # no key: public


def test_failures_are_forgotten_after_the_window(engine: Engine) -> None:
    limiter = FailedAuthLimiter(limit=2, window=60)
    long_ago = utcnow() - timedelta(seconds=61)
    with Session(engine) as session:
        session.add_all(AuthFailure(client=f"10.0.0.{i}", at=long_ago) for i in range(50))
        session.add_all(AuthFailure(client="10.1.1.1", at=long_ago) for _ in range(5))
        session.commit()
        limiter.check(session, "10.1.1.1")  # old failures count for nothing
    limiter.failed(engine, "10.1.1.1")  # and the next failure removes them
    with Session(engine) as session:
        assert session.scalars(select(AuthFailure.client)).all() == ["10.1.1.1"]
    limiter.failed(engine, "10.1.1.1")
    with Session(engine) as session, pytest.raises(TooManyFailed, match="retry in 60 s"):
        limiter.check(session, "10.1.1.1")


def test_the_wait_lasts_until_fewer_than_the_limit_are_in_the_window(engine: Engine) -> None:
    limiter = FailedAuthLimiter(limit=2, window=60)
    now = utcnow()
    with Session(engine) as session:
        session.add(AuthFailure(client="c", at=now - timedelta(seconds=50)))
        session.add(AuthFailure(client="c", at=now - timedelta(seconds=20)))
        session.add(AuthFailure(client="c", at=now - timedelta(seconds=55)))
        session.commit()
        # In 5 s two failures are left in the window, in 10 s one: then it may try again.
        with pytest.raises(TooManyFailed, match="retry in 10 s") as raised:
            limiter.check(session, "c")
    assert raised.value.headers == {"Retry-After": "10"}
