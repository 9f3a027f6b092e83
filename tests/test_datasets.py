"""Reading UCDP GED and ACLED files and what each row becomes (app.datasets), without a
database: every column's mapping, the countries, the layouts of the releases, bad rows.

The files under tests/data/datasets are the project's own invented rows, written in the
publishers' layouts: `ucdp-ged-23.1.csv` has the 49 columns of GED 23.1 in their order
(as the 1,000-row sample of release 23.1 has them), with dates as GED's CSV writes them
(`2013-01-03 00:00:00.000`); `ucdp-ged-19.1.csv` has the columns of the 19.1 codebook's
section 3 without those it says the CSV drops (relid, code_status, the `*_dset_id`),
with the fatality estimates named as its section 5.7 names them (`best_est`, `low_est`,
`high_est`); `ucdp-ged-regional.csv` has another order, the API's `code_status` and
`relid`, the country only as its Gleditsch-Ward code and few optional columns; and
`acled-export.csv` has the columns of ACLED's export tool. Expected values come from
reading the files with the standard library's csv module, not the import's reader.
"""

import csv
import zipfile
from datetime import date
from pathlib import Path

import pycountry
import pytest

from app.datasets.acled import Acled
from app.datasets.countries import GLEDITSCH_WARD, NAMES, from_gleditsch_ward, from_name
from app.datasets.mapping import BadRow, Mapping, Record, detect, parse_day
from app.datasets.reader import DatasetFile
from app.datasets.service import MAPPINGS
from app.datasets.ucdp import DATE_PRECISION, GEO_PRECISION, TYPE_OF_VIOLENCE, UcdpGed
from app.errors import InvalidDataset
from app.vocab import EVENT_TYPES

DATA = Path(__file__).parent / "data" / "datasets"
GED = DATA / "ucdp-ged-23.1.csv"
ACLED = DATA / "acled-export.csv"


