"""The hand-written seed bundle says what the article says, at the spans its words are at.

These tests read `seed/000_4649b48b659e9093.json` and the article beside it directly: no
database. The bundle quotes the article's words without offsets; their spans are found as
the loader finds them (`app.loader.spans`), and the tests read those. The expected values
below come from a reading of the article, not from the bundle, so a wrong date, count or
span in the data makes a test fail.
"""

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.loader.spans import resolve_spans
from app.schemas.bundle import LOCATING, Bundle
from app.vocab import EVENT_TYPES

SEED = Path(__file__).resolve().parent.parent / "seed"
BUNDLE_PATH = SEED / "000_4649b48b659e9093.json"
ARTICLE_PATH = SEED / "000_4649b48b659e9093.txt"

RAW: dict[str, Any] = json.loads(BUNDLE_PATH.read_text(encoding="utf-8"))
ARTICLE = ARTICLE_PATH.read_text(encoding="utf-8")
RESOLVED, SPAN_PROBLEMS = resolve_spans({**RAW, "source": {**RAW["source"], "text": ARTICLE}})
BUNDLE = Bundle.model_validate({**RESOLVED, "source": RAW["source"]})
INCIDENTS = {i.id: i for i in BUNDLE.incidents}
QUOTES = {q.id: q for q in BUNDLE.quotes}
ACTORS = {a.id: a for a in BUNDLE.actors}
LOCATIONS = {loc.id: loc for loc in BUNDLE.locations}

# The calendar, worked out from the article: the strike is "on Jan. 3, 2020"; its second
# anniversary was commemorated "on Monday"; then "on Tuesday" and "on Wednesday".
STRIKE_DAY = date(2020, 1, 3)
MONDAY = STRIKE_DAY.replace(year=2022)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
FIVE_DAYS_AFTER = STRIKE_DAY + timedelta(days=5)

# id -> (date_start, date_end, date_precision, time_of_day, country, fatalities, injuries,
#        damage, claimed, {weapon kind: (quantity, quantity_text)}, phrases in the excerpts)
EXPECTED: dict[str, tuple[Any, ...]] = {
    "2022-01-05-ain-al-asad-rockets": (
        WEDNESDAY, WEDNESDAY, "day", None, "IQ", 0, 0, "none", None,
        {"rocket": (5, "five")},
        ["On Wednesday", "five rockets", "five rounds", "2km away",
         "No damage, no casualties", "Ain al-Asad air base", "Anbar Province"],
    ),
    "2022-01-05-green-village-indirect-fire": (
        WEDNESDAY, WEDNESDAY, "day", "morning", "SY", 0, 0, "minor", None,
        {"indirect fire": (8, "eight")},
        ["on Wednesday", "In Syria", "this morning", "eight rounds of indirect fire",
         "Green Village", "did not cause any casualties", "caused minor damage"],
    ),
    "2022-01-05-al-mayadeen-coalition-artillery": (
        WEDNESDAY, WEDNESDAY, "approximate", None, "SY", None, None, "unknown", None,
        {"artillery": (None, None)},
        ["released on Wednesday", "US-led coalition artillery", "outside al-Mayadeen, Syria"],
    ),
    "2022-01-04-ain-al-asad-drone-attack": (
        TUESDAY, TUESDAY, "day", None, "IQ", None, None, "unknown", None,
        {"armed drone": (2, "two")},
        ["The base was also targeted on Tuesday", "two armed drones", "Ain al-Asad air base"],
    ),
    "2022-01-04-ain-al-asad-drones-shot-down": (
        TUESDAY, TUESDAY, "day", None, "IQ", None, None, "unknown", None,
        {},
        ["on Tuesday", "US-led coalition forces shot down two armed drones nearby"],
    ),
    "2022-01-03-soleimani-anniversary-commemorations": (
        MONDAY, MONDAY, "day", None, "IR", None, None, "unknown", None,
        {},
        ["Tehran and its Middle East allies on Monday", "commemorations",
         "second anniversary"],
    ),
    "2020-2022-attacks-on-us-sites-in-iraq": (
        FIVE_DAYS_AFTER, WEDNESDAY, "range", None, "IQ", None, None, "unknown", False,
        {"rocket": (None, "dozens"), "roadside bomb": (None, "dozens")},
        ["Since then", "dozens of rockets and roadside bombs", "across Iraq",
         "never been claimed"],
    ),
    "2020-01-08-iran-missiles-ain-al-asad": (
        FIVE_DAYS_AFTER, FIVE_DAYS_AFTER, "day", None, "IQ", None, None, "unknown", None,
        {"missile": (None, None)},
        ["Five days after his killing", "Iran fired missiles",
         "an air base in Iraq housing US troops"],
    ),
    "2020-01-08-iran-missiles-arbil": (
        FIVE_DAYS_AFTER, FIVE_DAYS_AFTER, "day", None, "IQ", None, None, "unknown", None,
        {"missile": (None, None)},
        ["Five days after his killing", "Iran fired missiles",
         "another near Arbil in the country\u2019s north"],
    ),
    "2020-01-03-baghdad-airport-drone-strike": (
        STRIKE_DAY, STRIKE_DAY, "day", None, "IQ", 2, None, "unknown", True,
        {"armed drone": (None, None)},
        ["The strike on Jan. 3, 2020", "ordered by then-US president Donald Trump",
         "hit a vehicle", "Soleimani and Abu Mahdi al-Muhandis", "US drone strike",
         "Baghdad International Airport"],
    ),
}  # fmt: skip

