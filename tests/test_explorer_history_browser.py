"""The incident page shows the incident's history, in a real browser (app/explorer/static/js/
history.js), as tests/test_explorer_browser.py drives the explorer: Debian's Chromium
through Playwright against the real `incident-record serve`, on SQLite and PostgreSQL,
the page under a strict policy (`script-src 'self'`), every request off localhost
aborted. Each test writes, so each has a server and a database of its own.
"""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Route, expect

from tests.conftest import Database
from tests.helpers_browser import (
    LOCAL_HOSTS,
    Traffic,
    chromium,
    require_chromium,
    screenshot_on_failure,
    watched_context,
)
from tests.helpers_server import REPO_ROOT, cli_write_key, running_server

SHOTS = REPO_ROOT / "test-results" / "explorer"
ROCKETS = "2022-01-05-ain-al-asad-rockets"
STRICT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        yield browser


def _strict_policy(route: Route) -> None:
    if route.request.resource_type != "document":
        route.fallback()
        return
    response = route.fetch()
    route.fulfill(
        response=response, headers={**response.headers, "content-security-policy": STRICT_POLICY}
    )


def test_the_incident_page_shows_who_changed_what_and_why(
    browser: Browser, database: Database, tmp_path: Path
) -> None:
    require_chromium()
    reason = "Ministry of Health: two dead — «révisé»"
    with running_server(tmp_path / "server", database_url=database.url) as server:
        key = cli_write_key(database.url, "fact-checker")
        url = f"{server.base_url}/v1/incidents/{ROCKETS}"
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as api:
            tag = api.get(url).headers["etag"]
            patched = api.patch(
                url,
                json={"fatalities": 2, "notes": "Two died in hospital."},
                headers={"If-Match": tag, "X-Change-Reason": quote(reason)},
            )
            assert patched.status_code == 200, patched.text
            history = api.get(f"{url}/history").json()
        assert [v["action"] for v in history["data"]] == ["update", "create"]

        traffic = Traffic()
        with watched_context(browser, traffic, viewport={"width": 1280, "height": 900}) as ctx:
            ctx.route("**/explore**", _strict_policy)
            page = ctx.new_page()
            with screenshot_on_failure(page, tmp_path / "failure.png"):
                response = page.goto(f"{server.base_url}/explore/incidents/{ROCKETS}")
                assert response is not None
                assert response.status == 200
                section = page.locator('#history[data-state="ready"]')
                section.wait_for(state="attached")
                items = section.locator("li.version")
                expect(items).to_have_count(history["meta"]["total"])
                newest, first = items.nth(0), items.nth(1)
                numbers = items.evaluate_all("items => items.map(i => i.value)")
                assert numbers == [2, 1]  # the newest is version 2
                assert newest.get_attribute("data-action") == "update"
                expect(newest.locator(".who")).to_have_text("fact-checker")
                expect(newest.locator(".reason q")).to_have_text(reason)
                expect(newest.locator("time")).to_have_attribute(
                    "datetime", history["data"][0]["at"]
                )
                changed = newest.locator("ul.changes > li")
                expect(changed).to_have_count(2)
                expect(changed.nth(0)).to_have_text("fatalities: 0 → 2")
                expect(changed.nth(1)).to_contain_text("notes: ")
                expect(changed.nth(1)).to_contain_text("→ Two died in hospital.")
                # The first version: loaded by the command line (`serve` seeds), no reason,
                # every field set from nothing.
                assert first.get_attribute("data-action") == "create"
                expect(first.locator(".who")).to_have_text("the command line")
                expect(first.locator(".reason")).to_have_text("No reason given")
                fields = len(history["data"][1]["changes"])
                expect(first.locator("details summary")).to_have_text(f"{fields} fields set")
                first.locator("details summary").click()
                created = first.locator("ul.changes > li")
                expect(created).to_have_count(fields)
                expect(created.first).to_be_visible()
                expect(created.first).to_have_text(
                    "title: none → Five rockets target Ain al-Asad air base"
                )
                expect(page.locator("#history .problem")).to_be_hidden()
                page.locator("#history").screenshot(path=str(SHOTS / "incident-history.png"))
        assert traffic.blocked == [], traffic.blocked
        assert traffic.failed == [], traffic.failed
        assert traffic.refused_by_policy == [], traffic.refused_by_policy
        assert traffic.errors == [], traffic.errors
        for asset, status in traffic.assets:
            assert urlsplit(asset).hostname in LOCAL_HOSTS, asset
            assert status in (200, 304), (asset, status)
        assert any(a.endswith("/js/history.js") for a, _ in traffic.assets)
