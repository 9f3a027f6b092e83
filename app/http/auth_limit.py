"""Failed authentication, rate-limited per client: a key guesser gets 429, not answers.

A client is its address as uvicorn reports it, so behind a proxy it is the address the
proxy forwards when uvicorn trusts it (`proxy_headers`, `FORWARDED_ALLOW_IPS`). After
`AUTH_FAILURE_LIMIT` unknown or revoked keys within `AUTH_FAILURE_WINDOW` seconds, every
request of that client that presents a key is a 429 with `Retry-After`, until the oldest
of those failures is a window old. The key is not even looked up meanwhile: if a valid
one still passed, the 429s would tell a guesser which key is right. Valid keys never
count, and no request is delayed. Requests without a key are not guesses and pass.

The state is in this process: with several workers each counts on its own, so a client
may fail up to the limit once per worker.
"""

import math
import threading
import time
from collections import deque

from app.errors import TooManyFailedAuthentications

MAX_CLIENTS = 10_000
"""Clients remembered at once; beyond that, those whose failures are older go first."""


class FailedAuthLimiter:
    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()  # dependencies run in worker threads

    def check(self, client: str) -> None:
        """Raise the 429 when `client` has failed `limit` times within the window."""
        with self.lock:
            times = self.failures.get(client)
            if times is None or len(times) < self.limit:
                return
            wait = times[0] + self.window - time.monotonic()
        if wait > 0:
            raise TooManyFailedAuthentications(
                f"{self.limit} failed authentications from this client within "
                f"{self.window:g} s; retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(math.ceil(wait))},
            )

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self.lock:
            times = self.failures.pop(client, None) or deque(maxlen=self.limit)
            times.append(now)
            self.failures[client] = times  # most recent last, for eviction
            if len(self.failures) > MAX_CLIENTS:
                oldest = next(iter(self.failures))
                del self.failures[oldest]
