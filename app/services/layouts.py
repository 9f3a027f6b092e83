"""The incident list in the publishers' column layouts: `format=ucdp-ged` and `format=acled`.

The columns are those the import reads (`app.datasets.ucdp`, `app.datasets.acled`), in
the order of the publishers' files, so that a script written for their files reads any
record, one that came from an article too. A cell holds what the record has, never a
guess: a row the record was imported from gives back its own values, verbatim (its id,
its codes, its words, the columns no field holds); the incident's fields fill the columns
that mean the same (dates, country, place, figures); the rest stay empty. Where there is
no publisher's id (an article's incident, or another publisher's row), the id column
(GED `id`, ACLED `event_id_cnty`) holds the incident's own id.
"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import pycountry
from sqlalchemy import select
from sqlmodel import Session, col

from app.datasets import acled, ucdp
from app.models.datasets import DatasetRow
from app.models.incidents import Incident
from app.models.sources import Source

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
class Layout:
    format: str
    id_column: str
    columns: tuple[str, ...]
    """In the order of the publisher's files."""
    values: dict[str, Callable[[Item, Origin], Any]]
    """How a column is made other than as `origin`'s value of it."""

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
)

LAYOUTS = {layout.format: layout for layout in (UCDP_GED, ACLED)}
# Every column a layout writes is one the import of its format reads.
assert set(UCDP_GED.columns) <= set(ucdp.UcdpGed.known)
assert set(ACLED.columns) <= set(acled.Acled.known)

_ORIGIN = (
    select(col(Source.dataset_format), *DatasetRow.__table__.columns)  # type: ignore[attr-defined]
    .join(Incident, col(Incident.id) == DatasetRow.incident_id)
    .join(Source, col(Source.id) == Incident.source_id)
)


def rows(
    layout: Layout,
    hydrate: Callable[[Session, list[Any]], list[Item]],
    session: Session,
    found: list[Any],
) -> list[Item]:
    """The rows of `layout` for a batch of incident rows: their items (`hydrate`), with
    the dataset rows of those that came from the layout's publisher (one query a batch)."""
    items = hydrate(session, found)
    ids = [item["id"] for item in items]
    origins: dict[str, Origin] = {}
    for kept in session.execute(_ORIGIN.where(col(DatasetRow.incident_id).in_(ids))):
        fields = kept._asdict()
        del fields["row_hash"]
        words, extra = fields.pop("words"), fields.pop("extra")
        if fields.pop("dataset_format") == layout.format:
            origins[fields.pop("incident_id")] = extra | words | fields
        else:  # another publisher's: only what means the same in every layout
            origins[fields["incident_id"]] = {"admin2": fields["admin2"]}
    return [layout.row(item, origins.get(item["id"], {})) for item in items]
