"""UCDP GED, release 19.1 on, global and regional files: what each column becomes.

Columns are read by name, so their order and the optional ones vary freely between
releases; a file without the required ones is refused naming them. The meanings cited
are the UCDP GED Codebook 19.1's (Högbladh 2019), sections 3 and 5.

- `id`: the incident `ucdp-ged-<id>` (persistent across releases, codebook 5.1), and
  `dataset_row.row_id` as written.
- `date_start`, `date_end`: the incident's dates, as given. `date_prec` 1-5: kept in
  `dataset_row`, and mapped to `date_precision` (`DATE_PRECISION`).
- `type_of_violence` 1-3: kept in `dataset_row`, and mapped to an event type
  (`TYPE_OF_VIOLENCE`).
- `country`, else `country_id`: `country` (app.datasets.countries).
- `adm_1`: `admin1` of the incident and its place; `adm_2`: `dataset_row.admin2`.
- `where_coordinates`, `latitude`, `longitude`: the place; `where_prec` 1-7: kept in
  `dataset_row`, and mapped to the place's `geo_precision` (`GEO_PRECISION`).
- `side_a`, `side_b`: actors (with `side_*_new_id` kept in `dataset_actor`, and `gwnoa`,
  `gwnob` for a state's country), and `dataset_row.extra`, verbatim (the actor found may
  be named otherwise: UCDP renames sides, the record may know one by an alias);
  `dyad_name`, `conflict_name` and their ids: `dataset_row`.
- `best`, `low`, `high`: `fatalities`, `fatalities_low`, `fatalities_high`; `deaths_a`,
  `deaths_b`, `deaths_civilians`, `deaths_unknown`: the same on the incident.
- `source_article`, `source_headline`, `source_original`, `where_description`:
  `dataset_row.words`, verbatim; the rest of `EXTRA`: `dataset_row.extra`, verbatim.

Older names are read as the present ones: `best_est`, `low_est`, `high_est` (codebook
5.7). Columns not named here (`geom_wkt`, which repeats the coordinates) are not kept.
"""

import re
from functools import lru_cache
from typing import ClassVar

from app.datasets.countries import from_gleditsch_ward, from_name
from app.datasets.mapping import ActorRef, Mapping, Record, Row, place_id

TYPE_OF_VIOLENCE: dict[int, tuple[str, str, str]] = {
    # UCDP's type -> (its name, ACLED event type, sub-event type). ACLED's Battles are "a
    # violent interaction between two politically organised armed groups", as UCDP's
    # state-based and non-state conflicts are; its Violence against civilians, "violent
    # events where an organised armed group inflicts violence upon unarmed non-combatants",
    # is UCDP's one-sided violence. GED does not say how (an air strike or shelling would
    # be Explosions/Remote violence in ACLED's terms): the first sub-event type of each,
    # the general one, is taken.
    1: ("state-based conflict", "Battles", "Armed clash"),
    2: ("non-state conflict", "Battles", "Armed clash"),
    3: ("one-sided violence", "Violence against civilians", "Attack"),
}
DATE_PRECISION = {
    # date_prec (codebook 3) -> date_precision
    1: "day",  # "exact date of event is known" (a range if the dates still differ)
    2: "range",  # "known only within a 2-6 day range"
    3: "week",  # "only the week of the event is known"
    4: "month",  # "within an 8-30 day range or only the month"
    5: "year",  # "a range longer than one month but not more than one calendar year"
}
GEO_PRECISION = {
    # where_prec (codebook 5.4.2) -> geo_precision (1 exact, 2 near, 3 region)
    1: 1,  # "exact location"
    2: 2,  # "'near', in the 'area' of or up to 25 km away from an exact location"
    3: 3,  # "second order administrative division"
    4: 3,  # "first order administrative division"
    5: 3,  # "a linear feature ... or a fuzzy polygon"
    6: 3,  # "the whole country"
    7: 3,  # "at sea or in the air"
}
PLACE_KINDS = {
    # The last word of where_coordinates, "fully standardized" (codebook 3: "all capitals
    # are referred to as 'cities', all urban localities other than capitals as 'towns'
    # ... all rural localities as villages"), and the administrative units it names.
    "city": "city",
    "town": "town",
    "village": "village",
    "airport": "airport",
    "district": "district",
    "sub-district": "district",
    "municipality": "district",
    "township": "district",
    "commune": "district",
    "rayon": "district",
    "lga": "district",
    "woreda": "district",
    "province": "region",
    "governorate": "region",
    "state": "region",
    "region": "region",
    "oblast": "region",
    "republic": "region",
    "department": "region",
}
FIGURES = (
    ("fatalities", "best"),
    ("fatalities_low", "low"),
    ("fatalities_high", "high"),
    ("deaths_a", "deaths_a"),
    ("deaths_b", "deaths_b"),
    ("deaths_civilians", "deaths_civilians"),
    ("deaths_unknown", "deaths_unknown"),
)
"""The incident's figures and the columns they come from."""
NUMBERS = (
    *(column for _, column in FIGURES),
    "conflict_new_id",
    "dyad_new_id",
    "side_a_new_id",
    "side_b_new_id",
)
VIOLENCE_CODES, DATE_PREC_CODES = tuple(TYPE_OF_VIOLENCE), tuple(DATE_PRECISION)
WHERE_PREC_CODES = tuple(GEO_PRECISION)
KIND_BY_PRECISION = {3: "district", 4: "region", 6: "country"}
"""where_prec whose place is an administrative unit, where the name does not say."""