# id -> (speaker_id, speaker_title, channel, said_on, incident ids)
WED = ["2022-01-05-ain-al-asad-rockets", "2022-01-05-green-village-indirect-fire"]
WEEK = ["2022-01-04-ain-al-asad-drone-attack", *WED]
EXPECTED_QUOTES: dict[str, tuple[Any, ...]] = {
    "washington-iran-backed-groups": ("united-states", None, "unspecified", None, WEEK),
    "brennan-threats-by-iran-backed-militia": (
        "john-brennan-jr", "coalition head Major General", "statement", None, WEEK,
    ),
    "coalition-official-five-rounds": (
        "coalition-official", None, "unspecified", None, ["2022-01-05-ain-al-asad-rockets"],
    ),
    "coalition-official-no-damage": (
        "coalition-official", None, "unspecified", None, ["2022-01-05-ain-al-asad-rockets"],
    ),
    "coalition-green-village-targeted": (
        "us-led-coalition", None, "statement", WEDNESDAY,
        ["2022-01-05-green-village-indirect-fire"],
    ),
    "coalition-green-village-minor-damage": (
        "us-led-coalition", None, "statement", WEDNESDAY,
        ["2022-01-05-green-village-indirect-fire"],
    ),
    "kirby-working-level-assumption": (
        "john-kirby", "Pentagon spokesman", "told_reporters", None, WED,
    ),
    "kirby-eminently-clear": ("john-kirby", "Pentagon spokesman", "told_reporters", None, WED),
}  # fmt: skip

# (incident, attributed to, by, stance, evidence quote)
WASHINGTON = ("iran-backed-groups", "united-states", "accused", "washington-iran-backed-groups")
KIRBY = ("iran-backed-groups", "john-kirby", "suspected", "kirby-working-level-assumption")
DECK = ("iran-backed-groups", "pentagon", "accused", None)
EXPECTED_ATTRIBUTIONS = {
    *(("2022-01-04-ain-al-asad-drone-attack", *a) for a in (WASHINGTON, DECK)),
    *((i, *a) for i in WED for a in (WASHINGTON, KIRBY, DECK)),
    (
        "2020-2022-attacks-on-us-sites-in-iraq",
        "iran-backed-groups",
        "western-officials",
        "accused",
        None,
    ),
    (
        "2020-01-03-baghdad-airport-drone-strike",
        "united-states",
        "united-states",
        "acknowledged",
        None,
    ),
}


def all_excerpts() -> list[Any]:
    found = [e for i in BUNDLE.incidents for e in i.excerpts]
    found += [a.excerpt for i in BUNDLE.incidents for a in i.attributions if a.excerpt]
    return found


def provenance_records() -> list[Any]:
    return [
        BUNDLE.source,
        *BUNDLE.locations,
        *BUNDLE.actors,
        *BUNDLE.quotes,
        *BUNDLE.incidents,
        *(a for i in BUNDLE.incidents for a in i.attributions),
    ]


