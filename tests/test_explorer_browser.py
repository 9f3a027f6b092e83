"""The explorer in a real browser: /explore, the incident page and the source reader.

Debian's Chromium driven by Playwright against the real `incident-record serve` on the
seed (tests/helpers_browser.py), with every request off localhost aborted and counted.
The pages are served here under a strict policy (`script-src 'self'; style-src 'self'`,
no inline anything), stricter than the app's own, so they keep working when the app's
policy tightens. What the pages show is compared with what the API answers for the same
question. Screenshots go to test-results/explorer/ (git-ignored).
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import Database, fresh_database
from tests.helpers_browser import (
    LOCAL_HOSTS,
    Traffic,
    chromium,
    require_chromium,
    screenshot_on_failure,
    watched_context,
)
from tests.helpers_datasets import NO_LOW, ged_of_many_places, ged_without_a_low, shown_fatalities
from tests.helpers_server import REPO_ROOT, LiveServer, run_cli, running_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = REPO_ROOT / "test-results" / "explorer"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SOURCE = "afp-2022-01-05-coalition-under-fire"
ROCKETS = "2022-01-05-ain-al-asad-rockets"
MAYADEEN = "2022-01-05-al-mayadeen-coalition-artillery"
STRICT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with running_server(tmp_path_factory.mktemp("explorer-server")) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        yield browser


def _strict_policy(route: Route) -> None:
    """Serve the explorer's pages under the strict policy instead of the app's."""
    if route.request.resource_type != "document":
        route.fallback()
        return
    response = route.fetch()
    assert "content-security-policy" in response.headers  # the app sends one
    route.fulfill(
        response=response, headers={**response.headers, "content-security-policy": STRICT_POLICY}
    )


def _module(path: str) -> bool:
    """One of the explorer's own scripts or the map's library."""
    return path.startswith("/explore/static/") and path.endswith(".js")


class Explorer:
    """A page in a fresh browser context, and what it asked for."""

    def __init__(self, page: Page, traffic: Traffic, base_url: str, scripted: bool = True) -> None:
        self.page = page
        self.traffic = traffic
        self.base = base_url
        self.scripted = scripted

    def open(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None
        assert response.status == 200, path
        url = urlsplit(path)
        if self.scripted:
            self.ready(url.query if url.path == "/explore" else None)

    def ready(self, query: str | None = None) -> None:
        """Wait until the page has drawn what it shows (for /explore: the view of `query`)."""
        view = "" if query is None else f'[data-view="{"?" + query if query else ""}"]'
        # /explore reads its selects' lists after the view: wait for them too, so that the
        # next page opened does not cut them off.
        lists = "" if query is None else '[data-vocabularies="ready"]'
        # A page with an incident's history draws it after the page itself: wait for it, so
        # that its fetch is not cut off by the next page either.
        history = ':not(:has(#history:not([data-state="ready"])))'
        self.page.locator(f'body[data-state="ready"]{view}{lists}{history}').wait_for(
            state="attached"
        )

    def api(self, path: str, **params: Any) -> Any:
        response = httpx.get(self.base + path, params=params)
        response.raise_for_status()
        return response.json()

    def table_ids(self) -> list[str]:
        return self.page.locator("#incidents tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.id)"
        )

    def parts(self) -> dict[str, int]:
        """Incidents in the table's caption total, on the map, on the timeline."""
        page = self.page
        places = page.locator("#place-list li").evaluate_all(
            "items => items.map(li => Number(li.dataset.incidents))"
        )
        return {
            "table": len(self.table_ids()),
            "map": int(page.locator("#map").get_attribute("data-incidents") or -1),
            "places": sum(places),
            "circles": int(page.locator("#map").get_attribute("data-circles") or -1),
            "place_items": len(places),
            "timeline": int(page.locator(".timeline-chart").get_attribute("data-total") or -1),
        }

    def shot(self, name: str, full_page: bool = True) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)

    def assert_clean(self) -> None:
        """Nothing asked of another host, nothing failed, no error in the console."""
        assert self.traffic.blocked == [], f"requests off localhost: {self.traffic.blocked}"
        assert self.traffic.failed == [], f"failed requests: {self.traffic.failed}"
        refused = self.traffic.refused_by_policy
        if not self.scripted:  # scripts off: Chromium refuses the modules a page names
            refused = [u for u in refused if not _module(urlsplit(u).path)]
        assert refused == [], refused
        assert self.traffic.errors == [], self.traffic.errors
        for url, status in self.traffic.assets:
            assert urlsplit(url).hostname in LOCAL_HOSTS, url
            assert status in (200, 304), (url, status)

    def axe(self) -> list[dict[str, Any]]:
        """Serious and critical accessibility violations axe-core finds on the page."""
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]],
            }
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]


@contextmanager
def explorer_on(
    browser: Browser, server: LiveServer, tmp_path: Path, **options: Any
) -> Iterator[Explorer]:
    traffic = Traffic()
    with watched_context(browser, traffic, **options) as context:
        context.route("**/explore**", _strict_policy)
        page = context.new_page()
        with screenshot_on_failure(page, tmp_path / "failure.png"):
            yield Explorer(page, traffic, server.base_url, options.get("java_script_enabled", True))


@pytest.fixture
def explorer(browser: Browser, server: LiveServer, tmp_path: Path) -> Iterator[Explorer]:
    with explorer_on(browser, server, tmp_path, viewport={"width": 1280, "height": 900}) as e:
        yield e


