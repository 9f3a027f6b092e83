"""The loader: whole validation with every error listed, atomic and idempotent writes."""

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from app.errors import Conflict, InvalidBundle
from app.loader import load_bundle, read_bundle_file
from app.models import Incident, Quote, Source
from tests.helpers_bundles import TEXT, bundle


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in SQLModel.metadata.sorted_tables
        }


def refused(engine: Engine, data: dict[str, Any]) -> list[str]:
    with Session(engine) as s, pytest.raises(InvalidBundle) as exc:
        load_bundle(s, data)
    return [f"{e.field}: {e.message}" for e in exc.value.errors or []]


def test_loads_a_valid_bundle(engine: Engine) -> None:
    with Session(engine) as s:
        assert load_bundle(s, bundle()) == "created"
    with Session(engine) as s:
        assert s.get(Source, "test-source").text == TEXT
        assert s.get(Incident, "test-rockets").country == "IQ"
        quote = s.get(Quote, "guard-no-casualties")
        assert TEXT[quote.span_start : quote.span_end] == quote.text


def test_loading_twice_changes_nothing(engine: Engine) -> None:
    with Session(engine) as s:
        load_bundle(s, bundle())
    with Session(engine) as s:
        stamp = s.get(Source, "test-source").updated_at
    before = counts(engine)
    with Session(engine) as s:
        assert load_bundle(s, bundle()) == "unchanged"
    assert counts(engine) == before
    with Session(engine) as s:
        assert s.get(Source, "test-source").updated_at == stamp


def test_a_different_bundle_under_the_same_id_conflicts_unless_replace(engine: Engine) -> None:
    with Session(engine) as s:
        load_bundle(s, bundle())
    changed = bundle(title="Rockets hit Fort Nowhere again")
    changed["incidents"][0]["fatalities"] = 1
    with Session(engine) as s, pytest.raises(Conflict):
        load_bundle(s, changed)
    with Session(engine) as s:
        assert s.get(Incident, "test-rockets").fatalities == 0
        assert load_bundle(s, changed, replace=True) == "replaced"
    with Session(engine) as s:
        assert s.get(Incident, "test-rockets").fatalities == 1
        assert s.get(Source, "test-source").title == "Rockets hit Fort Nowhere again"


def test_replace_drops_records_no_longer_in_the_bundle(engine: Engine) -> None:
    with Session(engine) as s:
        load_bundle(s, bundle())
    smaller = bundle()
    smaller["quotes"] = []
    with Session(engine) as s:
        load_bundle(s, smaller, replace=True)
    with Session(engine) as s:
        assert s.get(Quote, "guard-no-casualties") is None
        assert s.get(Incident, "test-rockets") is not None


def test_refuses_with_every_error_listed_and_writes_nothing(engine: Engine) -> None:
    """Structural errors (a bad date) and semantic ones are all reported together."""
    data = bundle()
    data["quotes"][0]["text"] = "No casualties at all,"  # an invented quote
    data["incidents"][0]["location_id"] = "fort-elsewhere"  # a broken reference
    data["incidents"][0]["date_end"] = "2099-02-30"  # a bad date
    data["incidents"][0]["excerpts"][0]["start"] += 1  # an excerpt off its span
    before = counts(engine)
    errors = refused(engine, data)
    assert sorted(errors) == sorted(
        [
            "quotes[0].span: text is not verbatim at 67..81: the source has 'No casualties,'",
            "incidents[0].location_id: unknown location id: fort-elsewhere",
            "incidents[0].date_end: must be a valid date or datetime, "
            "day value is outside expected range",
            "incidents[0].excerpts[0]: text is not verbatim at 1..64: the source has "
            "'ockets hit Fort Nowhere in Examplestan on Monday, 2 March 2099.'",
        ]
    )
    assert counts(engine) == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda b: b["incidents"][0].update(country="Atlantis"),
            "incidents[0].country: unknown country: Atlantis",
        ),
        (
            lambda b: b["incidents"][0].update(sub_event_type="Armed clash"),
            "incidents[0].sub_event_type: 'Armed clash' is not a sub-event type of "
            "'Explosions/Remote violence'",
        ),
        (
            lambda b: b["incidents"][0].update(event_type="Skirmish"),
            "incidents[0].event_type: unknown event type: Skirmish",
        ),
        (
            lambda b: b["incidents"][0]["attributions"][0].update(actor_id="nobody"),
            "incidents[0].attributions[0].actor_id: unknown actor id: nobody",
        ),
        (
            lambda b: b["incidents"][0]["attributions"][0].update(evidence_quote_id="nothing-said"),
            "incidents[0].attributions[0].evidence_quote_id: unknown quote id: nothing-said",
        ),
        (
            lambda b: b["quotes"][0].update(speaker_id="ghost"),
            "quotes[0].speaker_id: unknown actor id: ghost",
        ),
        (
            lambda b: b["quotes"][0]["incident_ids"].append("no-such-incident"),
            "quotes[0].incident_ids[1]: unknown incident id: no-such-incident",
        ),
        (
            lambda b: b["actors"][0].update(parent_id="imaginary-brigade"),
            "actors[0].parent_id: parent chain of imaginary-front is a cycle",
        ),
        (
            lambda b: b["locations"][0].update(added=["altitude"]),
            "locations[0].added: altitude is not a field of this record",
        ),
        (
            lambda b: b["locations"][0].update(country="SY"),
            "incidents[0].country: IQ is not the country of fort-nowhere",
        ),
        (
            lambda b: b["incidents"][0].update(date_end="2099-03-03"),
            "incidents[0].date_precision: precision day needs date_start == date_end",
        ),
        (
            lambda b: (
                b["incidents"][0]
                .setdefault("related", [])
                .append({"relation": "part_of", "incident_id": "test-rockets"})
            ),
            "incidents[0].related[0]: an incident cannot relate to itself",
        ),
        (
            lambda b: b["incidents"].append(b["incidents"][0]),
            "incidents: id test-rockets appears 2 times",
        ),
        (
            lambda b: b["quotes"][0].update(span={"start": 10, "end": 100000}),
            f"quotes[0].span: span 10..100000 is outside the source text (0..{len(TEXT)})",
        ),
        (
            lambda b: b["incidents"][0]["attributions"][0].update(excerpt=None),
            "incidents[0].attributions[0]: an attribution needs an evidence_quote_id or an excerpt",
        ),
        (lambda b: b["source"].pop("text"), "source.text: the source text is required"),
        (
            lambda b: b["incidents"][0].update(date_end="2099-03-01"),
            "incidents[0].date_end: date_end 2099-03-01 is before date_start 2099-03-02",
        ),
        (
            lambda b: b["actors"][0].update(name="Imaginary\x00Front"),
            "actors[0].name: contains a NUL character",
        ),
        (
            lambda b: b.update(format="something/else"),
            "format: unsupported format 'something/else'; expected 'incident-record.bundle/1'",
        ),
    ],
)
def test_refusals(engine: Engine, change: Any, expected: str) -> None:
    data = bundle()
    change(data)
    assert expected in refused(engine, data)
    assert counts(engine)["source"] == 0


