"""The explorer's pages as curl, an archive or a citation tool gets them: plain GETs, no script.

Each page is compared with what the API answers for the same record: the incident's
fields and sections, the source's text with one mark per span listing the records it
backs, the first table page of /explore for the URL's filters. Hostile text in a record
comes out escaped. On SQLite and PostgreSQL.
"""

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import Markup
from sqlalchemy import Engine, event
from sqlmodel import Session

from app.datasets.service import import_dataset
from app.explorer import records
from app.explorer.marks import Span, mark_up
from app.services import incidents
from tests.conftest import client_for
from tests.helpers_bundles import TEXT, bundle
from tests.helpers_datasets import NO_LOW, ged_without_a_low, shown_fatalities
from tests.helpers_writes import SEED_SOURCE, new_key, seed

ROCKETS = "2022-01-05-ain-al-asad-rockets"


class Page(HTMLParser):
    """What a page says: its text by element id, the words of each mark by the records it
    lists, and the ids and links it holds."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: dict[str, str] = {}  # element id: its text
        self.marked: dict[str, str] = {}  # record key: the words of its marks, in order
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.scripts = 0
        self._open: list[tuple[str | None, list[str]]] = []  # (id, records) per open element
        self.feed(body)

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr"})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        self.scripts += tag == "script"
        if tag not in self.VOID:
            keys = (a.get("data-records") or "").split() if tag == "mark" else []
            self._open.append((a.get("id"), keys))
            if a.get("id"):
                self.text.setdefault(a["id"] or "", "")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element_id, keys in self._open:
            if element_id:
                self.text[element_id] += data
            for key in keys:
                self.marked[key] = self.marked.get(key, "") + data


def page(c: TestClient, path: str, status: int = 200) -> tuple[str, Page]:
    response = c.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return response.text, Page(response.text)


def _dd(body: str, fields: str) -> str:
    """The inner HTML of the row of the main fields that shows `fields`."""
    found = re.search(rf'<dd data-fields="{fields}">(.*?)</dd>', body, re.S)
    assert found, fields
    return found[1]


NOT_SAID = '<span class="not-said"'


def test_every_incident_page_holds_its_record(client: TestClient) -> None:
    for item in client.get("/v1/incidents", params={"limit": 1000}).json()["data"]:
        detail = client.get(f"/v1/incidents/{item['id']}").json()
        body, p = page(client, f"/explore/incidents/{item['id']}")
        text = html.unescape(body)
        assert f"<title>{detail['title']} · incident-record</title>" in text
        assert p.text["title"] == detail["title"]
        canonical = (
            f'<link rel="canonical" href="http://testserver/explore/incidents/{item["id"]}">'
        )
        assert canonical in body
        assert f'type="application/json" href="/v1/incidents/{item["id"]}"' in body
        # Every figure: "not said" (null) set apart from 0; added values marked.
        for name in ("fatalities", "injuries"):
            shown = _dd(body, name)
            value = detail[name]
            assert (NOT_SAID in shown) if value is None else (shown.startswith(f"{value:,}"))
        assert (NOT_SAID in _dd(body, "time_of_day")) == (detail["time_of_day"] is None)
        for field in records_shown(detail["added"]):
            assert 'class="added"' in next(
                _dd(body, f) for f in FIELD_ROWS if field in f.split()
            ), field
        assert p.text["notes-h"] == "Editor's notes"
        if detail["notes"]:
            assert detail["notes"] in p.text["notes"]
        # Actors and roles; attributions as claims with the evidence quoted; quotes with the
        # speaker's title as written; related incidents; each source's excerpt, marked.
        for actor in detail["actors"]:
            assert f"{actor['actor_name']}</a> — {actor['role'].replace('_', ' ')}" in text
        quotes = {q["id"]: q for q in detail["quotes"]}
        for a in detail["attributions"]:
            card = p.text[f"attribution-{a['id']}"]
            assert (
                f"{a['by_actor_name'] or 'The source itself'} {a['stance']} {a['actor_name']}"
                in card
            )
            if a["evidence_quote_id"]:
                assert quotes[a["evidence_quote_id"]]["text"] in card
            if a["excerpt"]:
                assert a["excerpt"] in card
        for q in detail["quotes"]:
            card = p.text[f"quote-{q['id']}"]
            assert f"“{q['text']}”" in card
            assert (q["speaker_title"] or "not said") in card
            assert f"/explore/sources/{q['source_id']}#quote-{q['id']}" in p.links
        for r in detail["related"]:
            assert f"/explore/incidents/{r['incident_id']}" in p.links
        for s in detail["sources"]:
            key = f"excerpt-{item['id']}-{s['span']['start']}-{s['span']['end']}"
            marked = re.search(rf'<mark class="excerpt" data-key="{key}">([^<]*)</mark>', body)
            assert marked, key
            assert html.unescape(marked[1]) == s["excerpt"]


FIELD_ROWS = [
    "date_start date_end date_precision",
    "time_of_day",
    "event_type sub_event_type",
    "location_id",
    "admin1",
    "country",
    "fatalities",
    "injuries",
    "damage",
    "weapons",
    "claimed",
]


def records_shown(added: list[str]) -> list[str]:
    return [f for f in added if any(f in row.split() for row in FIELD_ROWS)]


def _bundle_records(c: TestClient, source_id: str) -> dict[str, str]:
    """Every record with a span in the source, by the key its marks list, with its words."""
    b = c.get(f"/v1/sources/{source_id}/bundle").json()
    words = {f"quote-{q['id']}": q["text"] for q in b["quotes"]}
    for i in b["incidents"]:
        for e in i["excerpts"]:
            words[f"excerpt-{i['id']}-{e['start']}-{e['end']}"] = e["text"]
        for a in i.get("attributions", []):
            if a.get("excerpt"):
                words[f"attribution-{a['id']}"] = a["excerpt"]["text"]
    return words


def test_the_source_page_marks_every_excerpt_quote_and_attribution(client: TestClient) -> None:
    body, p = page(client, f"/explore/sources/{SOURCE}")
    source = client.get(f"/v1/sources/{SOURCE}").json()
    assert p.text["title"] == source["title"]
    assert f"<title>{source['title']} · incident-record</title>" in html.unescape(body)
    assert p.text["text"] == source["text"]  # the text as stored, to the character
    wanted = _bundle_records(client, SOURCE)
    quotes = client.get("/v1/quotes", params={"source": SOURCE, "limit": 1000}).json()["data"]
    excerpts = attributions = 0
    for item in client.get("/v1/incidents", params={"source": SOURCE, "limit": 1000}).json()[
        "data"
    ]:
        detail = client.get(f"/v1/incidents/{item['id']}").json()
        excerpts += sum(s["source_id"] == SOURCE for s in detail["sources"])
        attributions += sum(1 for a in detail["attributions"] if a["excerpt"])
    assert len(wanted) == excerpts + len(quotes) + attributions
    # Each record's marks hold its words exactly; one <mark> per distinct span, so marks
    # are fewer than records where records share their words.
    assert p.marked == wanted
    spans = set(re.findall(r'data-span="([^"]+)"', body))
    assert body.count("<mark ") - 3 >= len(spans)  # (three in the legend)
    # Every entry of the list of highlights reaches its words without a script.
    index = [link[1:] for link in p.links if link.startswith("#") and link != "#main"]
    assert sorted(index) == sorted(wanted)
    assert set(index) <= p.ids
    assert 'href="/v1/sources/' + SOURCE + '"' in body


SOURCE = SEED_SOURCE


@pytest.mark.parametrize(
    "query",
    ["", "country=SY&sort=date", "attributed_to=Iran-backed+groups", "sort=-fatalities&country="],
)
def test_explore_writes_the_first_table_page(client: TestClient, query: str) -> None:
    body, p = page(client, f"/explore?{query}")
    filters = [(n, v) for n, v in re.findall(r"([^&=]+)=([^&]*)", query) if v]
    listed = client.get(f"/v1/incidents?{'&'.join(f'{n}={v}' for n, v in filters)}").json()
    assert re.findall(r'<tr data-id="([^"]+)"', body) == [i["id"] for i in listed["data"]]
    total = listed["meta"]["total"]
    assert p.text["summary"] == f"{total} incident{'s' if total != 1 else ''} match."
    assert f'data-total="{total}"' in body
    for incident in listed["data"]:
        assert f'href="/explore/incidents/{incident["id"]}">' in body
    line = re.search(r'<noscript><p class="note">(Without JavaScript[^<]*)</p></noscript>', body)
    assert line
    assert "the map, the timeline" in line[1]


@pytest.mark.parametrize(
    ("path", "modules"),
    [
        (
            "/explore",
            [
                *(f"js/{m}.js" for m in ["api", "format", "map", "places", "table", "timeline"]),
                "vendor/leaflet/leaflet-src.esm.js",  # map.js's, imported as the page runs
            ],
        ),
        (f"/explore/sources/{SOURCE}", ["js/api.js", "js/format.js"]),
        (
            "/explore/new",
            [f"js/{m}.js" for m in ["api", "fields", "format", "key", "marks", "words"]],
        ),
        ("/explore/incidents/" + ROCKETS, []),
    ],
)
def test_a_page_names_every_module_its_script_imports(
    client: TestClient, path: str, modules: list[str]
) -> None:
    """So that the browser asks for them with the page's script, not a level of imports
    after another, nor when the page runs (the map's library)."""
    body = client.get(path).text
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', body)
    assert sorted(preloaded) == sorted(f"/explore/static/{m}" for m in modules)
    for href in preloaded:
        assert client.get(href).headers["content-type"].startswith("text/javascript"), href


@pytest.mark.parametrize("path", ["/explore", "/explore/incidents/" + ROCKETS])
def test_every_file_a_page_links_is_served(client: TestClient, path: str) -> None:
    """Its icon, stylesheets and scripts: the browser asks for each of them."""
    body = client.get(path).text
    linked = re.findall(r'(?:href|src)="(/explore/static/[^"]+)"', body)
    types = {
        ".svg": "image/svg+xml",
        ".css": "text/css",
        ".js": "text/javascript",
        ".json": "application/json",
    }
    assert {".svg", ".css", ".js"} <= {Path(href).suffix for href in linked}
    for href in linked:
        response = client.get(href)
        assert response.status_code == 200, href
        assert response.headers["content-type"].startswith(types[Path(href).suffix]), href


def test_the_table_shows_the_estimates_where_a_dataset_gave_them(
    engine: Engine, tmp_path: Path
) -> None:
    """Best (low–high) for a GED row, the unknown one "not said"; the figure alone for
    an article's incident, which has no estimates."""
    seed(engine)
    import_dataset(engine, ged_without_a_low(tmp_path), release="23.1")
    with client_for(engine) as c:
        body, _ = page(c, "/explore?sort=-fatalities")
        listed = c.get("/v1/incidents?sort=-fatalities").json()["data"]
    cells = dict(
        re.findall(r'<tr data-id="([^"]+)">.*?<td data-label="Fatalities">(.*?)</td>', body)
    )
    assert list(cells) == [i["id"] for i in listed]
    for incident in listed:
        text = html.unescape(re.sub(r"<[^>]+>", "", cells[incident["id"]]))
        assert text == shown_fatalities(incident), incident["id"]
    by_id = {i["id"]: i for i in listed}
    ged = by_id["ucdp-ged-9000003"]  # best 7, low 5, high 12 in the file
    assert (ged["fatalities"], ged["fatalities_low"], ged["fatalities_high"]) == (7, 5, 12)
    assert cells["ucdp-ged-9000003"] == (
        '7 <span class="estimates" title="Low and high estimates">(5–12)</span>'
    )
    assert (
        f'({NOT_SAID} title="The source does not say">not said</span>–7)'
        in (cells[f"ucdp-ged-{NO_LOW}"])
    )
    assert cells[ROCKETS] == "0"


def test_a_bad_filter_is_said_on_the_page_as_the_api_says_it(client: TestClient) -> None:
    for query in ("contry=IQ", "country=Narnia", "date_from=2022-13-01", "q=!!"):
        body, p = page(client, f"/explore?{query}")
        assert p.text["problem"] == client.get(f"/v1/incidents?{query}").json()["detail"]
        assert "<tr data-id=" not in body
        assert p.text["summary"] == "The record could not be read."


def test_unknown_and_deleted_records_are_404_pages(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        assert c.post("/v1/sources", json=bundle(), headers=key).status_code == 201
        page(c, "/explore/incidents/test-rockets")
        tag = c.get("/v1/incidents/test-rockets").headers["etag"]
        deleted = c.delete("/v1/incidents/test-rockets", headers={**key, "If-Match": tag})
        assert deleted.status_code == 204
        _, gone = page(c, "/explore/incidents/test-rockets", 404)
        assert "incident 'test-rockets' was deleted at" in gone.text["main"]
        _, unknown = page(c, "/explore/incidents/no-such-incident", 404)
        assert "no incident with id 'no-such-incident'" in unknown.text["main"]
        _, unknown = page(c, "/explore/sources/no-such-source", 404)
        assert "no source with id 'no-such-source'" in unknown.text["main"]


def test_the_detail_is_built_once_and_a_404_costs_two_key_lookups(
    seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    detail = incidents.get_incident

    def counted(session: Session, incident_id: str) -> dict[str, Any]:
        built.append(incident_id)
        return detail(session, incident_id)

    monkeypatch.setattr(incidents, "get_incident", counted)
    statements: list[str] = []

    def seen(*args: Any) -> None:
        # Every read first reads the record's version once (X-Record-Version): not the page's.
        sql = " ".join(args[2].split())
        if sql.upper().startswith("SELECT") and "FROM record_version" not in sql:
            statements.append(sql)

    event.listen(seeded_engine, "before_cursor_execute", seen)
    try:
        with client_for(seeded_engine) as c:
            page(c, f"/explore/incidents/{ROCKETS}")
            assert built == [ROCKETS]
            statements.clear()
            page(c, "/explore/incidents/no-such-incident", 404)
    finally:
        event.remove(seeded_engine, "before_cursor_execute", seen)
    # The incident by its key (nothing found, so none of its sections is read), then the
    # tombstone by its key, which says whether and when it was deleted.
    assert len(statements) == 2, statements
    assert statements[0].startswith("SELECT incident.id")
    assert not any("incident_relation" in s for s in statements)  # the detail's sections
    assert statements[1].startswith("SELECT tombstone.")


HOSTILE = '</title><script>alert("x")</script><b onmouseover="alert(1)">'


def _hostile_bundle() -> dict[str, Any]:
    """The test bundle with markup in every free text a page shows, its text included."""
    prefix = f"{HOSTILE}\n\n"
    data = bundle(id="hostile", title=f"Source {HOSTILE}", text=prefix + TEXT)
    data["source"]["notes"] = HOSTILE
    data["source"]["published_on_basis"] = HOSTILE
    data["locations"][0]["name"] = f"Fort {HOSTILE}"
    data["locations"][0]["notes"] = HOSTILE
    data["actors"][1]["name"] = f"Brigade {HOSTILE}"
    shift = len(prefix)
    for q in data["quotes"]:
        q["span"] = {k: v + shift for k, v in q["span"].items()}
        q["speaker_title"] = f"spokesman {HOSTILE}"
        q["notes"] = HOSTILE
    for i in data["incidents"]:
        i["title"] = f"Incident {HOSTILE}"
        i["summary"] = HOSTILE
        i["notes"] = HOSTILE
        for e in i["excerpts"]:
            e["start"] += shift
            e["end"] += shift
        for a in i["attributions"]:
            a["excerpt"]["start"] += shift
            a["excerpt"]["end"] += shift
            a["notes"] = HOSTILE
    return data


def test_markup_in_a_record_is_shown_as_text(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        posted = c.post("/v1/sources", json=_hostile_bundle(), headers=key)
        assert posted.status_code == 201, posted.text
        for path, scripts in (
            ("/explore/incidents/test-rockets", 2),  # with history.js
            ("/explore/sources/hostile", 1),
            ("/explore", 3),  # its module, topojson-client and view.js
            ("/explore?location=fort-nowhere&q=incident", 3),
            ('/explore?admin1=<script>alert("x")</script>', 3),  # in the URL itself
        ):
            body, p = page(c, path)
            assert "<script>alert" not in body
            assert "<b onmouseover" not in body
            assert 'onmouseover="alert' not in body
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body, path
            assert p.scripts == scripts  # the page's own, and no other
            if path in ("/explore", "/explore?location=fort-nowhere&q=incident"):
                assert '<tr data-id="test-rockets">' in body
        _, p = page(c, "/explore/sources/hostile")
        assert p.text["text"] == c.get("/v1/sources/hostile/text").text
        assert p.marked == _bundle_records(c, "hostile")
        _, p = page(c, "/explore/incidents/test-rockets")
        assert p.text["title"] == f"Incident {HOSTILE}"


def test_marks_cross_and_nest_as_the_record_says() -> None:
    text = "one two three four"
    spans = [Span(0, 13, "a"), Span(4, 18, "b"), Span(4, 7, "c")]
    made = mark_up(text, spans, lambda s: Markup('<mark class="{}">').format(s.data))
    # b crosses the end of a: closed with it, reopened after it; c nests in both.
    assert made == (
        '<mark class="a">one <mark class="b"><mark class="c">two</mark> three</mark></mark>'
        '<mark class="b"> four</mark>'
    )
    assert records.incident_href("a b/c") == "/explore/incidents/a%20b%2Fc"
