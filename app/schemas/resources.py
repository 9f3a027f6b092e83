"""Response models: the JSON shapes of the public contract, with examples from the seed."""

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

INCIDENT_ID = "2022-01-05-ain-al-asad-rockets"
SOURCE_ID = "afp-2022-01-05-coalition-under-fire"

T = TypeVar("T")


def shaped(model: type[BaseModel], record: dict[str, Any]) -> dict[str, Any]:
    """The record's fields of `model`, in its order (`id` first, provenance last), as the
    JSON response has them: built so, not validated again on the way out."""
    return {name: record[name] for name in model.model_fields}


Notes = Annotated[str | None, Field(description="Editor's notes: reasoning, caveats.")]
Added = Annotated[
    list[str],
    Field(
        description="Fields whose values the editor added (not stated by the source).",
        examples=[["latitude", "longitude"]],
    ),
]
"""A record's provenance, `notes` and `added`, comes last in it, after `id` and its data."""


class Span(BaseModel):
    start: int = Field(description="Offset of the first character in the source text.")
    end: int = Field(description="Offset just past the last character.")


class PageMeta(BaseModel):
    total: int = Field(description="Matches across all pages.", examples=[4])
    total_relation: Literal["eq", "gte"] = Field(
        description="`eq`: `total` is exact. `gte`: at least `total` match: with `q`, an"
        " incident list counts up to EXACT_TOTAL_LIMIT matches (10,000 by default).",
        examples=["eq"],
    )
    limit: int = Field(examples=[50])
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class Links(BaseModel):
    self: str = Field(examples=["http://localhost:8000/v1/incidents?country=IQ"])
    next: str | None = None


class LocationRef(BaseModel):
    id: str = Field(examples=["ain-al-asad-air-base"])
    name: str = Field(examples=["Ain al-Asad air base"])
    latitude: float | None = Field(examples=[33.7856])
    longitude: float | None = Field(examples=[42.4412])
    geo_precision: int = Field(description="1 exact, 2 near, 3 region.", examples=[1])


class WeaponOut(BaseModel):
    kind: str = Field(examples=["rocket"])
    quantity: int | None = Field(examples=[5])
    quantity_text: str | None = Field(description="As written.", examples=["five"])
    notes: str | None = None


class AttributedTo(BaseModel):
    actor_id: str = Field(examples=["iran-backed-groups"])
    actor_name: str = Field(examples=["Iran-backed groups"])
    stance: str = Field(examples=["accused"])
    by_actor_id: str | None = Field(examples=["united-states"])


class _Incident(BaseModel):
    """The fields of an incident in the list and in the detail, provenance aside."""

    id: str = Field(examples=[INCIDENT_ID])
    title: str = Field(examples=["Five rockets target Ain al-Asad air base"])
    summary: str | None
    date_start: date = Field(examples=["2022-01-05"])
    date_end: date = Field(examples=["2022-01-05"])
    date_precision: str = Field(
        description="day, week, month, year, range or approximate.", examples=["day"]
    )
    time_of_day: str | None = Field(description="As reported.", examples=["morning"])
    event_type: str = Field(examples=["Explosions/Remote violence"])
    sub_event_type: str = Field(examples=["Shelling/artillery/missile attack"])
    country: str = Field(description="ISO 3166-1 alpha-2.", examples=["IQ"])
    country_name: str | None = Field(examples=["Iraq"])
    admin1: str | None = Field(examples=["Anbar"])
    location: LocationRef | None
    fatalities: int | None = Field(description="Null where the source does not say.")
    injuries: int | None = Field(description="Null where the source does not say.")
    damage: str = Field(description="none, minor, major or unknown.", examples=["none"])
    weapons: list[WeaponOut]
    attributed_to: list[AttributedTo]
    claimed: bool | None = Field(description="Whether anyone claimed it; null if unknown.")
    fatalities_low: int | None = Field(
        description="A dataset's low estimate of the fatalities (UCDP GED's `low`), beside "
        "`fatalities`, its best; null where a source gives one figure."
    )
    fatalities_high: int | None = Field(
        description="A dataset's high estimate (UCDP GED's `high`); null where a source "
        "gives one figure."
    )
    deaths_a: int | None = Field(description="UCDP GED: the best estimate's deaths of side a.")
    deaths_b: int | None = Field(description="UCDP GED: the best estimate's deaths of side b.")
    deaths_civilians: int | None = Field(description="UCDP GED: civilian deaths.")
    deaths_unknown: int | None = Field(description="UCDP GED: deaths of unknown status.")
    source_ids: list[str] = Field(examples=[[SOURCE_ID]])
    updated_at: datetime