def test_an_actor_without_an_id_is_that_error_only(engine: Engine) -> None:
    """Found by fuzzing: the parent-cycle check crashed on it, and took every actor without
    a parent for a cycle."""
    data = bundle()
    data["actors"].append({"name": "Nameless", "kind": "media"})
    assert refused(engine, data) == ["actors[3].id: required"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda b: b["incidents"][0].update(date_precision="fortnight"),
            "incidents[0].date_precision",
        ),
        (
            lambda b: b["incidents"][0]["attributions"][0].update(stance="hinted"),
            "incidents[0].attributions[0].stance",
        ),
        (lambda b: b["incidents"][0].update(id="Not A Slug"), "incidents[0].id"),
        (lambda b: b["incidents"][0].update(fatalities=-1), "incidents[0].fatalities"),
        (lambda b: b["incidents"][0].update(surprise=True), "incidents[0].surprise"),
        (lambda b: b["locations"][0].update(latitude=123), "locations[0].latitude"),
        # Found by fuzzing POST /v1/sources: a list where an offset belongs once raised.
        (
            lambda b: b["incidents"][0]["excerpts"][0].update(start=[1]),
            "incidents[0].excerpts[0].start",
        ),
        (
            lambda b: b["incidents"][0]["weapons"][0].update(kind={}),
            "incidents[0].weapons[0].kind",
        ),
    ],
)
def test_structural_refusals_name_the_field(engine: Engine, change: Any, field: str) -> None:
    data = bundle()
    change(data)
    assert any(e.startswith(field + ":") for e in refused(engine, data))


def test_an_incident_of_another_source_cannot_be_redefined(engine: Engine) -> None:
    with Session(engine) as s:
        load_bundle(s, bundle())
    other = bundle(id="other-source")
    other["quotes"][0]["id"] = "other-quote"
    other["incidents"][0]["attributions"][0]["id"] = "other-attribution"
    assert "incidents: id test-rockets already belongs to source test-source" in refused(
        engine, other
    )


def test_a_later_bundle_may_refer_to_stored_actors_and_incidents(engine: Engine) -> None:
    with Session(engine) as s:
        load_bundle(s, bundle())
    later = bundle(id="later-source")
    later["locations"], later["actors"], later["quotes"] = [], [], []
    incident = later["incidents"][0]
    incident.update(id="later-rockets")
    incident["attributions"][0]["id"] = "later-attribution"
    incident["related"] = [{"relation": "response_to", "incident_id": "test-rockets"}]
    with Session(engine) as s:
        assert load_bundle(s, later) == "created"


def test_read_bundle_file_reads_text_file_beside_it(tmp_path: Any) -> None:
    (tmp_path / "article.txt").write_text(TEXT, encoding="utf-8")
    data = bundle()
    del data["source"]["text"]
    data["source"]["text_file"] = "article.txt"
    path = tmp_path / "bundle.json"
    import json

    path.write_text(json.dumps(data), encoding="utf-8")
    assert read_bundle_file(path)["source"]["text"] == TEXT


def test_read_bundle_file_refuses_unreadable_json(tmp_path: Any) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidBundle, match="cannot read bundle broken.json"):
        read_bundle_file(path)
