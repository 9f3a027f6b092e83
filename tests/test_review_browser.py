"""The review pages in a real browser: /explore/new and /explore/sources/{id}/edit.

Debian's Chromium driven by Playwright against the real `incident-record serve` (the seed
loaded), every request off localhost aborted, the pages under the strict policy of
tests/test_explorer_browser.py. An article written for these tests
(tests/data/tigris_2031_04_17_arbil_kirkuk.txt: invented, a weekday date, quotes, a place
the seed holds and one it does not) goes from pasted text to a landed source: drafted by
`POST /v1/drafts`, reviewed, submitted through `POST /v1/sources`; what landed is read back
from the API, the map and the source reader, and compared with what the page showed.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from app.http.etag import uncoded
from tests.conftest import fresh_database
from tests.helpers_browser import chromium, require_chromium
from tests.helpers_server import LiveServer, cli_write_key, run_cli, running_server
from tests.test_explorer_browser import SHOTS, Explorer, explorer_on

ARTICLE = (Path(__file__).parent / "data" / "tigris_2031_04_17_arbil_kirkuk.txt").read_text(
    encoding="utf-8"
)
PUBLISHED = "2031-04-17"  # a Thursday: its "Tuesday" is the 15th, its "Wednesday" the 16th
PUBLISHER = "Tigris Wire"
KEY_STORE = "incident-record.write-key"
# Words the draft leaves out, added by selection as an excerpt of the drone strike.
ADDED_EXCERPT = "Sardar blamed the Hollow Crescent militia for the drone strike"
# The quote corrected: the draft keeps the comma that ends the sentence inside the marks.
DRAFTED_QUOTE = (
    "The drones came in from the south and hit the roof of the warehouse just after midnight,"
)
CORRECTED_QUOTE = DRAFTED_QUOTE.removesuffix(",")
# Words added by selection as a new incident and as a quote (the draft's own dropped).
PROTEST = "about two hundred people protested outside the governor’s office in Kirkuk"
NO_CASUALTIES = "There were no casualties."
VIEWPORT = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with running_server(tmp_path_factory.mktemp("review-server")) as live:
        yield live


@pytest.fixture(scope="module")
def key(server: LiveServer) -> str:
    return cli_write_key(_database_of(server), "reviewer")


def _database_of(server: LiveServer) -> str:
    return f"sqlite:///{server.log_path.parent / 'e2e.db'}"


def _read_key(server: LiveServer) -> str:
    done = run_cli(_database_of(server), "keys", "create", "--name", "reader", "--scope", "read")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1].split()[-1]


class Review(Explorer):
    """The review page, and what the API says."""

    def draft(self, key: str | None, wait: bool = True) -> None:
        """Paste the article, its date and publisher, ask for the draft; give `key` if asked."""
        page = self.page
        page.get_by_label("Its text").fill(ARTICLE)
        page.get_by_label("Published on").first.fill(PUBLISHED)
        page.get_by_label("Publisher").first.fill(PUBLISHER)
        page.get_by_role("button", name="Draft its records").click()
        if key is not None:
            self.give_key(key)
        if wait:
            expect(page.locator("#review")).to_be_visible()

    def give_key(self, key: str) -> None:
        dialog = self.page.locator("#key-dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_label("Write key").fill(key)
        dialog.get_by_role("button", name="Use this key").click()

    def card(self, list_id: str, heading: str) -> Locator:
        return self.page.locator(f"#{list_id}-list > li.record").filter(
            has=self.page.locator("h4", has_text=heading)
        )

    def select_words(self, words: str) -> None:
        """Select `words` in the text, as a reader dragging across them does."""
        self.page.evaluate(
            """(words) => {
              const box = document.getElementById("text");
              const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
              const nodes = [];
              let text = "";
              for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                nodes.push([n, text.length]);
                text += n.data;
              }
              const at = text.indexOf(words);
              const position = (offset) => {
                const [node, from] = nodes.findLast(([, from]) => from <= offset);
                return [node, offset - from];
              };
              const range = document.createRange();
              range.setStart(...position(at));
              range.setEnd(...position(at + words.length));
              document.getSelection().removeAllRanges();
              document.getSelection().addRange(range);
            }""",
            words,
        )

    def marked(self) -> dict[str, str]:
        """The words of the highlights, by the record (card id) they show."""
        return self.page.evaluate(
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

    def storage(self) -> dict[str, Any]:
        return self.page.evaluate(
            """() => ({
              session: Object.fromEntries(Object.entries(sessionStorage)),
              local: localStorage.length,
              cookie: document.cookie,
              url: location.href,
            })"""
        )

    def api_draft(self, key: str) -> dict[str, Any]:
        body = {"text": ARTICLE, "published_on": PUBLISHED, "publisher": PUBLISHER}
        response = httpx.post(
            f"{self.base}/v1/drafts", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        response.raise_for_status()
        return response.json()

    def status(self, path: str) -> int:
        return httpx.get(self.base + path).status_code


def _reviewer(browser: Browser, server: LiveServer, tmp_path: Path) -> Any:
    # en-US: the keyboard test types a date as that locale's date field reads it.
    return explorer_on(browser, server, tmp_path, viewport=VIEWPORT, locale="en-US")


@pytest.fixture
def review(browser: Browser, server: LiveServer, tmp_path: Path) -> Iterator[Review]:
    with _reviewer(browser, server, tmp_path) as e:
        yield Review(e.page, e.traffic, e.base)


def _wait_stored(page: Page, words: str) -> None:
    """Until the page says what it stored (it hides that while it sends)."""
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#done")).to_contain_text(words)


def _drafted_incident(drafted: dict[str, Any], word: str) -> dict[str, Any]:
    """The drafted incident whose first excerpt has `word`."""
    return next(i for i in drafted["incidents"] if word in i["excerpts"][0]["text"])


def _spans(bundle: dict[str, Any]) -> set[str]:
    words = {q["text"] for q in bundle["quotes"]}
    for incident in bundle["incidents"]:
        words |= {e["text"] for e in incident["excerpts"]}
        words |= {a["excerpt"]["text"] for a in incident["attributions"] if a["excerpt"]}
    return words


def _from_article_to_the_record(review: Review, key: str) -> None:
    page = review.page
    review.open("/explore")
    page.get_by_role("link", name="Add an article").click()
    review.ready()
    assert page.url == f"{review.base}/explore/new"
    review.draft(key)
    drafted = review.api_draft(key)
    source_id = drafted["source"]["id"]
    # The draft appears highlighted in the text: every span it proposes, and nothing else.
    assert set(review.marked().values()) == _spans(drafted)
    expect(page.locator("#text mark.proposed").first).to_be_visible()
    for list_id in ("incidents", "quotes", "actors", "locations"):
        expect(page.locator(f"#{list_id}-list > li.record")).to_have_count(len(drafted[list_id]))
    assert httpx.get(f"{review.base}/v1/sources/{source_id}").status_code == 404  # not stored
    review.shot("review-drafted")

    strike, bomb, protest = (_drafted_incident(drafted, w) for w in ("drones", "bomb", "protested"))
    assert strike["location_id"] == "arbil"  # the seed's place
    assert bomb["location_id"] == "kirkuk"  # a place new to the record
    assert [loc["id"] for loc in drafted["locations"]] == ["kirkuk"]
    # Accept the two incidents, drop the one that is a protest read as a strike.
    for incident in (strike, bomb):
        card = review.card("incidents", incident["title"]).first
        card.get_by_role("button", name="Accept").first.click()
        expect(card.get_by_role("button", name="Accept").first).to_have_attribute(
            "aria-pressed", "true"
        )
    dropped = review.card("incidents", protest["title"]).filter(has_text=protest["date_start"])
    dropped.get_by_role("button", name="Drop").first.click()
    expect(dropped).to_have_attribute("data-status", "dropped")
    # Correct a quote by typing its words as they should be.
    quote = review.card("quotes", "The drones came in")
    quote.get_by_text("Correct its fields").click()
    words = quote.get_by_label("The quoted words")
    words.fill(CORRECTED_QUOTE)
    start = ARTICLE.index(CORRECTED_QUOTE)
    expect(quote.locator(".where")).to_have_text(
        f"In the text at characters {start}–{start + len(CORRECTED_QUOTE)}."
    )
    expect(quote).to_have_attribute("data-status", "reviewed")
    # Add an excerpt by selecting its words in the text.
    review.select_words(ADDED_EXCERPT)
    expect(page.locator("#pick-words")).to_have_value(ADDED_EXCERPT)
    page.get_by_label("Incident", exact=True).select_option(label=f"{strike['title']}, 2031-04-15")
    page.get_by_role("button", name="Add as an excerpt of it").click()
    expect(page.locator("#pick-where")).to_contain_text("Added as an excerpt")
    assert ADDED_EXCERPT in review.marked().values()
    review.shot("review-reviewed")

    with page.expect_request("**/v1/sources") as posted:
        page.get_by_role("button", name="Store these records").click()
    done = page.locator("#done")
    expect(done).to_be_focused()
    # Words typed go as text alone, for the loader's matcher; words selected with their span.
    sent = posted.value.post_data_json
    assert (
        [q for q in sent["quotes"] if q["text"] == CORRECTED_QUOTE][0]
        .keys()
        .isdisjoint({"span", "occurrence", "after"})
    )
    sent_strike = next(i for i in sent["incidents"] if i["id"] == strike["id"])
    at = ARTICLE.index(ADDED_EXCERPT)
    assert {"start": at, "end": at + len(ADDED_EXCERPT), "text": ADDED_EXCERPT} in sent_strike[
        "excerpts"
    ]
    assert protest["id"] not in {i["id"] for i in sent["incidents"]}
    expect(done).to_contain_text("The source and 2 incidents are in the record.")
    review.shot("review-stored")

    # What landed: the two incidents, not the dropped one; the quote as corrected; the excerpt.
    landed = review.api("/v1/incidents", source=source_id)
    assert sorted(i["id"] for i in landed["data"]) == sorted([strike["id"], bomb["id"]])
    assert review.status(f"/v1/incidents/{protest['id']}") == 404
    quotes = {q["id"]: q for q in review.api("/v1/quotes", source=source_id, limit=100)["data"]}
    corrected = quotes[next(q["id"] for q in drafted["quotes"] if q["text"] == DRAFTED_QUOTE)]
    assert corrected["text"] == CORRECTED_QUOTE
    assert corrected["span"] == {"start": start, "end": start + len(CORRECTED_QUOTE)}
    assert all(protest["id"] not in q["incident_ids"] for q in quotes.values())
    detail = review.api(f"/v1/incidents/{strike['id']}")
    assert ADDED_EXCERPT in [s["excerpt"] for s in detail["sources"]]
    assert detail["notes"].startswith("Draft (rule-based), reviewed.")
    assert detail["location"]["id"] == "arbil"
    unreviewed = next(q for q in quotes.values() if q["id"] != corrected["id"])
    assert unreviewed["notes"].startswith("Draft guess (rule-based, not reviewed)")
    # On the map: each at its place, in the explorer's view of this source.
    places = review.api("/v1/stats/incidents", group_by="location", source=source_id)["data"]
    assert {row["location"]: row["incidents"] for row in places} == {"arbil": 1, "kirkuk": 1}
    done.get_by_role("link", name="Its incidents on the map").click()
    review.ready(f"source={source_id}")
    parts = review.parts()
    assert (parts["map"], parts["place_items"]) == (2, 2)
    assert set(review.table_ids()) == {strike["id"], bomb["id"]}
    # In the source reader, with their marks.
    review.open(f"/explore/sources/{source_id}")
    for q in quotes.values():
        expect(page.locator(f'#text mark[data-records~="quote-{q["id"]}"]')).to_have_text(q["text"])
    excerpt = f"excerpt-{strike['id']}-{ARTICLE.index(ADDED_EXCERPT)}"
    excerpt += f"-{ARTICLE.index(ADDED_EXCERPT) + len(ADDED_EXCERPT)}"
    expect(page.locator(f'#text mark[data-records~="{excerpt}"]')).to_have_text(ADDED_EXCERPT)
    # The key: in this tab's sessionStorage only.
    stored = review.storage()
    assert stored["session"] == {KEY_STORE: key}
    assert stored["local"] == 0
    assert stored["cookie"] == ""
    assert key not in stored["url"]
    review.assert_clean()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_article_from_paste_to_the_record(
    browser: Browser, tmp_path: Path, backend: str
) -> None:
    """The "done when" of issue 16, on a server of its own (it stores the article)."""
    with (
        fresh_database(backend, tmp_path) as url,
        running_server(tmp_path / "server", database_url=url) as server,
        _reviewer(browser, server, tmp_path) as e,
    ):
        _from_article_to_the_record(
            Review(e.page, e.traffic, e.base), cli_write_key(url, "reviewer")
        )


def test_a_quote_and_an_incident_added_by_selecting_words(browser: Browser, tmp_path: Path) -> None:
    """On a server of its own: it stores the article's draft, whose ids other tests store."""
    with (
        fresh_database("sqlite", tmp_path) as url,
        running_server(tmp_path / "server", database_url=url) as server,
        _reviewer(browser, server, tmp_path) as e,
    ):
        review, key = Review(e.page, e.traffic, e.base), cli_write_key(url, "reviewer")
        page = review.page
        review.open("/explore/new")
        review.draft(key)
        drafted = review.api_draft(key)
        source_id = drafted["source"]["id"]
        strike, protest = (_drafted_incident(drafted, w) for w in ("drones", "protested"))
        no_casualties = next(q for q in drafted["quotes"] if q["text"] == NO_CASUALTIES)
        # The protest was read as a strike, and the quote is to be given again: both dropped.
        review.card("incidents", protest["title"]).filter(
            has_text=protest["date_start"]
        ).get_by_role("button", name="Drop").first.click()
        review.card("quotes", NO_CASUALTIES).get_by_role("button", name="Drop").click()
        # The protest again, as a new incident from its words.
        review.select_words(PROTEST)
        expect(page.locator("#pick-words")).to_have_value(PROTEST)
        page.get_by_role("button", name="Add as a new incident").click()
        added = page.locator("#incidents-list > li.record").last
        expect(added.locator(".state")).to_have_text("Added by you.")
        title = added.get_by_label("Title", exact=True)
        expect(title).to_be_focused()
        title.fill("Protest outside the governor's office in Kirkuk")
        added.get_by_label("From").fill("2031-04-14")
        added.get_by_label("To", exact=True).fill("2031-04-14")
        added.get_by_label("Event type").select_option("Protests|Peaceful protest")
        added.get_by_label("Place (by name)").fill("kirkuk")
        expect(added.locator('[data-field="location_id"] .hint')).to_have_text(
            "New, in this article: kirkuk"
        )
        added.get_by_label("Country (ISO code or name)").fill("IQ")
        # The quote again, from its words, its speaker picked by name.
        review.select_words(NO_CASUALTIES)
        page.get_by_role("button", name="Add as a quote").click()
        quote = page.locator("#quotes-list > li.record").last
        speaker = quote.get_by_label("Speaker (an actor, by name)")
        expect(speaker).to_be_focused()
        speaker.fill("hemin sardar")
        expect(quote.locator('[data-field="speaker_id"] .hint')).to_have_text(
            "New, in this article: hemin-sardar"
        )
        quote.get_by_label(f"{strike['title']}, {strike['date_start']}").check()
        marked = review.marked()
        assert marked[added.get_attribute("id") + ":0"] == PROTEST
        assert marked[quote.get_attribute("id")] == NO_CASUALTIES
        page.get_by_role("button", name="Store these records").click()
        _wait_stored(page, "are in the record")

        incidents = review.api("/v1/incidents", source=source_id, limit=100)["data"]
        assert protest["id"] not in {i["id"] for i in incidents}
        new = next(i for i in incidents if i["event_type"] == "Protests")
        detail = review.api(f"/v1/incidents/{new['id']}")
        assert (detail["date_start"], detail["sub_event_type"], detail["location"]["id"]) == (
            "2031-04-14",
            "Peaceful protest",
            "kirkuk",
        )
        assert [s["excerpt"] for s in detail["sources"]] == [PROTEST]
        quotes = review.api("/v1/quotes", source=source_id, limit=100)["data"]
        assert no_casualties["id"] not in {q["id"] for q in quotes}
        given = next(q for q in quotes if q["text"] == NO_CASUALTIES)
        at = ARTICLE.index(NO_CASUALTIES)
        assert given["span"] == {"start": at, "end": at + len(NO_CASUALTIES)}
        assert (given["speaker_id"], given["incident_ids"]) == ("hemin-sardar", [strike["id"]])
        review.assert_clean()