class IncidentOut(_Incident):
    notes: Notes = None
    added: Added = []


class IncidentActorOut(BaseModel):
    actor_id: str = Field(examples=["us-led-coalition"])
    actor_name: str = Field(examples=["US-led coalition"])
    role: str = Field(examples=["target"])
    notes: str | None = None


class AttributionOut(BaseModel):
    id: str
    actor_id: str = Field(examples=["iran-backed-groups"])
    actor_name: str
    by_actor_id: str | None = Field(examples=["united-states"])
    by_actor_name: str | None
    stance: str = Field(examples=["accused"])
    evidence_quote_id: str | None = Field(examples=["washington-iran-backed-groups"])
    excerpt: str | None = Field(description="Words of the source carrying the attribution.")
    span: Span | None
    notes: Notes = None
    added: Added = []


class SourceExcerpt(BaseModel):
    source_id: str = Field(examples=[SOURCE_ID])
    title: str
    excerpt: str = Field(description="The source's words that support the incident.")
    span: Span


class RelatedIncident(BaseModel):
    incident_id: str = Field(examples=["2020-01-03-baghdad-airport-drone-strike"])
    title: str
    relation: str = Field(examples=["anniversary_of"])
    direction: Literal["outgoing", "incoming"] = Field(
        description="outgoing: this incident is `relation` of that one; incoming: the reverse."
    )
    notes: str | None = None


class QuoteOut(BaseModel):
    id: str = Field(examples=["kirby-working-level-assumption"])
    text: str = Field(
        description="Verbatim.",
        examples=[
            "It remains our working level assumption that these are in fact, Iran-backed groups,"
        ],
    )
    speaker_id: str = Field(examples=["john-kirby"])
    speaker_name: str = Field(examples=["John Kirby"])
    speaker_title: str | None = Field(description="As written.", examples=["Pentagon spokesman"])
    said_on: date | None = Field(examples=["2022-01-05"])
    channel: str = Field(examples=["told_reporters"])
    source_id: str = Field(examples=[SOURCE_ID])
    span: Span
    incident_ids: list[str] = Field(examples=[[INCIDENT_ID]])
    updated_at: datetime
    notes: Notes = None
    added: Added = []


class DatasetOrigin(BaseModel):
    """The dataset row an imported incident was made from (`incident-record import-dataset`),
    and its dataset: what the row said, verbatim, beside what the incident made of it."""

    source_id: str = Field(description="The dataset's source.", examples=["ucdp-ged"])
    title: str = Field(examples=["UCDP Georeferenced Event Dataset (GED), release 23.1"])
    publisher: str | None = Field(examples=["Uppsala Conflict Data Program (UCDP)"])
    format: str = Field(description="`ucdp-ged` or `acled`.", examples=["ucdp-ged"])
    release: str | None = Field(examples=["23.1"])
    licence: str | None = Field(examples=["CC BY 4.0"])
    citation: str | None
    url: str | None
    row_id: str = Field(
        description="The publisher's id of the row, as written (GED `id`, ACLED `event_id_cnty`).",
        examples=["9000001"],
    )
    words: dict[str, str] = Field(
        description="The row's words, verbatim, by column: GED `source_article`, "
        "`source_headline`, `source_original`, `where_description`; ACLED `notes`, `source`."
    )
    type_of_violence: int | None = Field(
        description="GED: 1 state-based conflict, 2 non-state conflict, 3 one-sided violence."
    )
    conflict_new_id: int | None
    conflict_name: str | None
    dyad_new_id: int | None
    dyad_name: str | None
    side_a_new_id: int | None
    side_b_new_id: int | None
    date_prec: int | None = Field(description="GED's date precision, 1-5, as given.")
    where_prec: int | None = Field(description="GED's place precision, 1-7, as given.")
    admin2: str | None = Field(description="GED `adm_2`, ACLED `admin2`.")
    values: dict[str, str] = Field(
        description="The row's other columns that no field holds, verbatim, by column."
    )


