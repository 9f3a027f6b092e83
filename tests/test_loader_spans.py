"""Bundles written by quoting: a text given without its span is found by the loader.

On both backends, through the loader, `POST /v1/sources` and `incident-record import`:
where the words are found, where they are not or are ambiguous (one entry each in the one
422, naming its field and the places), `occurrence` and `after`, the characters that may
differ, the spans that are given (still checked exactly), and the stored form (the same
whether a bundle gives its spans or quotes its words).
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.errors import InvalidBundle
from app.loader import export_bundle, load_bundle, resolve_spans
from app.models import Attribution, IncidentExcerpt, Quote, Source
from app.schemas.bundle import Bundle
from tests.conftest import Database, client_for
from tests.helpers_bundles import TEXT, bundle
from tests.helpers_server import run_cli
from tests.helpers_writes import dump, new_key

# The test article, and a second report of the same words: "No casualties," and "rockets hit
# Fort Nowhere" occur twice; curly marks, an apostrophe, an en dash and a paragraph break.
ARTICLE = TEXT + (
    "\nOn Tuesday rockets hit Fort Nowhere again. \u201cNo casualties,\u201d the Guard\u2019s"
    " spokesman said \u2013 again.\n"
)
FIRST_QUOTE = ARTICLE.index("No casualties,")
SECOND_QUOTE = ARTICLE.index("No casualties,", FIRST_QUOTE + 1)


def quoting() -> dict[str, Any]:
    """The test bundle over ARTICLE, every span left out: its words are quoted."""
    data = bundle(text=ARTICLE)
    quote = data["quotes"][0]
    del quote["span"]
    quote["occurrence"] = 1
    incident = data["incidents"][0]
    for excerpt in [*incident["excerpts"], incident["attributions"][0]["excerpt"]]:
        del excerpt["start"], excerpt["end"]
    return data


def at(text: str, words: str, start: int = 0) -> tuple[int, int]:
    begin = text.index(words, start)
    return begin, begin + len(words)


def refused(engine: Engine, data: dict[str, Any]) -> dict[str, str]:
    """The 422's entries, field: message (one entry per field here)."""
    with Session(engine) as s, pytest.raises(InvalidBundle) as exc:
        load_bundle(s, data)
    errors = exc.value.errors or []
    found = {e.field or "": e.message for e in errors}
    assert len(found) == len(errors), errors
    return found


def spans(engine: Engine) -> dict[str, Any]:
    """What the rows hold: the quote's, the excerpts' and the attribution's spans and text."""
    with Session(engine) as s:
        quote = s.get(Quote, "guard-no-casualties")
        excerpts = s.scalars(select(IncidentExcerpt).order_by(col(IncidentExcerpt.span_start)))
        claim = s.get(Attribution, "test-rockets-blamed-on-brigade")
        return {
            "quote": quote and (quote.span_start, quote.span_end, quote.text),
            "excerpts": [(e.span_start, e.span_end, e.text) for e in excerpts],
            "claim": claim and (claim.excerpt_start, claim.excerpt_end, claim.excerpt_text),
        }


def test_text_alone_in_each_of_the_three_places_is_found_and_stored(engine: Engine) -> None:
    with Session(engine) as s:
        assert load_bundle(s, quoting()) == "created"
    sentence = "Rockets hit Fort Nowhere in Examplestan on Monday, 2 March 2099."
    blamed = "Officials blamed the Imaginary Front"
    assert spans(engine) == {
        "quote": (*at(ARTICLE, "No casualties,"), "No casualties,"),
        "excerpts": [(*at(ARTICLE, sentence), sentence)],
        "claim": (*at(ARTICLE, blamed), blamed),
    }
    # The same records as the bundle that gives its spans, over the same text.
    with Session(engine) as s:
        exported = export_bundle(s, "test-source")
    given = Bundle.model_validate(bundle(text=ARTICLE)).model_dump(mode="json")
    assert exported["quotes"] == given["quotes"]
    assert exported["incidents"][0]["excerpts"] == given["incidents"][0]["excerpts"]
    claim = exported["incidents"][0]["attributions"][0]
    assert claim["excerpt"] == given["incidents"][0]["attributions"][0]["excerpt"]
    assert "occurrence" not in json.dumps(exported)


