"""The Python client, against the real app (its httpx transport is the ASGI app)."""

import importlib.metadata
import sys
from datetime import date

import pandas
import pytest
from fastapi.testclient import TestClient

from app.client import ApiError, Client, to_params


@pytest.fixture
def api(client: TestClient) -> Client:
    return Client(http=client)


def test_params_repeat_lists_and_drop_none() -> None:
    params = to_params({"country": ["IQ", "SY"], "date_from": date(2022, 1, 4), "q": None})
    assert params == [("country", "IQ"), ("country", "SY"), ("date_from", "2022-01-04")]
    assert to_params({"claimed": True}) == [("claimed", "true")]


def test_iter_follows_every_page(api: Client, client: TestClient) -> None:
    everything = client.get("/v1/incidents", params={"limit": 1000}).json()["data"]
    paged = list(api.iter_incidents(limit=3))
    assert [i["id"] for i in paged] == [i["id"] for i in everything]
    assert len(paged) == 10


def test_filters_use_the_api_names(api: Client) -> None:
    ids = [
        i["id"]
        for i in api.iter_incidents(
            country=["Iraq"], date_from=date(2022, 1, 4), date_to=date(2022, 1, 5), sort="date"
        )
    ]
    assert ids[-1] == "2022-01-05-ain-al-asad-rockets"
    assert "2022-01-05-green-village-indirect-fire" not in ids  # Syria
    assert {a["id"] for a in api.iter_actors(parent="iran-backed-groups")} == {
        "iran-backed-militias-in-iraq"
    }


def test_errors_raise_with_the_problem(api: Client) -> None:
    with pytest.raises(ApiError) as raised:
        list(api.iter_incidents(contry="IQ"))
    assert raised.value.status == 400
    assert raised.value.errors == [
        {"param": "contry", "message": "unknown query parameter (did you mean country?)"}
    ]
    with pytest.raises(ApiError, match="404"):
        api.incident("no-such-incident")


def test_incidents_as_a_dataframe(api: Client) -> None:
    frame = api.incidents(country="SY", as_frame=True)
    assert isinstance(frame, pandas.DataFrame)
    assert set(frame["country"]) == {"SY"}
    assert len(frame) == len(api.incidents(country="SY"))


def test_dataframes_need_pandas_and_say_so(api: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r'pip install -e "\.\[pandas\]"'):
        api.incidents(as_frame=True)


def test_the_pandas_extra_brings_pandas() -> None:
    """`pip install -e ".[pandas]"` (what the message says) installs what as_frame needs."""
    requirements = importlib.metadata.requires("incident-record") or []
    assert any(r.startswith("pandas") and 'extra == "pandas"' in r for r in requirements), (
        requirements
    )


def test_api_key_is_sent_as_bearer(client: TestClient) -> None:
    api = Client(http=client, api_key="ir_test_secret")
    assert client.headers["authorization"] == "Bearer ir_test_secret"
    api.close()  # a borrowed httpx client stays open
    assert client.get("/healthz").status_code == 200


def test_stats_as_rows_and_as_a_frame(api: Client, client: TestClient) -> None:
    params = {"group_by": "month,country", "date_from": "2021-12-01", "date_to": "2022-01-31"}
    expected = client.get("/v1/stats/incidents", params=params).json()["data"]
    rows = api.stats(["month", "country"], date_from=date(2021, 12, 1), date_to="2022-01-31")
    assert rows == expected
    frame = api.stats("month,country", date_from="2021-12-01", date_to="2022-01-31", as_frame=True)
    # Unknown stays unknown: a nullable integer column, <NA> where the API says null.
    assert str(frame["injuries"].dtype) == "Int64"
    assert frame["injuries"].isna().tolist() == [r["injuries"] is None for r in expected]
    records = [
        {k: None if pandas.isna(v) else v for k, v in r.items()} for r in frame.to_dict("records")
    ]
    assert records == expected
    with pytest.raises(ApiError) as raised:
        api.stats("fortnight")
    assert raised.value.status == 422