def test_the_seed_is_in_the_table_on_the_map_and_on_the_timeline(explorer: Explorer) -> None:
    explorer.open("/explore")
    seed = {i["id"] for i in explorer.api("/v1/incidents", limit=100)["data"]}
    assert len(seed) == 10
    assert set(explorer.table_ids()) == seed
    places = explorer.api("/v1/stats/incidents", group_by="location")["data"]
    assert explorer.parts() == {
        "table": 10,
        "map": 10,
        "places": 10,
        "place_items": len(places),
        "circles": len(places),  # a few places: each its own circle
        "timeline": 10,
    }
    expect(explorer.page.locator("#summary")).to_have_text("10 incidents match.")
    expect(explorer.page.locator("#problem")).to_be_hidden()
    # "not said" (null) and zero look different.
    rockets = explorer.page.locator(f'tr[data-id="{ROCKETS}"] td[data-label="Fatalities"]')
    expect(rockets).to_have_text("0")
    mayadeen = explorer.page.locator(f'tr[data-id="{MAYADEEN}"] td[data-label="Fatalities"]')
    expect(mayadeen.locator(".not-said")).to_have_text("not said")
    # The country outlines are drawn (Natural Earth, served by the app), and named.
    expect(explorer.page.locator(".country-label", has_text="Iraq")).to_be_visible()
    explorer.shot("explore")
    explorer.shot("explore-top", full_page=False)  # docs/explorer.png, in the README
    explorer.assert_clean()


def test_a_country_filter_changes_all_three_parts_the_url_and_history(explorer: Explorer) -> None:
    page = explorer.page
    explorer.open("/explore")
    page.get_by_label("Country", exact=True).select_option("SY")
    explorer.ready("country=SY")
    assert urlsplit(page.url).path == "/explore"
    assert urlsplit(page.url).query == "country=SY"
    syria = explorer.api("/v1/incidents", country="SY")
    total = syria["meta"]["total"]
    assert 0 < total < 10
    assert set(explorer.table_ids()) == {i["id"] for i in syria["data"]}
    parts = explorer.parts()
    assert parts["map"] == parts["places"] == parts["timeline"] == parts["table"] == total
    assert parts["place_items"] == parts["circles"] == 2  # Green Village, al-Mayadeen
    expect(page.locator("#summary")).to_have_text(f"{total} incidents match.")
    explorer.shot("explore-syria")

    page.go_back()
    explorer.ready("")
    assert urlsplit(page.url).query == ""
    assert len(explorer.table_ids()) == 10
    expect(page.get_by_label("Country", exact=True)).to_have_value("")
    page.go_forward()
    explorer.ready("country=SY")
    expect(page.get_by_label("Country", exact=True)).to_have_value("SY")
    assert explorer.parts()["table"] == total
    explorer.assert_clean()


def test_a_shared_url_restores_the_view(explorer: Explorer) -> None:
    query = {
        "country": "IQ",
        "date_from": "2020-01-01",
        "date_to": "2020-12-31",
        "event_type": "Explosions/Remote violence",
        "sort": "date",
        "group_by": "week",
    }
    explorer.open("/explore?" + urlencode(query))
    page = explorer.page
    expect(page.get_by_label("Country", exact=True)).to_have_value("IQ")
    expect(page.get_by_label("From", exact=True)).to_have_value("2020-01-01")
    expect(page.get_by_label("To", exact=True)).to_have_value("2020-12-31")
    expect(page.get_by_label("Event type", exact=True)).to_have_value("Explosions/Remote violence")
    expect(page.get_by_label("Order", exact=True)).to_have_value("date")
    expect(page.get_by_label("Bars per", exact=True)).to_have_value("week")
    filters = {k: v for k, v in query.items() if k not in ("sort", "group_by")}
    listed = explorer.api("/v1/incidents", **filters, sort="date")
    assert explorer.table_ids() == [i["id"] for i in listed["data"]]  # in the API's order
    weeks = explorer.api("/v1/stats/incidents", **filters, group_by="week")["data"]
    bars = page.locator(".timeline-chart .bar")
    expect(bars).to_have_count(len(weeks))
    assert bars.first.get_attribute("data-bucket") == weeks[0]["week"]
    assert explorer.parts()["timeline"] == listed["meta"]["total"] == explorer.parts()["map"]
    explorer.assert_clean()


def test_a_stretch_of_the_timeline_sets_the_dates(explorer: Explorer) -> None:
    page = explorer.page
    explorer.open("/explore")
    bars = page.locator(".timeline-chart .bar")
    months = explorer.api("/v1/stats/incidents", group_by="month")["data"]
    expect(bars).to_have_count(len(months))
    # Drag with the mouse from the first bar to the third (empty months are bars of no height).
    chart = page.locator(".timeline-chart").bounding_box()
    assert chart
    xs = bars.evaluate_all("bars => bars.map(b => b.getBoundingClientRect().x + 1)")
    y = chart["y"] + chart["height"] / 2
    page.mouse.move(xs[0], y)
    page.mouse.down()
    page.mouse.move(xs[2], y, steps=4)
    page.mouse.up()
    start, end = months[0]["month"], months[2]["month"]
    explorer.ready(f"date_from={start}-01&date_to={end}-31")
    expect(page.get_by_label("From", exact=True)).to_have_value(f"{start}-01")
    in_range = explorer.api("/v1/incidents", date_from=f"{start}-01", date_to=f"{end}-31")
    assert set(explorer.table_ids()) == {i["id"] for i in in_range["data"]}
    # With the keyboard: the last bar alone (the dates now ask for day bars).
    page.go_back()
    explorer.ready("")
    page.locator(".timeline-chart").focus()
    page.keyboard.press("End")
    last = months[-1]
    assert last["month"] == "2022-01"
    expect(page.locator("#timeline-cursor")).to_have_text(f"2022-01: {last['incidents']} incidents")
    page.keyboard.press("Enter")
    explorer.ready("date_from=2022-01-01&date_to=2022-01-31")
    assert page.locator(".timeline-chart").get_attribute("data-unit") == "day"
    january = {"date_from": "2022-01-01", "date_to": "2022-01-31"}
    listed = explorer.api("/v1/incidents", **january)["meta"]["total"]
    parts = explorer.parts()
    assert parts["table"] == parts["map"] == listed  # incidents overlapping January
    assert parts["timeline"] == last["incidents"]  # incidents starting in January
    # One incident began in 2020 and runs into January 2022: the page says why it is
    # in the table and not in the bars.
    assert listed == last["incidents"] + 1
    expect(page.locator("#timeline-note")).to_have_text(
        "1 incident that began before 2022-01-01 is in the table and on the map, not in these bars."
    )
    explorer.assert_clean()


