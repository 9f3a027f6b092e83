"""The incident list in the publishers' column layouts: `format=ucdp-ged` and `format=acled`.

The columns are those the import reads (`app.datasets.ucdp`, `app.datasets.acled`), in
the order of the publishers' files, so that a script written for their files reads any
record, one that came from an article too. A cell holds what the record has, never a
guess: a row the record was imported from gives back its own values, verbatim (its id,
its codes, its words, its actors' names, the columns no field holds); the incident's
fields fill the columns that mean the same (dates, country, place, figures, actors:
`sides`); the rest stay empty. Where there is no publisher's id (an article's incident,
or another publisher's row), the id column (GED `id`, ACLED `event_id_cnty`) holds the
incident's own id.
"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import orjson
import pycountry
from sqlalchemy import func, select
from sqlmodel import Session, col

from app.datasets import acled, ucdp
from app.models import Actor, Attribution, DatasetActor, DatasetRow, Incident, IncidentActor
from app.models.sources import Source
from app.sql.dialect import JsonArray, JsonObject

Item = dict[str, Any]
Origin = dict[str, Any]
"""The dataset row an incident was imported from (`DatasetRow` fields, `words` and `extra`
merged in by column), when it came from the layout's publisher; else empty."""


def _place(field: str) -> Callable[[Item, Origin], Any]:
    return lambda item, _: None if item["location"] is None else item["location"][field]


def _kept(column: str) -> Callable[[Item, Origin], Any]:
    return lambda _, origin: origin.get(column)


def _field(name: str) -> Callable[[Item, Origin], Any]:
    return lambda item, _: item[name]


def _year(item: Item, origin: Origin) -> Any:
    return origin.get("year") or item["date_start"].year


def _iso(item: Item, origin: Origin) -> Any:
    if "iso" in origin:
        return origin["iso"]
    country = pycountry.countries.get(alpha_2=item["country"])
    return int(country.numeric) if country else None


@dataclass(frozen=True)
class Party:
    """An actor on one of an incident's two sides."""

    name: str
    ucdp_id: str | None
    """UCDP's id of it (`dataset_actor`), if it has one, and only one."""


def sides(
    perpetrators: list[Party], targets: list[Party], attributed: list[Party]
) -> tuple[list[Party], list[Party]]:
    """An incident's two sides as the publishers order them, from its actors' roles.

    Side 1 (GED side a, ACLED actor 1): who carried the incident out (role `perpetrator`),
    else, when the record names none, those it is attributed to (any stance but `denied`).
    Side 2 (GED side b, ACLED actor 2): its targets (role `target`). Each side's actors by
    name. Participants are on neither: the record does not say who fought on which side.
    """
    return perpetrators or attributed, targets


def _ged_sides(one: list[Party], two: list[Party]) -> Origin:
    """GED's one actor a side: several are one side, named as GED names a coalition."""
    a, b = ", ".join(p.name for p in one), ", ".join(p.name for p in two)
    return {
        "side_a": a or None,
        "side_a_new_id": one[0].ucdp_id if len(one) == 1 else None,
        "side_b": b or None,
        "side_b_new_id": two[0].ucdp_id if len(two) == 1 else None,
        # UCDP's name of a dyad is its sides' names.
        "dyad_name": f"{a} - {b}" if a and b else None,
    }


def _acled_sides(one: list[Party], two: list[Party]) -> Origin:
    """ACLED's main actor of a side, and the others as its associates."""
    columns: Origin = {}
    for n, side in ((1, one), (2, two)):
        columns[f"actor{n}"] = side[0].name if side else None
        columns[f"assoc_actor_{n}"] = "; ".join(p.name for p in side[1:]) or None
    return columns


@dataclass(frozen=True)
class Layout:
    format: str
    id_column: str
    columns: tuple[str, ...]
    """In the order of the publisher's files."""
    values: dict[str, Callable[[Item, Origin], Any]]
    """How a column is made other than as `origin`'s value of it."""
    actors: Callable[[list[Party], list[Party]], Origin]
    """The actor columns of an incident not imported from this publisher, from its sides."""

    @property
    def getters(self) -> dict[str, Callable[[Item], Any]]:
        """The CSV writer's columns: each cell of a row of `row`."""
        return {column: itemgetter(column) for column in self.columns}

    def row(self, item: Item, origin: Origin) -> Item:
        values = {
            column: self.values.get(column, _kept(column))(item, origin) for column in self.columns
        }
        return values | {self.id_column: origin.get("row_id") or item["id"]}


GED_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence",
    "conflict_dset_id", "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id",
    "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id",
    "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec",
    "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type",
    "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
    "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso", "region",
    "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip

UCDP_GED = Layout(
    format="ucdp-ged",
    id_column="id",
    columns=GED_COLUMNS,
    values={
        "year": _year,
        "where_coordinates": _place("name"),
        "adm_1": _field("admin1"),
        "adm_2": lambda _, origin: origin.get("admin2"),
        "latitude": _place("latitude"),
        "longitude": _place("longitude"),
        "country": lambda item, origin: origin.get("country") or item["country_name"],
        **{column: _field(field) for field, column in ucdp.FIGURES},
        "date_start": _field("date_start"),
        "date_end": _field("date_end"),
    },
    actors=_ged_sides,
)

