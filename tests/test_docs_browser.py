"""A real browser on /docs and /redoc: they render, work, and need nothing off this machine.

Drives Debian's Chromium with Playwright against the real server (tests/helpers_browser.py).
"""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.helpers_browser import (
    LOCAL_HOSTS,
    Traffic,
    chromium,
    require_chromium,
    screenshot_on_failure,
    watched_context,
)
from tests.helpers_server import LiveServer, running_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with running_server(tmp_path_factory.mktemp("docs-server")) as live:
        yield live


@pytest.fixture
def browser_page() -> Iterator[tuple[Page, Traffic]]:
    traffic = Traffic()
    with chromium() as browser, watched_context(browser, traffic) as context:
        yield context.new_page(), traffic


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


def test_ogc_api_page_works_offline(
    server: LiveServer, browser_page: tuple[Page, Traffic], tmp_path: Path
) -> None:
    """The OGC API's service-doc: Swagger UI on its OpenAPI 3.0 definition, tried live."""
    page, traffic = browser_page
    with screenshot_on_failure(page, tmp_path / "failure.png"):
        response = page.goto(f"{server.base_url}/ogc/api.html")
        assert response is not None
        assert response.status == 200
        page.wait_for_selector(".swagger-ui .opblock")
        expect(page.get_by_text("Incident Record: OGC API - Features").first).to_be_visible()
        operation = page.locator(".opblock.opblock-get").filter(
            has=page.locator(".opblock-summary-path[data-path='/collections/{collectionId}/items']")
        )
        expect(operation).to_have_count(1)
        operation.locator(".opblock-summary").first.click()
        operation.get_by_role("button", name="Try it out").click()
        operation.locator("select").first.select_option("incidents")
        operation.get_by_role("button", name="Execute").click()
        live_row = operation.locator(".live-responses-table tr.response").first
        expect(live_row.locator("td.response-col_status")).to_have_text("200")
        expect(live_row.locator("td.response-col_description")).to_contain_text('"numberMatched"')
    assert traffic.blocked == [], f"requests off localhost: {traffic.blocked}"
    assert traffic.failed == [], f"failed requests: {traffic.failed}"
    assert any(url.endswith("swagger-ui-bundle.js") for url, _ in traffic.assets)
    assert all(url.startswith(server.base_url) and ok == 200 for url, ok in traffic.assets)
