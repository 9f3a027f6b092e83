"""Query parameters, declared once per resource and shared by every route that filters it.

A filter may be repeated or comma-separated (`country=IQ&country=SY` is `country=IQ,SY`):
OR within one parameter, AND across parameters.
"""

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.countries import to_alpha2
from app.vocab import (
    EVENT_TYPES,
    SUB_EVENT_TYPES,
    ActorKind,
    Involvement,
    LocationKind,
    Stance,
)


def _iso(kind: type[date] | type[datetime]) -> Callable[[object], object]:
    """Only ISO 8601 text: lax parsing would take `0.5` for a Unix timestamp."""
    shape = r"\d{4}-\d{2}-\d{2}" if kind is date else r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*"

    def parse(value: object) -> object:
        if not isinstance(value, str) or not re.fullmatch(shape, value):
            expected = "YYYY-MM-DD" if kind is date else "an RFC 3339 timestamp"
            raise ValueError(f"expected {expected}")
        return value

    return parse


Day = Annotated[date, BeforeValidator(_iso(date))]
Timestamp = Annotated[datetime, BeforeValidator(_iso(datetime))]


SPACE = " \t\n\r\f\v"
"""What is trimmed around each value of a list: ASCII white space, which every regex engine
agrees on (so `LIST_ITEM` says exactly what `_split` accepts)."""