def test_the_callers_bundle_is_left_as_it_is(engine: Engine) -> None:
    data = quoting()
    kept = copy.deepcopy(data)
    with Session(engine) as s:
        load_bundle(s, data)
    assert data == kept


def test_absent_words_name_the_field_and_nothing_is_written(engine: Engine) -> None:
    data = quoting()
    data["incidents"][0]["excerpts"][0]["text"] = "Rockets hit Fort Somewhere"
    assert refused(engine, data) == {
        "incidents[0].excerpts[0].text": "text 'Rockets hit Fort Somewhere' is not in the "
        "source text"
    }
    with Session(engine) as s:
        assert s.get(Source, "test-source") is None


def test_ambiguous_words_list_every_place_with_context(engine: Engine) -> None:
    data = quoting()
    del data["quotes"][0]["occurrence"]
    (field, message), *_ = refused(engine, data).items()
    assert field == "quotes[0].text"
    assert message.startswith(
        "text 'No casualties,' occurs 2 times: say which with occurrence (1 to 2) or after "
        "(the words before it); it occurs at "
    )
    first, second = at(ARTICLE, "No casualties,"), at(ARTICLE, "No casualties,", SECOND_QUOTE)
    # Each place: its offsets, then the words in brackets with a little of the text around.
    assert f"{first[0]}..{first[1]} '…" in message
    assert "2099. \u201c[No casualties,]\u201d a spokesman" in message
    assert f"{second[0]}..{second[1]} '…" in message
    assert "Nowhere again. \u201c[No casualties,]\u201d the Guard\u2019s spokesman" in message


@pytest.mark.parametrize(("occurrence", "expected"), [(1, FIRST_QUOTE), (2, SECOND_QUOTE)])
def test_occurrence_picks_the_place(engine: Engine, occurrence: int, expected: int) -> None:
    data = quoting()
    data["quotes"][0]["occurrence"] = occurrence
    with Session(engine) as s:
        load_bundle(s, data)
    assert spans(engine)["quote"] == (expected, expected + len("No casualties,"), "No casualties,")


def test_occurrence_out_of_range_lists_the_places(engine: Engine) -> None:
    data = quoting()
    data["quotes"][0]["occurrence"] = 3
    errors = refused(engine, data)
    assert list(errors) == ["quotes[0].occurrence"]
    assert errors["quotes[0].occurrence"].startswith(
        "occurrence 3 of text 'No casualties,' does not exist: it occurs 2 times, at "
        f"{FIRST_QUOTE}..{FIRST_QUOTE + 14} "
    )


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("2 March 2099.", FIRST_QUOTE),  # past the paragraph break and the opening mark
        ("hit Fort Nowhere again", SECOND_QUOTE),
    ],
)
def test_after_picks_the_place_the_words_follow(engine: Engine, after: str, expected: int) -> None:
    data = quoting()
    del data["quotes"][0]["occurrence"]
    data["quotes"][0]["after"] = after
    with Session(engine) as s:
        load_bundle(s, data)
    assert spans(engine)["quote"][0] == expected


def test_after_that_precedes_no_place_is_that_fields_error(engine: Engine) -> None:
    data = quoting()
    del data["quotes"][0]["occurrence"]
    data["quotes"][0]["after"] = "on Wednesday"
    errors = refused(engine, data)
    assert list(errors) == ["quotes[0].after"]
    assert errors["quotes[0].after"].startswith(
        "text 'No casualties,' does not occur after 'on Wednesday'; it occurs at "
    )


def test_occurrence_counts_among_the_places_after_the_words(engine: Engine) -> None:
    """Both together: `after` narrows, then `occurrence` counts among what is left."""
    text = ARTICLE + "Later: no damage. Then: no damage. Later: no damage.\n"
    data = quoting()
    data["source"]["text"] = text
    data["incidents"][0]["excerpts"].append(
        {"text": "no damage", "after": "Later:", "occurrence": 2}
    )
    with Session(engine) as s:
        load_bundle(s, data)
    assert spans(engine)["excerpts"][-1] == (
        *at(text, "no damage", text.rindex("Later")),
        "no damage",
    )
    data["incidents"][0]["excerpts"][-1]["occurrence"] = 3
    errors = refused(engine, data)
    assert errors["incidents[0].excerpts[1].occurrence"].startswith(
        "occurrence 3 of text 'no damage' does not exist: it occurs 2 times after 'Later:', at "
    )


