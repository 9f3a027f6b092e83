"""A real browser on /docs and /redoc: they render, work, and need nothing off this machine.

Drives Debian's Chromium (/usr/bin/chromium) with Playwright against the real server.
Skipped when Chromium is missing, except under CI (env CI set), where that is a failure.
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Response, Route, expect, sync_playwright

from tests.helpers_server import LiveServer, running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and the browser test cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    _require_chromium()
    with running_server(tmp_path_factory.mktemp("docs-server")) as live:
        yield live


class Traffic:
    """What the pages asked for: off-localhost requests (aborted) and JS/CSS responses."""

    def __init__(self) -> None:
        self.blocked: list[tuple[str, str]] = []
        self.assets: list[tuple[str, int]] = []
        self.failed: list[str] = []
        self.refused_by_policy: list[str] = []  # stopped by the page's CSP, never sent

    def route(self, route: Route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.hostname not in LOCAL_HOSTS:
            self.blocked.append((route.request.resource_type, route.request.url))
            route.abort()
        else:
            route.continue_()

    def response(self, response: Response) -> None:
        if response.request.resource_type in {"script", "stylesheet"}:
            self.assets.append((response.url, response.status))

    def request_failed(self, request: Request) -> None:
        if request.failure == "csp":
            self.refused_by_policy.append(request.url)
        elif request.url not in {url for _, url in self.blocked}:
            self.failed.append(f"{request.url}: {request.failure}")


@contextmanager
def screenshot_on_failure(page: Page, path: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failure: {path}")
        except Exception as exc:  # best effort: never hide the real failure
            print(f"no screenshot: {exc!r}")
        raise


@pytest.fixture
def browser_page() -> Iterator[tuple[Page, Traffic]]:
    traffic = Traffic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            context = browser.new_context()
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", traffic.route)
            context.on("response", traffic.response)
            context.on("requestfailed", traffic.request_failed)
            yield context.new_page(), traffic
            context.close()
        finally:
            browser.close()


def test_swagger_ui_and_redoc_work_offline(
    server: LiveServer, browser_page: tuple[Page, Traffic], tmp_path: Path
) -> None:
    page, traffic = browser_page
    with screenshot_on_failure(page, tmp_path / "failure.png"):
        _check_docs(page, traffic, server.base_url)


def test_a_browser_at_the_root_lands_on_a_page_for_people(
    server: LiveServer, browser_page: tuple[Page, Traffic], tmp_path: Path
) -> None:
    """`GET /` sends a browser (303) to the explorer, or to /docs while there is none."""
    page, traffic = browser_page
    with screenshot_on_failure(page, tmp_path / "failure.png"):
        response = page.goto(f"{server.base_url}/")
        assert response is not None
        assert response.status == 200
        assert response.request.redirected_from is not None
        assert response.request.redirected_from.url == f"{server.base_url}/"
        assert urlsplit(page.url).path in ("/explore", "/docs")
        if urlsplit(page.url).path == "/docs":
            page.wait_for_selector(".swagger-ui .opblock")
        assert traffic.blocked == [], f"requests off localhost: {traffic.blocked}"


def _check_docs(page: Page, traffic: Traffic, base_url: str) -> None:
    # Swagger UI renders and lists the operations.
    response = page.goto(f"{base_url}/docs")
    assert response is not None
    assert response.status == 200
    page.wait_for_selector(".swagger-ui .opblock")
    operation = page.locator(".opblock.opblock-get").filter(
        has=page.locator(".opblock-summary-path[data-path='/v1/incidents']")
    )
    expect(operation).to_have_count(1)
    expect(operation).to_be_visible()

    # Expand GET /v1/incidents, "Try it out", "Execute": a live 200 from the server.
    operation.locator(".opblock-summary").first.click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    live = operation.locator(".live-responses-table")
    live_row = live.locator("tr.response").first
    expect(live_row.locator("td.response-col_status")).to_have_text("200")
    expect(live_row.locator("td.response-col_description")).to_contain_text('"total"')

    # ReDoc renders the title and the operations.
    response = page.goto(f"{base_url}/redoc")
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", name=re.compile("Incident Record API"))).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"^List incidents matching every filter")).first
    ).to_be_attached()
    expect(page.get_by_text("/v1/incidents", exact=True).first).to_be_attached()

    # Nothing was needed from off this machine, and every script and stylesheet was served.
    # (ReDoc's bundle would fetch a badge from a CDN: the app's CSP stops it at the source.)
    assert traffic.blocked == [], f"requests off localhost: {traffic.blocked}"
    assert traffic.failed == [], f"failed requests: {traffic.failed}"
    # The policy refuses only what lies elsewhere, never the app's own assets.
    for url in traffic.refused_by_policy:
        assert urlsplit(url).hostname not in LOCAL_HOSTS, url
    assert any(url.endswith("swagger-ui-bundle.js") for url, _ in traffic.assets)
    assert any(url.endswith("redoc.standalone.js") for url, _ in traffic.assets)
    not_ok = [(url, status) for url, status in traffic.assets if status != 200]
    assert not_ok == [], f"JS/CSS not served 200: {not_ok}"
    for url, _ in traffic.assets:
        assert url.startswith(base_url), url