def raw(path: Path) -> list[dict[str, str]]:
    """The file's rows by column, as the standard library reads them."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read(path: Path) -> list[Record | list[BadRow]]:
    with DatasetFile(path) as data:
        mapping = detect(data.header, list(MAPPINGS.values()))(data.header)
        return [mapping.read(line, fields) for line, fields in data.rows()]


def records(path: Path) -> dict[str, Record]:
    found = read(path)
    assert all(isinstance(r, Record) for r in found), found
    return {r.incident_id: r for r in found if isinstance(r, Record)}


def write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def ged_header() -> list[str]:
    with GED.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


# UCDP GED: every column


def test_a_ged_row_becomes_an_incident_its_place_actors_and_dataset_row() -> None:
    row = raw(GED)[0]
    record = records(GED)["ucdp-ged-9000001"]
    incident = record.incident
    assert incident["title"] == f"{row['dyad_name']} in {row['where_coordinates']}"
    assert (incident["date_start"], incident["date_end"]) == (date(2013, 1, 3), date(2013, 1, 3))
    assert incident["date_precision"] == "day"
    assert (incident["event_type"], incident["sub_event_type"]) == ("Battles", "Armed clash")
    assert incident["country"] == "SY"
    assert incident["admin1"] == row["adm_1"]
    assert incident["fatalities"] == int(row["best"]) == 2
    assert incident["fatalities_low"] == int(row["low"])
    assert incident["fatalities_high"] == int(row["high"]) == 3
    for column in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"):
        assert incident[column] == int(row[column])
    assert incident["injuries"] is None
    assert incident["summary"] is None
    # What the import made is marked as added, with the rule in the notes.
    assert set(incident["added"]) == {
        "title",
        "country",
        "event_type",
        "sub_event_type",
        "date_precision",
    }
    assert "UCDP GED row 9000001" in incident["notes"]
    assert "country SY from country 'Syria'" in incident["notes"]
    assert "from type_of_violence 1 (state-based conflict)" in incident["notes"]
    assert "date_precision day from date_prec 1" in incident["notes"]

    place = record.location
    assert place is not None
    assert place["name"] == row["where_coordinates"]
    assert (place["latitude"], place["longitude"]) == (
        float(row["latitude"]),
        float(row["longitude"]),
    )
    assert (place["kind"], place["geo_precision"], place["country"]) == ("village", 1, "SY")
    assert place["admin1"] == row["adm_1"]
    assert set(place["added"]) == {"kind", "country", "geo_precision"}
    assert place["id"].startswith("ucdp-ged-place-tal-rumana-village-")

    (side_a, role_a), (side_b, role_b) = record.actors
    assert (side_a.name, side_a.kind, side_a.country, side_a.external_id) == (
        row["side_a"],
        "state",
        "SY",
        row["side_a_new_id"],
    )
    assert (side_b.name, side_b.kind, side_b.country, side_b.external_id) == (
        row["side_b"],
        "armed_group",
        None,
        row["side_b_new_id"],
    )
    assert (role_a, role_b) == ("participant", "participant")

    kept = record.row
    assert kept["row_id"] == row["id"]
    # The row's words, verbatim: quotes, semicolons and all.
    assert kept["words"] == {
        "source_article": row["source_article"],
        "source_headline": row["source_headline"],
        "source_original": row["source_original"],
        "where_description": row["where_description"],
    }
    assert kept["words"]["source_article"].startswith('"Example Wire,2013-01-03,')
    assert kept["extra"]["country"] == "Syria"
    assert kept["extra"]["country_id"] == "652"
    assert kept["extra"]["event_clarity"] == row["event_clarity"]
    assert kept["extra"]["relid"] == row["relid"]
    assert "gwnob" not in kept["extra"]  # empty in the row: nothing kept, nothing invented
    assert kept["type_of_violence"] == 1
    assert (kept["conflict_new_id"], kept["dyad_new_id"]) == (299, 11973)
    assert (kept["conflict_name"], kept["dyad_name"]) == (row["conflict_name"], row["dyad_name"])
    assert (kept["side_a_new_id"], kept["side_b_new_id"]) == (118, 90001)
    assert (kept["date_prec"], kept["where_prec"], kept["admin2"]) == (1, 1, row["adm_2"])


def test_a_multi_line_row_keeps_its_words_and_its_first_line() -> None:
    found = read(GED)
    last = found[-1]
    assert isinstance(last, Record)
    assert last.incident_id == "ucdp-ged-9000012"
    assert last.line == 13  # the header is line 1; this row starts on line 13
    assert "\n" in last.row["words"]["source_headline"]
    assert last.row["words"]["source_headline"] == raw(GED)[-1]["source_headline"]


@pytest.mark.parametrize(
    ("incident_id", "date_prec", "precision", "start", "end"),
    [
        ("ucdp-ged-9000001", 1, "day", date(2013, 1, 3), date(2013, 1, 3)),
        ("ucdp-ged-9000002", 2, "range", date(2021, 5, 9), date(2021, 5, 11)),
        ("ucdp-ged-9000003", 3, "week", date(2016, 8, 8), date(2016, 8, 14)),
        ("ucdp-ged-9000004", 4, "month", date(1996, 3, 1), date(1996, 3, 30)),
        ("ucdp-ged-9000006", 5, "year", date(2009, 1, 1), date(2009, 4, 30)),
    ],
)
def test_date_prec_is_kept_and_mapped(
    incident_id: str, date_prec: int, precision: str, start: date, end: date
) -> None:
    record = records(GED)[incident_id]
    assert record.row["date_prec"] == date_prec
    assert DATE_PRECISION[date_prec] == precision
    assert record.incident["date_precision"] == precision
    assert (record.incident["date_start"], record.incident["date_end"]) == (start, end)


@pytest.mark.parametrize(
    ("incident_id", "where_prec", "geo_precision", "kind"),
    [
        ("ucdp-ged-9000001", 1, 1, "village"),
        ("ucdp-ged-9000002", 2, 2, "town"),
        ("ucdp-ged-9000004", 3, 3, "district"),
        ("ucdp-ged-9000003", 4, 3, "region"),
        ("ucdp-ged-9000006", 5, 3, "other"),
        ("ucdp-ged-9000007", 6, 3, "country"),
        ("ucdp-ged-9000008", 7, 3, "other"),
    ],
)
def test_where_prec_is_kept_and_mapped(
    incident_id: str, where_prec: int, geo_precision: int, kind: str
) -> None:
    record = records(GED)[incident_id]
    assert record.location is not None
    assert record.row["where_prec"] == where_prec
    assert GEO_PRECISION[where_prec] == geo_precision
    assert (record.location["geo_precision"], record.location["kind"]) == (geo_precision, kind)
    assert f"geo_precision {geo_precision} from where_prec {where_prec}" in record.location["notes"]


@pytest.mark.parametrize(
    ("incident_id", "violence", "event_type", "roles"),
    [
        ("ucdp-ged-9000001", 1, ("Battles", "Armed clash"), ("participant", "participant")),
        ("ucdp-ged-9000005", 2, ("Battles", "Armed clash"), ("participant", "participant")),
        (
            "ucdp-ged-9000002",
            3,
            ("Violence against civilians", "Attack"),
            ("perpetrator", "target"),
        ),
    ],
)
def test_type_of_violence_is_kept_and_mapped(
    incident_id: str, violence: int, event_type: tuple[str, str], roles: tuple[str, str]
) -> None:
    record = records(GED)[incident_id]
    assert record.row["type_of_violence"] == violence
    assert TYPE_OF_VIOLENCE[violence][1:] == event_type
    assert (record.incident["event_type"], record.incident["sub_event_type"]) == event_type
    assert tuple(role for _, role in record.actors) == roles
    assert event_type[1] in EVENT_TYPES[event_type[0]]


def test_one_sided_violence_has_civilians_as_its_target() -> None:
    record = records(GED)["ucdp-ged-9000009"]
    (perpetrator, _), (target, role) = record.actors
    assert (perpetrator.kind, perpetrator.country) == ("state", "MM")
    assert (target.name, target.kind, role) == ("civilians", "civilians", "target")
    assert record.incident["deaths_civilians"] == record.incident["fatalities"] == 12


def test_two_governments_are_two_states_with_their_countries() -> None:
    record = records(GED)["ucdp-ged-9000012"]
    assert [(a.kind, a.country) for a, _ in record.actors] == [("state", "IN"), ("state", "PK")]
    assert record.incident["country"] == "PK"


def test_estimates_are_kept_as_given_even_out_of_order() -> None:
    """An event of clarity 2 can have a high estimate under its best (codebook 5.5)."""
    record = records(GED)["ucdp-ged-9000006"]
    figures = [record.incident[k] for k in ("fatalities_low", "fatalities", "fatalities_high")]
    assert figures == [11, 9, 8]


# Countries


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("DR Congo (Zaire)", "CD"),
        ("Yemen (North Yemen)", "YE"),
        ("Russia (Soviet Union)", "RU"),
        ("Serbia (Yugoslavia)", "RS"),
        ("Myanmar (Burma)", "MM"),
        ("Cambodia (Kampuchea)", "KH"),
        ("Kingdom of eSwatini (Swaziland)", "SZ"),
        ("Macedonia, FYR", "MK"),
        ("Bosnia-Herzegovina", "BA"),
        ("Ivory Coast", "CI"),
        ("Turkey", "TR"),
        ("Zimbabwe (Rhodesia)", "ZW"),
        ("Madagascar (Malagasy)", "MG"),
        ("Syria", "SY"),
        ("Germany (Prussia)", "DE"),  # any "Present (Historical)": the present name
        ("Democratic Republic of Congo", "CD"),
        ("Palestine", "PS"),
    ],
)
def test_country_names_as_the_publishers_write_them(name: str, code: str) -> None:
    found = from_name(name)
    assert found is not None
    assert found[0] == code
    assert repr(name) in found[1]


def test_a_name_no_table_knows_is_none() -> None:
    assert from_name("Atlantis") is None
    assert from_name("Kosovo") is None  # no ISO 3166-1 code


def test_the_historical_names_in_the_table_are_countries_of_pycountry() -> None:
    for code in [*NAMES.values(), *GLEDITSCH_WARD.values()]:
        assert pycountry.countries.get(alpha_2=code) is not None, code


@pytest.mark.parametrize(
    ("number", "code"),
    [(2, "US"), (345, "RS"), (365, "RU"), (490, "CD"), (652, "SY"), (678, "YE"), (750, "IN")],
)
def test_gleditsch_ward_codes(number: int, code: str) -> None:
    found = from_gleditsch_ward(number, "country_id")
    assert found == (code, f"from country_id {number} (Gleditsch-Ward)")


def test_the_country_of_every_ged_row_and_its_gleditsch_ward_code_agree() -> None:
    for row, record in zip(raw(GED), records(GED).values(), strict=True):
        found = from_gleditsch_ward(int(row["country_id"]), "country_id")
        assert found is not None
        assert record.incident["country"] == found[0], row["country"]


# The layouts of other releases


def test_a_19_1_file_reads_as_the_23_1_file_does() -> None:
    """The same events in 19.1's columns: no relid or *_dset_id, `best_est` for `best`."""
    old, new = records(DATA / "ucdp-ged-19.1.csv"), records(GED)
    assert list(old) == [f"ucdp-ged-900000{n}" for n in (1, 2, 3, 4)]
    for incident_id, record in old.items():
        assert record.incident == new[incident_id].incident
        assert record.location == new[incident_id].location
        assert record.actors == new[incident_id].actors
        assert "relid" not in record.row["extra"]