def test_a_total_counted_to_its_budget_says_at_least(browser: Browser, tmp_path: Path) -> None:
    """Where the API's total is a lower bound (`total_relation` `gte`), the explorer says
    "at least": on the page the server wrote, and after a filter the script applies."""
    with running_server(tmp_path / "server", env={"EXACT_TOTAL_LIMIT": "2"}) as live:
        with explorer_on(browser, live, tmp_path) as explorer:
            page = explorer.page
            meta = explorer.api("/v1/incidents", q="a")["meta"]
            assert (meta["total"], meta["total_relation"]) == (2, "gte")
            explorer.open("/explore?q=a")
            explorer.ready("q=a")
            expect(page.locator("#summary")).to_have_text("at least 2 incidents match.")
            expect(page.locator("#incidents caption")).to_contain_text("of at least 2 incidents")
            assert page.title().startswith("2+ · ")
            page.get_by_label("Words", exact=True).fill("al")
            page.get_by_role("button", name="Apply").click()
            explorer.ready("q=al")
            assert explorer.api("/v1/incidents", q="al")["meta"]["total_relation"] == "gte"
            expect(page.locator("#summary")).to_have_text("at least 2 incidents match.")
            page.get_by_label("Words", exact=True).fill("zeppelin rockets")
            page.get_by_role("button", name="Apply").click()
            explorer.ready("q=zeppelin+rockets")
            expect(page.locator("#summary")).to_have_text("0 incidents match.")
            explorer.assert_clean()


def test_more_places_than_one_answer_holds_are_asked_to_be_narrowed(
    browser: Browser, tmp_path: Path
) -> None:
    """With more matching places than the API answers at once (10,000: a dataset such as
    GED's has tens of thousands), the map says how to see them instead of failing, the
    table and timeline show every match, and the places of a narrower filter are drawn."""
    url = f"sqlite:///{tmp_path / 'many.db'}"
    assert run_cli(url, "db", "upgrade").returncode == 0
    done = run_cli(url, "import-dataset", str(ged_of_many_places(tmp_path, 10_001)), timeout=300)
    assert done.returncode == 0, done.stderr
    with running_server(tmp_path / "server", database_url=url) as live:
        with explorer_on(browser, live, tmp_path, viewport={"width": 1280, "height": 900}) as e:
            e.open("/explore")
            page = e.page
            expect(page.locator("#map-note")).to_have_text(
                "More places match than the map draws at once: choose a country, a place or "
                "narrower dates to see them."
            )
            expect(page.locator("#map")).to_have_attribute("data-too-many", "true")
            expect(page.locator("#problem")).to_be_empty()
            assert e.parts()["timeline"] == 10_001
            expect(page.locator("#summary")).to_have_text("10,001 incidents match.")
            asked = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
            assert [u for u in asked if "/v1/stats/" in u], asked
            assert not [u for u in asked if "/v1/locations" in u], "places come with the counts"
            e.open("/explore?country=SY")  # all of them are in Syria, as the test row is
            expect(page.locator("#map")).to_have_attribute("data-too-many", "true")
            e.open("/explore?q=%227+village%22")  # "Place 7 village" alone: a phrase
            expect(page.locator("#map")).to_have_attribute("data-too-many", "false")
            expect(page.locator("#map")).to_have_attribute("data-places", "1")
            expect(page.locator("#map-note")).to_be_empty()
            expect(page.locator("#place-list li a")).to_have_text("Place 7 village")


def test_filters_by_name_words_and_event_type(explorer: Explorer) -> None:
    page = explorer.page
    explorer.open("/explore")
    page.get_by_label("Attributed to", exact=True).fill(
        "Iran-backed groups"
    )  # a name, umbrella included
    page.get_by_label("Attributed to", exact=True).press("Enter")
    explorer.ready("attributed_to=iran-backed-groups")
    attributed = explorer.api("/v1/incidents", attributed_to="iran-backed-groups")
    assert set(explorer.table_ids()) == {i["id"] for i in attributed["data"]}
    expect(page.get_by_label("Attributed to", exact=True)).to_have_value("Iran-backed groups")

    page.get_by_label("Words", exact=True).fill("rockets")
    page.get_by_role("button", name="Apply").click()
    explorer.ready("attributed_to=iran-backed-groups&q=rockets")
    both = explorer.api("/v1/incidents", attributed_to="iran-backed-groups", q="rockets")
    assert set(explorer.table_ids()) == {i["id"] for i in both["data"]}

    explorer.open("/explore")
    page.get_by_label("Event type", exact=True).select_option("Strategic developments")
    explorer.ready("event_type=Strategic+developments")
    strategic = explorer.api("/v1/incidents", event_type="Strategic developments")
    assert set(explorer.table_ids()) == {i["id"] for i in strategic["data"]}
    assert explorer.parts()["map"] == strategic["meta"]["total"]
    # The order follows the API's sort.
    page.get_by_label("Order", exact=True).select_option("-fatalities")
    explorer.ready("event_type=Strategic+developments&sort=-fatalities")
    ordered = explorer.api("/v1/incidents", event_type="Strategic developments", sort="-fatalities")
    assert explorer.table_ids() == [i["id"] for i in ordered["data"]]
    explorer.assert_clean()


def test_a_place_on_the_map_filters_by_location(explorer: Explorer) -> None:
    page = explorer.page
    explorer.open("/explore")
    page.locator("#places summary").click()
    page.locator('#place-list a:text-is("Ain al-Asad air base")').click()
    explorer.ready("location=ain-al-asad-air-base")
    there = explorer.api("/v1/incidents", location="ain-al-asad-air-base")
    assert set(explorer.table_ids()) == {i["id"] for i in there["data"]}
    expect(page.locator("#other-filters")).to_contain_text("location = ain-al-asad-air-base")
    # A circle's popup lists the place's incidents, linked to their pages: one place, in
    # the middle of the map (the circles are drawn on a canvas).
    explorer.open("/explore?location=green-village-base")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".popup strong")).to_have_text("Green Village")
    link = page.locator(".popup-list a")
    expect(link).to_have_text("Indirect fire on Green Village base")
    expect(link).to_have_attribute(
        "href", "/explore/incidents/2022-01-05-green-village-indirect-fire"
    )
    explorer.assert_clean()