def test_a_problem_is_shown_next_to_its_field_and_nothing_is_stored(
    review: Review, key: str
) -> None:
    page = review.page
    review.open("/explore/new")
    review.draft(key)
    drafted = review.api_draft(key)
    bomb = _drafted_incident(drafted, "bomb")
    card = review.card("incidents", bomb["title"]).first
    card.get_by_text("Correct its fields").first.click()
    card.get_by_label("Country (ISO code or name)").fill("Atlantis")
    card.get_by_label("Fatalities (empty: not said)").fill("two")
    # Words typed that occur five times, and no choice made: the loader's matcher says so.
    quote = page.locator(f"#{review.card('quotes', 'The bomb was hidden').get_attribute('id')}")
    quote.get_by_text("Correct its fields").click()
    words = quote.get_by_label("The quoted words")
    words.fill("Kirkuk")
    expect(quote.locator(".where")).to_have_text("These words are in the text 5 times: say which.")
    page.get_by_role("button", name="Store these records").click()
    errors = page.locator("#errors")
    expect(errors).to_be_focused()
    expect(errors).to_contain_text("3 error(s) in the bundle. Nothing was stored")
    ambiguous = quote.locator('[data-field~="text"] .field-error')
    expect(ambiguous).to_contain_text("text 'Kirkuk' occurs 5 times: say which with occurrence")
    expect(words).to_have_attribute("aria-invalid", "true")
    country = card.get_by_label("Country (ISO code or name)")
    expect(country).to_have_attribute("aria-invalid", "true")
    message = card.locator('[data-field="country"] .field-error')
    expect(message).to_have_text("unknown country: Atlantis")
    assert message.get_attribute("id") in (country.get_attribute("aria-describedby") or "")
    expect(card.locator('[data-field="fatalities"] .field-error')).to_be_visible()
    # The summary leads to the field.
    errors.get_by_role("link", name="country").click()
    expect(country).to_be_focused()
    assert review.status(f"/v1/sources/{drafted['source']['id']}") == 404
    # Corrected, it goes through.
    country.fill("IQ")
    card.get_by_label("Fatalities (empty: not said)").fill("2")
    quote.get_by_label("Which place").select_option("3")  # Kirkuk police colonel Dara Wahid
    expect(quote.locator(".where")).to_contain_text("In the text at characters")
    page.get_by_role("button", name="Store these records").click()
    _wait_stored(page, "are in the record")
    assert review.status(f"/v1/sources/{drafted['source']['id']}") == 200
    assert review.api(f"/v1/incidents/{bomb['id']}")["country"] == "IQ"
    third = [m.start() for m in re.finditer("Kirkuk", ARTICLE)][2]
    stored = review.api("/v1/quotes", source=drafted["source"]["id"], q="Kirkuk")["data"]
    assert [(q["text"], q["span"]) for q in stored] == [
        ("Kirkuk", {"start": third, "end": third + len("Kirkuk")})
    ]
    assert [e for e in review.traffic.errors if "status of 422" not in e] == []