WORDS = ("source_article", "source_headline", "source_original", "where_description")
EXTRA = (
    "relid",
    "year",
    "active_year",
    "code_status",
    "conflict_dset_id",
    "dyad_dset_id",
    "side_a_dset_id",
    "side_b_dset_id",
    "number_of_sources",
    "source_office",
    "source_date",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "gwnoa",
    "gwnob",
)
SIDES = ("side_a", "side_b")
"""Kept as written beside their actors, so that the layout gives them back
(`app.services.layouts`)."""


class UcdpGed(Mapping):
    format = "ucdp-ged"
    label = "UCDP GED"
    required = (
        "id",
        "date_start",
        "date_end",
        "type_of_violence",
        "side_a",
        "side_b",
        "best",
        "latitude",
        "longitude",
    )
    one_of = ("country", "country_id")
    aliases: ClassVar[dict[str, str]] = {"best_est": "best", "low_est": "low", "high_est": "high"}
    known = (
        "id",
        "date_start",
        "date_end",
        "date_prec",
        "type_of_violence",
        "conflict_new_id",
        "conflict_name",
        "dyad_new_id",
        "dyad_name",
        "side_a_new_id",
        "side_a",
        "side_b_new_id",
        "side_b",
        "where_prec",
        "where_coordinates",
        "adm_1",
        "adm_2",
        "latitude",
        "longitude",
        "best",
        "low",
        "high",
        "deaths_a",
        "deaths_b",
        "deaths_civilians",
        "deaths_unknown",
        *WORDS,
        *EXTRA,
    )
    id_prefix = "ucdp-ged"
    actor_scheme = "ucdp"
    signature = frozenset({"id", "type_of_violence", "date_start", "date_end"})
    publisher = "Uppsala Conflict Data Program (UCDP), Uppsala University"
    title = "UCDP Georeferenced Event Dataset (GED)"
    licence = "CC BY 4.0"
    citation = (
        "Sundberg, Ralph, and Erik Melander, 2013, \u201cIntroducing the UCDP Georeferenced "
        "Event Dataset\u201d, Journal of Peace Research, vol.50, no.4, 523-532"
    )
    url = "https://ucdp.uu.se/downloads/"

    def record(self, row: Row) -> Record | None:
        row_id = row.integer("id", required=True, high=2**62)
        start, end = row.day("date_start"), row.day("date_end")
        if start and end and end < start:
            row.bad("date_end", f"{end} is before date_start {start}")
        violence = row.code("type_of_violence", VIOLENCE_CODES, required=True)
        date_prec = row.code("date_prec", DATE_PREC_CODES)
        where_prec = row.code("where_prec", WHERE_PREC_CODES)
        latitude = row.number("latitude", -90, 90)
        longitude = row.number("longitude", -180, 180)
        numbers = row.integers(NUMBERS, required=("best",))
        figures = {field: numbers[column] for field, column in FIGURES}
        ids = {k: numbers[k] for k in ("conflict_new_id", "dyad_new_id")}
        side_ids = {k: numbers[k] for k in ("side_a_new_id", "side_b_new_id")}
        side_a, side_b = row.required("side_a"), row.required("side_b")
        country = self._country(row)
        if row.problems:
            return None
        # No problem was noted, so every value read (for the type checker).
        assert row_id is not None and start and end and violence  # noqa: PT018
        assert country and side_a and side_b  # noqa: PT018
        assert latitude is not None and longitude is not None  # noqa: PT018
        code, basis = country
        kind_of_violence, event_type, sub_event_type = TYPE_OF_VIOLENCE[violence]
        if date_prec is None:
            precision = "day" if start == end else "range"
            date_rule = f"date_precision {precision} from the dates (no date_prec)"
        else:
            precision = DATE_PRECISION[date_prec]
            if precision == "day" and start != end:
                precision = "range"
            date_rule = f"date_precision {precision} from date_prec {date_prec}"
        text = row.values.get
        dyad_name = text("dyad_name") or None
        admin1 = text("adm_1") or None
        place = text("where_coordinates") or admin1 or text("country") or code
        notes = (
            f"UCDP GED row {row_id}. Added by the import: the title (dyad_name in "
            f"where_coordinates); country {code} {basis}; event_type and sub_event_type from "
            f"type_of_violence {violence} ({kind_of_violence}); {date_rule}."
        )
        incident = {
            "title": f"{dyad_name or f'{side_a} - {side_b}'} in {place}",
            "summary": None,
            "date_start": start,
            "date_end": end,
            "date_precision": precision,
            "time_of_day": None,
            "event_type": event_type,
            "sub_event_type": sub_event_type,
            "country": code,
            "admin1": admin1,
            **figures,
            "injuries": None,
            "damage": "unknown",
            "claimed": None,
            "notes": notes,
            "added": ("title", "country", "event_type", "sub_event_type", "date_precision"),
        }
        location = _place(place, code, admin1, latitude, longitude, where_prec)
        one_sided = violence == 3
        actors = [
            (self._side(row, "a", side_a, side_ids["side_a_new_id"]), "perpetrator"),
            (self._side(row, "b", side_b, side_ids["side_b_new_id"]), "target"),
        ]
        if not one_sided:  # two parties fighting: the row does not say who began
            actors = [(actor, "participant") for actor, _ in actors]
        return Record(
            line=row.line,
            incident_id=f"{self.id_prefix}-{row_id}",
            incident=incident,
            location=location,
            actors=actors,
            row={
                "row_id": row.values["id"].strip(),
                "words": self.kept(row, WORDS),
                "extra": self.kept(row, (*EXTRA, *SIDES)),
                "type_of_violence": violence,
                **ids,
                "conflict_name": text("conflict_name") or None,
                "dyad_name": dyad_name,
                **side_ids,
                "date_prec": date_prec,
                "where_prec": where_prec,
                "admin2": text("adm_2") or None,
            },
        )

    def _country(self, row: Row) -> tuple[str, str] | None:
        """The country of the name, else of the Gleditsch-Ward code; a problem if neither."""
        name = row.text("country")
        found = from_name(name) if name else None
        number = row.integer("country_id", high=9999)
        if found is None and number is not None:
            found = from_gleditsch_ward(number, "country_id")
        if found is None and not row.problems:
            given = " or ".join(
                f"{c} {row.values[c]!r}" for c in ("country", "country_id") if row.text(c)
            )
            row.bad("country" if name else "country_id", f"no ISO country for {given or 'it'}")
        return found

    def _side(self, row: Row, side: str, name: str, side_id: int | None) -> ActorRef:
        return _side(side, name.strip(), side_id, row.text(f"gwno{side}") or "")


