"""ACLED exports (the columns of ACLED's export tool and API): what each column becomes.

Meanings as ACLED's codebook gives them (2023 edition; from what we know of it, as no
copy is kept here: the assumptions are marked so).

- `event_id_cnty`: the incident `acled-<event_id_cnty>` (lower case, as ids are), and
  `dataset_row.row_id` as written.
- `event_date` (`YYYY-MM-DD`, or `DD Month YYYY` as older exports write it): the
  incident's `date_start` and `date_end`, the one date ACLED gives. `time_precision`
  1-3: kept in `dataset_row.extra`, mapped to `date_precision` (`DATE_PRECISION`).
- `event_type`, `sub_event_type`: as given (ACLED's taxonomy is the record's).
- `actor1`, `assoc_actor_1`, `actor2`, `assoc_actor_2` (associates `;`-separated):
  actors; their kind from `inter1`, `inter2` (`INTER`). Roles: in Violence against
  civilians, actor 1's side is the perpetrator and actor 2's the target; otherwise both
  are participants (ACLED's order of actors says nothing else). All four are also kept in
  `dataset_row.extra`, verbatim: which actor was actor 1 or an associate is the row's
  word, not the roles'.
- `iso` (ISO 3166-1 numeric), else `country`: `country`.
- `admin1`: `admin1`; `admin2`: `dataset_row.admin2`; `location`, `latitude`,
  `longitude`, `geo_precision` 1-3: the place (ACLED's 1 town, 2 near or part of a
  region, 3 a region's capital standing for it: the record's 1 exact, 2 near, 3 region).
- `fatalities`: `fatalities` (ACLED gives one figure: no low or high).
- `notes`: the incident's `summary`, verbatim; `notes` and `source`: `dataset_row.words`.
- the rest of `EXTRA`: `dataset_row.extra`, verbatim.
"""

import re
from functools import lru_cache

from app.datasets.countries import from_iso_numeric, from_name
from app.datasets.mapping import ActorRef, Mapping, Record, Row, place_id
from app.vocab import EVENT_TYPES

DATE_PRECISION = {1: "day", 2: "week", 3: "month"}
"""ACLED's time_precision: 1 the source gives the day; 2 the week (or a few days); 3 only
the month. ACLED then records one date within that span, kept as both dates here."""
INTER: dict[int, tuple[str, str]] = {
    # inter1/inter2 -> (ACLED's name of the category, the record's actor kind)
    1: ("State forces", "state_forces"),
    2: ("Rebel group", "armed_group"),
    3: ("Political militia", "militia"),
    4: ("Identity militia", "militia"),
    5: ("Rioters", "civilians"),  # unarmed or not organised as an armed group
    6: ("Protesters", "civilians"),
    7: ("Civilians", "civilians"),
    8: ("External/Other forces", "armed_group"),  # foreign forces, UN, private security
}
INTER_NAMES = {name.casefold(): n for n, (name, _) in INTER.items()}
"""Exports since 2024 write the category's name in inter1/inter2 instead of its number."""

WORDS = ("notes", "source")
EXTRA = (
    "year",
    "time_precision",
    "disorder_type",
    "assoc_actor_1",
    "inter1",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin3",
    "geo_precision",
    "source_scale",
    "tags",
    "timestamp",
    # Older exports' columns.
    "data_id",
    "iso3",
    "event_id_no_cnty",
)
ACTORS = ("actor1", "actor2")
"""Kept as written beside their actors (with the associates, in `EXTRA`), so that the
layout gives them back (`app.services.layouts`)."""
EVENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