def test_places_and_actors_are_picked_by_name_from_the_record(review: Review, key: str) -> None:
    page = review.page
    review.open("/explore/new")
    review.draft(key)
    drafted = review.api_draft(key)
    protest = _drafted_incident(drafted, "protested")
    card = review.card("incidents", protest["title"]).filter(has_text=protest["date_start"])
    card.get_by_text("Correct its fields").first.click()
    # A place of the record, suggested from `/v1/locations?q=` as one types.
    place = card.get_by_label("Place (by name)")
    place.fill("baghdad")
    airport = page.locator('#location-names option[value="Baghdad International Airport"]')
    expect(airport).to_have_count(1)
    expect(airport).to_have_text("in the record · airport")
    place.fill("Baghdad International Airport")
    hint = card.locator('[data-field="location_id"] .hint')
    expect(hint).to_have_text("In the record: baghdad-international-airport")
    # An actor of the record, by an alias, any case; then one nobody knows, added as new.
    bomb = _drafted_incident(drafted, "bomb")
    claim = review.card("incidents", bomb["title"]).locator("li.record").first
    claim.get_by_text("Correct its fields").click()
    by = claim.get_by_label("By (an actor, by name; empty: the source itself)")
    by.fill("kirby")
    expect(page.locator('#actor-names option[value="John Kirby"]')).to_have_count(1)
    by.fill("john kirby")
    expect(claim.locator('[data-field="by_actor_id"] .hint')).to_have_text(
        "In the record: john-kirby"
    )
    by.fill("Lena Ostrova")
    by_hint = claim.locator('[data-field="by_actor_id"] .hint')
    expect(by_hint).to_contain_text("No actor called “Lena Ostrova” in the record or this article.")
    by_hint.get_by_role("button", name="Add “Lena Ostrova” as a new actor").click()
    expect(by_hint).to_have_text("New, in this article: lena-ostrova")
    new_actor = review.card("actors", "Lena Ostrova")
    expect(new_actor.locator(".state")).to_have_text("Added by you.")
    expect(claim.locator("h4")).to_have_text("Lena Ostrova accused Hollow Crescent militia")
    review.assert_clean()


