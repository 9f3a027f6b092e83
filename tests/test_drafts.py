"""Drafts through the API (`POST /v1/drafts`) and the command line (`incident-record draft`):
the same draft, names from the record, nothing written."""

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import record_version
from app.loader import validate_bundle
from tests.conftest import client_for
from tests.helpers_server import run_cli
from tests.helpers_writes import dump, new_key, seed

TEXT = (
    "Rockets hit near Arbil, Iraq, on Tuesday, the US-led coalition said.\n\n"
    "“No damage, no casualties,” Pentagon spokesman John Kirby told reporters."
)
BODY = {"text": TEXT, "published_on": "2022-01-05", "publisher": "Test Wire", "title": "Rockets"}


def version(engine: Engine) -> int:
    with Session(engine) as session:
        return record_version(session)


def test_a_draft_uses_the_records_names_and_writes_nothing(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    before, version_before = dump(engine), version(engine)
    with client_for(engine) as c:
        response = c.post("/v1/drafts", json=BODY, headers=key)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    draft = response.json()
    assert dump(engine) == before
    assert version(engine) == version_before
    [quote] = draft["quotes"]
    assert (quote["speaker_id"], quote["speaker_title"]) == ("john-kirby", "Pentagon spokesman")
    assert quote["channel"] == "told_reporters"
    [incident] = draft["incidents"]
    assert incident["location_id"] == "arbil"  # the record's, by its name
    assert incident["date_start"] == incident["date_end"] == "2022-01-04"
    assert draft["actors"] == draft["locations"] == []
    assert draft["source"] | {"text": None} == {
        "id": "test-wire-2022-01-05-rockets",
        "title": "Rockets",
        "publisher": "Test Wire",
        "dateline": None,
        "published_on": "2022-01-05",
        "published_on_basis": "Given when the draft was made; check it against the article.",
        "url": None,
        "language": "en",
        "text": None,
        "notes": draft["source"]["notes"],
        "added": [],
    }
    with Session(engine) as session:
        validate_bundle(draft, session)


def test_an_empty_record_proposes_actors_and_locations(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        draft = c.post("/v1/drafts", json={**BODY, "dateline": "BAGHDAD"}, headers=key).json()
    assert [a["id"] for a in draft["actors"]] == ["john-kirby"]
    [location] = draft["locations"]
    assert (location["id"], location["name"], location["country"]) == ("erbil", "Erbil", "IQ")
    assert {"latitude", "longitude"} <= set(location["added"])
    assert draft["source"]["dateline"] == "BAGHDAD"


@pytest.mark.parametrize(
    ("headers", "status", "slug"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer ir_not-a-key"}, 401, "unauthorized"),
        ("read", 403, "forbidden"),
    ],
)
def test_a_draft_needs_a_write_key(
    engine: Engine, headers: dict[str, str] | str, status: int, slug: str
) -> None:
    sent = new_key(engine, "read", "reader") if headers == "read" else headers
    with client_for(engine) as c:
        response = c.post("/v1/drafts", json=BODY, headers=sent)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(slug)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"published_on": "2022-01-05"}, {"text"}),
        ({**BODY, "text": ""}, {"text"}),
        ({**BODY, "published_on": "2022-13-01"}, {"published_on"}),
        ({**BODY, "published_on": 20220105}, {"published_on"}),
        ({**BODY, "text": "a\x00b"}, {"text"}),
        ({**BODY, "text": "x" * 200_001}, {"text"}),
        ({**BODY, "url": "x"}, {"url"}),
        ([BODY], {"body"}),
    ],
)
def test_a_bad_body_is_one_422_naming_each_field(
    engine: Engine, body: Any, fields: set[str]
) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        response = c.post("/v1/drafts", json=body, headers=key)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("validation-error")
    assert {e["field"] for e in problem["errors"]} == fields


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (json.dumps(BODY).encode(), "text/plain", 415),
        (json.dumps({**BODY, "text": "x" * 5000}).encode(), "application/json", 413),
    ],
)
def test_bodies_that_are_not_an_article(
    engine: Engine, content: bytes, content_type: str, status: int
) -> None:
    key = new_key(engine)
    with client_for(engine, Settings(max_body_bytes=4096)) as c:
        response = c.post(
            "/v1/drafts", content=content, headers={**key, "Content-Type": content_type}
        )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_the_operation_is_documented(engine: Engine) -> None:
    with client_for(engine) as c:
        document = c.get("/openapi.json").json()
    operation = document["paths"]["/v1/drafts"]["post"]
    assert operation["operationId"] == "create_draft"
    assert operation["security"] == [{"apiKey": []}]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/DraftRequest"}
    assert document["components"]["schemas"]["DraftRequest"]["required"] == [
        "text",
        "published_on",
    ]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Bundle"}
    for status in ("401", "403", "413", "415", "422"):
        assert "application/problem+json" in operation["responses"][status]["content"]


@pytest.mark.slow
def test_the_command_prints_the_same_draft_as_the_api(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    key = new_key(engine)
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    before = dump(engine)
    result = run_cli(
        engine.url.render_as_string(hide_password=False),
        "draft",
        str(article),
        "--published-on",
        "2022-01-05",
        "--publisher",
        "Test Wire",
        "--title",
        "Rockets",
    )
    assert result.returncode == 0, result.stderr
    with client_for(engine) as c:
        api = c.post("/v1/drafts", json=BODY, headers=key).json()
    assert json.loads(result.stdout) == api
    assert dump(engine) == before


@pytest.mark.slow
def test_the_command_without_a_record_creates_none(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    database = tmp_path / "none.db"
    result = run_cli(f"sqlite:///{database}", "draft", str(article), "--published-on", "2022-01-05")
    assert result.returncode == 0, result.stderr
    assert "no record at DATABASE_URL" in result.stderr
    draft = json.loads(result.stdout)
    assert draft["source"]["title"] == TEXT.split("\n")[0]  # the first line by default
    assert [a["id"] for a in draft["actors"]] == ["john-kirby"]
    assert not database.exists()


@pytest.mark.slow
def test_the_command_runs_extra_steps_and_reports_bad_input(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    (tmp_path / "my_step.py").write_text(
        "def step(bundle, article):\n"
        "    bundle['source']['notes'] += ' Seen by my step.'\n"
        "    return bundle\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'none.db'}"
    env = {"PYTHONPATH": str(tmp_path)}
    args = ("draft", str(article), "--published-on", "2022-01-05")
    stepped = run_cli(url, *args, "--step", "my_step:step", env=env)
    assert stepped.returncode == 0, stepped.stderr
    assert json.loads(stepped.stdout)["source"]["notes"].endswith("Seen by my step.")
    missing = run_cli(url, *args, "--step", "my_step:nothing", env=env)
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: no drafting step my_step:nothing")
    bad_date = run_cli(url, "draft", str(article), "--published-on", "5 Jan")
    assert bad_date.returncode == 2
    assert "--published-on" in bad_date.stderr
    (tmp_path / "nul.txt").write_text("a\x00b", encoding="utf-8")
    nul = run_cli(url, "draft", str(tmp_path / "nul.txt"), "--published-on", "2022-01-05")
    assert (nul.returncode, nul.stderr.splitlines()) == (
        1,
        ["error: text: must match the pattern ^[^\\x00]*$"],
    )
    no_file = run_cli(url, "draft", str(tmp_path / "nope.txt"), "--published-on", "2022-01-05")
    assert no_file.returncode == 1
    assert no_file.stderr.startswith("error: cannot read")
