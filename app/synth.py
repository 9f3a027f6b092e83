"""Synthetic incidents at scale, so exports and stats can be measured: `incident-record synth`.

Everything is drawn from one `random.Random(seed)`: the same seed and size give the same
rows, ids included. Every id starts with `synth-<seed>-`, every source is published by
"incident-record synth" and says in its text and notes that it is not a real report; the
actors and places have invented names. `updated_at` is the fixed `UPDATED_AT`, not the
time of the run, so that two runs are identical row for row.

The data obeys the rules of real data: ISO countries of the region, coordinates inside a
box per country, ACLED event types, the closed vocabularies, and every quote and excerpt
verbatim at its span in its source's text (the texts are built from the same sentences).

Rows are generated lazily, a few thousand incidents at a time, and written with Core
`executemany` inserts (on PostgreSQL, `COPY`), all in one transaction: a failure leaves
nothing behind. On SQLite the full-text indexes are rebuilt once at the end of it
(app.db.full_text_after_bulk_write), not row by row. Each incident's first version goes
to its history (app.services.history) with its batch, its record built by the database
from the rows just written. A database that already holds the set for this seed is
refused.
"""

import hashlib
import random
import time
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from app.countries import country_name
from app.db import (
    CLI,
    StatisticsAsRowsDouble,
    bulk_insert,
    bulk_write_cache,
    bump_version,
    full_text_after_bulk_write,
    refresh_statistics,
)
from app.errors import Conflict
from app.services import history

PUBLISHER = "incident-record synth"
UPDATED_AT = datetime(2026, 7, 1, tzinfo=UTC)
FIRST_DAY, LAST_DAY = date(2014, 1, 1), date(2026, 6, 30)
GROUPS, UMBRELLAS, MAX_LOCATIONS = 50, 8, 2000
BATCH = 5000
"""Incidents generated (and rows buffered) before a write: memory stays bounded."""

# Countries of the conflict region, hottest first (Zipf weights follow this order), with a
# box (min_lat, max_lat, min_lon, max_lon) well inside each and a few real provinces.
COUNTRIES: list[tuple[str, tuple[float, float, float, float], list[str]]] = [
    (
        "SY",
        (32.8, 36.8, 36.2, 41.2),
        ["Aleppo", "Idlib", "Deir ez-Zor", "Raqqa", "Hasakah", "Homs", "Daraa"],
    ),
    (
        "IQ",
        (30.0, 36.8, 40.0, 47.5),
        ["Anbar", "Baghdad", "Nineveh", "Kirkuk", "Salah al-Din", "Diyala", "Basra"],
    ),
    (
        "YE",
        (13.0, 17.5, 43.5, 51.0),
        ["Marib", "Taiz", "Hodeidah", "Sanaa", "Aden", "Saada", "Al Bayda"],
    ),
    (
        "AF",
        (30.0, 37.5, 62.0, 70.5),
        ["Kabul", "Kandahar", "Helmand", "Nangarhar", "Kunduz", "Herat"],
    ),
    (
        "SO",
        (-1.0, 11.0, 42.0, 50.5),
        ["Banadir", "Lower Shabelle", "Middle Shabelle", "Bay", "Hiraan", "Gedo"],
    ),
    ("NG", (5.0, 13.0, 4.0, 14.0), ["Borno", "Yobe", "Adamawa", "Zamfara", "Kaduna", "Katsina"]),
    ("ML", (11.0, 20.0, -10.0, 3.5), ["Mopti", "Gao", "Timbuktu", "Kidal", "Segou", "Menaka"]),
    ("PK", (25.0, 35.5, 62.5, 74.5), ["Khyber Pakhtunkhwa", "Balochistan", "Punjab", "Sindh"]),
    ("LY", (25.0, 32.5, 11.0, 24.0), ["Tripoli", "Benghazi", "Misrata", "Sirte", "Murzuq"]),
    ("SD", (10.0, 20.0, 23.0, 36.0), ["Khartoum", "North Darfur", "West Darfur", "South Kordofan"]),
    ("LB", (33.1, 34.5, 35.3, 36.5), ["South Lebanon", "Nabatieh", "Beqaa", "Beirut"]),
    ("PS", (31.3, 32.4, 34.3, 35.4), ["Gaza", "North Gaza", "Khan Yunis", "Jenin", "Nablus"]),
    ("IL", (30.0, 33.0, 34.4, 35.6), ["Northern District", "Southern District", "Haifa"]),
    ("IR", (26.0, 38.0, 45.0, 60.5), ["Khuzestan", "Sistan and Baluchestan", "Kurdistan"]),
    ("SA", (17.5, 30.0, 37.0, 54.0), ["Jizan", "Najran", "Asir", "Riyadh", "Eastern Province"]),
]