def test_a_bad_filter_shows_the_api_problem(explorer: Explorer) -> None:
    explorer.open("/explore?contry=IQ")
    expect(explorer.page.locator("#problem")).to_contain_text("contry: unknown query parameter")
    # Chromium logs each 400 answer to the console; nothing else may appear there.
    other = [e for e in explorer.traffic.errors if "status of 400" not in e]
    assert other == []
    assert explorer.traffic.blocked == []


def test_the_incident_page(explorer: Explorer) -> None:
    page = explorer.page
    explorer.open("/explore")
    page.get_by_role("link", name="Five rockets target Ain al-Asad air base").click()
    page.wait_for_url(f"**/explore/incidents/{ROCKETS}")
    explorer.ready()
    _shows_the_incident(explorer, ROCKETS)
    explorer.shot("incident")

    # "Not said" next to zero, and the added admin1 of another incident.
    explorer.open(f"/explore/incidents/{MAYADEEN}")
    expect(page.locator('dd[data-fields="fatalities"] .not-said')).to_have_text("not said")
    expect(page.locator('dd[data-fields="admin1"] .added')).to_be_visible()

    # From a quote to its words in the source reader, in one click.
    explorer.open(f"/explore/incidents/{ROCKETS}")
    card = page.locator('[id="quote-kirby-working-level-assumption"]')
    card.get_by_role("link", name="See it in the source").click()
    page.wait_for_url(f"**/explore/sources/{SOURCE}#quote-kirby-working-level-assumption")
    explorer.ready()
    selected = page.locator("#text mark.selected")
    quote = explorer.api("/v1/quotes/kirby-working-level-assumption")
    expect(selected).to_have_text(quote["text"])
    expect(page.locator("#record")).to_contain_text("Pentagon spokesman")
    explorer.assert_clean()


def _shows_the_incident(explorer: Explorer, incident_id: str) -> None:
    """The open page shows every part of the incident as the API gives it."""
    page = explorer.page
    detail = explorer.api(f"/v1/incidents/{incident_id}")
    expect(page).to_have_title(f"{detail['title']} · incident-record")
    expect(page.get_by_role("heading", level=1)).to_have_text(detail["title"])
    field = page.locator("dl.fields").first
    expect(field.locator('dd[data-fields="fatalities"]')).to_have_text("0")
    expect(field.locator('dd[data-fields="time_of_day"] .not-said')).to_have_text("not said")
    # The coordinates were added by the editor: marked, with the notes at hand.
    coordinates = field.locator("dt:text-is('Coordinates') + dd")
    expect(coordinates.locator(".added")).to_have_attribute("href", "#notes")
    expect(page.locator("#notes")).to_contain_text(detail["notes"])
    # Actors with their roles.
    for actor in detail["actors"]:
        expect(page.locator("section", has=page.locator("#actors-h"))).to_contain_text(
            f"{actor['actor_name']} — {actor['role'].replace('_', ' ')}"
        )
    # Each attribution is a claim: who, stance, whom, evidence quoted.
    claims = page.locator(".claim-card")
    expect(claims).to_have_count(len(detail["attributions"]))
    expect(page.locator(".quote-card")).to_have_count(len(detail["quotes"]))
    expect(page.locator(".excerpt-card")).to_have_count(len(detail["sources"]))
    quotes = {q["id"]: q for q in detail["quotes"]}
    for attribution in detail["attributions"]:
        card = page.locator(f'[id="attribution-{attribution["id"]}"]')
        expect(card.locator(".who")).to_have_text(
            f"{attribution['by_actor_name']} {attribution['stance']} {attribution['actor_name']}"
        )
        if attribution["evidence_quote_id"]:
            expect(card).to_contain_text(quotes[attribution["evidence_quote_id"]]["text"])
    # Quotes with speaker and title as written.
    for quote in detail["quotes"]:
        card = page.locator(f'[id="quote-{quote["id"]}"]')
        expect(card.locator("blockquote")).to_have_text(f"“{quote['text']}”")
        expect(card).to_contain_text(quote["speaker_name"])
        if quote["speaker_title"]:
            expect(card.locator(".as-written")).to_have_text(quote["speaker_title"])
    # Related incidents as links.
    for related in detail["related"]:
        link = page.locator(f'li[data-relation="{related["relation"]}"] a')
        expect(link).to_have_attribute("href", f"/explore/incidents/{related['incident_id']}")
    # Each excerpt in its sentence, the exact words marked.
    marks = page.locator(".in-sentence mark")
    assert marks.all_text_contents() == [s["excerpt"] for s in detail["sources"]]


def _spans_of_source(explorer: Explorer, source_id: str) -> dict[str, str]:
    """Every highlight the reader must show, by its key, with its words, from the API."""
    words: dict[str, str] = {}
    for quote in explorer.api("/v1/quotes", source=source_id, limit=1000)["data"]:
        words[f"quote-{quote['id']}"] = quote["text"]
    for incident in explorer.api("/v1/incidents", source=source_id, limit=1000)["data"]:
        detail = explorer.api(f"/v1/incidents/{incident['id']}")
        for s in detail["sources"]:
            if s["source_id"] == source_id:
                key = f"excerpt-{incident['id']}-{s['span']['start']}-{s['span']['end']}"
                words[key] = s["excerpt"]
        for a in detail["attributions"]:
            if a["excerpt"]:
                words[f"attribution-{a['id']}"] = a["excerpt"]
    return words


def _check_highlights(explorer: Explorer, source_id: str) -> None:
    wanted = _spans_of_source(explorer, source_id)
    shown = explorer.page.evaluate(
        """() => {
          const words = {};
          for (const mark of document.querySelectorAll('#text mark')) {
            for (const key of mark.dataset.records.split(' ')) {
              words[key] = (words[key] || '') + mark.textContent;
            }
          }
          return words;
        }"""
    )
    assert shown == wanted
    text = httpx.get(f"{explorer.base}/v1/sources/{source_id}/text").text
    assert explorer.page.locator("#text").text_content() == text


