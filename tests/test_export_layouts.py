"""`format=ucdp-ged` and `format=acled`: the incident list in the publishers' columns, on
SQLite and PostgreSQL, read back by pandas and compared with the files it was imported
from, and with what an article's incident holds (its actors by role on the two sides)."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update

from app.datasets.mapping import Mapping
from app.datasets.service import import_dataset
from app.main import create_app
from app.models import DatasetRow
from app.schemas.resources import INCIDENT_ID
from app.services.exports import BATCH
from app.services.layouts import ACLED_COLUMNS, GED_COLUMNS
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_writes import new_key, seed

DATA = Path(__file__).parent / "data" / "datasets"
GED, ACLED = DATA / "ucdp-ged-23.1.csv", DATA / "acled-export.csv"
ACTOR_COLUMNS = {
    "ucdp-ged": ("side_a", "side_a_new_id", "side_b", "side_b_new_id", "dyad_name"),
    "acled": ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2"),
}


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
    checked = [c for c in columns if c in given.columns]
    # The mapped columns of the task at least: dates, country, place, figures, ids, actors.
    assert {"country", "latitude", "longitude", "fatalities" if fmt == "acled" else "best"} <= {
        *checked
    }
    assert set(ACTOR_COLUMNS[fmt]) <= set(checked)
    for _, row in written.iterrows():
        for column in checked:
            assert same(column, row[column], given.at[row[id_column], column]), (
                row[id_column],
                column,
                row[column],
                given.at[row[id_column], column],
            )
    # The actors as the row named them, exactly (not the actors' names in the record).
    for column in ACTOR_COLUMNS[fmt]:
        assert written.set_index(id_column)[column].equals(given.loc[written[id_column], column])


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


def _sides(detail: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The rule of `app.services.layouts.sides`, read off the API's detail: side 1 the
    perpetrators, else those it is attributed to (not by a denial); side 2 the targets;
    each actor once, by name."""

    def named(entries: list[dict[str, Any]]) -> list[str]:
        ordered = sorted(entries, key=lambda e: (e["actor_name"], e["actor_id"]))
        return list({e["actor_id"]: e["actor_name"] for e in ordered}.values())

    def role(name: str) -> list[str]:
        return named([a for a in detail["actors"] if a["role"] == name])

    attributed = named([a for a in detail["attributed_to"] if a["stance"] != "denied"])
    return role("perpetrator") or attributed, role("target")


def _ged_actors(detail: dict[str, Any]) -> dict[str, str]:
    one, two = (", ".join(side) for side in _sides(detail))
    return {"side_a": one, "side_b": two, "dyad_name": f"{one} - {two}" if one and two else ""}


def _acled_actors(detail: dict[str, Any]) -> dict[str, str]:
    columns = {}
    for n, side in enumerate(_sides(detail), start=1):
        columns[f"actor{n}"] = side[0] if side else ""
        columns[f"assoc_actor_{n}"] = "; ".join(side[1:])
    return columns


def test_an_article_incident_in_the_ged_layout(client: TestClient) -> None:
    article = _article(client)
    written = export(client, "ucdp-ged").set_index("id")
    row = written.loc[article["id"]]  # ours, where GED has its id
    place = article["location"]
    # No perpetrator: side a is the group it is attributed to; side b its target.
    assert "perpetrator" not in {a["role"] for a in article["actors"]}
    (accused,) = {a["actor_name"] for a in article["attributed_to"]}
    (target,) = {a["actor_name"] for a in article["actors"] if a["role"] == "target"}
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
        "side_a": accused,
        "side_b": target,
        "dyad_name": f"{accused} - {target}",
    }
    for column, value in expected.items():
        assert row[column] == ("" if value is None else str(value)), column
    # Neither actor has a UCDP id in this record: no side ids.
    unknown = set(GED_COLUMNS) - set(expected) - {"id"}
    assert {column: row[column] for column in unknown} == dict.fromkeys(unknown, "")