def _split(value: object) -> object:
    """Accept repeated and comma-separated values alike."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        parts = [p.strip(SPACE) for v in value for p in str(v).split(",")]
        if "" in parts:
            raise ValueError("empty value: give at least one value, or leave the parameter out")
        return parts
    return value


def _countries(values: list[str]) -> list[str]:
    codes = []
    for value in values:
        code = to_alpha2(value)
        if code is None:
            raise PydanticCustomError(
                "unknown_country",
                "unknown country: {value} (use ISO alpha-2, alpha-3 or the English name)",
                {"value": value},
            )
        codes.append(code)
    return codes


# What the server refuses, as patterns for the OpenAPI document (JSON Schema, so ECMA-262
# regexes that Python's `re` reads alike). The checks themselves are in the validators,
# which say what is wrong in words.
NO_NUL = r"^[^\x00]*$"
"""Any text without a NUL character (`check_parameters` refuses one anywhere)."""
_PART = r"[^,\x00]*[^,\x00 \t\n\r\f\v][^,\x00]*"
LIST_ITEM = rf"^{_PART}(,{_PART})*$"
"""One value of a list filter: comma-separated parts, none of them empty (`_split`)."""
_LON = r" *-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?) *"
_LAT = r" *-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?) *"
BBOX_PATTERN = rf"^{_LON},{_LAT},{_LON},{_LAT}$"
"""Four decimal degrees in range; that min <= max is checked beside it."""


def invalid(param: str, message: str) -> PydanticCustomError:
    """An error of a check across the model naming the parameter to fix (app.http.validation)."""
    return PydanticCustomError("parameter", "{message}", {"param": param, "message": message})


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    if not re.fullmatch(BBOX_PATTERN, value):
        raise invalid(
            "bbox",
            "must be four decimal numbers min_lon,min_lat,max_lon,max_lat, longitudes"
            " within -180..180 and latitudes within -90..90",
        )
    min_lon, min_lat, max_lon, max_lat = (float(p) for p in value.split(","))
    if not (min_lon <= max_lon and min_lat <= max_lat):
        raise invalid("bbox", "must satisfy min_lon<=max_lon and min_lat<=max_lat")
    return min_lon, min_lat, max_lon, max_lat


_LIST_SCHEMA = {"type": "array", "items": {"type": "string", "pattern": LIST_ITEM}}
Many = Annotated[list[str], BeforeValidator(_split), WithJsonSchema(_LIST_SCHEMA)]
Countries = Annotated[
    list[str], BeforeValidator(_split), AfterValidator(_countries), WithJsonSchema(_LIST_SCHEMA)
]


def _any_case(value: str) -> str:
    """A pattern of `value` in any ASCII case. (The vocabularies hold letters, spaces, `/`
    and `_`, none of which a pattern reads specially.)"""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in value)


def vocabulary(values: Iterable[str]) -> Any:
    """A list filter over a closed vocabulary, in any case, read as the canonical value: so
    `event_type=battles` and `event_type=Battles` are one query, with one ETag and total.

    JSON Schema has no enum that ignores case: the schema states the values as a pattern,
    exactly what is accepted, and lists them as `examples`.
    """
    values = list(values)
    canonical = {v.lower(): v for v in values}
    expected = ", ".join(repr(v) for v in values[:-1]) + f" or {values[-1]!r} (any case)"

    def pick(value: str) -> str:
        # ASCII only: str.lower folds some other letters to ASCII ones (the Kelvin sign to
        # k), which the pattern, as JSON Schema reads it, does not.
        found = canonical.get(value.lower()) if value.isascii() else None
        if found is None:
            raise PydanticCustomError(
                "literal_error", "must be one of {expected}", {"expected": expected}
            )
        return found

    item = r"[ \t\n\r\f\v]*(?:" + "|".join(_any_case(v) for v in values) + r")[ \t\n\r\f\v]*"
    schema = {
        "type": "array",
        "items": {"type": "string", "pattern": rf"^{item}(,{item})*$", "examples": values},
    }
    return Annotated[
        list[Annotated[str, AfterValidator(pick)]],
        BeforeValidator(_split),
        WithJsonSchema(schema),
    ]


def _bbox(value: str | None) -> str | None:
    parse_bbox(value)
    return value


BBox = Annotated[
    str | None,
    AfterValidator(_bbox),
    Field(
        description="`min_lon,min_lat,max_lon,max_lat` (WGS84 decimal degrees, min <= max)",
        examples=["38,29,49,38"],
        json_schema_extra={"pattern": BBOX_PATTERN},
    ),
]

WORDS = r"^[^\x00]*[^\W_][^\x00]*$"
"""At least one letter or digit (app.services.search.words), and no NUL. The one pattern
that `re` and ECMA-262 read differently: "not a word character" is Unicode in `re`, ASCII
in ECMA-262, so a JavaScript validator is stricter than the server (it wants a Latin
letter or a digit)."""
Words = Annotated[str | None, Field(min_length=1, json_schema_extra={"pattern": WORDS})]
"""`q`: words to look for, each of which must occur (any case). Its bounds are settings
(MAX_Q_LENGTH, MAX_Q_TERMS), checked before the query is parsed (app.http.limits)."""

COUNTRY_DOC = "ISO alpha-2, alpha-3 or English name, any case (`IQ`, `irq`, `Iraq`)."
SOURCE_DOC = "A source: its id or its title, any case (a title with a comma: its id)."


class Page(BaseModel):
    limit: int = Field(50, ge=1, le=1000, description="Page size (1 to 1000).")
    cursor: str | None = Field(
        None,
        description="Opaque cursor from `meta.next_cursor` of the previous page.",
        json_schema_extra={"pattern": NO_NUL},
    )


Format = Literal["json", "csv", "geojson", "ndjson"]
Layout = Literal["ucdp-ged", "acled"]
"""The publishers' column layouts incidents also export in (`app.services.layouts`)."""
IncidentFormat = Literal[Format, Layout]
JSON_MAX_LIMIT = 1000
EXPORT_MAX_LIMIT = 100_000


class ExportablePage(Page):
    """The page of a list that can also be exported as CSV, GeoJSON or NDJSON.

    Which limit applies depends on the format, and the format may come from the `Accept`
    header, so the JSON bound (1000) is checked once the format is known
    (`app.http.lists.negotiate`).
    """

    format: Format | None = Field(
        None,
        description="`json` (default), `csv`, `geojson` or `ndjson`; overrides `Accept`.",
    )
    csv_safe: bool = Field(
        False,
        description="CSV only: prefix `'` to every text cell that starts with `=`, `+`, `-`, "
        "`@`, a tab or a carriage return, so a spreadsheet shows it rather than run it as a "
        "formula. Off by default, so that pandas and other programs read exact values.",
    )
    limit: int = Field(
        50,
        ge=1,
        le=EXPORT_MAX_LIMIT,
        description=(
            f"Page size: 1 to {JSON_MAX_LIMIT} for JSON (default 50); 1 to {EXPORT_MAX_LIMIT}"
            f" for exports, which return every match up to {EXPORT_MAX_LIMIT} when no"
            " `limit` is given."
        ),
        # The schema states the JSON bound, which every JSON client needs; JSON Schema cannot
        # make one parameter's maximum depend on another (`format`) or on `Accept`.
        json_schema_extra={"maximum": JSON_MAX_LIMIT, "x-export-maximum": EXPORT_MAX_LIMIT},
    )