def test_a_regional_file_without_optional_columns() -> None:
    """Another order, the country as a Gleditsch-Ward code only, no estimates but the
    best, no breakdown, no where_prec: what is missing stays null, never made up."""
    found = records(DATA / "ucdp-ged-regional.csv")
    syria, yemen = found["ucdp-ged-9100001"], found["ucdp-ged-9100002"]
    assert syria.incident["country"] == "SY"
    assert "country SY from country_id 652 (Gleditsch-Ward)" in syria.incident["notes"]
    assert yemen.incident["country"] == "YE"
    assert syria.incident["fatalities"] == 2
    for column in ("fatalities_low", "fatalities_high", "deaths_a", "deaths_civilians"):
        assert syria.incident[column] is None
    assert syria.location is not None
    assert syria.location["geo_precision"] == 3
    assert "geo_precision 3 (no where_prec)" in syria.location["notes"]
    assert syria.row["where_prec"] is None
    assert set(syria.row["words"]) == {"source_article"}
    assert syria.row["extra"]["code_status"] == "Clear"
    assert syria.actors[0][0].country is None  # no gwnoa: the state's country is not said


def test_a_file_without_required_columns_is_refused_naming_them(tmp_path: Path) -> None:
    header = [c for c in ged_header() if c not in ("best", "side_b", "country", "country_id")]
    path = write(tmp_path / "short.csv", header, [])
    with DatasetFile(path) as data, pytest.raises(InvalidDataset) as refused:
        UcdpGed(data.header)
    assert "side_b, best, country or country_id" in refused.value.detail
    assert [e.field for e in refused.value.errors or []] == [
        "side_b",
        "best",
        "country or country_id",
    ]