class IncidentDetail(_Incident):
    actors: list[IncidentActorOut]
    attributions: list[AttributionOut]
    quotes: list[QuoteOut]
    sources: list[SourceExcerpt]
    related: list[RelatedIncident]
    dataset: DatasetOrigin | None = Field(
        description="For an incident imported from a dataset, its row and the dataset; "
        "null for an article's."
    )
    notes: Notes = None
    added: Added = []


class LocationOut(BaseModel):
    id: str = Field(examples=["ain-al-asad-air-base"])
    name: str = Field(examples=["Ain al-Asad air base"])
    aliases: list[str]
    kind: str = Field(examples=["air_base"])
    country: str = Field(examples=["IQ"])
    country_name: str | None = Field(examples=["Iraq"])
    admin1: str | None = Field(examples=["Anbar"])
    latitude: float | None
    longitude: float | None
    geo_precision: int = Field(description="1 exact, 2 near, 3 region.")
    incident_count: int
    updated_at: datetime
    notes: Notes = None
    added: Added = []


class ActorRef(BaseModel):
    id: str = Field(examples=["iran-backed-militias-in-iraq"])
    name: str


class ActorOut(BaseModel):
    id: str = Field(examples=["iran-backed-groups"])
    name: str = Field(examples=["Iran-backed groups"])
    aliases: list[str] = Field(examples=[["pro-Iran factions"]])
    kind: str = Field(examples=["umbrella_group"])
    country: str | None
    country_name: str | None
    parent_id: str | None
    children: list[ActorRef]
    description: str | None
    incident_count: int = Field(
        description="Incidents it is involved in (a role, attributing one, quoted about one)"
        " or blamed for."
    )
    updated_at: datetime
    notes: Notes = None
    added: Added = []


class _Source(BaseModel):
    id: str = Field(examples=[SOURCE_ID])
    title: str = Field(examples=["US-led coalition under fire in Iraq, Syria"])
    publisher: str | None = Field(examples=["AFP"])
    dateline: str | None = Field(examples=["BAGHDAD"])
    published_on: date | None = Field(examples=["2022-01-05"])
    published_on_basis: str | None = Field(description="How the date was established.")
    url: str | None
    language: str = Field(examples=["en"])
    incident_ids: list[str]
    updated_at: datetime


class SourceOut(_Source):
    notes: Notes = None
    added: Added = []


class SourceDetail(_Source):
    text: str = Field(description="The full text: every span points into it.")
    notes: Notes = None
    added: Added = []


class EventTypeOut(BaseModel):
    event_type: str = Field(examples=["Explosions/Remote violence"])
    sub_event_type: str = Field(examples=["Air/drone strike"])
    description: str


class CountryOut(BaseModel):
    country: str = Field(examples=["IQ"])
    country_name: str | None = Field(examples=["Iraq"])
    alpha3: str | None = Field(examples=["IRQ"])
    incident_count: int


class ListOf(BaseModel, Generic[T]):
    data: list[T]
    meta: PageMeta
    links: Links


class IncidentList(ListOf[IncidentOut]):
    pass


class LocationList(ListOf[LocationOut]):
    pass


class ActorList(ListOf[ActorOut]):
    pass


class QuoteList(ListOf[QuoteOut]):
    pass


class SourceList(ListOf[SourceOut]):
    pass


class EventTypeList(ListOf[EventTypeOut]):
    pass


class CountryList(ListOf[CountryOut]):
    pass


class ImportResult(BaseModel):
    source_id: str = Field(examples=[SOURCE_ID])
    outcome: Literal["created", "unchanged", "replaced"] = Field(
        description="created (201), unchanged: the same bundle is stored (200), "
        "replaced: `replace=true` swapped the source's records (200)."
    )


class ChangeOut(BaseModel):
    seq: int = Field(description="Position in the feed: increases in commit order; may skip.")
    resource: Literal["incident", "source", "quote", "location", "actor"]
    resource_id: str = Field(examples=[INCIDENT_ID])
    action: Literal["create", "update", "delete"]
    at: datetime
    key_name: str | None = Field(description="The API key that wrote it; null on the CLI.")
    via: Literal["api", "cli"]
    reason: str | None = Field(
        description="Why, as the writer said (`X-Change-Reason`, `reason`, `--reason`); "
        "null when not said.",
        examples=["The health ministry revised the toll"],
    )


class ChangeList(ListOf[ChangeOut]):
    pass


