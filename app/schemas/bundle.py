"""The article bundle: one source with every record taken from it.

The same format is read from `seed/*.json`, posted to `POST /v1/sources` and exported by
`GET /v1/sources/{id}/bundle`. Structure and vocabularies are checked here; spans,
references, dates and countries are checked by `app.loader`, which reports every
problem at once.

Every record may carry `notes` (free text) and `added` (names of its fields whose
values are knowledge added by the editor, not stated by the article), so a reader can
tell what the article says from what was added.
"""

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, create_model
from pydantic.fields import FieldInfo

from app.schemas.queries import NO_NUL
from app.vocab import (
    EVENT_TYPES,
    SUB_EVENT_TYPES,
    ActorKind,
    Channel,
    Damage,
    DatePrecision,
    GeoPrecision,
    LocationKind,
    Relation,
    Role,
    Stance,
)

BUNDLE_FORMAT = "incident-record.bundle/1"
INT32_MAX = 2**31 - 1
"""Offsets and figures are 32-bit integers in the database."""

_DATE = TypeAdapter(date)

LOCATING = ("occurrence", "after")
"""Fields that only say where to find a text: not stored, not part of a record's `added`."""


def _json_date(value: object) -> object:
    """A date is ISO 8601 text in JSON: parsed here, as the loader validates strictly (no
    number is taken for a date, nor text for a number or a boolean)."""
    return _DATE.validate_python(value) if isinstance(value, str) else value


JsonDate = Annotated[date, BeforeValidator(_json_date)]


def _json_int(value: object) -> object:
    """JSON has numbers, not integers: 5.0 is the integer 5, as JSON Schema reads it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Count = Annotated[int, Field(ge=0, le=INT32_MAX), BeforeValidator(_json_int)]
"""A figure or an offset: a 32-bit integer from 0, as the database holds it."""

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=120)]


def record_fields(cls: type[BaseModel]) -> list[str]:
    """The fields of a record that `added` may name (not those that only locate a text)."""
    return sorted(set(cls.model_fields) - set(LOCATING))


def _checks_in_schema(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """State in the JSON Schema what the loader refuses wherever JSON Schema can say it.

    No text may hold a NUL character, and `added` names fields of the record.
    """
    for name, prop in schema.get("properties", {}).items():
        if name == "added":
            prop["items"] = {"type": "string", "enum": record_fields(cls)}
            continue
        for sub in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
            if sub.get("type") == "string" and not sub.keys() & {"enum", "format", "pattern"}:
                sub["pattern"] = NO_NUL


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_checks_in_schema)


def _unless_none(value: object) -> bool:
    return value is None


OCCURRENCE = (
    "Where the text is given without its span and its words occur more than once in the"
    " source: which of those places (1 for the first). With `after`, counted among the places"
    " that follow those words. Only without a span; the loader stores the span it finds,"
    " not this."
)
AFTER = (
    "Where the text is given without its span and its words occur more than once in the"
    " source: a few words just before it (spaces and punctuation between are skipped; as in"
    " the text, quotation marks, apostrophes, dashes and whitespace may differ). Only"
    " without a span; the loader stores the span it finds, not this."
)


def _occurrence() -> Any:
    return Field(None, description=OCCURRENCE, exclude_if=_unless_none)


def _after() -> Any:
    return Field(None, min_length=1, description=AFTER, exclude_if=_unless_none)


Occurrence = Annotated[int, Field(ge=1, le=INT32_MAX), BeforeValidator(_json_int)]
"""Which of the places words occur, from 1."""


class BundleSpan(Strict):
    """Where words are in the source: its `text[start:end]` (offsets in code points)."""

    start: Count
    end: Count


class BundleExcerpt(Strict):
    """Words of the source, verbatim, at `text[start:end]`; or only the words, quoted, for
    the loader to find (`occurrence` or `after` saying which, where they occur more than
    once). An exported bundle always has the span."""

    start: Count | None = Field(
        None, description="Offset of the first character in the source text (code points)."
    )
    end: Count | None = Field(
        None, description="Offset just past the last character. With `start`, or neither."
    )
    text: str = Field(
        min_length=1,
        description=(
            "The source's words. With a span: exactly its characters there. Without: found in"
            " the source (quotation marks, apostrophes, dashes and runs of whitespace may differ"
            " from the source's; the source's own characters are stored)."
        ),
    )
    occurrence: Occurrence | None = _occurrence()
    after: str | None = _after()

    def offsets(self) -> tuple[int, int]:
        """`(start, end)`, given or found by checking."""
        return _found(self.start, self.end)


def _found(start: int | None, end: int | None) -> tuple[int, int]:
    """A span that checking found (`app.loader.spans`): a bundle is written only checked."""
    if start is None or end is None:
        raise ValueError("the span has not been found: check the bundle before writing it")
    return start, end


def _text_inline(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """Over HTTP the text comes inline: `text_file` is only read from a bundle on disk."""
    _checks_in_schema(schema, cls)
    schema["properties"].pop("text_file")
    schema["properties"]["text"] = {"type": "string", "pattern": NO_NUL}
    schema["required"] = [*schema.get("required", []), "text"]


class BundleSource(Strict):
    model_config = ConfigDict(json_schema_extra=_text_inline)

    id: Slug
    title: str = Field(min_length=1)
    publisher: str | None = None
    dateline: str | None = None
    published_on: JsonDate | None = None
    published_on_basis: str | None = None
    url: str | None = None
    language: str = "en"
    text: str | None = None
    """The full text. A bundle file may instead name a `text_file` beside it."""
    text_file: str | None = Field(default=None, exclude_if=lambda v: v is None)
    notes: str | None = None
    added: list[str] = []


class BundleLocation(Strict):
    id: Slug
    name: str = Field(min_length=1)
    aliases: list[str] = []
    kind: LocationKind
    country: str
    admin1: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    geo_precision: GeoPrecision
    notes: str | None = None
    added: list[str] = []


class BundleActor(Strict):
    id: Slug
    name: str = Field(min_length=1)
    aliases: list[str] = []
    kind: ActorKind
    country: str | None = None
    parent_id: Slug | None = None
    description: str | None = None
    notes: str | None = None
    added: list[str] = []


class BundleQuote(Strict):
    id: Slug
    text: str = Field(
        min_length=1,
        description=(
            "The words quoted, verbatim. With a `span`: exactly the source's characters there."
            " Without: found in the source (quotation marks, apostrophes, dashes and runs of"
            " whitespace may differ from the source's; the source's own characters are stored)."
        ),
    )
    occurrence: Occurrence | None = _occurrence()
    after: str | None = _after()
    speaker_id: Slug
    speaker_title: str | None = None
    """The speaker's title as the source writes it."""
    said_on: JsonDate | None = None
    channel: Channel
    span: BundleSpan | None = Field(
        None, description="Where the text is; left out, the loader finds it (and stores it)."
    )
    incident_ids: list[Slug] = []
    notes: str | None = None
    added: list[str] = []

    def offsets(self) -> tuple[int, int]:
        """`(start, end)` of the span, given or found by checking."""
        return _found(None, None) if self.span is None else (self.span.start, self.span.end)