def test_the_format_is_told_from_the_header(tmp_path: Path) -> None:
    for path, mapping in ((GED, UcdpGed), (DATA / "ucdp-ged-19.1.csv", UcdpGed), (ACLED, Acled)):
        with DatasetFile(path) as data:
            assert detect(data.header, list(MAPPINGS.values())) is mapping
    other = write(tmp_path / "other.csv", ["event", "date", "deaths"], [])
    with DatasetFile(other) as data, pytest.raises(InvalidDataset, match="cannot tell the format"):
        detect(data.header, list(MAPPINGS.values()))


# Bad rows


def bad_rows(path: Path, mapping: type[Mapping] = UcdpGed) -> list[BadRow]:
    with DatasetFile(path) as data:
        reader = mapping(data.header)
        found = [reader.read(line, fields) for line, fields in data.rows()]
    return [b for r in found if isinstance(r, list) for b in r]


def test_every_bad_value_is_named_with_its_line_column_and_value(tmp_path: Path) -> None:
    rows = raw(GED)[:8]
    rows[0]["date_start"] = "2013-02-30 00:00:00.000"
    rows[1]["latitude"] = "91.5"
    rows[2]["type_of_violence"] = "4"
    rows[3]["date_end"] = "1995-01-01 00:00:00.000"  # before its start
    rows[4]["best"] = "-1"
    rows[5]["country"], rows[5]["country_id"] = "Atlantis", "999"
    rows[6]["where_prec"] = "x"
    rows[7]["side_a"] = ""
    path = write(tmp_path / "bad.csv", ged_header(), rows)
    found = {(b.line, b.column, b.value) for b in bad_rows(path)}
    assert found == {
        (2, "date_start", "2013-02-30 00:00:00.000"),
        (3, "latitude", "91.5"),
        (4, "type_of_violence", "4"),
        (5, "date_end", "1995-01-01 00:00:00.000"),
        (6, "best", "-1"),
        (7, "country", "Atlantis"),
        (8, "where_prec", "x"),
        (9, "side_a", ""),
    }
    messages = {b.column: b.message for b in bad_rows(path)}
    assert messages["date_start"] == "'2013-02-30 00:00:00.000' is not a date (YYYY-MM-DD)"
    assert messages["latitude"] == "91.5 is out of range (-90 to 90)"
    assert messages["date_end"] == "1995-01-01 is before date_start 1996-03-01"
    assert messages["country"] == "no ISO country for country 'Atlantis' or country_id '999'"