# (event type, sub-event type, weight, lead sentence before the place, weapon kinds)
EVENTS: list[tuple[str, str, int, str, list[str]]] = [
    (
        "Explosions/Remote violence",
        "Air/drone strike",
        18,
        "An air strike hit",
        ["airstrike", "armed drone"],
    ),
    (
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
        18,
        "Rockets struck",
        ["rocket", "mortar", "artillery", "missile"],
    ),
    (
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        10,
        "A roadside bomb exploded in",
        ["roadside bomb", "IED", "landmine"],
    ),
    (
        "Explosions/Remote violence",
        "Suicide bomb",
        3,
        "A suicide bomber struck",
        ["suicide vest", "car bomb"],
    ),
    (
        "Explosions/Remote violence",
        "Grenade",
        2,
        "A grenade was thrown at a checkpoint in",
        ["grenade"],
    ),
    (
        "Battles",
        "Armed clash",
        20,
        "Fighters clashed with security forces in",
        ["small arms", "machine gun"],
    ),
    (
        "Battles",
        "Non-state actor overtakes territory",
        2,
        "Fighters seized control of",
        ["small arms"],
    ),
    (
        "Battles",
        "Government regains territory",
        2,
        "Government forces retook",
        ["artillery", "small arms"],
    ),
    ("Violence against civilians", "Attack", 8, "Gunmen attacked civilians in", ["small arms"]),
    (
        "Violence against civilians",
        "Abduction/forced disappearance",
        3,
        "Gunmen abducted residents of",
        [],
    ),
    (
        "Strategic developments",
        "Disrupted weapons use",
        5,
        "Air defences intercepted drones over",
        ["armed drone", "rocket"],
    ),
    ("Strategic developments", "Arrests", 3, "Security forces arrested suspects in", []),
    (
        "Strategic developments",
        "Looting/property destruction",
        2,
        "Houses were looted and burned in",
        [],
    ),
    ("Strategic developments", "Other", 1, "Supporters held a commemoration in", []),
    ("Protests", "Peaceful protest", 2, "Hundreds protested peacefully in", []),
    ("Riots", "Violent demonstration", 1, "Protesters clashed with police in", []),
]

STANCES = [("claimed", 30), ("accused", 30), ("suspected", 20), ("acknowledged", 5), ("denied", 15)]
CHANNELS = ["statement", "told_reporters", "interview", "press_conference", "social_media"]
SAID = {
    "statement": " in a statement",
    "told_reporters": ", speaking to reporters",
    "interview": " in an interview",
    "press_conference": " at a press conference",
    "social_media": " on social media",
    "unspecified": "",
}
GROUP_QUOTES = [
    "This operation is a response to the crimes committed against our people",
    "Our fighters will continue until the last foreign soldier leaves",
    "We had nothing to do with this attack",
    "The enemy will pay for every drop of blood",
]
OFFICIAL_QUOTES = [
    "Our forces repelled the attack and the situation is under control",
    "The perpetrators will be pursued and brought to justice",
    "The wounded were taken to hospitals in the province",
    "The toll may rise as rescuers search the rubble",
]
NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()
MONTHS = "January February March April May June July August September October November December"
MONTH_NAMES = MONTHS.split()
GROUP_WORDS = (
    "Crescent Dawn Iron Desert Mountain River Cedar Falcon Eagle Copper Olive Sand Storm "
    "Valley Star Thunder Ember Granite Harvest Horizon Lantern Meadow Orchard Summit"
).split()
GROUP_NOUNS = "Brigades Battalion Front Movement Legion Companies Guards Partisans Vanguard".split()
UMBRELLA_NOUNS = "Alliance Axis Council Coalition Union Federation Assembly Pact".split()
PLACE_HEADS = "Tal Ain Kafr Jabal Wadi Bir Deir Qasr Ras Umm Khirbet Nahr".split()
PLACE_SYLLABLES = "ba da ha ka la ma na ra sa ta za qa ru mi lo ni sha bir dun kar sul".split()
LOCATION_KINDS = [
    ("town", 30), ("village", 30), ("city", 12), ("district", 8), ("military_base", 6),
    ("road", 5), ("border_crossing", 3), ("air_base", 2), ("airport", 2), ("building", 2),
]  # fmt: skip
TABLE_ORDER = [
    "source",
    "incident",
    "quote",
    "quote_incident",
    "incident_excerpt",
    "weapon",
    "incident_actor",
    "attribution",
    "incident_relation",
]


