"""How close a draft comes to a reviewed bundle of the same article.

For quotes, speakers, incident dates and places: recall is the share of the reviewed
bundle's records the draft gets exactly, precision the share of the draft's that are
right. A quote is right at the same span with the same text; its speaker is right if the
two actors share a name or an alias; a draft incident is compared with the reviewed
incidents whose excerpts overlap its own, its dates right if equal, its place right if
the two locations share a name or an alias.

Both bundles have their spans: a reviewed bundle that quotes words without them is read
through `app.loader.resolve_spans` first.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.drafting.dates import WEEKDAYS, find_dates
from app.drafting.text import fold_name


@dataclass(frozen=True)
class Score:
    found: int
    """Reviewed records the draft gets right."""
    reviewed: int
    right: int
    """Draft records that are right."""
    drafted: int

    @property
    def recall(self) -> float:
        return self.found / self.reviewed if self.reviewed else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.drafted if self.drafted else 1.0

    def line(self, what: str) -> str:
        return (
            f"{what:<16} recall {self.found}/{self.reviewed} ({self.recall:.0%})"
            f"   precision {self.right}/{self.drafted} ({self.precision:.0%})"
        )


def _names(record: dict[str, Any] | None) -> set[str]:
    if record is None:
        return set()
    names = {record.get("name") or "", *record.get("aliases", [])}
    return {fold_name(re.sub(r"\(.*?\)", "", n)) for n in names} - {""}


def _by_id(*bundles: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for bundle in bundles:
        out.update({r["id"]: r for r in bundle.get(key, [])})
    return out


def _same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return False
    return a.get("id") == b.get("id") or bool(_names(a) & _names(b))


def quotes(draft: dict[str, Any], reviewed: dict[str, Any]) -> Score:
    at = {(q["span"]["start"], q["span"]["end"], q["text"]) for q in reviewed["quotes"]}
    mine = {(q["span"]["start"], q["span"]["end"], q["text"]) for q in draft["quotes"]}
    return Score(len(at & mine), len(at), len(at & mine), len(mine))


def speakers(draft: dict[str, Any], reviewed: dict[str, Any]) -> Score:
    """Speakers of the reviewed quotes the draft has at the same span. Actors the draft
    reused from the record are looked up in the reviewed bundle (the record's)."""
    actors = _by_id(reviewed, draft, key="actors")
    reviewed_actors = _by_id(reviewed, key="actors")
    by_span = {(q["span"]["start"], q["span"]["end"]): q for q in draft["quotes"]}
    found = 0
    for q in reviewed["quotes"]:
        mine = by_span.get((q["span"]["start"], q["span"]["end"]))
        if mine and _same(actors.get(mine["speaker_id"]), reviewed_actors.get(q["speaker_id"])):
            found += 1
    spoken = [q for q in draft["quotes"] if q["speaker_id"] != "unidentified-speaker"]
    return Score(found, len(reviewed["quotes"]), found, len(spoken))


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return any(
        x["start"] < y["end"] and y["start"] < x["end"]
        for x in a["excerpts"]
        for y in b["excerpts"]
    )


def _incidents(draft: dict[str, Any], reviewed: dict[str, Any], same: Any) -> Score:
    found = sum(
        any(_overlap(r, d) and same(d, r) for d in draft["incidents"])
        for r in reviewed["incidents"]
    )
    right = sum(
        any(_overlap(r, d) and same(d, r) for r in reviewed["incidents"])
        for d in draft["incidents"]
    )
    return Score(found, len(reviewed["incidents"]), right, len(draft["incidents"]))


def incident_dates(draft: dict[str, Any], reviewed: dict[str, Any]) -> Score:
    def same(d: dict[str, Any], r: dict[str, Any]) -> bool:
        return (d["date_start"], d["date_end"]) == (r["date_start"], r["date_end"])

    return _incidents(draft, reviewed, same)


def _same_place(draft: dict[str, Any], reviewed: dict[str, Any]) -> Any:
    locations = _by_id(reviewed, draft, key="locations")
    reviewed_locations = _by_id(reviewed, key="locations")

    def same(d: dict[str, Any], r: dict[str, Any]) -> bool:
        mine = locations.get(d["location_id"] or "")
        return _same(mine, reviewed_locations.get(r["location_id"] or ""))

    return same


def places(draft: dict[str, Any], reviewed: dict[str, Any]) -> Score:
    return _incidents(draft, reviewed, _same_place(draft, reviewed))


def incidents(draft: dict[str, Any], reviewed: dict[str, Any]) -> Score:
    """Dates and place both right, against one reviewed incident (the strictest)."""
    same_place = _same_place(draft, reviewed)

    def same(d: dict[str, Any], r: dict[str, Any]) -> bool:
        dates = (d["date_start"], d["date_end"]) == (r["date_start"], r["date_end"])
        return dates and bool(same_place(d, r))

    return _incidents(draft, reviewed, same)


def weekdays(text: str, published: date, reviewed: dict[str, Any]) -> Score:
    """Weekday words resolved to the day the reviewed bundle gives them: the date, on that
    weekday, of its day-precise incidents whose excerpts hold the word (a word no incident
    holds takes the date the others of its weekday have)."""
    expected: dict[str, set[str]] = {}
    mentions = [d for d in find_dates(text, published) if d.text.lower() in WEEKDAYS]
    for mention in mentions:
        weekday = WEEKDAYS.index(mention.text.lower())
        for inc in reviewed["incidents"]:
            day = date.fromisoformat(inc["date_start"])
            if (
                inc["date_precision"] == "day"
                and day.weekday() == weekday
                and any(ex["start"] <= mention.start < ex["end"] for ex in inc["excerpts"])
            ):
                expected.setdefault(mention.text.lower(), set()).add(inc["date_start"])
    right = sum(expected.get(m.text.lower()) == {m.first.isoformat()} for m in mentions)
    return Score(right, len(mentions), right, len(mentions))