class BundleWeapon(Strict):
    kind: str = Field(min_length=1)
    quantity: Count | None = None
    quantity_text: str | None = None
    """The quantity as written, e.g. `five`, `dozens`."""
    notes: str | None = None


class BundleIncidentActor(Strict):
    actor_id: Slug
    role: Role
    notes: str | None = None


class BundleAttribution(Strict):
    id: Slug
    actor_id: Slug
    """Who the incident is attributed to."""
    by_actor_id: Slug | None = None
    """Who makes the attribution (null: the source itself, in its own voice)."""
    stance: Stance
    evidence_quote_id: Slug | None = None
    excerpt: BundleExcerpt | None = None
    notes: str | None = None
    added: list[str] = []


class BundleRelation(Strict):
    relation: Relation
    incident_id: Slug
    """The other incident: this incident is `relation` that one."""
    notes: str | None = None


class BundleIncident(Strict):
    id: Slug
    title: str = Field(min_length=1)
    summary: str | None = None
    date_start: JsonDate
    date_end: JsonDate
    date_precision: DatePrecision
    time_of_day: str | None = None
    # Checked by the loader (which also checks that the sub-type is one of the type's).
    event_type: str = Field(json_schema_extra={"enum": list(EVENT_TYPES)})
    sub_event_type: str = Field(json_schema_extra={"enum": list(SUB_EVENT_TYPES)})
    country: str
    admin1: str | None = None
    location_id: Slug | None = None
    fatalities: Count | None = None
    injuries: Count | None = None
    damage: Damage = "unknown"
    claimed: bool | None = None
    excerpts: list[BundleExcerpt] = Field(min_length=1)
    weapons: list[BundleWeapon] = []
    actors: list[BundleIncidentActor] = []
    attributions: list[BundleAttribution] = []
    related: list[BundleRelation] = []
    notes: str | None = None
    added: list[str] = []


class Bundle(Strict):
    format: str = Field(BUNDLE_FORMAT, json_schema_extra={"enum": [BUNDLE_FORMAT]})
    source: BundleSource
    locations: list[BundleLocation] = []
    actors: list[BundleActor] = []
    quotes: list[BundleQuote] = []
    incidents: list[BundleIncident] = []


PATCHABLE = (
    "title",
    "summary",
    "date_start",
    "date_end",
    "date_precision",
    "time_of_day",
    "event_type",
    "sub_event_type",
    "country",
    "admin1",
    "location_id",
    "fatalities",
    "injuries",
    "damage",
    "weapons",
    "claimed",
    "notes",
    "added",
)
"""The fields of an incident that `PATCH /v1/incidents/{id}` may change."""


def _no_default(schema: dict[str, Any]) -> None:
    """No `default` in the schema: an absent member is "unchanged", not null."""
    schema.pop("default", None)


def _patch_field(name: str) -> tuple[Any, Any]:
    """The bundle's field, optional in a patch; null (which removes it) where it has a default."""
    field = BundleIncident.model_fields[name]
    annotation: Any = field.annotation
    if not field.is_required():
        annotation = annotation | None
    return annotation, FieldInfo.merge_field_infos(
        field, default=None, json_schema_extra=_no_default
    )


class IncidentPatchLocation(Strict):
    """The incident's location as GET shows it: only its id can change here."""

    id: Slug


_PATCH_FIELDS: dict[str, Any] = {
    "location": (IncidentPatchLocation | Slug | None, Field(None, json_schema_extra=_no_default)),
    **{name: _patch_field(name) for name in PATCHABLE},
}
IncidentPatch = create_model(
    "IncidentPatch",
    __config__=ConfigDict(extra="forbid"),
    __doc__=(
        "A JSON Merge Patch (RFC 7386) of an incident: the members to change. A value replaces,"
        " null removes (the field's default applies), a list is replaced whole. `location`"
        ' (as GET shows it, `{"id": ...}`, or a bare id) may stand for `location_id`.'
    ),
    **_PATCH_FIELDS,
)
"""The body of `PATCH /v1/incidents/{id}`, for the OpenAPI document: the route reads the
body as JSON and applies it to the source's bundle, which the loader then checks whole."""