class DateRange(BaseModel):
    date_from: Day | None = Field(None, description="Inclusive start (YYYY-MM-DD).")
    date_to: Day | None = Field(None, description="Inclusive end (YYYY-MM-DD).")

    @model_validator(mode="after")
    def _ordered(self) -> "DateRange":
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise invalid("date_from", "is after date_to")
        return self


class IncidentFilters(DateRange):
    """Every incident filter; the list, exports and stats all take these."""

    country: Countries = Field([], description=COUNTRY_DOC, examples=[["IQ"]])
    attributed_to: Many = Field(
        [],
        description="An actor: its id, name or an alias, any case (`Iran-backed groups`);"
        " also matches incidents attributed to groups under it.",
        examples=[["iran-backed-groups"]],
    )
    stance: vocabulary(get_args(Stance)) = Field(  # type: ignore[valid-type]
        [], description="Stance of the attribution (with `attributed_to`, of that one), any case."
    )
    actor: Many = Field(
        [],
        description="An actor (id, name or alias, any case), however involved: in a role, as"
        " the one who attributed the incident, or as the speaker of a quote about it.",
        examples=[["us-led-coalition"]],
    )
    role: vocabulary(get_args(Involvement)) = Field(  # type: ignore[valid-type]
        [],
        description="How `actor` is involved (alone: any actor so involved): a role, or "
        "`attributed_by` (it attributed the incident) or `speaker` (it is quoted about it); any"
        " case.",
    )
    event_type: vocabulary(EVENT_TYPES) = Field(  # type: ignore[valid-type]
        [], description="Event type (ACLED's, as `/v1/event-types` lists them), any case."
    )
    sub_event_type: vocabulary(SUB_EVENT_TYPES) = Field(  # type: ignore[valid-type]
        [], description="Sub-event type (as `/v1/event-types` lists them), any case."
    )
    location: Many = Field(
        [],
        description="A location: its id, name or an alias, any case.",
        examples=[["ain-al-asad-air-base"]],
    )
    admin1: Many = Field([], description="First-level administrative division, as named.")
    bbox: BBox = None
    q: Words = Field(
        None,
        description="Words that must all occur, each at the start of a word, in the title, "
        "summary or a quote about the incident (any case; found by a full-text index).",
    )
    min_fatalities: int | None = Field(None, ge=0, le=2**31 - 1)
    fatalities_estimate: Literal["low", "best", "high"] | None = Field(
        None,
        description="Which figure `min_fatalities` compares: `best` (`fatalities`, the "
        "default), or a dataset's `low` or `high` estimate (`fatalities_low`, "
        "`fatalities_high`; an incident without one does not match).",
    )
    source: Many = Field([], description=SOURCE_DOC)
    dataset: Many = Field(
        [],
        description="Incidents imported from a dataset (a source of kind `dataset`): its id "
        "or its title, any case.",
        examples=[["ucdp-ged"]],
    )
    type_of_violence: vocabulary(("1", "2", "3")) = Field(  # type: ignore[valid-type]
        [],
        description="UCDP GED's type of violence of the row an incident came from: 1 "
        "state-based conflict, 2 non-state conflict, 3 one-sided violence (GED records only).",
    )
    updated_since: Timestamp | None = Field(
        None, description="Only records updated at or after this RFC 3339 timestamp."
    )
    bbox_matches_unplaced: ClassVar[bool] = False
    """Not a parameter. OGC API - Features has a bbox also match what has no place
    (/req/core/fc-bbox-response C): True in its query (OgcIncidentQuery)."""


IncidentSort = Literal["date", "-date", "fatalities", "-fatalities", "updated_at", "relevance"]


