"""An actor is involved in an incident every way the record shows: in a role, as the one
who attributed it, as the speaker of a quote about it. `actor`, `role`, the actors'
`incident_count` and stats by actor all count each way; expectations come from the seed
bundle itself."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import get_settings

KIRBY = "john-kirby"


def seed_bundle() -> dict[str, Any]:
    (path,) = get_settings().seed_dir.glob("*.json")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def ways(actor: str) -> dict[str, set[str]]:
    """From the bundle: the incidents `actor` is involved in, by way."""
    data = seed_bundle()
    found: dict[str, set[str]] = {"speaker": set(), "attributed_by": set(), "roles": set()}
    for quote in data["quotes"]:
        if quote["speaker_id"] == actor:
            found["speaker"] |= set(quote["incident_ids"])
    for incident in data["incidents"]:
        if any(a["by_actor_id"] == actor for a in incident["attributions"]):
            found["attributed_by"].add(incident["id"])
        if any(a["actor_id"] == actor for a in incident["actors"]):
            found["roles"].add(incident["id"])
    return found


def incident_ids(client: TestClient, **params: str) -> set[str]:
    response = client.get("/v1/incidents", params={**params, "limit": 1000})
    assert response.status_code == 200, response.text
    return {i["id"] for i in response.json()["data"]}


def test_kirby_is_involved_in_what_he_attributed_and_spoke_about(client: TestClient) -> None:
    expected = ways(KIRBY)
    assert expected["speaker"]
    assert expected["attributed_by"]
    everything = expected["speaker"] | expected["attributed_by"] | expected["roles"]
    assert incident_ids(client, actor=KIRBY) == everything
    assert incident_ids(client, actor=KIRBY, role="speaker") == expected["speaker"]
    assert incident_ids(client, actor=KIRBY, role="attributed_by") == expected["attributed_by"]
    actor = client.get(f"/v1/actors/{KIRBY}").json()
    assert actor["incident_count"] == len(everything)
    rows = client.get("/v1/stats/incidents", params={"group_by": "actor", "actor": KIRBY}).json()[
        "data"
    ]
    counted = {r["actor"]: r["incidents"] for r in rows}
    assert counted[KIRBY] == len(everything)


@pytest.mark.parametrize("role", ["speaker", "attributed_by"])
def test_a_derived_role_alone_selects_every_actor_so_involved(
    client: TestClient, role: str
) -> None:
    data = seed_bundle()
    if role == "speaker":
        expected = {i for q in data["quotes"] for i in q["incident_ids"]}
    else:
        expected = {
            i["id"] for i in data["incidents"] if any(a["by_actor_id"] for a in i["attributions"])
        }
    assert expected
    assert incident_ids(client, role=role) == expected


def test_a_role_that_is_no_way_of_involvement_is_a_422(client: TestClient) -> None:
    response = client.get("/v1/incidents", params={"role": "bystander"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["param"].startswith("role")