def test_a_wrong_key_is_asked_for_again_and_kept_in_the_tab_only(
    review: Review, server: LiveServer, key: str
) -> None:
    page = review.page
    review.open("/explore/new")
    review.draft(None, wait=False)
    review.give_key("not-a-key")
    expect(page.locator("#key-why")).to_contain_text("The server does not know that key (401")
    assert review.storage()["session"] == {}  # a refused key is not kept
    review.give_key(_read_key(server))
    expect(page.locator("#key-why")).to_contain_text("That key may not write (403")
    review.give_key(key)
    expect(page.locator("#review")).to_be_visible()
    stored = review.storage()
    assert stored["session"] == {KEY_STORE: key}
    assert stored["local"] == 0
    assert stored["cookie"] == ""
    # Once given, it is not asked for again in this tab, even after a reload.
    page.reload()
    review.ready()
    review.draft(None)
    expect(page.locator("#key-dialog")).to_be_hidden()
    refused = [e for e in review.traffic.errors if "status of 401" in e or "status of 403" in e]
    assert len(refused) == 2
    assert [e for e in review.traffic.errors if e not in refused] == []


def _small_bundle(source_id: str) -> dict[str, Any]:
    """A source of its own: its ids are the source's."""
    text = "Rockets hit Testholm on Monday, police said. “Two rockets fell,” the chief said.\n"
    excerpt = "Rockets hit Testholm on Monday, police said."
    quote = "Two rockets fell,"
    bundle = {
        "source": {
            "id": source_id,
            "title": "Rockets hit Testholm",
            "publisher": "Test fixture",
            "published_on": "2099-01-06",
            "text": text,
        },
        "locations": [
            {
                "id": "testholm",
                "name": "Testholm",
                "kind": "town",
                "country": "NO",
                "latitude": 60.1,
                "longitude": 10.1,
                "geo_precision": 1,
            }
        ],
        "actors": [
            {"id": "testholm-police-chief", "name": "Testholm police chief", "kind": "person"}
        ],
        "quotes": [
            {
                "id": "testholm-two-rockets",
                "text": quote,
                "speaker_id": "testholm-police-chief",
                "channel": "unspecified",
                "span": {"start": text.index(quote), "end": text.index(quote) + len(quote)},
                "incident_ids": ["2099-01-05-testholm-rockets"],
            }
        ],
        "incidents": [
            {
                "id": "2099-01-05-testholm-rockets",
                "title": "Rockets hit Testholm",
                "date_start": "2099-01-05",
                "date_end": "2099-01-05",
                "date_precision": "day",
                "event_type": "Explosions/Remote violence",
                "sub_event_type": "Shelling/artillery/missile attack",
                "country": "NO",
                "location_id": "testholm",
                "excerpts": [{"start": 0, "end": len(excerpt), "text": excerpt}],
            }
        ],
    }
    return json.loads(json.dumps(bundle).replace("testholm", source_id))