class IncidentQuery(IncidentFilters, ExportablePage):
    # Wider than the other lists' formats: incidents also export in the layouts.
    format: IncidentFormat | None = Field(  # type: ignore[assignment]
        None,
        description="`json` (default), `csv`, `geojson` or `ndjson`; overrides `Accept`. "
        "`ucdp-ged` or `acled`: CSV in the columns of UCDP GED's or ACLED's files.",
    )
    sort: IncidentSort = Field(
        "-date",
        description="Order of the list. `relevance` (with `q`): best matches of `q` in the "
        "incident's title, summary and quotes first; JSON pages only (an export by "
        "relevance is a 422).",
    )


class LocationQuery(ExportablePage):
    country: Countries = Field([], description=COUNTRY_DOC)
    kind: vocabulary(get_args(LocationKind)) = Field(  # type: ignore[valid-type]
        [], description="Location kind, e.g. `air_base`, any case."
    )
    bbox: BBox = None
    q: Words = Field(None, description="Name or alias.")
    updated_since: Timestamp | None = None
    bbox_matches_unplaced: ClassVar[bool] = False
    """As for incidents: True in OgcLocationQuery."""


class OgcIncidentQuery(IncidentQuery):
    """The list's query as OGC API - Features asks it (app.ogc)."""

    bbox_matches_unplaced: ClassVar[bool] = True


class OgcLocationQuery(LocationQuery):
    bbox_matches_unplaced: ClassVar[bool] = True


class ActorQuery(ExportablePage):
    kind: vocabulary(get_args(ActorKind)) = Field(  # type: ignore[valid-type]
        [], description="Actor kind, e.g. `umbrella_group`, any case."
    )
    country: Countries = Field([], description=COUNTRY_DOC)
    q: Words = Field(None, description="Name or alias.")
    parent: Many = Field(
        [], description="A parent actor (id, name or alias, any case): its direct children."
    )
    updated_since: Timestamp | None = None


class QuoteQuery(DateRange, ExportablePage):
    speaker: Many = Field(
        [], description="Who said it: an actor's id, name or alias, any case (`John Kirby`)."
    )
    incident: Many = Field([], description="Incident id.")
    source: Many = Field([], description=SOURCE_DOC)
    q: Words = Field(
        None, description="Words that must all occur, each at the start of a word, in the quote."
    )
    updated_since: Timestamp | None = None


class SourceQuery(Page):
    updated_since: Timestamp | None = None


class ChangeQuery(BaseModel):
    since: int = Field(
        0,
        ge=0,
        le=2**31 - 1,
        description="`meta.next_cursor` of the previous page (the `seq` of the last change "
        "seen); 0 or absent: from the first change.",
    )
    limit: int = Field(50, ge=1, le=1000, description="Page size (1 to 1000).")


TIME_BUCKETS = ("day", "week", "month", "year")
GroupBy = Literal[
    "day",
    "week",
    "month",
    "year",
    "country",
    "event_type",
    "sub_event_type",
    "attributed_to",
    "actor",
    "location",
    "admin1",
]
GROUP_BY_HINT = "give one or two dimensions, e.g. group_by=month,country"


def _split_group_by(value: object) -> object:
    try:
        return _split(value)
    except ValueError:  # an empty value: the generic hint would say to leave it out
        raise PydanticCustomError("group_by", GROUP_BY_HINT) from None


def _group_by(values: list[str]) -> list[str]:
    if not values or len(values) > 2:
        raise PydanticCustomError("group_by", GROUP_BY_HINT)
    if len(set(values)) < len(values):
        raise PydanticCustomError("group_by", "a dimension is given twice")
    if sum(v in TIME_BUCKETS for v in values) > 1:
        raise PydanticCustomError("group_by", "give at most one time bucket (day|week|month|year)")
    return values


class StatsQuery(IncidentFilters):
    group_by: Annotated[
        list[GroupBy],
        BeforeValidator(_split_group_by),
        AfterValidator(_group_by),
    ] = Field(
        description="One or two dimensions, at most one of them a time bucket "
        "(`day`, `week` as ISO `YYYY-Www`, `month`, `year`).",
        examples=[["month", "country"]],
        json_schema_extra={"minItems": 1, "maxItems": 2, "uniqueItems": True},
    )
