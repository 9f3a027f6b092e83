"""The real `incident-record serve` as a client on a socket sees it (app.http.server,
app.http.proxy): bounded time and size for a request's head, problems for what uvicorn
would answer in plain text, and forwarded headers believed from nobody by default.

One server for the module, with `HEADER_TIMEOUT_SECONDS=1`; and two servers over one
database, on each backend, for the failed-key count they share.
"""

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import Database
from tests.helpers_server import LiveServer, cli_write_key, running_server
from tests.helpers_writes import bearer
from tests.test_http import assert_problem

pytestmark = pytest.mark.slow  # real server processes and sockets

TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("http-server")
    settings = {"HEADER_TIMEOUT_SECONDS": str(TIMEOUT), "AUTH_FAILURE_LIMIT": "3"}
    with running_server(workdir, env=settings) as live:
        yield live


def _connect(server: LiveServer) -> socket.socket:
    url = urlsplit(server.base_url)
    sock = socket.create_connection((url.hostname, url.port))
    sock.settimeout(10)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _response(raw: bytes) -> httpx.Response:
    """The one response in `raw`, as httpx would have made it."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines]
    return httpx.Response(int(status_line.split()[1]), headers=headers, content=body)


def test_a_connection_that_sends_nothing_is_closed(server: LiveServer) -> None:
    with _connect(server) as sock:
        started = time.monotonic()
        assert _read_until_closed(sock) == b""  # closed without a word
        assert TIMEOUT * 0.9 <= time.monotonic() - started < TIMEOUT + 3


def test_a_head_sent_a_byte_at_a_time_is_cut_off_with_a_408(server: LiveServer) -> None:
    with _connect(server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /v1/incidents HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        answered = False
        while time.monotonic() - started < TIMEOUT + 5 and not answered:
            sock.sendall(b"a")  # never the line end: each byte arrives in time, the head never
            answered = bool(select.select([sock], [], [], 0.1)[0])
        elapsed = time.monotonic() - started
        response = _response(_read_until_closed(sock))
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 3
    body = assert_problem(response, 408)
    assert "HEADER_TIMEOUT_SECONDS" in body["detail"]
    assert response.headers["connection"] == "close"


def test_the_clock_restarts_with_each_request_on_a_connection(server: LiveServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        time.sleep(TIMEOUT * 0.7)  # idle between requests: uvicorn's keep-alive governs it
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: local")
        started = time.monotonic()
        response = _response(_read_until_closed(sock))
    assert TIMEOUT * 0.9 <= time.monotonic() - started < TIMEOUT + 3
    assert_problem(response, 408)


def test_an_endless_header_line_is_refused_before_it_ends(server: LiveServer) -> None:
    sent = 0
    with _connect(server) as sock:
        sock.sendall(b"GET /v1/incidents HTTP/1.1\r\nHost: localhost\r\nX-Big: ")
        while sent < 64 * 2**20 and not select.select([sock], [], [], 0.01)[0]:
            sock.sendall(b"a" * 16384)
            sent += 16384
        response = _response(_read_until_closed(sock))
    body = assert_problem(response, 431)
    assert "head is over" in body["detail"]
    assert sent < 2**20, "answered within the first megabyte"
    assert httpx.get(server.base_url + "/healthz").status_code == 200  # and it goes on


def test_a_request_line_too_long_for_the_parser_is_the_414_problem(server: LiveServer) -> None:
    with _connect(server) as sock:
        target = b"/v1/incidents?q=" + b"x" * 70_000
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        response = _response(_read_until_closed(sock))
    body = assert_problem(response, 414)
    assert "request target" in body["detail"]


def test_what_is_not_http_is_a_400_problem(server: LiveServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        response = _response(_read_until_closed(sock))
    body = assert_problem(response, 400)
    assert body["type"].endswith(":malformed-request")


def test_many_silent_connections_do_not_stay(server: LiveServer) -> None:
    sockets = [_connect(server) for _ in range(200)]
    try:
        time.sleep(TIMEOUT + 1)
        for sock in sockets:
            assert select.select([sock], [], [], 2)[0]
            assert sock.recv(1) == b""  # closed by the server
        assert httpx.get(server.base_url + "/healthz").status_code == 200
    finally:
        for sock in sockets:
            sock.close()


def test_a_host_outside_allowed_hosts_is_refused_by_the_server(server: LiveServer) -> None:
    response = httpx.get(server.base_url + "/v1/incidents", headers={"Host": "evil.example"})
    assert_problem(response, 400)
    assert httpx.get(server.base_url + "/v1/incidents").status_code == 200


def test_serve_believes_no_forwarded_headers_by_default(server: LiveServer) -> None:
    """A client that makes up a new X-Forwarded-For for every guess is still one client."""
    guess = bearer("ir_000000000000_guess")
    statuses = [
        httpx.post(
            server.base_url + "/v1/sources",
            json={},
            headers={**guess, "X-Forwarded-For": f"203.0.113.{n}", "X-Forwarded-Proto": "https"},
        ).status_code
        for n in range(25)
    ]
    assert statuses == [401] * 3 + [429] * 22
    page = httpx.get(
        server.base_url + "/v1/incidents?limit=1", headers={"X-Forwarded-Proto": "https"}
    )
    assert page.json()["links"]["self"].startswith("http://")


def test_two_servers_over_one_database_share_the_failed_key_count(
    database: Database, tmp_path: Path
) -> None:
    key = bearer(cli_write_key(database.url, "editor"))
    guess = bearer("ir_000000000000_guess")
    settings = {"AUTH_FAILURE_LIMIT": "4", "AUTH_FAILURE_WINDOW": "60"}
    with (
        running_server(tmp_path / "a", database_url=database.url, env=settings) as one,
        running_server(tmp_path / "b", database_url=database.url, env=settings) as two,
    ):

        def post(live: LiveServer, headers: dict[str, str]) -> int:
            return httpx.post(live.base_url + "/v1/sources", json={}, headers=headers).status_code

        assert [post(one, guess), post(two, guess), post(one, guess), post(two, guess)] == [401] * 4
        assert post(one, guess) == 429
        assert post(two, guess) == 429
        assert post(one, key) == 429  # locked out: even the right key, from this client
