"""End to end: the real `incident-record serve`, seeded from seed/, over real HTTP."""

from pathlib import Path

import httpx
import pytest

from tests.helpers_server import running_server

pytestmark = pytest.mark.slow  # each test runs the command or the server in a process

EXPECTED_IDS = {
    "2022-01-05-ain-al-asad-rockets",
    "2022-01-04-ain-al-asad-drone-attack",
    "2022-01-04-ain-al-asad-drones-shot-down",
}


def test_serve_migrates_seeds_and_answers(tmp_path: Path) -> None:
    with (
        running_server(tmp_path) as server,
        httpx.Client(base_url=server.base_url, timeout=10.0) as client,
    ):
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"

        response = client.get(
            "/v1/incidents",
            params={"country": "Iraq", "date_from": "2022-01-04", "date_to": "2022-01-05"},
        )
        assert response.status_code == 200, response.text
        incidents = {item["id"]: item for item in response.json()["data"]}
        assert EXPECTED_IDS <= incidents.keys(), sorted(incidents)
        for item in incidents.values():
            assert item["country"] == "IQ", item
            assert item["date_start"] <= "2022-01-05", item
            assert item["date_end"] >= "2022-01-04", item

        rockets = incidents["2022-01-05-ain-al-asad-rockets"]
        assert rockets["location"]["id"] == "ain-al-asad-air-base"
        assert 5 in [weapon["quantity"] for weapon in rockets["weapons"]]
        assert rockets["fatalities"] == 0
        assert "iran-backed-groups" in [a["actor_id"] for a in rockets["attributed_to"]]

        typo = client.get("/v1/incidents", params={"contry": "IQ"})
        assert typo.status_code == 400, typo.text
        assert typo.headers["content-type"].startswith("application/problem+json")

    assert server.process.poll() is not None, "the server should have stopped"