def test_bundle_header_and_source() -> None:
    assert RAW["format"] == "incident-record.bundle/1"
    src = BUNDLE.source
    assert src.id == "afp-2022-01-05-coalition-under-fire"
    assert src.title == ARTICLE.splitlines()[0] == "US-led coalition under fire in Iraq, Syria"
    assert (src.publisher, src.dateline, src.language, src.url) == ("AFP", "BAGHDAD", "en", None)
    assert "AFP, BAGHDAD" in ARTICLE
    assert src.text_file == ARTICLE_PATH.name
    assert src.text is None
    assert src.published_on == WEDNESDAY
    assert src.published_on_basis
    for word in ("Monday", "Jan. 3, 2020", "earliest"):
        assert word in src.published_on_basis


def test_bundle_ids_are_the_agreed_ones() -> None:
    assert set(INCIDENTS) == set(EXPECTED)
    assert set(QUOTES) == set(EXPECTED_QUOTES)
    assert set(LOCATIONS) == {
        "ain-al-asad-air-base",
        "green-village-base",
        "al-mayadeen",
        "baghdad-international-airport",
        "arbil",
        "iraq",
        "iran",
        "unnamed-air-base-in-iraq-housing-us-troops",
    }
    assert set(ACTORS) >= {
        "us-led-coalition",
        "islamic-state",
        "united-states",
        "pentagon",
        "john-kirby",
        "john-brennan-jr",
        "coalition-official",
        "iran",
        "iran-middle-east-allies",
        "iran-backed-groups",
        "iran-backed-militias-in-iraq",
        "qasem-soleimani",
        "abu-mahdi-al-muhandis",
        "donald-trump",
        "western-officials",
    }
    attribution_ids = [a.id for i in BUNDLE.incidents for a in i.attributions]
    assert len(attribution_ids) == len(set(attribution_ids))


def test_records_start_with_id() -> None:
    for kind in ("locations", "actors", "quotes", "incidents"):
        for record in RAW[kind]:
            assert next(iter(record)) == "id"
    assert next(iter(RAW["source"])) == "id"


def test_weekdays_of_the_article() -> None:
    assert MONDAY == date(2022, 1, 3)
    assert MONDAY.strftime("%A") == "Monday"
    assert TUESDAY == date(2022, 1, 4)
    assert TUESDAY.strftime("%A") == "Tuesday"
    assert WEDNESDAY == date(2022, 1, 5)
    assert WEDNESDAY.strftime("%A") == "Wednesday"
    assert FIVE_DAYS_AFTER == date(2020, 1, 8)
    assert "Jan. 3, 2020" in ARTICLE
    assert "second anniversary" in ARTICLE
    assert "on Monday" in ARTICLE


def test_quotes_are_verbatim_and_in_curly_quotes() -> None:
    for q in BUNDLE.quotes:
        assert ARTICLE[q.span.start : q.span.end] == q.text, q.id
        assert ARTICLE[q.span.start - 1] == "\u201c", q.id
        assert ARTICLE[q.span.end] == "\u201d", q.id
        assert "\u201c" not in q.text, q.id
        assert "\u201d" not in q.text, q.id


def test_every_quotation_in_the_article_is_recorded() -> None:
    quoted = {(m.start(1), m.end(1)) for m in re.finditer("\u201c([^\u201d]*)\u201d", ARTICLE)}
    assert quoted == {(q.span.start, q.span.end) for q in BUNDLE.quotes}


@pytest.mark.parametrize("quote_id", sorted(EXPECTED_QUOTES))
def test_quote_speaker_channel_and_incidents(quote_id: str) -> None:
    speaker, title, channel, said_on, incident_ids = EXPECTED_QUOTES[quote_id]
    q = QUOTES[quote_id]
    assert (q.speaker_id, q.speaker_title, q.channel, q.said_on) == (
        speaker,
        title,
        channel,
        said_on,
    )
    assert sorted(q.incident_ids) == sorted(incident_ids)
    if title is not None:
        assert title in ARTICLE


def test_quote_texts_keep_ellipsis_and_inner_punctuation() -> None:
    assert QUOTES["coalition-official-five-rounds"].text == (
        "We observed five rounds ... the closest impact was 2km away,"
    )
    assert QUOTES["washington-iran-backed-groups"].text == "Iran-backed groups."
    assert QUOTES["coalition-official-no-damage"].text == "No damage, no casualties."
    assert QUOTES["kirby-eminently-clear"].text.startswith("We\u2019ve been")