def test_the_source_reader_marks_every_quote_excerpt_and_attribution(explorer: Explorer) -> None:
    page = explorer.page
    explorer.open(f"/explore/sources/{SOURCE}")
    _check_highlights(explorer, SOURCE)
    # Selecting a highlight shows the record it backs.
    mark = page.locator('#text mark[data-records~="quote-coalition-official-no-damage"]')
    mark.click()
    expect(page.locator("#record")).to_contain_text("Coalition official (unnamed)")
    expect(page.locator("#record")).to_contain_text("These words are also part of")
    expect(
        page.locator("#record a", has_text="Five rockets target Ain al-Asad air base").first
    ).to_be_visible()
    # The index reaches every highlight with the keyboard (links to the marks).
    link = page.locator(
        '#index a[href="#attribution-ain-al-asad-rockets-accused-by-pentagon-deck"]'
    )
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#text mark.selected").first).to_contain_text("RETALIATION")
    expect(page.locator("#record")).to_contain_text("Pentagon accused Iran-backed groups")
    explorer.shot("source")
    explorer.assert_clean()


def _astral_bundle() -> dict[str, Any]:
    """A source whose text has characters outside the BMP before and inside its spans."""
    text = (
        "Astral test wire 🛰️\n\n"
        "𝐁𝐑𝐄𝐀𝐊𝐈𝐍𝐆: a drone 🚁 struck the depot at Testville on Monday, officials said. "
        "“We saw 𝟑 drones 🚁🚁🚁 over the depot,” the mayor 👩‍💼 of Testville said.\n"
    )

    def span(words: str) -> dict[str, int]:
        start = text.index(words)  # code points, as the record counts
        return {"start": start, "end": start + len(words)}

    quote = "We saw 𝟑 drones 🚁🚁🚁 over the depot,"
    excerpt = "a drone 🚁 struck the depot at Testville on Monday, officials said."
    incident = "2099-01-05-testville-drone"
    return {
        "format": "incident-record.bundle/1",
        "source": {
            "id": "astral-test-wire",
            "title": "Astral test wire",
            "publisher": "Test fixture",
            "published_on": "2099-01-05",
            "text": text,
            "notes": "Invented test data: characters outside the Basic Multilingual Plane.",
        },
        "locations": [
            {
                "id": "testville-depot",
                "name": "Testville depot",
                "kind": "city",
                "country": "NO",
                "latitude": 60.0,
                "longitude": 10.0,
                "geo_precision": 1,
            }
        ],
        "actors": [{"id": "testville-mayor", "name": "Mayor of Testville", "kind": "person"}],
        "quotes": [
            {
                "id": "testville-mayor-drones",
                "text": quote,
                "speaker_id": "testville-mayor",
                "speaker_title": "the mayor 👩‍💼 of Testville",
                "channel": "unspecified",
                "span": span(quote),
                "incident_ids": [incident],
            }
        ],
        "incidents": [
            {
                "id": incident,
                "title": "Drone 🚁 strikes the Testville depot",
                "date_start": "2099-01-05",
                "date_end": "2099-01-05",
                "date_precision": "day",
                "event_type": "Explosions/Remote violence",
                "sub_event_type": "Air/drone strike",
                "country": "NO",
                "location_id": "testville-depot",
                "excerpts": [{**span(excerpt), "text": excerpt}],
                "attributions": [
                    {
                        "id": "testville-drone-suspected",
                        "actor_id": "testville-mayor",
                        "stance": "suspected",
                        "excerpt": {**span(quote), "text": quote},
                    }
                ],
            }
        ],
    }