@lru_cache(maxsize=1 << 17)  # places recur: ~70,000 in the global release's 385,000 rows
def _place(
    name: str,
    country: str,
    admin1: str | None,
    latitude: float,
    longitude: float,
    where_prec: int | None,
) -> dict[str, object]:
    """The place of a row (shared by the rows that name it: not to be changed)."""
    last = name.rsplit(maxsplit=1)[-1].lower() if name.strip() else ""
    if last in PLACE_KINDS:
        kind, kind_rule = PLACE_KINDS[last], f"from the last word of where_coordinates ({last})"
    elif where_prec in KIND_BY_PRECISION:
        kind, kind_rule = KIND_BY_PRECISION[where_prec], f"from where_prec {where_prec}"
    else:
        kind, kind_rule = "other", "(where_coordinates and where_prec do not say)"
    if where_prec is None:
        precision, precision_rule = 3, "geo_precision 3 (no where_prec)"
    else:
        precision = GEO_PRECISION[where_prec]
        precision_rule = f"geo_precision {precision} from where_prec {where_prec}"
    place: dict[str, object] = {
        "name": name,
        "aliases": (),
        "kind": kind,
        "country": country,
        "admin1": admin1,
        "latitude": latitude,
        "longitude": longitude,
        "geo_precision": precision,
        "notes": (
            "A place of UCDP GED events: where_coordinates at its latitude and longitude. "
            f"Added by the import: kind {kind} {kind_rule}; country {country} (the "
            f"event's); {precision_rule}."
        ),
        "added": ("kind", "country", "geo_precision"),
    }
    return {"id": place_id("ucdp-ged-place", place), **place}


@lru_cache(maxsize=1 << 14)  # sides recur: a few thousand in the global release
def _side(side: str, name: str, side_id: int | None, gw_codes: str) -> ActorRef:
    """The actor of side `side` (a or b), its kind and country as the row tells them."""
    gw_column = f"gwno{side}"
    codes = [c.strip() for c in gw_codes.split(",") if c.strip()]
    country = None
    if name.casefold() == "civilians":
        kind, rule = "civilians", f"side_{side} is civilians"
    elif len(codes) > 1:
        kind, rule = "coalition", f"{gw_column} names {len(codes)} states"
    elif codes or name.startswith("Government of "):
        kind = "state"
        rule = f"{gw_column} {codes[0]}" if codes else f"side_{side} is a Government of"
        number = re.fullmatch(r"(\d+)(\.0*)?", codes[0]) if codes else None
        found = from_gleditsch_ward(int(number[1]), gw_column) if number else None
        country = found[0] if found else None
    else:
        kind, rule = "armed_group", f"side_{side} is neither a state nor civilians"
    return ActorRef(
        name=name,
        kind=kind,
        country=country,
        external_id=str(side_id) if side_id is not None else None,
        notes=(
            f"Created by the UCDP GED import (side_{side}). Added by the import: kind "
            f"{kind} ({rule})" + (f"; country {country} from {gw_column}." if country else ".")
        ),
        added=("kind", "country") if country else ("kind",),
    )
