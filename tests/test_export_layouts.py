"""`format=ucdp-ged` and `format=acled`: the incident list in the publishers' columns, on
SQLite and PostgreSQL, read back by pandas and compared with the files it was imported
from, and with what an article's incident holds."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.datasets.service import import_dataset
from app.main import create_app
from app.schemas.resources import INCIDENT_ID
from app.services.layouts import ACLED_COLUMNS, GED_COLUMNS
from tests.conftest import client_for
from tests.helpers_writes import seed

DATA = Path(__file__).parent / "data" / "datasets"
GED, ACLED = DATA / "ucdp-ged-23.1.csv", DATA / "acled-export.csv"
NOT_KEPT = {"side_a", "side_b", "actor1", "actor2"}
"""Columns the record keeps as actors, not as the row's text: written empty."""


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    seed(engine)
    import_dataset(engine, GED, release="23.1")
    import_dataset(engine, ACLED, release="2023-01")
    with client_for(engine) as c:
        yield c


def read(path_or_bytes: Path | bytes) -> pd.DataFrame:
    """A CSV as text cells, empty for empty (as a script reading either file would)."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return pd.read_csv(source, dtype=str, keep_default_na=False)


def export(client: TestClient, fmt: str, query: str = "") -> pd.DataFrame:
    response = client.get(f"/v1/incidents?format={fmt}{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = f'attachment; filename="incidents-{fmt}.csv"'
    assert response.headers["content-disposition"] == disposition
    return read(response.content)


def same(column: str, written: str, given: str) -> bool:
    """Equal as the publisher means it: dates as dates, numbers as numbers, text as text."""
    if column in ("date_start", "date_end", "event_date"):
        return pd.Timestamp(written) == pd.Timestamp(given)
    try:
        return float(written) == float(given)
    except ValueError:
        return written == given.strip()


@pytest.mark.parametrize(
    ("fmt", "path", "columns", "id_column", "prefix"),
    [
        ("ucdp-ged", GED, GED_COLUMNS, "id", "ucdp-ged-"),
        ("acled", ACLED, ACLED_COLUMNS, "event_id_cnty", "acled-"),
    ],
)
def test_imported_rows_come_back_with_their_values(
    client: TestClient, fmt: str, path: Path, columns: tuple[str, ...], id_column: str, prefix: str
) -> None:
    written = export(client, fmt, f"&dataset={fmt}")
    assert list(written.columns) == list(columns)
    original = read(path)
    assert sorted(written[id_column]) == sorted(original[id_column])
    given = original.set_index(id_column)
    checked = [c for c in columns if c in given.columns and c not in NOT_KEPT]
    # The mapped columns of the task at least: dates, country, place, figures, ids.
    assert {"country", "latitude", "longitude", "fatalities" if fmt == "acled" else "best"} <= {
        *checked
    }
    for _, row in written.iterrows():
        for column in checked:
            assert same(column, row[column], given.at[row[id_column], column]), (
                row[id_column],
                column,
                row[column],
                given.at[row[id_column], column],
            )
        assert all(row[c] == "" for c in NOT_KEPT & set(columns))


def test_ged_rows_keep_their_estimates_and_codes(client: TestClient) -> None:
    written = export(client, "ucdp-ged", "&dataset=ucdp-ged").set_index("id")
    original = read(GED).set_index("id")
    for column in ("best", "low", "high", "type_of_violence", "where_prec", "date_prec"):
        assert written[column].astype(int).equals(original.loc[written.index, column].astype(int))
    for column in ("relid", "source_article", "dyad_name", "country", "country_id", "adm_2"):
        assert written[column].equals(original.loc[written.index, column]), column
    # Historical names, as the publisher wrote them (the record holds CD for this one).
    assert written.at["9000002", "country"] == "DR Congo (Zaire)"


def _article(client: TestClient) -> dict[str, Any]:
    """The seed article's rocket attack on Ain al-Asad (Iraq), as the API gives it."""
    article: dict[str, Any] = client.get(f"/v1/incidents/{INCIDENT_ID}").json()
    assert article["dataset"] is None
    return article


def test_an_article_incident_in_the_ged_layout(client: TestClient) -> None:
    article = _article(client)
    written = export(client, "ucdp-ged").set_index("id")
    row = written.loc[article["id"]]  # ours, where GED has its id
    place = article["location"]
    expected = {
        "year": str(article["date_start"][:4]),
        "date_start": article["date_start"],
        "date_end": article["date_end"],
        "country": article["country_name"],
        "adm_1": article["admin1"] or "",
        "where_coordinates": place["name"],
        "latitude": place["latitude"],
        "longitude": place["longitude"],
        "best": article["fatalities"],
        "low": article["fatalities_low"],
        "high": article["fatalities_high"],
    }
    for column, value in expected.items():
        assert row[column] == ("" if value is None else str(value)), column
    unknown = set(GED_COLUMNS) - set(expected) - {"id"}
    assert {column: row[column] for column in unknown} == dict.fromkeys(unknown, "")


