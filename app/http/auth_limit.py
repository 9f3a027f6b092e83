"""Failed authentication, rate-limited per client: a key guesser gets 429, not answers.

A client is its address: the peer's, or behind a proxy named in `FORWARDED_ALLOW_IPS`
the one that proxy reports (app.http.proxy), so one client's failures never hold back
another's key. After `AUTH_FAILURE_LIMIT` unknown or revoked keys within
`AUTH_FAILURE_WINDOW` seconds, every request of that client that presents a key is a 429
with `Retry-After`, until the oldest of those failures is a window old. Its key is not
trusted meanwhile, even a valid one: if a valid key passed, the 429s would tell a guesser
which key is right. Valid keys never count and no request is delayed. Requests without
a key are not guesses and pass.

The failures are rows of the database (`auth_failure`), so every process and every host
counts the same ones. A request with a key reads its client's failures within the window
through an index (none, for a client that has not failed) in the session that then
checks the key; only a failure writes (its row, and the removal of rows older than the
window). Hosts are expected to keep their clocks in step (NTP).
"""

import math
from datetime import timedelta

from sqlalchemy import Engine, delete, insert, select
from sqlmodel import Session, col

from app.errors import TooManyFailedAuthentications
from app.models import AuthFailure
from app.models.common import utcnow

LONGEST_CLIENT = 100
"""Characters of a client address kept (a trusted proxy's X-Forwarded-For could say more)."""


class FailedAuthLimiter:
    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = timedelta(seconds=window)

    def check(self, session: Session, client: str) -> None:
        """Raise the 429 when `client` has failed `limit` times within the window."""
        now = utcnow()
        recent = session.scalars(
            select(col(AuthFailure.at))
            .where(col(AuthFailure.client) == client[:LONGEST_CLIENT])
            .where(col(AuthFailure.at) > now - self.window)
            .order_by(col(AuthFailure.at).desc())
            .limit(self.limit)
        ).all()
        if len(recent) < self.limit:
            return
        wait = math.ceil((recent[-1] + self.window - now).total_seconds())
        raise TooManyFailedAuthentications(
            f"{self.limit} failed authentications from this client within "
            f"{self.window.total_seconds():g} s; retry in {wait} s",
            headers={"Retry-After": str(max(wait, 1))},
        )

    def failed(self, engine: Engine, client: str) -> None:
        """Count a failure of `client`, and forget those no window counts any more."""
        now = utcnow()
        # Its own short transaction, which writes first (on SQLite it waits for the write
        # lock rather than failing), and outside the advisory lock of record writes.
        with engine.begin() as connection:
            connection.execute(insert(AuthFailure).values(client=client[:LONGEST_CLIENT], at=now))
            connection.execute(delete(AuthFailure).where(col(AuthFailure.at) <= now - self.window))