def test_the_edit_page_replaces_with_if_match_and_says_when_someone_else_changed_it(
    review: Review, key: str
) -> None:
    page = review.page
    auth = {"Authorization": f"Bearer {key}"}
    bundle = _small_bundle("review-edit")
    posted = httpx.post(f"{review.base}/v1/sources", json=bundle, headers=auth)
    assert posted.status_code == 201, posted.text
    source = bundle["source"]["id"]
    incident = bundle["incidents"][0]["id"]
    etag = httpx.get(f"{review.base}/v1/sources/{source}/bundle").headers["etag"]
    review.open(f"/explore/sources/{source}")
    page.get_by_role("link", name="Review and edit its records").click()
    review.ready()
    expect(page.locator("h1")).to_have_text("Edit the records of “Rockets hit Testholm”")
    card = review.card("incidents", "Rockets hit Testholm")
    expect(card.locator(".state")).to_have_text("As stored.")
    card.get_by_text("Correct its fields").click()
    card.get_by_label("Title", exact=True).fill("Two rockets hit Testholm")
    card.get_by_label("Fatalities (empty: not said)").fill("0")
    page.get_by_label("Why (optional: kept with the change)").fill("Checked against the police")
    with page.expect_request("**/v1/sources?replace=true") as sent:
        page.get_by_role("button", name="Replace the stored records").click()
        review.give_key(key)
    _wait_stored(page, "were replaced")
    headers = sent.value.headers
    assert uncoded(headers["if-match"]) == uncoded(etag)  # the ETag of the bundle it read
    assert headers["x-change-reason"] == "Checked%20against%20the%20police"
    stored = review.api(f"/v1/incidents/{incident}")
    assert (stored["title"], stored["fatalities"]) == ("Two rockets hit Testholm", 0)
    # The reason is kept with the change, in the incident's history, with the key's name.
    newest = review.api(f"/v1/incidents/{incident}/history")["data"][0]
    assert (newest["action"], newest["reason"], newest["key_name"]) == (
        "update",
        "Checked against the police",
        "reviewer",
    )
    assert {c["field"] for c in newest["changes"]} >= {"title", "fatalities"}
    # The page now holds the stored bundle and its new ETag: a second change goes through.
    card = review.card("incidents", "Two rockets hit Testholm")
    card.get_by_text("Correct its fields").click()
    card.get_by_label("Time of day").fill("morning")
    page.get_by_role("button", name="Replace the stored records").click()
    _wait_stored(page, "were replaced")
    assert review.api(f"/v1/incidents/{incident}")["time_of_day"] == "morning"
    # Someone else changes the source meanwhile: the page says so, and stores nothing.
    etag = httpx.get(f"{review.base}/v1/incidents/{incident}").headers["etag"]
    patched = httpx.patch(
        f"{review.base}/v1/incidents/{incident}",
        json={"summary": "Changed elsewhere."},
        headers={**auth, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    card = review.card("incidents", "Two rockets hit Testholm")
    card.get_by_text("Correct its fields").click()
    card.get_by_label("Title", exact=True).fill("Overwritten?")
    page.get_by_role("button", name="Replace the stored records").click()
    errors = page.locator("#errors")
    expect(errors).to_contain_text("Someone else changed this source since this page read it")
    after = review.api(f"/v1/incidents/{incident}")
    assert (after["title"], after["summary"]) == ("Two rockets hit Testholm", "Changed elsewhere.")
    assert [e for e in review.traffic.errors if "status of 412" not in e] == []
    review.shot("review-edit-412")


def _tab_to(page: Page, element_id: str, most: int = 10) -> None:
    """Press Tab until `element_id` has the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab does not reach #{element_id}")


def test_an_article_opened_from_a_text_file(review: Review, key: str) -> None:
    page = review.page
    review.open("/explore/new")
    page.get_by_label("Or open a text file (.txt, UTF-8)").set_input_files(
        Path(__file__).parent / "data" / "tigris_2031_04_17_arbil_kirkuk.txt"
    )
    expect(page.get_by_label("Its text")).to_have_value(ARTICLE)
    page.get_by_label("Published on").first.fill(PUBLISHED)
    page.get_by_label("Publisher").first.fill(PUBLISHER)
    page.get_by_role("button", name="Draft its records").click()
    review.give_key(key)
    expect(page.locator("#review")).to_be_visible()
    assert set(review.marked().values()) == _spans(review.api_draft(key))
    review.assert_clean()


def test_keyboard_only(review: Review, key: str) -> None:
    page = review.page
    review.open("/explore/new")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to the content")
    page.keyboard.press("Enter")
    _tab_to(page, "a-text")
    page.keyboard.insert_text(ARTICLE)
    _tab_to(page, "a-published_on")
    page.keyboard.type("04172031")  # the date field, as typed in an en-US locale
    expect(page.locator("#a-published_on")).to_have_value(PUBLISHED)
    _tab_to(page, "a-publisher")
    page.keyboard.type(PUBLISHER)
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#key-dialog")).to_be_visible()
    expect(page.locator("#key-input")).to_be_focused()
    page.keyboard.type(key)
    page.keyboard.press("Enter")
    expect(page.locator("#review")).to_be_visible()
    # Accept a record with the keyboard.
    first = page.locator("#incidents-list > li.record").first
    accept = first.get_by_role("button", name="Accept")
    accept.focus()
    page.keyboard.press("Space")
    expect(accept).to_have_attribute("aria-pressed", "true")
    # Words typed rather than selected: found as the matcher would, then added.
    page.locator("#pick-words").focus()
    page.keyboard.type("blast shook windows")
    expect(page.locator("#pick-where")).to_contain_text("In the text at characters")
    page.keyboard.press("Tab")  # the incident
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Add as an excerpt of it")
    page.keyboard.press("Enter")
    expect(page.locator("#pick-where")).to_contain_text("Added as an excerpt")
    review.assert_clean()


@pytest.mark.parametrize("path", ["/explore/new", "/explore/sources/review-axe/edit"])
def test_no_serious_accessibility_violation(review: Review, key: str, path: str) -> None:
    page = review.page
    if "edit" in path:
        auth = {"Authorization": f"Bearer {key}"}
        posted = httpx.post(
            f"{review.base}/v1/sources?replace=true", json=_small_bundle("review-axe"), headers=auth
        )
        assert posted.status_code in (200, 201), posted.text
        review.open(path)
        expect(page.locator("#review")).to_be_visible()
    else:
        review.open(path)
        assert review.axe() == []
        review.draft(key)
    for details in page.locator("details.fields").all()[:3]:
        details.locator("summary").click()
    page.get_by_role("button", name="Drop").first.click()
    assert review.axe() == []
    page.locator("#key-dialog").evaluate("d => d.showModal()")
    assert review.axe() == []
    review.assert_clean()