def quoted_records(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Every quote, excerpt and attribution excerpt of a raw bundle."""
    found = list(bundle["quotes"])
    for i in bundle["incidents"]:
        found += i["excerpts"]
        found += [a["excerpt"] for a in i["attributions"] if a.get("excerpt")]
    return found


def test_the_bundle_quotes_words_and_types_no_offsets() -> None:
    assert SPAN_PROBLEMS == []
    for record in quoted_records(RAW):
        assert not record.keys() & {"span", "start", "end"}, record["text"]
        # Which place is said only where the words occur more than once.
        if record.keys() & set(LOCATING):
            assert ARTICLE.count(record["text"]) > 1, record["text"]


def test_excerpts_are_verbatim() -> None:
    excerpts = all_excerpts()
    assert excerpts
    for e in excerpts:
        assert e.start < e.end
        assert ARTICLE[e.start : e.end] == e.text
    # The bundle's words are the article's own characters (no quotation mark, apostrophe
    # or dash told apart from the article's only by the matcher's leniency).
    assert [r["text"] for r in quoted_records(RAW)] == [r["text"] for r in quoted_records(RESOLVED)]


@pytest.mark.parametrize("incident_id", sorted(EXPECTED))
def test_incident_facts_match_the_article(incident_id: str) -> None:
    (
        start,
        end,
        precision,
        time_of_day,
        country,
        fatalities,
        injuries,
        damage,
        claimed,
        weapons,
        phrases,
    ) = EXPECTED[incident_id]
    i = INCIDENTS[incident_id]
    assert (i.date_start, i.date_end, i.date_precision) == (start, end, precision)
    assert i.time_of_day == time_of_day
    assert i.country == country
    assert (i.fatalities, i.injuries, i.damage, i.claimed) == (
        fatalities,
        injuries,
        damage,
        claimed,
    )
    assert {w.kind: (w.quantity, w.quantity_text) for w in i.weapons} == weapons
    text = " ".join(e.text for e in i.excerpts)
    for phrase in phrases:
        assert phrase in text, (incident_id, phrase)
    for quantity_text in (w.quantity_text for w in i.weapons if w.quantity_text):
        assert quantity_text in text.lower()


def test_incident_dates_and_event_types_are_valid() -> None:
    for i in BUNDLE.incidents:
        assert i.date_start <= i.date_end
        assert i.sub_event_type in EVENT_TYPES[i.event_type], i.id
        assert i.id[:4] == str(i.date_start.year), i.id


def test_specific_event_types() -> None:
    assert (
        INCIDENTS["2022-01-04-ain-al-asad-drones-shot-down"].sub_event_type
        == "Disrupted weapons use"
    )
    commemorations = INCIDENTS["2022-01-03-soleimani-anniversary-commemorations"]
    assert (commemorations.event_type, commemorations.sub_event_type) == (
        "Strategic developments",
        "Other",
    )
    assert INCIDENTS["2020-01-03-baghdad-airport-drone-strike"].sub_event_type == (
        "Air/drone strike"
    )


def test_undated_strike_says_so() -> None:
    i = INCIDENTS["2022-01-05-al-mayadeen-coalition-artillery"]
    assert i.notes
    assert "on or before" in i.notes
    assert "released on Wednesday" in ARTICLE


def test_strike_fatalities_are_the_named_dead() -> None:
    i = INCIDENTS["2020-01-03-baghdad-airport-drone-strike"]
    killed = {a.actor_id for a in i.actors if a.role == "killed"}
    assert killed == {"qasem-soleimani", "abu-mahdi-al-muhandis"}
    assert i.fatalities == len(killed)
    assert i.notes
    assert "not a total" in i.notes
    assert {(a.actor_id, a.role) for a in i.actors} >= {
        ("united-states", "perpetrator"),
        ("donald-trump", "ordered_by"),
    }


def test_unnamed_base_is_not_identified() -> None:
    loc = LOCATIONS["unnamed-air-base-in-iraq-housing-us-troops"]
    assert "Ain al-Asad" not in loc.name
    assert (loc.country, loc.admin1, loc.geo_precision) == ("IQ", None, 3)
    assert "an air base in Iraq housing US troops" in ARTICLE
    assert loc.notes
    assert "Ain al-Asad" in loc.notes
    assert "Arbil" in ARTICLE
    assert LOCATIONS["arbil"].geo_precision == 2
    for country_level in ("iraq", "iran"):
        assert LOCATIONS[country_level].geo_precision == 3


def test_relations() -> None:
    related = {(i.id, r.relation, r.incident_id) for i in BUNDLE.incidents for r in i.related}
    assert (
        "2022-01-04-ain-al-asad-drones-shot-down",
        "part_of",
        "2022-01-04-ain-al-asad-drone-attack",
    ) in related
    assert (
        "2022-01-03-soleimani-anniversary-commemorations",
        "anniversary_of",
        "2020-01-03-baghdad-airport-drone-strike",
    ) in related


def test_attributions_are_the_reported_claims() -> None:
    found = {
        (i.id, a.actor_id, a.by_actor_id, a.stance, a.evidence_quote_id)
        for i in BUNDLE.incidents
        for a in i.attributions
    }
    assert found == EXPECTED_ATTRIBUTIONS
    for i in BUNDLE.incidents:
        for a in i.attributions:
            assert a.evidence_quote_id or a.excerpt, a.id
            if a.evidence_quote_id:
                assert i.id in QUOTES[a.evidence_quote_id].incident_ids


def test_iran_backed_groups_are_never_perpetrators() -> None:
    under_umbrella = {a.id for a in BUNDLE.actors if a.parent_id == "iran-backed-groups"}
    for i in BUNDLE.incidents:
        for a in i.actors:
            if a.role == "perpetrator":
                assert a.actor_id not in {"iran-backed-groups", *under_umbrella}, i.id


def test_umbrella_aliases_are_the_articles_words() -> None:
    aliases = ACTORS["iran-backed-groups"].aliases
    assert set(aliases) == {
        "Iran-backed groups",
        "militia groups that are backed by Iran",
        "pro-Iran factions",
        "milita groups backed by Iran",
    }
    for alias in aliases:
        assert alias in ARTICLE


def test_references_resolve() -> None:
    for a in BUNDLE.actors:
        assert a.parent_id is None or a.parent_id in ACTORS, a.id
    for q in BUNDLE.quotes:
        assert q.speaker_id in ACTORS, q.id
        assert set(q.incident_ids) <= set(INCIDENTS), q.id
    for i in BUNDLE.incidents:
        assert i.location_id is None or i.location_id in LOCATIONS, i.id
        assert {a.actor_id for a in i.actors} <= set(ACTORS), i.id
        for att in i.attributions:
            assert att.actor_id in ACTORS, att.id
            assert att.by_actor_id is None or att.by_actor_id in ACTORS, att.id
            assert att.evidence_quote_id is None or att.evidence_quote_id in QUOTES, att.id
        assert {r.incident_id for r in i.related} <= set(INCIDENTS) - {i.id}, i.id


def test_added_names_real_fields() -> None:
    for record in provenance_records():
        fields = set(type(record).model_fields) - {"notes", "added"}
        assert set(record.added) <= fields, (record.id, record.added)
        assert len(record.added) == len(set(record.added)), record.id
        if record.added:
            assert record.notes, record.id


def test_coordinates_are_marked_as_added() -> None:
    # The article gives no coordinates, so every one is the editor's.
    for loc in BUNDLE.locations:
        if loc.latitude is not None or loc.longitude is not None:
            assert {"latitude", "longitude"} <= set(loc.added), loc.id


def test_inferred_places_are_marked_as_added() -> None:
    commemorations = INCIDENTS["2022-01-03-soleimani-anniversary-commemorations"]
    assert (commemorations.location_id, commemorations.country) == ("iran", "IR")
    assert {"location_id", "country"} <= set(commemorations.added)
    for loc_id in ("green-village-base", "al-mayadeen"):
        assert LOCATIONS[loc_id].admin1 == "Deir ez-Zor"
        assert "admin1" in LOCATIONS[loc_id].added
        assert "Deir ez-Zor" not in ARTICLE
    assert LOCATIONS["ain-al-asad-air-base"].admin1 == "Anbar"
    assert "admin1" not in LOCATIONS["ain-al-asad-air-base"].added
    assert "Anbar" in ARTICLE
