"""Reads take turns (app.http.read_queue): a process works on READ_CONCURRENCY reads of the
database at once, answers the others in the order they came, and gives a turn back when an
answer starts; writes, health checks and the pages' files never wait."""

import asyncio
from typing import Any

import pytest

from app.config import Settings
from app.http.front import FrontMiddleware
from app.http.read_queue import ReadQueue
from app.http.representation import RepresentationMiddleware
from app.main import create_app


class Held:
    """An inner app whose requests start their answer when told to, and finish when told to
    again; it records which are at work."""

    def __init__(self) -> None:
        self.working: set[str] = set()
        self.most = 0
        self.order: list[str] = []
        self.go: dict[str, asyncio.Event] = {}
        self.end: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        name = scope["path"]
        self.order.append(name)
        self.working.add(name)
        self.most = max(self.most, len(self.working))
        await self.go.setdefault(name, asyncio.Event()).wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        self.working.discard(name)  # streaming on: outside its turn
        await self.end.setdefault(name, asyncio.Event()).wait()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    def release(self, name: str, *, end: bool = True) -> None:
        self.go.setdefault(name, asyncio.Event()).set()
        if end:
            self.end.setdefault(name, asyncio.Event()).set()


def request(queue: ReadQueue, path: str, method: str = "GET") -> "asyncio.Task[None]":
    scope = {"type": "http", "method": method, "path": path}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        pass

    return asyncio.ensure_future(queue(scope, receive, send))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_reads_take_turns_in_order_and_give_them_back_when_their_answer_starts() -> None:
    async def scenario() -> None:
        inner = Held()
        queue = ReadQueue(inner, size=2)
        names = [f"/v1/incidents/{n}" for n in range(5)]
        tasks = [request(queue, name) for name in names]
        await settle()
        assert inner.order == names[:2], "two at work, the others wait"
        inner.release(names[1], end=False)  # its answer starts, and streams on
        await settle()
        assert inner.order == names[:3], "the next in line takes the turn given back"
        inner.release(names[0])
        await settle()
        assert inner.order == names[:4]
        for name in names:
            inner.release(name)
        await asyncio.gather(*tasks)
        assert inner.order == names, "in the order they came"
        assert inner.most == 2

    asyncio.run(scenario())


def test_writes_health_and_pages_do_not_wait_behind_reads() -> None:
    async def scenario() -> None:
        inner = Held()
        queue = ReadQueue(inner, size=1)
        waiting = [request(queue, "/v1/incidents"), request(queue, "/ogc/collections")]
        others = [
            request(queue, "/v1/incidents", method="POST"),
            request(queue, "/healthz"),
            request(queue, "/explore"),
        ]
        await settle()
        assert inner.order == ["/v1/incidents", "/v1/incidents", "/healthz", "/explore"]
        for name in ("/v1/incidents", "/healthz", "/explore", "/ogc/collections"):
            inner.release(name)
        await asyncio.gather(*waiting, *others)
        assert inner.order[-1] == "/ogc/collections"

    asyncio.run(scenario())


def test_a_read_that_fails_or_is_cancelled_gives_its_turn_back() -> None:
    async def scenario() -> None:
        async def failing(scope: Any, receive: Any, send: Any) -> None:
            raise RuntimeError("a bug")

        queue = ReadQueue(failing, size=1)
        with pytest.raises(RuntimeError):
            await request(queue, "/v1/incidents")
        inner = Held()
        queue.app = inner
        first = request(queue, "/v1/a")
        cancelled = request(queue, "/v1/b")  # waits for the turn, then its client leaves
        await settle()
        cancelled.cancel()
        await settle()
        first.cancel()  # cut off at work
        await settle()
        last = request(queue, "/v1/c")
        await settle()
        assert inner.order == ["/v1/a", "/v1/c"], "both turns came back"
        inner.release("/v1/c")
        await last

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("url", "given", "expected"),
    [
        ("sqlite:///x.db", None, 2),
        ("postgresql+psycopg://db/x", None, 8),
        ("sqlite:///x.db", 5, 5),
    ],
)
def test_read_concurrency_defaults_by_backend(url: str, given: int | None, expected: int) -> None:
    assert Settings(database_url=url, read_concurrency=given).reads_at_once == expected


def test_the_app_queues_its_reads_below_its_other_layers() -> None:
    """The server's stack has the queue, of READ_CONCURRENCY turns, inside the layers that
    tag, compress and log answers (they work on other requests while reads wait)."""
    app = create_app(Settings(read_concurrency=3))
    layers = []
    layer: Any = app.build_middleware_stack()
    while layer is not None:
        layers.append(layer)
        layer = getattr(layer, "app", None)
    queues = [layer for layer in layers if isinstance(layer, ReadQueue)]
    assert [queue.size for queue in queues] == [3]
    kinds = [type(layer) for layer in layers]
    assert kinds.index(RepresentationMiddleware) < kinds.index(ReadQueue)
    assert kinds.index(FrontMiddleware) < kinds.index(ReadQueue)