def test_a_row_shorter_or_longer_than_its_header(tmp_path: Path) -> None:
    lines = GED.read_bytes().decode().split("\r\n")
    lines[1] = lines[1].rsplit(",", 3)[0]  # three fields short
    lines[2] = lines[2] + ",extra"
    path = tmp_path / "ragged.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    assert [(b.line, b.column, b.message) for b in bad_rows(path)] == [
        (2, None, "46 fields where the header has 49 columns"),
        (3, None, "50 fields where the header has 49 columns"),
    ]


def test_a_nul_character_is_a_bad_value(tmp_path: Path) -> None:
    rows = raw(GED)[:1]
    rows[0]["source_original"] = "police\x00"
    path = write(tmp_path / "nul.csv", ged_header(), rows)
    assert [(b.column, b.message) for b in bad_rows(path)] == [
        ("source_original", "contains a NUL character")
    ]


# Files


def test_a_zip_reads_as_its_csv(tmp_path: Path) -> None:
    path = tmp_path / "ged231-csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(GED, "GEDEvent_v23_1.csv")
        archive.writestr("README.txt", "the publisher's notes")
    with DatasetFile(path) as data:
        assert data.name == "GEDEvent_v23_1.csv"
        assert data.size == GED.stat().st_size
    zipped, plain = records(path), records(GED)
    assert list(zipped) == list(plain)
    assert all(zipped[i].digest == plain[i].digest for i in plain)


def test_a_zip_must_hold_one_csv(tmp_path: Path) -> None:
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.write(GED, "a.csv")
        archive.write(ACLED, "b.csv")
    with pytest.raises(InvalidDataset, match="the zip holds 2 CSV files"):
        DatasetFile(two)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(InvalidDataset, match="not a readable zip file"):
        DatasetFile(broken)


def test_an_upload_reads_from_its_open_file() -> None:
    with GED.open("rb") as upload, DatasetFile(upload, "mine.csv") as data:
        assert data.name == "mine.csv"
        assert sum(1 for _ in data.rows()) == 12
        assert data.bytes_read == data.size == GED.stat().st_size


def test_text_that_is_not_utf8_or_not_csv_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        GED.read_bytes().replace("Valparaíso".encode(), "Valparaíso".encode("latin-1"))
    )
    with pytest.raises(InvalidDataset, match="latin.csv is not UTF-8 text"):
        with DatasetFile(latin) as data:
            list(data.rows())
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InvalidDataset, match="is empty"):
        DatasetFile(empty)


def test_a_byte_order_mark_and_capitals_in_the_header_are_read_past(tmp_path: Path) -> None:
    text = GED.read_bytes().decode()
    header, rest = text.split("\r\n", 1)
    path = tmp_path / "excel.csv"
    path.write_text("\ufeff" + header.upper() + "\r\n" + rest, encoding="utf-8")
    assert list(records(path)) == list(records(GED))


# ACLED


def acled(incident_id: str) -> tuple[dict[str, str], Record]:
    rows = {f"acled-{r['event_id_cnty'].lower()}": r for r in raw(ACLED)}
    return rows[incident_id], records(ACLED)[incident_id]


def test_an_acled_row_becomes_an_incident() -> None:
    row, record = acled("acled-nig90001")
    incident = record.incident
    assert (incident["date_start"], incident["date_end"]) == (date(2023, 1, 14),) * 2
    assert incident["date_precision"] == "day"
    assert (incident["event_type"], incident["sub_event_type"]) == (
        row["event_type"],
        row["sub_event_type"],
    )
    assert incident["country"] == "NG"
    assert "country NG from iso 566 (ISO 3166-1 numeric)" in incident["notes"]
    assert incident["admin1"] == row["admin1"]
    assert incident["fatalities"] == 4
    assert incident["fatalities_low"] is incident["fatalities_high"] is None
    assert incident["summary"] == row["notes"]  # ACLED's own words, verbatim
    assert set(incident["added"]) == {"title", "country", "date_precision"}
    assert record.row["words"] == {"notes": row["notes"], "source": row["source"]}
    assert record.row["row_id"] == "NIG90001"
    assert record.row["admin2"] == row["admin2"]
    for column in ("time_precision", "disorder_type", "inter1", "interaction", "iso", "tags"):
        assert record.row["extra"].get(column) == (row[column] or None)
    assert record.row["extra"]["civilian_targeting"] == "Civilian targeting"
    place = record.location
    assert place is not None
    assert (place["name"], place["geo_precision"], place["kind"]) == (row["location"], 1, "other")
    assert (place["latitude"], place["longitude"]) == (12.3342, 6.4031)