def test_an_article_incident_in_the_acled_layout(client: TestClient) -> None:
    article = _article(client)
    written = export(client, "acled").set_index("event_id_cnty")
    row = written.loc[article["id"]]
    place = article["location"]
    (accused,) = {a["actor_name"] for a in article["attributed_to"]}
    (target,) = {a["actor_name"] for a in article["actors"] if a["role"] == "target"}
    expected = {
        "event_date": article["date_start"],
        "year": str(article["date_start"][:4]),
        "event_type": article["event_type"],
        "sub_event_type": article["sub_event_type"],
        "actor1": accused,
        "actor2": target,
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


def _sided_bundle() -> dict[str, Any]:
    """The test bundle with two more incidents: two perpetrators (and an accusation that
    does not count beside them); two targets (and a denial that is no attribution)."""
    data = bundle()
    data["actors"].append(
        {"id": "examplestan-police", "name": "Examplestan Police", "kind": "state_forces"}
    )
    (base,) = data["incidents"]
    accused = base["attributions"][0]
    perpetrated = base | {
        "id": "test-rockets-two-perpetrators",
        "actors": [
            {"actor_id": "imaginary-front", "role": "perpetrator"},
            {"actor_id": "imaginary-brigade", "role": "perpetrator"},
            {"actor_id": "examplestan-guard", "role": "target"},
        ],
        "attributions": [accused | {"id": "two-accused", "actor_id": "examplestan-police"}],
    }
    denied = base | {
        "id": "test-rockets-two-targets",
        "actors": [
            {"actor_id": "examplestan-police", "role": "target"},
            {"actor_id": "examplestan-guard", "role": "target"},
        ],
        "attributions": [
            accused | {"id": "targets-accused"},
            accused | {"id": "targets-denied", "actor_id": "imaginary-front", "stance": "denied"},
        ],
    }
    data["incidents"] += [perpetrated, denied]
    return data


def test_every_article_incident_s_actors_on_the_sides(engine: Engine, client: TestClient) -> None:
    """Side 1 who carried it out, else whom it is attributed to; side 2 its targets; in
    GED one name a side (several joined as GED joins a coalition's), in ACLED the first as
    the actor and the others as associates; participants on neither; nothing invented."""
    created = client.post("/v1/sources", json=_sided_bundle(), headers=new_key(engine))
    assert created.status_code == 201, created.text
    ged = export(client, "ucdp-ged").set_index("id")
    acled = export(client, "acled").set_index("event_id_cnty")
    listed = client.get("/v1/incidents", params={"limit": 1000}).json()["data"]
    details = [client.get(f"/v1/incidents/{i['id']}").json() for i in listed]
    articles = [detail for detail in details if detail["dataset"] is None]
    assert len(articles) == 13  # the seed's ten and the bundle's three
    for article in articles:
        assert {c: ged.at[article["id"], c] for c in _ged_actors(article)} == _ged_actors(article)
        assert {c: acled.at[article["id"], c] for c in _acled_actors(article)} == (
            _acled_actors(article)
        )
    # What the rule gives, said plainly for the cases the bundle made.
    assert ged.loc["test-rockets-two-perpetrators", ["side_a", "side_b"]].tolist() == [
        "Imaginary Brigade, Imaginary Front",
        "Examplestan Guard",
    ]
    assert acled.loc["test-rockets-two-perpetrators", ["actor1", "assoc_actor_1"]].tolist() == [
        "Imaginary Brigade",
        "Imaginary Front",
    ]
    assert acled.loc["test-rockets-two-targets"][list(ACTOR_COLUMNS["acled"])].tolist() == [
        "Imaginary Brigade",
        "",
        "Examplestan Guard",
        "Examplestan Police",
    ]
    # The seed's commemoration has participants only: both sides empty.
    commemoration = "2022-01-03-soleimani-anniversary-commemorations"
    assert ged.loc[commemoration, ["side_a", "side_b", "dyad_name"]].tolist() == ["", "", ""]
    assert acled.loc[commemoration, ["actor1", "actor2"]].tolist() == ["", ""]


def test_the_row_s_names_come_back_and_an_actor_s_ucdp_id_fills_an_article_s_side(
    engine: Engine, tmp_path: Path
) -> None:
    """A GED side found by another name (here the seed's actor, by case) comes back as the
    row wrote it, and the UCDP id it leaves on the actor is the side id of an article's
    incident with that actor; an ACLED actor found by an alias comes back as written."""
    seed(engine)
    ged, acled = read(GED), read(ACLED)
    ged.loc[ged["id"] == "9000012", "side_a"] = "united states"
    side_id = ged.loc[ged["id"] == "9000012", "side_a_new_id"].item()
    acled.loc[acled["event_id_cnty"] == "NIG90001", "actor1"] = "coalition forces"
    for frame, name in ((ged, "ucdp-ged-23.1.csv"), (acled, "acled-export.csv")):
        frame.to_csv(tmp_path / name, index=False)
        import_dataset(engine, tmp_path / name, release="test")
    with client_for(engine) as client:
        written_ged = export(client, "ucdp-ged").set_index("id")
        written_acled = export(client, "acled").set_index("event_id_cnty")
        gov = client.get("/v1/incidents/ucdp-ged-9000012").json()
        nig = client.get("/v1/incidents/acled-nig90001").json()
        strike = client.get("/v1/incidents/2020-01-03-baghdad-airport-drone-strike").json()
        missiles = client.get("/v1/incidents/2020-01-08-iran-missiles-arbil").json()
    assert {a["actor_id"] for a in gov["actors"]} >= {"united-states"}
    assert written_ged.at["9000012", "side_a"] == "united states"
    assert written_ged.at["9000012", "side_a_new_id"] == side_id
    assert "us-led-coalition" in {a["actor_id"] for a in nig["actors"]}
    assert written_acled.at["NIG90001", "actor1"] == "coalition forces"
    # The seed's actors: the United States carried out the strike, Iran's missiles hit it.
    assert [a["actor_id"] for a in strike["actors"] if a["role"] == "perpetrator"] == [
        "united-states"
    ]
    assert written_ged.loc[strike["id"], ["side_a", "side_a_new_id"]].tolist() == [
        "United States",
        side_id,
    ]
    assert written_ged.at[strike["id"], "side_b_new_id"] == ""  # Soleimani: no UCDP id
    assert written_ged.loc[missiles["id"], ["side_b", "side_b_new_id"]].tolist() == [
        "United States",
        side_id,
    ]


@pytest.mark.parametrize("fmt", ["ucdp-ged", "acled"])
def test_a_batch_s_actors_are_read_in_one_statement(
    engine: Engine, client: TestClient, fmt: str
) -> None:
    """Every incident's actors (roles and attributions) and dataset row: one statement
    for the batch, not one a row."""
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        written = export(client, fmt)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert 20 < len(written) <= BATCH  # the seed's incidents and both datasets': one batch
    assert len([s for s in statements if "incident_actor" in s]) == 1
    assert len([s for s in statements if "dataset_row" in s]) == 1


def test_another_publishers_row_has_our_id_and_none_of_the_codes(client: TestClient) -> None:
    acled_in_ged = export(client, "ucdp-ged", "&dataset=acled")
    assert set(acled_in_ged["id"]) == {f"acled-{i.lower()}" for i in read(ACLED)["event_id_cnty"]}
    assert set(acled_in_ged["type_of_violence"]) == {""}
    assert set(acled_in_ged["relid"]) == {""}
    ged_in_acled = export(client, "acled", "&dataset=ucdp-ged")
    assert set(ged_in_acled["event_id_cnty"]) == {f"ucdp-ged-{i}" for i in read(GED)["id"]}
    assert set(ged_in_acled["time_precision"]) == {""}
    assert set(ged_in_acled["admin2"]) == set(read(GED)["adm_2"])
    # Their actors by the roles the import gave them, as an article's are.
    for written, actors in ((acled_in_ged, _ged_actors), (ged_in_acled, _acled_actors)):
        for _, row in written.iterrows():
            detail = client.get(f"/v1/incidents/{row.iloc[0]}").json()
            assert {c: row[c] for c in actors(detail)} == actors(detail), row.iloc[0]
    one_sided = ged_in_acled.set_index("event_id_cnty").loc["ucdp-ged-9000002"]
    assert [one_sided["actor1"], one_sided["actor2"]] == ["Red River Brotherhood", "civilians"]


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


def test_rows_imported_before_the_names_were_kept_get_them_on_the_next_import(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 1 of the import kept no actor names: its rows write them empty (never the
    record's names for them), and importing the file again rewrites every row."""
    with monkeypatch.context() as old:
        old.setattr(Mapping, "VERSION", "1")
        import_dataset(engine, GED, release="23.1")
    rows = DatasetRow.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for incident_id, extra in connection.execute(select(rows.c.incident_id, rows.c.extra)):
            kept = {k: v for k, v in extra.items() if k not in ("side_a", "side_b")}
            connection.execute(
                update(rows).where(rows.c.incident_id == incident_id).values(extra=kept)
            )
    given = read(GED).set_index("id")
    with client_for(engine) as client:
        before = export(client, "ucdp-ged").set_index("id")
        assert set(before["side_a"]) == set(before["side_b"]) == {""}
        # What the row kept elsewhere still comes back.
        assert before["side_a_new_id"].equals(given.loc[before.index, "side_a_new_id"])
        assert import_dataset(engine, GED, release="23.1").updated == len(given)
        after = export(client, "ucdp-ged").set_index("id")
    for column in ("side_a", "side_b"):
        assert after[column].equals(given.loc[after.index, column])