class FieldChange(BaseModel):
    field: str = Field(
        description="A field of the incident as its bundle holds it: its own, or its "
        "`excerpts`, `weapons`, `actors`, `attributions` or `related` (each list whole).",
        examples=["fatalities"],
    )
    before: Any = Field(description="Its value before (null: none).", examples=[1])
    after: Any = Field(description="Its value after (null: none).", examples=[2])


class IncidentVersionOut(BaseModel):
    seq: int = Field(description="Order of the versions: increases with each write; may skip.")
    action: Literal["create", "update", "delete", "baseline"] = Field(
        description="`baseline`: the incident as it stood when history began to be kept "
        "(an upgrade; its earlier changes are not known)."
    )
    at: datetime
    key_name: str | None = Field(
        description="The API key that wrote it; null on the command line.", examples=["editor"]
    )
    via: Literal["api", "cli"]
    reason: str | None = Field(
        description="Why, as the writer said; null when not said.",
        examples=["The health ministry revised the toll"],
    )
    changes: list[FieldChange] = Field(
        description="Each field that changed, in the record's order. A creation (or a "
        "baseline) lists every field it sets, from null; a deletion every field it clears."
    )


class IncidentHistory(ListOf[IncidentVersionOut]):
    pass


_HISTORY_URL = f"http://localhost:8000/v1/incidents/{INCIDENT_ID}/history"
HISTORY_EXAMPLE = {
    "data": [
        {
            "seq": 12,
            "action": "update",
            "at": "2026-12-01T09:30:00Z",
            "key_name": "editor",
            "via": "api",
            "reason": "The health ministry revised the toll",
            "changes": [
                {"field": "fatalities", "before": 1, "after": 2},
                {"field": "added", "before": [], "after": ["fatalities"]},
            ],
        }
    ],
    "meta": {"total": 2, "total_relation": "eq", "limit": 1, "next_cursor": "WyJzZXEiLFsxMl1d"},
    "links": {
        "self": f"{_HISTORY_URL}?limit=1",
        "next": f"{_HISTORY_URL}?limit=1&cursor=WyJzZXEiLFsxMl1d",
    },
}
"""`GET /v1/incidents/{id}/history?limit=1`: the newest of two versions, a correction."""


class StatsRow(BaseModel):
    """One group: the value of each `group_by` dimension (only those), and its counts.

    `country`, `attributed_to`, `actor` and `location` come with a `*_name` beside them,
    a label for chart legends; `location` with its coordinates too, for maps. A null
    `admin1`, `location`, `attributed_to` or `actor` is its own group: incidents with no
    such value (no matching attribution or actor).
    """

    day: str | None = Field(None, description="`YYYY-MM-DD`.", examples=["2022-01-05"])
    week: str | None = Field(
        None,
        description="ISO 8601 week `YYYY-Www`, in the ISO year (2021-01-01 is `2020-W53`).",
        examples=["2022-W01"],
    )
    month: str | None = Field(None, description="`YYYY-MM`.", examples=["2022-01"])
    year: str | None = Field(None, description="`YYYY`.", examples=["2022"])
    country: str | None = Field(None, description="ISO 3166-1 alpha-2.", examples=["IQ"])
    country_name: str | None = Field(
        None, description="Name of the `country`: a label for charts.", examples=["Iraq"]
    )
    admin1: str | None = Field(None, examples=["Anbar"])
    event_type: str | None = Field(None, examples=["Explosions/Remote violence"])
    sub_event_type: str | None = Field(None, examples=["Shelling/artillery/missile attack"])
    attributed_to: str | None = Field(
        None,
        description="An actor the incidents are attributed to (as recorded, not its umbrella).",
        examples=["iran-backed-groups"],
    )
    attributed_to_name: str | None = Field(
        None,
        description="Name of the `attributed_to`: a label for charts.",
        examples=["Iran-backed groups"],
    )
    actor: str | None = Field(
        None, description="An actor with a role in the incidents.", examples=["us-led-coalition"]
    )
    actor_name: str | None = Field(
        None, description="Name of the `actor`: a label for charts.", examples=["US-led coalition"]
    )
    location: str | None = Field(
        None, description="Location id.", examples=["ain-al-asad-air-base"]
    )
    location_name: str | None = Field(
        None,
        description="Name of the `location`: a label for charts.",
        examples=["Ain al-Asad air base"],
    )
    location_latitude: float | None = Field(
        None,
        description="Latitude of the `location` (WGS 84), for maps; null where the place has none.",
        examples=[33.7856],
    )
    location_longitude: float | None = Field(
        None, description="Longitude of the `location` (WGS 84).", examples=[42.4412]
    )
    incidents: int = Field(description="Incidents in the group.", examples=[3])
    fatalities: int | None = Field(
        description="Sum of the fatalities the sources give; null where no incident in the "
        "group has a figure (unknown is never zero).",
        examples=[0],
    )
    fatalities_known: int = Field(
        description="How many of the incidents have a fatalities figure.", examples=[1]
    )
    fatalities_low: int | None = Field(
        description="Sum of the low estimates a dataset gives (`fatalities_low`); null where "
        "no incident in the group has one.",
        examples=[None],
    )
    fatalities_low_known: int = Field(
        description="How many of the incidents have a low estimate.", examples=[0]
    )
    fatalities_high: int | None = Field(
        description="Sum of the high estimates (`fatalities_high`); null where none has one.",
        examples=[None],
    )
    fatalities_high_known: int = Field(
        description="How many of the incidents have a high estimate.", examples=[0]
    )
    injuries: int | None = Field(
        description="Sum of the injuries the sources give; null where none has a figure.",
        examples=[None],
    )
    injuries_known: int = Field(
        description="How many of the incidents have an injuries figure.", examples=[0]
    )