def test_acled_actors_their_associates_kinds_and_roles() -> None:
    _, record = acled("acled-nig90001")  # violence against civilians
    assert [(a.name, a.kind, role) for a, role in record.actors] == [
        ("Unidentified Armed Group (Nigeria)", "militia", "perpetrator"),
        ("Civilians (Nigeria)", "civilians", "target"),
        ("Farmers (Nigeria)", "civilians", "target"),
        ("Women (Nigeria)", "civilians", "target"),
    ]
    _, battle = acled("acled-cod90004")
    assert [(a.name, a.kind, role) for a, role in battle.actors] == [
        (
            "Military Forces of the Democratic Republic of Congo (2019-)",
            "state_forces",
            "participant",
        ),
        ("Militia (Pro-Government)", "state_forces", "participant"),
        ("Crescent Dawn Brigades", "armed_group", "participant"),
    ]
    _, named = acled("acled-yem90005")  # inter1 as a name, as exports since 2024 write it
    assert [(a.kind, role) for a, role in named.actors] == [
        ("armed_group", "participant"),
        ("civilians", "participant"),
    ]
    assert "inter1 Rebel group (Rebel group)" in named.actors[0][0].notes


@pytest.mark.parametrize(
    ("incident_id", "day", "precision", "country"),
    [
        ("acled-syr90002", date(2023, 1, 14), "week", "SY"),  # "14 January 2023"
        ("acled-pse90003", date(2023, 2, 3), "day", "PS"),
        ("acled-cod90004", date(2023, 3, 5), "day", "CD"),
        ("acled-yem90005", date(2023, 4, 30), "month", "YE"),
    ],
)
def test_acled_dates_precision_and_countries(
    incident_id: str, day: date, precision: str, country: str
) -> None:
    _, record = acled(incident_id)
    assert (record.incident["date_start"], record.incident["date_end"]) == (day, day)
    assert record.incident["date_precision"] == precision
    assert record.incident["country"] == country


def test_acled_bad_rows(tmp_path: Path) -> None:
    rows = raw(ACLED)
    header = list(rows[0])
    rows[0]["event_date"] = "31 Smarch 2023"
    rows[1]["event_type"] = "Skirmishes"
    rows[2]["sub_event_type"] = "Armed clash"  # not a sub-event type of Protests
    rows[3]["iso"], rows[3]["country"] = "0", "Kosovo"
    rows[4]["event_id_cnty"] = "YEM 90005"
    path = write(tmp_path / "bad.csv", header, rows)
    assert [(b.line, b.column) for b in bad_rows(path, Acled)] == [
        (2, "event_date"),
        (3, "event_type"),
        (4, "sub_event_type"),
        (5, "country"),
        (6, "event_id_cnty"),
    ]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2023-01-14", date(2023, 1, 14)),
        ("2013-01-03 00:00:00.000", date(2013, 1, 3)),
        ("2013-01-03T00:00:00", date(2013, 1, 3)),
        ("14 January 2023", date(2023, 1, 14)),
        ("5 march 2023", date(2023, 3, 5)),
        ("05-March-2023", date(2023, 3, 5)),
        ("2023-02-29", None),
        ("14/01/2023", None),
        ("2013-01-03 10:00:00", None),  # a time of day is not GED's midnight
        ("", None),
    ],
)
def test_dates(text: str, day: date | None) -> None:
    assert parse_day(text) == day


def test_a_digest_changes_with_what_the_import_reads_only(tmp_path: Path) -> None:
    rows = raw(GED)[:2]
    header = [*ged_header(), "a_new_column"]
    for row in rows:
        row["a_new_column"] = "anything"
    rows[1]["best"] = "6"
    path = write(tmp_path / "next.csv", header, rows)
    before, after = records(GED), records(path)
    assert after["ucdp-ged-9000001"].digest == before["ucdp-ged-9000001"].digest
    assert after["ucdp-ged-9000002"].digest != before["ucdp-ged-9000002"].digest