class Acled(Mapping):
    format = "acled"
    label = "ACLED"
    required = (
        "event_id_cnty",
        "event_date",
        "event_type",
        "sub_event_type",
        "actor1",
        "latitude",
        "longitude",
        "fatalities",
    )
    one_of = ("iso", "country")
    known = (
        "event_id_cnty",
        "event_date",
        "event_type",
        "sub_event_type",
        "actor1",
        "actor2",
        "admin1",
        "admin2",
        "location",
        "latitude",
        "longitude",
        "fatalities",
        *WORDS,
        *EXTRA,
    )
    id_prefix = "acled"
    actor_scheme = "acled"
    signature = frozenset({"event_id_cnty", "event_date", "event_type"})
    publisher = "Armed Conflict Location & Event Data Project (ACLED)"
    title = "ACLED export"
    licence = "ACLED Terms of Use (https://acleddata.com/terms-of-use/)"
    citation = (
        "Raleigh, C., A. Linke, H. Hegre, J. Karlsen (2010), Introducing ACLED: An Armed "
        "Conflict Location and Event Dataset, Journal of Peace Research vol. 47(5):651-660"
    )
    url = "https://acleddata.com/"

    def record(self, row: Row) -> Record | None:
        event_id = row.required("event_id_cnty")
        if event_id and not EVENT_ID.fullmatch(event_id.strip()):
            row.bad("event_id_cnty", f"{event_id!r} is not an id (letters, digits, dashes)")
        day = row.day("event_date", "YYYY-MM-DD or DD Month YYYY")
        time_precision = row.code("time_precision", tuple(DATE_PRECISION))
        event_type, sub_event_type = row.required("event_type"), row.required("sub_event_type")
        if event_type and event_type not in EVENT_TYPES:
            row.bad("event_type", f"{event_type!r} is not one of ACLED's event types")
        elif event_type and sub_event_type and sub_event_type not in EVENT_TYPES[event_type]:
            row.bad("sub_event_type", f"{sub_event_type!r} is not a sub-event type of {event_type}")
        latitude = row.number("latitude", -90, 90)
        longitude = row.number("longitude", -180, 180)
        geo_precision = row.code("geo_precision", (1, 2, 3))
        fatalities = row.integer("fatalities", required=True)
        actor1 = row.required("actor1")
        country = self._country(row)
        if row.problems:
            return None
        # No problem was noted, so every value read (for the type checker).
        assert event_id and day and event_type and sub_event_type and actor1  # noqa: PT018
        assert country and latitude is not None and longitude is not None  # noqa: PT018
        code, basis = country
        if time_precision is None:
            precision, date_rule = "day", "date_precision day (no time_precision)"
        else:
            precision = DATE_PRECISION[time_precision]
            date_rule = f"date_precision {precision} from time_precision {time_precision}"
        admin1 = row.text("admin1")
        place = row.text("location") or admin1 or row.text("country") or code
        violence_against_civilians = event_type == "Violence against civilians"
        roles = ("perpetrator", "target") if violence_against_civilians else ("participant",) * 2
        actors = []
        for side, role in zip((1, 2), roles, strict=True):
            actors += [(a, role) for a in self._side(row, side)]
        return Record(
            line=row.line,
            incident_id=f"{self.id_prefix}-{event_id.strip().lower()}",
            incident={
                "title": f"{sub_event_type} in {place}",
                "summary": row.text("notes"),
                "date_start": day,
                "date_end": day,
                "date_precision": precision,
                "time_of_day": None,
                "event_type": event_type,
                "sub_event_type": sub_event_type,
                "country": code,
                "admin1": admin1,
                "fatalities": fatalities,
                "fatalities_low": None,
                "fatalities_high": None,
                "deaths_a": None,
                "deaths_b": None,
                "deaths_civilians": None,
                "deaths_unknown": None,
                "injuries": None,
                "damage": "unknown",
                "claimed": None,
                "notes": (
                    f"ACLED event {event_id.strip()}. Added by the import: the title "
                    f"(sub_event_type in location); country {code} {basis}; {date_rule}."
                ),
                "added": ("title", "country", "date_precision"),
            },
            location=_place(place, code, admin1, latitude, longitude, geo_precision),
            actors=actors,
            row={
                "row_id": event_id.strip(),
                "words": self.kept(row, WORDS),
                "extra": self.kept(row, (*EXTRA, *ACTORS)),
                "admin2": row.text("admin2"),
            },
        )

    def _country(self, row: Row) -> tuple[str, str] | None:
        number = row.integer("iso", high=999)
        found = from_iso_numeric(number) if number else None  # 0: none (Kosovo)
        name = row.text("country")
        if found is None and name:
            found = from_name(name)
        if found is None and not row.problems:
            given = " or ".join(f"{c} {row.values[c]!r}" for c in ("iso", "country") if row.text(c))
            row.bad("country" if name else "iso", f"no ISO country for {given or 'it'}")
        return found

    def _side(self, row: Row, side: int) -> list[ActorRef]:
        """The actor of a side and its associates, each once."""
        main = row.text(f"actor{side}")
        associates = (row.text(f"assoc_actor_{side}") or "").split(";")
        names = [n.strip() for n in (main or "", *associates) if n.strip()]
        inter = (row.text(f"inter{side}") or "").strip()
        number = int(inter) if inter.isdigit() else INTER_NAMES.get(inter.casefold())
        actors = []
        for name in dict.fromkeys(names):
            if name.casefold().startswith("civilians"):
                kind, rule = "civilians", "its name says civilians"
            elif number in INTER:
                label, kind = INTER[number]
                rule = f"inter{side} {inter} ({label})"
            else:
                kind, rule = "armed_group", f"inter{side} {inter or 'not given'}"
            role = "actor" if name == (main or "").strip() else "an associate"
            actors.append(
                ActorRef(
                    name=name,
                    kind=kind,
                    notes=(
                        f"Created by the ACLED import ({role} of side {side}). Added by the "
                        f"import: kind {kind} ({rule})."
                    ),
                    added=("kind",),
                )
            )
        return actors


@lru_cache(maxsize=1 << 16)  # places recur
def _place(
    name: str,
    country: str,
    admin1: str | None,
    latitude: float,
    longitude: float,
    geo_precision: int | None,
) -> dict[str, object]:
    precision_rule = "" if geo_precision else "; geo_precision 3 (no geo_precision)"
    place: dict[str, object] = {
        "name": name,
        "aliases": (),
        "kind": "other",
        "country": country,
        "admin1": admin1,
        "latitude": latitude,
        "longitude": longitude,
        "geo_precision": geo_precision or 3,
        "notes": (
            "A place of ACLED events: location at its latitude, longitude and "
            "geo_precision. Added by the import: kind other (ACLED does not say); "
            f"country {country} (the event's){precision_rule}."
        ),
        "added": ("kind", "country") if geo_precision else ("kind", "country", "geo_precision"),
    }
    return {"id": place_id("acled-place", place), **place}
