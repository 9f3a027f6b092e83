"""The shipped nginx configuration (deploy/nginx.conf) as a shared cache in front of two
real API hosts on one database, with nothing but the API's Cache-Control, ETag and Vary
to go by: repeated reads come from the cache and are revalidated with If-None-Match; a
write shows through the cache within the lists' max-age (at once for the client that
names its version); gzip and identity are never mixed; errors and writes are never stored.
"""

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.helpers_bundles import bundle
from tests.helpers_nginx import nginx_in_front
from tests.helpers_server import LiveServer, cli_write_key, running_server

pytestmark = pytest.mark.slow  # nginx in front of two real server processes

MAX_AGE = 2


@pytest.fixture(scope="module")
def front(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[httpx.Client, list[LiveServer], str]]:
    """Two hosts and nginx, shared by the tests here (one writes a source, which the
    others do not look for)."""
    tmp_path = tmp_path_factory.mktemp("nginx-front")
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    env = {"CACHE_MAX_AGE": str(MAX_AGE)}
    with ExitStack() as stack:
        hosts = [
            stack.enter_context(
                running_server(tmp_path / f"host-{n}", database_url=database, env=env)
            )
            for n in (1, 2)
        ]
        upstreams = [h.base_url.removeprefix("http://") for h in hosts]
        base_url = stack.enter_context(nginx_in_front(tmp_path / "nginx", upstreams))
        # No automatic decoding: what the cache sent is what is checked.
        client = stack.enter_context(httpx.Client(base_url=base_url, timeout=15))
        yield client, hosts, cli_write_key(database, "nginx-test")


def get(client: httpx.Client, path: str, **headers: str) -> httpx.Response:
    return client.get(path, headers={"Accept-Encoding": "identity", **headers})


def test_reads_are_cached_and_revalidated_by_etag(
    front: tuple[httpx.Client, list[LiveServer], str],
) -> None:
    client, hosts, _ = front
    first = get(client, "/v1/incidents?limit=2")
    assert first.status_code == 200, first.text
    assert first.headers["X-Cache-Status"] == "MISS"
    again = get(client, "/v1/incidents?limit=2")
    assert again.headers["X-Cache-Status"] == "HIT"
    assert again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]

    # A client's own If-None-Match is answered by the cache.
    held = get(client, "/v1/incidents?limit=2", **{"If-None-Match": first.headers["ETag"]})
    assert held.status_code == 304
    assert held.headers["X-Cache-Status"] == "HIT"

    # Expired, the entry is asked for with its ETag: the API's 304 renews it.
    time.sleep(MAX_AGE + 1)
    renewed = get(client, "/v1/incidents?limit=2")
    assert renewed.status_code == 200
    assert renewed.headers["X-Cache-Status"] == "REVALIDATED"
    assert renewed.content == first.content
    # (A host logs a request just after answering it.)
    logged(hosts, lambda logs: sum(log.count('"status":304') for log in logs) >= 1)

    # Both hosts serve: distinct questions, each a miss, are shared out between them.
    for n in range(1, 9):
        assert get(client, f"/v1/incidents?limit={n + 2}").status_code == 200
    logged(hosts, lambda logs: all('"route":"/v1/incidents"' in log for log in logs))


def logged(hosts: list[LiveServer], holds: Callable[[list[str]], bool]) -> None:
    deadline = time.monotonic() + 5
    while not holds(logs := [h.log() for h in hosts]):
        assert time.monotonic() < deadline, [log[-1500:] for log in logs]
        time.sleep(0.1)


def test_a_write_shows_through_the_cache_within_max_age(
    front: tuple[httpx.Client, list[LiveServer], str],
) -> None:
    client, _, key = front
    before = get(client, "/v1/sources")
    assert before.status_code == 200
    assert get(client, "/v1/sources").headers["X-Cache-Status"] == "HIT"
    created = client.post("/v1/sources", json=bundle(), headers={"Authorization": f"Bearer {key}"})
    assert created.status_code == 201, created.text
    assert created.headers["Cache-Control"] == "no-store"
    source_id = bundle()["source"]["id"]
    version = created.headers["X-Record-Version"]

    # The writer, naming its version, reads its write at once (another variant).
    own = get(client, "/v1/sources", **{"X-Min-Record-Version": version})
    assert own.headers["X-Cache-Status"] == "MISS"
    assert source_id in [s["id"] for s in own.json()["data"]]

    # Others may read the cached list until its max-age is over, then the new one.
    deadline = time.monotonic() + MAX_AGE + 1.5
    while source_id not in [s["id"] for s in get(client, "/v1/sources").json()["data"]]:
        assert time.monotonic() < deadline, "the write did not show within max-age"
        time.sleep(0.2)

    # A write's answer is never stored: the same import again is answered by the API.
    repeated = client.post("/v1/sources", json=bundle(), headers={"Authorization": f"Bearer {key}"})
    assert repeated.status_code == 200, repeated.text
    assert repeated.json()["outcome"] == "unchanged"
    assert repeated.headers.get("X-Cache-Status", "") in ("", "MISS", "BYPASS")


def test_gzip_and_identity_are_never_mixed(
    front: tuple[httpx.Client, list[LiveServer], str],
) -> None:
    client, _, _ = front
    path = "/v1/incidents?limit=20"
    for _ in range(2):  # a miss, then a hit, of each variant, in turn
        coded = client.get(path, headers={"Accept-Encoding": "gzip"})
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        assert coded.headers["Content-Encoding"] == "gzip"
        assert "Content-Encoding" not in plain.headers
        assert coded.json() == json.loads(plain.content)  # httpx decoded the gzip
        assert coded.headers["ETag"] != plain.headers["ETag"]
    assert coded.headers["X-Cache-Status"] == "HIT"
    assert plain.headers["X-Cache-Status"] == "HIT"


def test_errors_are_never_stored(front: tuple[httpx.Client, list[LiveServer], str]) -> None:
    client, _, _ = front
    for path, status in (("/v1/incidents/no-such-incident", 404), ("/v1/incidents?contry=IQ", 400)):
        for _ in range(2):
            answer = get(client, path)
            assert answer.status_code == status
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["X-Cache-Status"] != "HIT"