@pytest.fixture(scope="module")
def larger_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The seed, a source with characters outside the BMP, and 5,000 synthetic incidents."""
    require_chromium()
    workdir = tmp_path_factory.mktemp("explorer-larger")
    bundle = workdir / "astral.json"
    bundle.write_text(json.dumps(_astral_bundle(), ensure_ascii=False), encoding="utf-8")
    url = f"sqlite:///{workdir / 'larger.db'}"
    with running_server(workdir / "server", database_url=url) as server:
        for command in (["import", str(bundle)], ["synth", "--incidents", "5000", "--seed", "7"]):
            done = run_cli(url, *command)
            assert done.returncode == 0, done.stderr
        yield server


@pytest.fixture
def larger(browser: Browser, larger_server: LiveServer, tmp_path: Path) -> Iterator[Explorer]:
    with explorer_on(
        browser, larger_server, tmp_path, viewport={"width": 1280, "height": 900}
    ) as e:
        yield e


def test_highlights_count_characters_as_the_record_does(larger: Explorer) -> None:
    """Spans are code points; JavaScript strings are UTF-16: emoji must not shift a mark."""
    larger.open("/explore/sources/astral-test-wire")
    _check_highlights(larger, "astral-test-wire")
    quote = larger.page.locator('#text mark[data-records~="quote-testville-mayor-drones"]')
    expect(quote).to_have_text("We saw 𝟑 drones 🚁🚁🚁 over the depot,")
    larger.open("/explore/incidents/2099-01-05-testville-drone")
    expect(larger.page.locator(".in-sentence mark")).to_have_text(
        "a drone 🚁 struck the depot at Testville on Monday, officials said."
    )
    larger.assert_clean()


def test_more_rows_come_with_the_keyset_cursor_and_places_gather(larger: Explorer) -> None:
    page = larger.page
    larger.open("/explore?sort=-fatalities")
    first = larger.api("/v1/incidents", sort="-fatalities")
    second = larger.api("/v1/incidents", sort="-fatalities", cursor=first["meta"]["next_cursor"])
    total = first["meta"]["total"]
    assert total > 5000
    assert larger.table_ids() == [i["id"] for i in first["data"]]
    expect(page.locator("#incidents caption")).to_have_text(
        f"50 of {total:,} incidents, most fatalities first"
    )
    page.get_by_role("button", name="Show 50 more").click()
    expect(page.locator("#incidents tbody tr")).to_have_count(100)
    assert larger.table_ids() == [i["id"] for i in first["data"] + second["data"]]
    # Keyboard users carry on at the first new row.
    expect(page.locator(":focus")).to_have_text(second["data"][0]["title"])
    # synth leaves 3% of incidents without a place: the map says how many it cannot show.
    by_place = larger.api("/v1/stats/incidents", group_by="location")["data"]
    unplaced = sum(row["incidents"] for row in by_place if row["location"] is None)
    assert unplaced > 1
    parts = larger.parts()
    assert parts["timeline"] == total
    assert parts["map"] == total - unplaced
    # Hundreds of places: neighbours on the screen share a circle.
    assert parts["place_items"] > 200
    assert 1 < parts["circles"] < parts["place_items"] / 2
    expect(page.locator("#map-note")).to_have_text(
        f"{unplaced} incidents with no known place are not on the map."
    )
    larger.assert_clean()


@pytest.mark.parametrize(
    "path",
    ["/explore", f"/explore/incidents/{ROCKETS}", f"/explore/sources/{SOURCE}"],
)
def test_no_serious_accessibility_violation(explorer: Explorer, path: str) -> None:
    explorer.open(path)
    assert explorer.axe() == []
    explorer.assert_clean()


def test_the_accessibility_check_finds_violations(explorer: Explorer) -> None:
    """The check the other tests rely on: it does report a serious violation."""
    explorer.open("/explore")
    explorer.page.evaluate(
        """() => {
          const input = document.createElement('input');  // a control with no label
          document.querySelector('main').append(input);
        }"""
    )
    assert [v["id"] for v in explorer.axe()] == ["label"]


@pytest.fixture
def phone(browser: Browser, server: LiveServer, tmp_path: Path) -> Iterator[Explorer]:
    with explorer_on(
        browser, server, tmp_path, viewport=PHONE, is_mobile=True, has_touch=True
    ) as e:
        yield e


@pytest.mark.parametrize(
    "path",
    ["/explore", f"/explore/incidents/{ROCKETS}", f"/explore/sources/{SOURCE}"],
)
def test_phone_width(phone: Explorer, path: str) -> None:
    phone.open(path)
    page = phone.page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.axe() == []
    if path == "/explore":
        # Each row is a card whose cells say what they are.
        cell = page.locator(f'tr[data-id="{ROCKETS}"] td[data-label="Fatalities"]')
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"Fatalities: "'
        box = page.locator("#map").bounding_box()
        assert box is not None
        assert box["width"] <= PHONE["width"]
        phone.shot("explore-phone")
    phone.assert_clean()


def test_keyboard_reaches_the_filters_and_the_table(explorer: Explorer) -> None:
    page = explorer.page
    explorer.open("/explore")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to the content")
    focused = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate("document.activeElement.id || document.activeElement.textContent")
        )
    for control in ("f-country", "f-date_from", "f-attributed_to", "f-q", "f-sort"):
        assert control in focused, focused
    # Enter on a table link opens the incident.
    link = page.locator(f'tr[data-id="{ROCKETS}"] a')
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/explore/incidents/{ROCKETS}")
    explorer.assert_clean()


def test_unknown_ids_are_404_pages(server: LiveServer) -> None:
    for path in ("/explore/incidents/no-such-incident", "/explore/sources/no-such-source"):
        response = httpx.get(server.base_url + path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "no-such" in response.text


def test_a_request_off_localhost_is_caught(explorer: Explorer) -> None:
    """The guard the other tests rely on: a page asking another host is seen and aborted."""
    explorer.open("/explore")
    # The pages' own policy stops a fetch before it is sent: a navigation is not stopped.
    with pytest.raises(PlaywrightError):
        explorer.page.goto("https://tile.example.org/0/0/0.png")
    assert explorer.traffic.blocked == [("document", "https://tile.example.org/0/0/0.png")]
    with pytest.raises(AssertionError, match="requests off localhost"):
        explorer.assert_clean()


# Without JavaScript: what curl, an archive or a citation tool gets, as a browser draws it.


@pytest.fixture
def unscripted(browser: Browser, server: LiveServer, tmp_path: Path) -> Iterator[Explorer]:
    with explorer_on(
        browser,
        server,
        tmp_path,
        viewport={"width": 1280, "height": 900},
        java_script_enabled=False,
    ) as e:
        yield e


def test_the_incident_page_reads_without_javascript(unscripted: Explorer) -> None:
    unscripted.open(f"/explore/incidents/{ROCKETS}")
    _shows_the_incident(unscripted, ROCKETS)
    page = unscripted.page
    unscripted.open(f"/explore/incidents/{MAYADEEN}")
    expect(page.locator('dd[data-fields="fatalities"] .not-said')).to_have_text("not said")
    expect(page.locator('dd[data-fields="admin1"] .added')).to_be_visible()
    unscripted.shot("incident-unscripted")
    unscripted.assert_clean()


def test_the_source_page_reads_without_javascript(unscripted: Explorer) -> None:
    page = unscripted.page
    unscripted.open(f"/explore/sources/{SOURCE}")
    title = unscripted.api(f"/v1/sources/{SOURCE}")["title"]
    expect(page).to_have_title(f"{title} · incident-record")
    _check_highlights(unscripted, SOURCE)
    # Each entry of the list of highlights leads to its words: a link to an anchor there.
    keys = page.locator("#index a").evaluate_all("links => links.map(a => a.hash.slice(1))")
    assert sorted(keys) == sorted(_spans_of_source(unscripted, SOURCE))
    for key in keys:
        expect(page.locator(f'#text [id="{key}"]')).to_have_count(1)
    page.locator('#index a[href="#quote-kirby-working-level-assumption"]').click()
    assert urlsplit(page.url).fragment == "quote-kirby-working-level-assumption"
    # What needs a script says so, and what it would do is not offered.
    expect(page.locator(".legend")).to_contain_text("needs JavaScript", use_inner_text=True)
    expect(page.locator(".when-scripted").first).to_be_hidden()
    unscripted.shot("source-unscripted")
    unscripted.assert_clean()


def test_explore_shows_its_first_table_page_without_javascript(unscripted: Explorer) -> None:
    page = unscripted.page
    unscripted.open("/explore?country=IQ&sort=date")
    listed = unscripted.api("/v1/incidents", country="IQ", sort="date")
    total = listed["meta"]["total"]
    assert unscripted.table_ids() == [i["id"] for i in listed["data"]]
    expect(page.locator("#summary")).to_have_text(f"{total} incidents match.")
    expect(page.locator("#incidents caption")).to_have_text(
        f"{total} of {total} incidents, oldest first"
    )
    expect(page).to_have_title(f"{total} · Explore the record · incident-record")
    # "Not said" (null) and zero look different.
    for incident in listed["data"]:
        cell = page.locator(f'tr[data-id="{incident["id"]}"] td[data-label="Fatalities"]')
        if incident["fatalities"] is None:
            expect(cell.locator(".not-said")).to_have_text("not said")
        else:
            expect(cell).to_have_text(f"{incident['fatalities']:,}")
    expect(page.get_by_label("Country", exact=True)).to_have_value("IQ")
    expect(page.locator("#f-country option:checked")).to_have_text("Iraq")
    expect(page.get_by_label("Order", exact=True)).to_have_value("date")
    # What needs scripts says so, and is not drawn empty.
    note = page.locator("main .note", has_text="Without JavaScript")
    expect(note).to_be_visible()
    expect(note).to_contain_text("the map, the timeline")
    expect(page.locator("#map")).to_be_hidden()
    expect(page.locator("#timeline")).to_be_hidden()
    unscripted.shot("explore-unscripted")
    # The form works as a plain form: its filters, and the table's order, in the URL.
    page.get_by_label("Words", exact=True).fill("rockets")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/explore?*q=rockets*")
    both = unscripted.api("/v1/incidents", country="IQ", q="rockets", sort="date")
    assert unscripted.table_ids() == [i["id"] for i in both["data"]]
    assert both["meta"]["total"] > 0
    unscripted.assert_clean()


def _drawn_unscripted(route: Route) -> None:
    """A page as a browser without JavaScript draws it: no script, and what <noscript>
    holds shown (axe-core needs scripts to run, so it checks this copy in a browser that
    has them)."""
    if route.request.resource_type != "document":
        route.fallback()
        return
    response = route.fetch()
    body = re.sub(r"<script\b[^>]*>.*?</script>", "", response.text(), flags=re.S)
    body = body.replace("<noscript>", "").replace("</noscript>", "")
    headers = {
        name: value
        for name, value in response.headers.items()
        if name not in ("content-encoding", "content-length")
    }
    route.fulfill(
        status=response.status,
        headers={**headers, "content-security-policy": STRICT_POLICY},
        body=body,
    )


@pytest.mark.parametrize(
    "path",
    ["/explore?country=IQ", f"/explore/incidents/{ROCKETS}", f"/explore/sources/{SOURCE}"],
)
def test_no_serious_accessibility_violation_without_javascript(
    browser: Browser, server: LiveServer, tmp_path: Path, path: str
) -> None:
    with explorer_on(browser, server, tmp_path) as drawn:
        drawn.page.context.route("**/explore**", _drawn_unscripted)
        response = drawn.page.goto(server.base_url + path)
        assert response is not None
        assert response.status == 200
        expect(drawn.page.locator("script")).to_have_count(0)
        if path.startswith("/explore?"):
            expect(drawn.page.locator("#map")).to_be_hidden()  # noscript.css applies
        assert drawn.axe() == []
        drawn.assert_clean()


# The scripts enhance what the server wrote: the same content, once.
ENHANCED = {
    f"/explore/incidents/{ROCKETS}": ["h1", "#incident"],
    f"/explore/sources/{SOURCE}": ["h1", "#about", "#text", "#index"],
    "/explore": ["h1", "#summary", "#incidents caption", "#incidents tbody"],
    "/explore?country=SY&sort=-fatalities": ["#summary", "#incidents tbody", "#other-filters"],
}


@pytest.mark.parametrize("path", list(ENHANCED))
def test_the_scripts_enhance_the_page_without_repeating_it(
    browser: Browser, server: LiveServer, tmp_path: Path, path: str
) -> None:
    written = {}
    with explorer_on(browser, server, tmp_path, java_script_enabled=False) as plain:
        plain.open(path)
        for part in ENHANCED[path]:
            expect(plain.page.locator(part)).to_have_count(1)
            written[part] = plain.page.locator(part).inner_html()
        title = plain.page.title()
        plain.assert_clean()
    with explorer_on(browser, server, tmp_path) as enhanced:
        enhanced.open(path)
        for part in ENHANCED[path]:
            assert enhanced.page.locator(part).inner_html() == written[part], part
        assert enhanced.page.title() == title
        enhanced.assert_clean()


@pytest.mark.parametrize(
    ("path", "script", "expected"),
    [("/explore", "explore", 8), (f"/explore/sources/{SOURCE}", "source", 2)],
)
def test_a_page_asks_for_its_modules_with_its_script(
    explorer: Explorer, path: str, script: str, expected: int
) -> None:
    """Every module the page's script imports (the map's library too, imported as the
    page runs), and the map's outlines, is asked for before that script has arrived: the
    browser has them from the page (`modulepreload`, `preload`) rather than from reading
    the script, then its imports, a level at a time."""
    explorer.open(path)
    asked = explorer.page.evaluate(
        "performance.getEntriesByType('resource')"
        ".map(e => [new URL(e.name).pathname, e.startTime, e.responseEnd])"
    )
    timing = {p: (start, end) for p, start, end in asked}
    arrived = timing[f"/explore/static/js/{script}.js"][1]
    imported = [
        p
        for p in timing
        if p.endswith((".js", ".json"))
        and p.startswith("/explore/static/")
        and p != f"/explore/static/js/{script}.js"
        and "topojson-client" not in p  # scripts of the page itself
        and p != "/explore/static/js/view.js"
    ]
    assert len(imported) == expected, imported
    assert {p: timing[p][0] < arrived for p in imported} == dict.fromkeys(imported, True)
    explorer.assert_clean()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=rocket",
        "country=IQ&date_from=2022-01-01&date_to=2022-01-31",
        "group_by=year&sort=-fatalities",
        "q=drone&group_by=country&limit=5",
    ],
)
def test_the_first_view_asks_its_stats_once_as_the_page_arrives(
    explorer: Explorer, query: str
) -> None:
    """view.js, a classic script, asks for the first view's two stats (the map's, the
    timeline's) as the page arrives, before the page's modules run; the modules take those
    answers rather than asking again: each stats URL asked once, none left untaken."""
    devtools = explorer.page.context.new_cdp_session(explorer.page)
    devtools.send("Network.enable")
    asked: list[tuple[str, str]] = []  # each stats URL, and the script that asked for it

    def sent(event: dict[str, Any]) -> None:
        url = urlsplit(event["request"]["url"])
        if url.path == "/v1/stats/incidents":
            frames = event["initiator"].get("stack", {}).get("callFrames", [])
            asked.append((url.query, urlsplit(frames[0]["url"]).path if frames else ""))

    devtools.on("Network.requestWillBeSent", sent)
    explorer.open("/explore" + (f"?{query}" if query else ""))
    assert len(asked) == 2, asked
    assert len({url for url, _ in asked}) == 2, asked
    assert {script for _, script in asked} == {"/explore/static/js/view.js"}, asked
    assert explorer.page.evaluate("window.explorerView.asked.size") == 0
    explorer.assert_clean()


def test_country_names_cover_neither_circles_nor_each_other(explorer: Explorer) -> None:
    for path in ("/explore", "/explore?country=SY", "/explore?country=IQ"):
        explorer.open(path)
        drawn = explorer.page.evaluate(
            """() => {
              const map = document.querySelector("#map");
              const frame = map.getBoundingClientRect();
              const canvas = map.querySelector(".leaflet-overlay-pane canvas");
              const at = canvas.getBoundingClientRect();
              const scale = canvas.width / at.width;
              const pixels = canvas.getContext("2d");
              const labels = [...map.querySelectorAll(".country-label")]
                .filter((l) => getComputedStyle(l).visibility === "visible")
                .map((l) => ({ name: l.textContent, box: l.getBoundingClientRect() }))
                .filter(({ box }) => box.right > frame.left && box.left < frame.right
                  && box.bottom > frame.top && box.top < frame.bottom);
              // A circle's pixel: its orange fill or edge, over land or sea (the outlines
              // are greys and beige).
              const onCircle = labels.filter(({ box }) => {
                const x = Math.max(0, Math.floor((box.left - at.left) * scale));
                const y = Math.max(0, Math.floor((box.top - at.top) * scale));
                const w = Math.ceil(box.width * scale);
                const h = Math.ceil(box.height * scale);
                const data = pixels.getImageData(x, y, w, h).data;
                for (let i = 0; i < data.length; i += 4) {
                  const [r, g, b, a] = data.slice(i, i + 4);
                  if (a > 64 && r - g > 30 && r - b > 60) return true;
                }
                return false;
              }).map((l) => l.name);
              const overlapping = [];
              labels.forEach((a, n) => labels.slice(n + 1).forEach((b) => {
                if (a.box.left < b.box.right && b.box.left < a.box.right
                    && a.box.top < b.box.bottom && b.box.top < a.box.bottom) {
                  overlapping.push([a.name, b.name]);
                }
              }));
              return { names: labels.map((l) => l.name), onCircle, overlapping };
            }"""
        )
        assert {"Iraq", "Syria"} <= set(drawn["names"]), (path, drawn["names"])
        assert drawn["overlapping"] == [], path
        assert drawn["onCircle"] == [], path
    explorer.assert_clean()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_seed_view_on_postgresql(browser: Browser, tmp_path: Path, backend: str) -> None:
    with (
        fresh_database(backend, tmp_path) as url,
        running_server(tmp_path / "server", database_url=url) as server,
        explorer_on(browser, server, tmp_path) as explorer,
    ):
        explorer.open("/explore?country=IQ")
        total = explorer.api("/v1/incidents", country="IQ")["meta"]["total"]
        parts = explorer.parts()
        assert parts["table"] == parts["map"] == parts["timeline"] == total > 0
        explorer.assert_clean()


def _fatalities_cells(explorer: Explorer) -> dict[str, list[str]]:
    """Each row's Fatalities cell: its markup and its text."""
    cells: dict[str, list[str]] = explorer.page.locator("#incidents tbody tr").evaluate_all(
        """rows => Object.fromEntries(rows.map(r => {
          const cell = r.querySelector('td[data-label="Fatalities"]');
          return [r.dataset.id, [cell.innerHTML, cell.textContent]];
        }))"""
    )
    return cells