def test_an_article_incident_in_the_acled_layout(client: TestClient) -> None:
    article = _article(client)
    written = export(client, "acled").set_index("event_id_cnty")
    row = written.loc[article["id"]]
    place = article["location"]
    expected = {
        "event_date": article["date_start"],
        "year": str(article["date_start"][:4]),
        "event_type": article["event_type"],
        "sub_event_type": article["sub_event_type"],
        "iso": "368",
        "country": article["country_name"],
        "admin1": article["admin1"] or "",
        "location": place["name"],
        "latitude": place["latitude"],
        "longitude": place["longitude"],
        "geo_precision": place["geo_precision"],
        "notes": article["summary"],
        "fatalities": article["fatalities"],
    }
    assert article["country"] == "IQ"  # ISO 3166-1 numeric 368
    for column, value in expected.items():
        assert row[column] == ("" if value is None else str(value)), column
    unknown = set(ACLED_COLUMNS) - set(expected) - {"event_id_cnty"}
    assert {column: row[column] for column in unknown} == dict.fromkeys(unknown, "")


def test_another_publishers_row_has_our_id_and_none_of_the_codes(client: TestClient) -> None:
    acled_in_ged = export(client, "ucdp-ged", "&dataset=acled")
    assert set(acled_in_ged["id"]) == {f"acled-{i.lower()}" for i in read(ACLED)["event_id_cnty"]}
    assert set(acled_in_ged["type_of_violence"]) == {""}
    assert set(acled_in_ged["relid"]) == {""}
    ged_in_acled = export(client, "acled", "&dataset=ucdp-ged")
    assert set(ged_in_acled["event_id_cnty"]) == {f"ucdp-ged-{i}" for i in read(GED)["id"]}
    assert set(ged_in_acled["time_precision"]) == {""}
    assert set(ged_in_acled["admin2"]) == set(read(GED)["adm_2"])


@pytest.mark.parametrize(
    ("fmt", "id_column", "incident_id"),
    [
        ("ucdp-ged", "id", lambda value: f"ucdp-ged-{value}"),
        ("acled", "event_id_cnty", lambda value: f"acled-{value.lower()}"),
    ],
)
def test_a_layout_has_the_csv_export_s_rows_order_and_pages(
    client: TestClient, fmt: str, id_column: str, incident_id: Any
) -> None:
    query = f"&dataset={fmt}&sort=-fatalities"
    as_csv = client.get(f"/v1/incidents?format=csv{query}")
    layout = client.get(f"/v1/incidents?format={fmt}{query}")
    expected = list(read(as_csv.content)["id"])
    assert len(expected) > 2
    assert [incident_id(v) for v in read(layout.content)[id_column]] == expected
    assert layout.headers["x-total-count"] == as_csv.headers["x-total-count"]
    first = client.get(f"/v1/incidents?format={fmt}{query}&limit=2")
    assert [incident_id(v) for v in read(first.content)[id_column]] == expected[:2]
    after = first.headers["link"].split(";")[0].strip("<>")
    assert f"format={fmt}" in after
    rest = client.get(after.removeprefix("http://testserver"))
    assert [incident_id(v) for v in read(rest.content)[id_column]] == expected[2:4]


def test_layouts_are_incidents_only(client: TestClient) -> None:
    """Other lists refuse a layout as they refuse any format they do not have."""
    response = client.get("/v1/actors?format=acled")
    unknown = client.get("/v1/actors?format=xml")
    assert response.status_code == unknown.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["param"] == "format"


def test_the_openapi_document_lists_the_layouts_for_incidents_only() -> None:
    document = create_app().openapi()

    def formats(path: str) -> list[str]:
        (param,) = [
            p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "format"
        ]
        return list(param["schema"]["anyOf"][0]["enum"])

    assert formats("/v1/incidents")[-2:] == ["ucdp-ged", "acled"]
    assert "acled" not in formats("/v1/actors")
    assert "`format=ucdp-ged`" in document["paths"]["/v1/incidents"]["get"]["description"]


def test_what_an_imported_row_did_not_say_stays_empty(engine: Engine, tmp_path: Path) -> None:
    """An ACLED row without geo_precision: the record's place has 3 (the import's default,
    listed in its `added`), but the row did not say it, so the layout does not either."""
    rows = read(ACLED)
    rows.loc[0, "geo_precision"] = ""
    path = tmp_path / "acled-export.csv"
    rows.to_csv(path, index=False)
    import_dataset(engine, path, release="2023-01")
    with client_for(engine) as client:
        written = export(client, "acled").set_index("event_id_cnty")
        detail = client.get(f"/v1/incidents/acled-{rows.at[0, 'event_id_cnty'].lower()}").json()
    assert detail["location"]["geo_precision"] == 3
    assert written.at[rows.at[0, "event_id_cnty"], "geo_precision"] == ""
    assert written.at[rows.at[1, "event_id_cnty"], "geo_precision"] == rows.at[1, "geo_precision"]