def test_marks_dashes_and_whitespace_may_differ_and_the_sources_are_stored(
    engine: Engine,
) -> None:
    data = quoting()
    typed = [
        '2 March 2099. "No casualties," a spokesman',  # a paragraph break, curly marks
        "the Guard's spokesman said - again",  # an apostrophe, an en dash
        "Rockets   hit\tFort Nowhere in Examplestan",  # runs of whitespace
    ]
    data["incidents"][0]["excerpts"] = [{"text": t} for t in typed]
    data["quotes"][0] = {**data["quotes"][0], "text": "No  casualties,"}
    with Session(engine) as s:
        load_bundle(s, data)
    source = [
        "2 March 2099.\n\n\u201cNo casualties,\u201d a spokesman",
        "the Guard\u2019s spokesman said \u2013 again",
        "Rockets hit Fort Nowhere in Examplestan",
    ]
    stored = spans(engine)
    assert sorted(stored["excerpts"]) == sorted((*at(ARTICLE, t), t) for t in source)
    assert stored["quote"] == (*at(ARTICLE, "No casualties,"), "No casualties,")


def test_a_given_span_is_still_checked_exactly(engine: Engine) -> None:
    data = bundle(text=ARTICLE)
    said = data["incidents"][0]["excerpts"]
    start, end = at(ARTICLE, "the Guard\u2019s spokesman")
    said.append({"start": start, "end": end, "text": "the Guard's spokesman"})  # not verbatim
    data["quotes"][0]["span"]["start"] += 1  # off its text
    errors = refused(engine, data)
    assert errors == {
        "incidents[0].excerpts[1]": f"text is not verbatim at {start}..{end}: the source has "
        "'the Guard’s spokesman'",
        "quotes[0].span": f"text is not verbatim at {FIRST_QUOTE + 1}..{FIRST_QUOTE + 14}: "
        "the source has 'o casualties,'",
    }


def test_a_span_with_occurrence_or_after_or_half_a_span_is_refused(engine: Engine) -> None:
    data = bundle(text=ARTICLE)
    data["quotes"][0]["occurrence"] = 1
    data["incidents"][0]["attributions"][0]["excerpt"]["after"] = "said."
    del data["incidents"][0]["excerpts"][0]["end"]
    errors = refused(engine, data)
    assert set(errors) == {
        "quotes[0].occurrence",
        "incidents[0].attributions[0].excerpt.after",
        "incidents[0].excerpts[0].end",
    }
    assert errors["quotes[0].occurrence"] == (
        "occurrence says where to find a text given without its span; this one has its span: "
        "leave out one or the other"
    )
    assert errors["incidents[0].excerpts[0].end"] == (
        "start and end go together: give both, or neither for the text to be found in the source"
    )


def test_null_offsets_are_left_out_and_half_a_null_span_is_refused(engine: Engine) -> None:
    data = quoting()
    data["quotes"][0]["span"] = None
    data["incidents"][0]["excerpts"][0].update(start=None, end=None)
    with Session(engine) as s:
        assert load_bundle(s, data) == "created"
    assert spans(engine)["quote"][0] == FIRST_QUOTE
    data["incidents"][0]["excerpts"][0]["start"] = 0
    assert refused(engine, data) == {
        "incidents[0].excerpts[0].end": "start and end go together: give both, or neither "
        "for the text to be found in the source"
    }


def test_the_second_article_in_the_test_data_keeps_the_span_form() -> None:
    """The seed quotes its words; tests/data's second article gives every span, so both
    forms are loaded whole by the suite."""
    path = Path(__file__).parent / "data" / "nw_2099_06_18_kestrelholm.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    excerpts = [ex for i in data["incidents"] for ex in i["excerpts"]]
    excerpts += [a["excerpt"] for i in data["incidents"] for a in i["attributions"] if a["excerpt"]]
    assert all(isinstance(q["span"]["start"], int) for q in data["quotes"])
    assert all(isinstance(ex["start"], int) and isinstance(ex["end"], int) for ex in excerpts)