ACLED = Layout(
    format="acled",
    id_column="event_id_cnty",
    columns=ACLED_COLUMNS,
    values={
        # ACLED gives one date: the incident's first.
        "event_date": _field("date_start"),
        "year": _year,
        "event_type": _field("event_type"),
        "sub_event_type": _field("sub_event_type"),
        "iso": _iso,
        "country": lambda item, origin: origin.get("country") or item["country_name"],
        "admin1": _field("admin1"),
        "admin2": lambda _, origin: origin.get("admin2"),
        "location": _place("name"),
        "latitude": _place("latitude"),
        "longitude": _place("longitude"),
        # The record's scale is ACLED's (1 exact, 2 near, 3 region); an ACLED row without
        # one has 3 as the import's default, not ACLED's word.
        "geo_precision": lambda item, origin: (
            origin.get("geo_precision")
            if "row_id" in origin
            else _place("geo_precision")(item, origin)
        ),
        "notes": _field("summary"),
        "fatalities": _field("fatalities"),
    },
    actors=_acled_sides,
)

LAYOUTS = {layout.format: layout for layout in (UCDP_GED, ACLED)}
# Every column a layout writes is one the import of its format reads.
assert set(UCDP_GED.columns) <= set(ucdp.UcdpGed.known)
assert set(ACLED.columns) <= set(acled.Acled.known)


def _parties(rows: Any) -> JsonArray:
    """The actors of `rows` (joined with `Actor`): each one's id, name and UCDP id."""
    ucdp_id = (
        select(func.min(col(DatasetActor.external_id)))
        .where(
            col(DatasetActor.actor_id) == Actor.id,
            col(DatasetActor.scheme) == ucdp.UcdpGed.actor_scheme,
        )
        .having(func.count() == 1)
        .correlate(Actor)
        .scalar_subquery()
    )
    value = JsonObject(actor_id=col(Actor.id), name=col(Actor.name), ucdp_id=ucdp_id)
    return JsonArray(value, rows, [col(Actor.id)])


def _in_role(role: str) -> JsonArray:
    return _parties(
        select(IncidentActor)
        .join(Actor, col(Actor.id) == IncidentActor.actor_id)
        .where(col(IncidentActor.incident_id) == Incident.id, col(IncidentActor.role) == role)
        .correlate(Incident)
    )


_ROWS = [c for c in DatasetRow.__table__.columns if c.name != "incident_id"]  # type: ignore[attr-defined]
_BATCH = (
    # The arrays as the list's children are made (`incidents.children`), in one statement.
    select(
        col(Incident.id),
        col(Source.dataset_format),
        *_ROWS,
        _in_role("perpetrator").label("perpetrators"),
        _in_role("target").label("targets"),
        _parties(
            select(Attribution)
            .join(Actor, col(Actor.id) == Attribution.actor_id)
            .where(col(Attribution.incident_id) == Incident.id, col(Attribution.stance) != "denied")
            .correlate(Incident)
        ).label("attributed"),
    )
    .select_from(Incident)
    .outerjoin(Source, col(Source.id) == Incident.source_id)
    .outerjoin(DatasetRow, col(DatasetRow.incident_id) == Incident.id)
)


def _side(found: str) -> list[Party]:
    """Each actor of a JSON array of `_parties` once (an actor attributed it twice is in it
    twice), by name: in Python, as the backends' collations differ."""
    named = sorted(orjson.loads(found), key=itemgetter("name", "actor_id"))
    once = {p["actor_id"]: Party(p["name"], p["ucdp_id"]) for p in named}
    return list(once.values())


def rows(
    layout: Layout,
    hydrate: Callable[[Session, list[Any]], list[Item]],
    session: Session,
    found: list[Any],
) -> list[Item]:
    """The rows of `layout` for a batch of incident rows: their items (`hydrate`), with
    the dataset rows of those that came from the layout's publisher and the others' sides
    (one query a batch)."""
    items = hydrate(session, found)
    origins: dict[str, Origin] = {}
    for kept in session.execute(_BATCH.where(col(Incident.id).in_([i["id"] for i in items]))):
        fields = kept._asdict()
        incident_id, perpetrators, targets, attributed = (
            fields.pop(name) for name in ("id", "perpetrators", "targets", "attributed")
        )
        del fields["row_hash"]
        words, extra = fields.pop("words"), fields.pop("extra")
        if fields.pop("dataset_format") == layout.format and fields["row_id"] is not None:
            origins[incident_id] = extra | words | fields
        else:  # another publisher's, or an article's: what means the same in every layout
            one, two = sides(_side(perpetrators), _side(targets), _side(attributed))
            origins[incident_id] = {"admin2": fields["admin2"]} | layout.actors(one, two)
    return [layout.row(item, origins[item["id"]]) for item in items]