class StatsMeta(BaseModel):
    group_by: list[str] = Field(examples=[["month", "country"]])
    date_from: date | None = Field(
        description="With a time bucket, the first day of the zero-filled range: `date_from`, "
        "else the earliest `date_start` matching. Without, `date_from` as given.",
        examples=["2021-12-01"],
    )
    date_to: date | None = Field(
        description="Likewise, the last day: `date_to`, else the latest `date_start` matching.",
        examples=["2022-01-31"],
    )


class IncidentStats(BaseModel):
    # No null in the example: FastAPI writes the document without nulls, which would leave
    # a required field out of it (StatsRow's own field examples show the null).
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "month": "2022-01",
                            "country": "IQ",
                            "country_name": "Iraq",
                            "incidents": 3,
                            "fatalities": 0,
                            "fatalities_known": 1,
                            "fatalities_low": 0,
                            "fatalities_low_known": 1,
                            "fatalities_high": 2,
                            "fatalities_high_known": 1,
                            "injuries": 2,
                            "injuries_known": 1,
                        }
                    ],
                    "meta": {
                        "group_by": ["month", "country"],
                        "date_from": "2022-01-01",
                        "date_to": "2022-01-31",
                    },
                }
            ]
        }
    )

    data: list[StatsRow]
    meta: StatsMeta


class Health(BaseModel):
    status: Literal["ok"]


class ReplicaState(BaseModel):
    """A read replica (DATABASE_READ_URL) as this process last measured it."""

    url: str = Field(description="Its URL, without the password.")
    in_pool: bool = Field(
        description="It serves reads: it answers and is at most MAX_REPLICA_LAG_SECONDS behind."
    )
    lag_bytes: int | None = Field(
        description="WAL the primary has written that it has not replayed."
    )
    lag_seconds: float | None = Field(description="How long it has been behind (0: caught up).")
    record_version: int | None = Field(description="The record's version it has replayed.")
    error: str | None = Field(description="Why it does not answer, if it does not.")


class Readiness(BaseModel):
    status: Literal["ready"]
    database: Literal["reachable"]
    schema_revision: str
    replicas: list[ReplicaState] = Field(
        default_factory=list,
        description="Each read replica, measured now; one out of the pool leaves its reads to"
        " the others and the primary, and this server stays ready.",
    )


class LandingLink(BaseModel):
    rel: str = Field(
        description="IANA link relation: `self`, `service-desc`, `service-doc`, `data`, ...",
        examples=["data"],
    )
    href: str = Field(examples=["http://localhost:8000/v1/incidents"])
    type: str = Field(description="Media type of the target.", examples=["application/json"])
    title: str = Field(examples=["List incidents matching every filter given, newest first."])


class Landing(BaseModel):
    """Where everything is, as links (the shape of an OGC API landing page)."""

    title: str = Field(examples=["Incident Record API"])
    description: str
    version: str = Field(examples=["1.0.0"])
    links: list[LandingLink]