def test_the_table_shows_a_dataset_s_estimates_as_written_and_as_drawn(
    browser: Browser, database: Database, tmp_path: Path
) -> None:
    """A GED row's best (low–high), an unknown one "not said", an article's figure alone:
    the same in the table the server writes (no JavaScript) and in one the scripts draw."""
    with running_server(tmp_path / "server", database_url=database.url) as server:
        path = ged_without_a_low(tmp_path)
        done = run_cli(database.url, "import-dataset", str(path), "--release", "23.1")
        assert done.returncode == 0, done.stderr
        with explorer_on(browser, server, tmp_path, java_script_enabled=False) as plain:
            plain.open("/explore?sort=-fatalities")
            written = _fatalities_cells(plain)
            plain.assert_clean()
        with explorer_on(browser, server, tmp_path) as scripted:
            scripted.open("/explore")
            scripted.page.get_by_label("Order", exact=True).select_option("-fatalities")
            scripted.ready("sort=-fatalities")
            drawn = _fatalities_cells(scripted)
            listed = scripted.api("/v1/incidents", sort="-fatalities")["data"]
            scripted.shot("explore-estimates")
            scripted.assert_clean()
    assert list(drawn) == [i["id"] for i in listed]
    assert drawn == written
    assert {i: text for i, (_, text) in drawn.items()} == {
        i["id"]: shown_fatalities(i) for i in listed
    }
    assert drawn["ucdp-ged-9000003"][1] == "7 (5–12)"  # best 7, low 5, high 12 in the file
    assert drawn[f"ucdp-ged-{NO_LOW}"][1] == "5 (not said–7)"
    assert drawn[ROCKETS][1] == "0"
