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
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.vocab import (
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

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=120)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Provenance(Strict):
    notes: str | None = None
    added: list[str] = []


class Span(Strict):
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Excerpt(Span):
    """Words of the source, verbatim, at `text[start:end]`."""

    text: str = Field(min_length=1)


class BundleSource(Provenance):
    id: Slug
    title: str = Field(min_length=1)
    publisher: str | None = None
    dateline: str | None = None
    published_on: date | None = None
    published_on_basis: str | None = None
    url: str | None = None
    language: str = "en"
    text: str | None = None
    """The full text. A bundle file may instead name a `text_file` beside it."""
    text_file: str | None = Field(default=None, exclude_if=lambda v: v is None)


class BundleLocation(Provenance):
    id: Slug
    name: str = Field(min_length=1)
    aliases: list[str] = []
    kind: LocationKind
    country: str
    admin1: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    geo_precision: GeoPrecision


class BundleActor(Provenance):
    id: Slug
    name: str = Field(min_length=1)
    aliases: list[str] = []
    kind: ActorKind
    country: str | None = None
    parent_id: Slug | None = None
    description: str | None = None


class BundleQuote(Provenance):
    id: Slug
    text: str = Field(min_length=1)
    speaker_id: Slug
    speaker_title: str | None = None
    """The speaker's title as the source writes it."""
    said_on: date | None = None
    channel: Channel
    span: Span
    incident_ids: list[Slug] = []


class BundleWeapon(Strict):
    kind: str = Field(min_length=1)
    quantity: int | None = Field(default=None, ge=0)
    quantity_text: str | None = None
    """The quantity as written, e.g. `five`, `dozens`."""
    notes: str | None = None


class BundleIncidentActor(Strict):
    actor_id: Slug
    role: Role
    notes: str | None = None


class BundleAttribution(Provenance):
    id: Slug
    actor_id: Slug
    """Who the incident is attributed to."""
    by_actor_id: Slug | None = None
    """Who makes the attribution (null: the source itself, in its own voice)."""
    stance: Stance
    evidence_quote_id: Slug | None = None
    excerpt: Excerpt | None = None


class BundleRelation(Strict):
    relation: Relation
    incident_id: Slug
    """The other incident: this incident is `relation` that one."""
    notes: str | None = None


class BundleIncident(Provenance):
    id: Slug
    title: str = Field(min_length=1)
    summary: str | None = None
    date_start: date
    date_end: date
    date_precision: DatePrecision
    time_of_day: str | None = None
    event_type: str
    sub_event_type: str
    country: str
    admin1: str | None = None
    location_id: Slug | None = None
    fatalities: int | None = Field(default=None, ge=0)
    injuries: int | None = Field(default=None, ge=0)
    damage: Damage = "unknown"
    claimed: bool | None = None
    excerpts: list[Excerpt] = Field(min_length=1)
    weapons: list[BundleWeapon] = []
    actors: list[BundleIncidentActor] = []
    attributions: list[BundleAttribution] = []
    related: list[BundleRelation] = []


class Bundle(Strict):
    format: str = BUNDLE_FORMAT
    source: BundleSource
    locations: list[BundleLocation] = []
    actors: list[BundleActor] = []
    quotes: list[BundleQuote] = []
    incidents: list[BundleIncident] = []