@dataclass
class SynthSummary:
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def line(self) -> str:
        r, total = self.rows, sum(self.rows.values())
        return (
            f"synth seed {self.seed}: {r['incident']} incidents, {r['source']} sources, "
            f"{r['location']} locations, {r['actor']} actors, {r['quote']} quotes, "
            f"{r['attribution']} attributions; {total} rows in {self.seconds:.1f} s "
            f"({total / max(self.seconds, 1e-9):,.0f} rows/s)"
        )


def _people(n: int) -> str:
    return "one person" if n == 1 else f"{n} people"


def zipf(n: int, s: float = 1.0) -> list[float]:
    """Cumulative Zipf weights for ranks 1..n, for `_Generator.pick`."""
    return list(accumulate(1 / (k + 1) ** s for k in range(n)))


class _Generator:
    """The synthetic world for one seed, then its sources and incidents, chunk by chunk."""

    def __init__(self, seed: int, incidents: int) -> None:
        self.rng = random.Random(seed)
        self.seed, self.incidents = seed, incidents
        self.prefix = f"synth-{seed}-"
        self.note = f"Synthetic record generated by `incident-record synth --seed {seed}`."
        self.country_weights = zipf(len(COUNTRIES))
        self.event_weights = list(accumulate(e[2] for e in EVENTS))
        self.stance_weights = list(accumulate(w for _, w in STANCES))
        self.kind_weights = list(accumulate(w for _, w in LOCATION_KINDS))
        self.actors = self._actors()
        self.locations = self._locations(min(MAX_LOCATIONS, max(60, incidents // 20)))

    def pick(self, items: Sequence[Any], cum_weights: Sequence[float]) -> Any:
        return items[bisect(cum_weights, self.rng.random() * cum_weights[-1])]

    def _actor(self, slug: str, name: str, kind: str, **extra: Any) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": self.prefix + slug,
            "name": name,
            "aliases": [],
            "kind": kind,
            "country": None,
            "parent_id": None,
            "description": None,
            "notes": self.note + " Not a real actor." if kind != "state" else self.note,
            "added": [],
            "updated_at": UPDATED_AT,
        }
        return row | extra

    def _actors(self) -> list[dict[str, Any]]:
        rng = self.rng
        self.states: dict[str, dict[str, Any]] = {}
        self.forces: dict[str, dict[str, Any]] = {}
        self.ministries: dict[str, dict[str, Any]] = {}
        rows = []
        for cc, _, _ in COUNTRIES:
            name, low = country_name(cc) or cc, cc.lower()
            self.states[cc] = self._actor(f"state-{low}", name, "state", country=cc)
            self.forces[cc] = self._actor(
                f"forces-{low}", f"{name} security forces", "state_forces", country=cc
            )
            self.ministries[cc] = self._actor(
                f"ministry-{low}", f"{name} health ministry", "government_body", country=cc
            )
            rows += [self.states[cc], self.forces[cc], self.ministries[cc]]
        self.civilians = self._actor("civilians", "Civilians", "civilians")
        self.wire = self._actor("wire", "Synth Wire", "media")
        rows += [self.civilians, self.wire]
        words = rng.sample(GROUP_WORDS, UMBRELLAS)
        self.umbrellas = [
            self._actor(
                f"umbrella-{n + 1:02d}", f"{w} {rng.choice(UMBRELLA_NOUNS)}", "umbrella_group"
            )
            for n, w in enumerate(words)
        ]
        umbrella_weights = zipf(UMBRELLAS, 0.8)
        names = rng.sample([f"{w} {n}" for w in GROUP_WORDS for n in GROUP_NOUNS], GROUPS)
        self.groups = [
            self._actor(
                f"group-{n + 1:02d}",
                name,
                rng.choice(["armed_group", "militia"]),
                country=self.pick(COUNTRIES, self.country_weights)[0],
                parent_id=self.pick(self.umbrellas, umbrella_weights)["id"],
            )
            for n, name in enumerate(names)
        ]
        self.group_weights = zipf(GROUPS, 1.1)
        self.local_groups: dict[str, tuple[list[dict[str, Any]], list[float]]] = {}
        for cc, _, _ in COUNTRIES:
            local = [g for g in self.groups if g["country"] == cc]
            if local:
                self.local_groups[cc] = (local, zipf(len(local), 1.1))
        return rows + self.umbrellas + self.groups

    def _place_name(self) -> str:
        rng = self.rng
        root = "".join(rng.choice(PLACE_SYLLABLES) for _ in range(rng.randint(2, 3)))
        return f"{rng.choice(PLACE_HEADS)} {root.capitalize()}"

    def _locations(self, total: int) -> list[dict[str, Any]]:
        rng = self.rng
        weights = [w**0.5 for w in (1 / (k + 1) for k in range(len(COUNTRIES)))]
        shares = [max(2, round(total * w / sum(weights))) for w in weights]
        shares[0] += total - sum(shares)  # rounding: the hottest country takes the rest
        rows: list[dict[str, Any]] = []
        self.places: dict[str, tuple[list[dict[str, Any]], list[float]]] = {}
        for (cc, (lat0, lat1, lon0, lon1), provinces), share in zip(COUNTRIES, shares, strict=True):
            here: list[dict[str, Any]] = []
            for _ in range(share):
                kind = self.pick(LOCATION_KINDS, self.kind_weights)[0]
                here.append(
                    {
                        "id": f"{self.prefix}loc-{len(rows) + len(here) + 1:04d}",
                        "name": self._place_name(),
                        "aliases": [],
                        "kind": kind,
                        "country": cc,
                        "admin1": rng.choice(provinces),
                        "latitude": round(rng.uniform(lat0, lat1), 4),
                        "longitude": round(rng.uniform(lon0, lon1), 4),
                        "geo_precision": 1
                        if kind.endswith(("base", "port"))
                        else rng.choice([1, 2, 2, 3]),
                        "notes": self.note + " An invented place; coordinates are random "
                        "inside a box in the country.",
                        "added": ["latitude", "longitude"],
                        "updated_at": UPDATED_AT,
                    }
                )
            self.places[cc] = (here, zipf(len(here), 1.1))
            rows += here
        return rows

    def chunks(self) -> Iterator[dict[str, list[dict[str, Any]]]]:
        """Rows per table, for whole sources of about BATCH incidents at a time."""
        done, n_source = 0, 0
        while done < self.incidents:
            out: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLE_ORDER}
            while done < self.incidents and len(out["incident"]) < BATCH:
                size = min(self.rng.randint(20, 50), self.incidents - done)
                n_source += 1
                self._source(n_source, done, size, out)
                done += size
            yield out

    def _source(self, n: int, first: int, size: int, out: dict[str, list[Any]]) -> None:
        rng = self.rng
        source_id = f"{self.prefix}src-{n:06d}"
        day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
        header = (
            f"SYNTHETIC REPORT {n} (seed {self.seed}), generated by incident-record synth. "
            "Not a real news report; every name in it is invented.\n\n"
        )
        self.text, self.source_id = [header], source_id
        self.offset = len(header)
        ids = []
        for k in range(size):
            ids.append(f"{self.prefix}{first + k + 1:07d}")
            self._incident(ids[-1], day, ids[:-1], out)
        text = "".join(self.text)
        out["source"].append(
            {
                "id": source_id,
                "title": f"Synthetic report {n}: {size} incidents",
                "publisher": PUBLISHER,
                "dateline": None,
                "published_on": day,
                "published_on_basis": "Synthetic: random; the incidents end 0-14 days earlier.",
                "url": None,
                "language": "en",
                "text": text,
                "notes": self.note + " Not a real news report.",
                "added": [],
                "bundle_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "updated_at": UPDATED_AT,
            }
        )

    def say(self, sentence: str, inner: str | None = None) -> tuple[int, int, str]:
        """Append a sentence (and a space) to the source text; where `inner` (or it) is."""
        words = inner or sentence
        start = self.offset + sentence.index(words)
        self.text.append(sentence + " ")
        self.offset += len(sentence) + 1
        return start, start + len(words), words

    def _dates(self, day: date) -> tuple[date, date, str, str]:
        rng = self.rng
        end = day - timedelta(days=min(rng.randrange(15), (day - FIRST_DAY).days))
        precision = self.pick(
            ["day", "range", "week", "month", "approximate"], [80, 88, 92, 96, 100]
        )
        fmt = f"{end.day} {MONTH_NAMES[end.month - 1]} {end.year}"
        if precision == "day":
            return end, end, precision, f"on {fmt}"
        if precision == "approximate":
            return end, end, precision, f"around {fmt}"
        if precision == "month":
            return end.replace(day=1), end, precision, f"in {MONTH_NAMES[end.month - 1]} {end.year}"
        start = max(
            FIRST_DAY, end - timedelta(days=6 if precision == "week" else rng.randint(1, 5))
        )
        return (
            start,
            end,
            precision,
            f"between {start.day} {MONTH_NAMES[start.month - 1]} {start.year} and {fmt}",
        )

    def _count(self, p_unknown: float, p_zero: float) -> int | None:
        r = self.rng.random()
        if r < p_unknown:
            return None
        if r < p_unknown + p_zero:
            return 0
        return min(500, int(self.rng.paretovariate(1.3)))

    def _incident(self, iid: str, day: date, earlier: list[str], out: dict[str, list[Any]]) -> None:
        rng = self.rng
        cc = self.pick(COUNTRIES, self.country_weights)[0]
        places, place_weights = self.places[cc]
        loc = self.pick(places, place_weights)
        kind, sub, _, lead, weapon_kinds = self.pick(EVENTS, self.event_weights)
        start, end, precision, when = self._dates(day)
        fatalities, injuries = self._count(0.25, 0.3), self._count(0.35, 0.25)
        if fatalities is None and injuries is None:
            toll = "; there was no word on casualties"
        elif not fatalities and not injuries:
            toll = ", causing no casualties"
        else:
            parts = [f"killing {_people(fatalities)}"] if fatalities else []
            parts += [f"wounding {_people(injuries)}"] if injuries else []
            toll = ", " + " and ".join(parts)
        place = f"{loc['name']} in {loc['admin1']}, {country_name(cc)}"
        excerpt = self.say(f"{lead} {place}, {when}{toll}.")
        spans = [excerpt]
        inc_actors = {(self.wire["id"], "reported_by")}
        target = self.civilians if kind == "Violence against civilians" else self.forces[cc]
        inc_actors.add((target["id"], "target"))
        if fatalities and rng.random() < 0.3:
            inc_actors.add((self.civilians["id"], "killed"))
        if sub == "Disrupted weapons use":
            inc_actors.add((self.forces[cc]["id"], "intercepted_by"))
        stances = self._attributions(iid, cc, inc_actors, out)
        claims = out["attribution"][len(out["attribution"]) - len(stances) :]
        quoted = self._quotes(iid, cc, end, claims, earlier, out)
        if quoted:
            spans.append(quoted)
        self.text.append("\n\n")
        self.offset += 2
        for s, e, words in spans:
            out["incident_excerpt"].append(
                {
                    "incident_id": iid,
                    "source_id": self.source_id,
                    "span_start": s,
                    "span_end": e,
                    "text": words,
                }
            )
        for w in rng.sample(weapon_kinds, min(len(weapon_kinds), self._n(0.3, 0.2, 0.0))):
            quantity = rng.choice([None, None, rng.randint(1, 12)])
            quantity_text = (
                NUMBER_WORDS[quantity] if quantity and rng.random() < 0.6
                else rng.choice([None, None, "dozens", "several"]) if quantity is None
                else None
            )  # fmt: skip
            out["weapon"].append(
                {
                    "incident_id": iid,
                    "kind": w,
                    "quantity": quantity,
                    "quantity_text": quantity_text,
                    "notes": None,
                }
            )
        out["incident_actor"] += [
            {"incident_id": iid, "actor_id": a, "role": r, "notes": None}
            for a, r in sorted(inc_actors)
        ]
        if earlier and rng.random() < 0.03:
            out["incident_relation"].append(
                {
                    "incident_id": iid,
                    "relation": rng.choice(["retaliation_for", "response_to", "part_of"]),
                    "related_incident_id": rng.choice(earlier),
                    "notes": None,
                }
            )
        claimed = (
            True if {"claimed", "acknowledged"} & set(stances)
            else False if stances and set(stances) == {"denied"}
            else None
        )  # fmt: skip
        out["incident"].append(
            {
                "id": iid,
                "source_id": self.source_id,
                "title": f"{sub} in {loc['name']}",
                "summary": excerpt[2] if rng.random() < 0.8 else None,
                "date_start": start,
                "date_end": end,
                "date_precision": precision,
                "time_of_day": rng.choice([None] * 8 + ["morning", "evening", "night"]),
                "event_type": kind,
                "sub_event_type": sub,
                "country": cc,
                "admin1": loc["admin1"],
                "location_id": loc["id"] if rng.random() < 0.97 else None,
                "fatalities": fatalities,
                "injuries": injuries,
                "damage": rng.choice(["none", "minor", "major", "unknown", "unknown"]),
                "claimed": claimed,
                "notes": self.note,
                "added": [],
                "updated_at": UPDATED_AT,
            }
        )

    def _attributions(
        self, iid: str, cc: str, inc_actors: set[tuple[str, str]], out: dict[str, list[Any]]
    ) -> list[str]:
        """0 to 3 claims about the incident, each with its sentence; their stances."""
        rng, stances = self.rng, []
        for k in range(self._n(0.08, 0.35, 0.1)):
            stance = self.pick(STANCES, self.stance_weights)[0]
            if rng.random() < 0.1:
                group = rng.choice(self.umbrellas)
            elif cc in self.local_groups and rng.random() < 0.7:
                group = self.pick(*self.local_groups[cc])
            else:
                group = self.pick(self.groups, self.group_weights)
            by = group if stance in ("claimed", "acknowledged", "denied") else None
            by = by or rng.choice([self.states[cc], self.forces[cc]])
            sentence = {
                "claimed": f"{group['name']} claimed responsibility.",
                "acknowledged": f"{group['name']} acknowledged carrying it out.",
                "denied": f"{group['name']} denied any involvement.",
                "accused": f"{by['name']} blamed {group['name']}.",
                "suspected": f"{by['name']} said {group['name']} was suspected.",
            }[stance]
            at_span = self.say(sentence)
            if stance in ("claimed", "acknowledged"):
                inc_actors.add((group["id"], "perpetrator"))
            stances.append(stance)
            out["attribution"].append(
                {
                    "id": f"{iid}-a{k + 1}",
                    "incident_id": iid,
                    "actor_id": group["id"],
                    "by_actor_id": by["id"],
                    "stance": stance,
                    "evidence_quote_id": None,
                    "excerpt_start": at_span[0],
                    "excerpt_end": at_span[1],
                    "excerpt_text": at_span[2],
                    "notes": None,
                    "added": [],
                }
            )
        return stances

    def _quotes(
        self,
        iid: str,
        cc: str,
        said_on: date,
        attributions: list[dict[str, Any]],
        earlier: list[str],
        out: dict[str, list[Any]],
    ) -> tuple[int, int, str] | None:
        """0 to 2 statements about the incident (evidence for its claims); the first's span."""
        rng, first = self.rng, None
        for k in range(self._n(0.15, 0.3, 0.0)):
            qid = f"{iid}-q{k + 1}"
            evidence = attributions[k] if k < len(attributions) else None
            if evidence and evidence["by_actor_id"].startswith(self.prefix + "group-"):
                speaker, words = evidence["by_actor_id"], rng.choice(GROUP_QUOTES)
                title = "a spokesman for the group"
            else:
                speaker = rng.choice([self.forces[cc], self.ministries[cc]])["id"]
                words, title = rng.choice(OFFICIAL_QUOTES), "an official"
            channel = rng.choice(CHANNELS)
            q_span = self.say(f"\u201c{words},\u201d {title} said{SAID[channel]}.", words)
            if k == 0:
                first = q_span
            if evidence and rng.random() < 0.5:
                evidence["evidence_quote_id"] = qid
            out["quote"].append(
                {
                    "id": qid,
                    "text": words,
                    "speaker_id": speaker,
                    "speaker_title": title,
                    "said_on": said_on,
                    "channel": channel,
                    "source_id": self.source_id,
                    "span_start": q_span[0],
                    "span_end": q_span[1],
                    "notes": None,
                    "added": [],
                    "updated_at": UPDATED_AT,
                }
            )
            out["quote_incident"].append({"quote_id": qid, "incident_id": iid})
            if earlier and rng.random() < 0.05:  # one statement about two incidents
                out["quote_incident"].append({"quote_id": qid, "incident_id": earlier[-1]})
        return first

    def _n(self, p0: float, p2: float, p3: float) -> int:
        """0, 1, 2 or 3, with the given chances of 0, 2 and 3."""
        r = self.rng.random()
        return 0 if r < p0 else 3 if r < p0 + p3 else 2 if r < p0 + p3 + p2 else 1


def synthesize(engine: Engine, incidents: int, seed: int) -> SynthSummary:
    """Write `incidents` synthetic incidents (and their world) for `seed`, in one transaction.

    Raises Conflict if the database already holds the synthetic set of this seed.
    """
    if incidents < 1 or seed < 0:
        raise ValueError("incidents must be at least 1 and seed at least 0")
    began = time.perf_counter()
    gen = _Generator(seed, incidents)
    tables = ["location", "actor", *TABLE_ORDER, "incident_version"]
    summary = SynthSummary(seed=seed, rows=dict.fromkeys(tables, 0))
    actor = SQLModel.metadata.tables["actor"]
    with engine.begin() as conn, bulk_write_cache(conn), full_text_after_bulk_write(conn):
        taken = select(actor.c.id).where(actor.c.id.startswith(gen.prefix, autoescape=True))
        if conn.execute(taken.limit(1)).first() is not None:
            raise Conflict(
                f"the database already holds the synthetic set of seed {seed} "
                f"(ids {gen.prefix}...); use a new database or another --seed"
            )
        for name, rows in (("location", gen.locations), ("actor", gen.actors)):
            bulk_insert(conn, name, rows)
            summary.rows[name] = len(rows)
        statistics = StatisticsAsRowsDouble(conn, tables, 1)
        for chunk in gen.chunks():
            for name in TABLE_ORDER:
                bulk_insert(conn, name, chunk[name])
                summary.rows[name] += len(chunk[name])
            versions: list[history.Version] = [
                (i["id"], history.AS_STORED, "create") for i in chunk["incident"]
            ]
            history.record(conn, versions, author=CLI, at=UPDATED_AT)
            summary.rows["incident_version"] += len(chunk["incident"])
            statistics.written(summary.rows["incident"])
        bump_version(conn)
    with engine.begin() as conn:
        refresh_statistics(conn)
    summary.seconds = time.perf_counter() - began
    return summary