def test_the_quoting_form_and_its_spans_are_one_bundle(engine: Engine) -> None:
    """Resolved first, then compared: the quoting form, its export, the form with spans and
    the same words typed with other marks are all `unchanged` once one is loaded."""
    with Session(engine) as s:
        assert load_bundle(s, quoting()) == "created"
    before = dump(engine)
    with Session(engine) as s:
        exported = export_bundle(s, "test-source")
    retyped = quoting()
    retyped["incidents"][0]["excerpts"][0]["text"] = (
        "Rockets hit Fort Nowhere in Examplestan on Monday,  2 March 2099."
    )
    for again in (quoting(), exported, bundle(text=ARTICLE), retyped):
        with Session(engine) as s:
            assert load_bundle(s, again) == "unchanged"
    assert dump(engine) == before


def test_replacing_moves_a_span_found_elsewhere(engine: Engine) -> None:
    with Session(engine) as s:
        load_bundle(s, quoting())
    moved = quoting()
    moved["quotes"][0]["occurrence"] = 2
    with Session(engine) as s:
        assert load_bundle(s, moved, replace=True) == "replaced"
        assert export_bundle(s, "test-source")["quotes"][0]["span"] == {
            "start": SECOND_QUOTE,
            "end": SECOND_QUOTE + len("No casualties,"),
        }
    assert spans(engine)["quote"][0] == SECOND_QUOTE


def test_resolve_spans_alone_needs_no_database() -> None:
    found, problems = resolve_spans(quoting())
    assert problems == []
    assert found["quotes"][0]["span"] == dict(
        zip(("start", "end"), at(ARTICLE, "No casualties,"), strict=True)
    )
    assert "occurrence" not in found["quotes"][0]
    assert resolve_spans([1, 2]) == ([1, 2], [])


# Over HTTP and on the command line: one 422 listing every problem, nothing written.


def broken() -> dict[str, Any]:
    """Absent, ambiguous and out-of-range words, a given span that is wrong, and a country
    that is not one: five problems in the three places a text can be."""
    data = quoting()
    incident = data["incidents"][0]
    incident["excerpts"][0]["text"] = "Rockets hit Fort Somewhere"
    incident["excerpts"].append({"text": "hit Fort Nowhere"})  # twice
    incident["attributions"][0]["excerpt"]["occurrence"] = 2
    del data["quotes"][0]["occurrence"]
    data["locations"][0]["country"] = "Atlantis"
    return data


BROKEN = {
    "incidents[0].excerpts[0].text",
    "incidents[0].excerpts[1].text",
    "incidents[0].attributions[0].excerpt.occurrence",
    "quotes[0].text",
    "locations[0].country",
}


def test_post_lists_every_problem_in_one_422_and_writes_nothing(engine: Engine) -> None:
    key = new_key(engine)
    before = dump(engine)
    with client_for(engine) as c:
        response = c.post("/v1/sources", json=broken(), headers=key)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["detail"] == f"{len(BROKEN)} error(s) in the bundle"
        assert {e["field"] for e in problem["errors"]} == BROKEN
        ambiguous = next(e for e in problem["errors"] if e["field"] == "quotes[0].text")
        assert f"{FIRST_QUOTE}..{FIRST_QUOTE + 14}" in ambiguous["message"]
        assert f"{SECOND_QUOTE}..{SECOND_QUOTE + 14}" in ambiguous["message"]
        assert dump(engine) == before

        created = c.post("/v1/sources", json=quoting(), headers=key)
        assert created.status_code == 201
        exported = c.get("/v1/sources/test-source/bundle").json()
        assert exported["quotes"][0]["span"]["start"] == FIRST_QUOTE
        for again in (quoting(), exported):
            same = c.post("/v1/sources", json=again, headers=key)
            assert (same.status_code, same.json()["outcome"]) == (200, "unchanged")


@pytest.mark.slow
def test_import_on_the_command_line(database: Database, tmp_path: Path) -> None:
    """A bundle file that quotes its words, its text in a file beside it."""
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    path = tmp_path / "bundle.json"

    def write(data: dict[str, Any]) -> None:
        del data["source"]["text"]
        data["source"]["text_file"] = "article.txt"
        path.write_text(json.dumps(data), encoding="utf-8")

    write(broken())
    result = run_cli(database.url, "import", str(path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {len(BROKEN)} error(s) in the bundle"
    assert {line.split(":")[0].strip() for line in lines[1:]} == BROKEN
    assert "Traceback" not in result.stderr

    write(quoting())
    for outcome in ("created", "unchanged"):
        done = run_cli(database.url, "import", str(path))
        assert done.stdout.strip() == f"bundle.json: {outcome}", done.stderr
