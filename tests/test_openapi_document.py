"""The OpenAPI document is complete and exact, and tools nobody here wrote accept it.

- Its shape: unique component names, problem+json on every error, security, tags,
  descriptions, links to the next page, `id` first and provenance last in every record.
- Linters: Redocly CLI's `recommended` ruleset and Spectral's `oas` ruleset, with no error
  and no warning (npm packages that `.ci/run` installs under `.ci/node`), on this document
  and on the OGC API's own (`/ogc/api`, with and without READ_REQUIRES_KEY).
- A stock generator: `openapi-python-client` generates a client with no warning, and that
  client reads every GET operation from a real `incident-record serve`, every response
  parsed into its model, with no field the document does not describe.

The tools are skipped where they are not installed, except under CI (env CI), where that
is a failure.
"""

import importlib
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

import attrs
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.deps import settings_dep
from app.main import create_app
from app.vocab import EVENT_TYPES, SUB_EVENT_TYPES, ActorKind, Involvement, LocationKind, Stance
from tests.conftest import returning
from tests.helpers_server import REPO_ROOT, LiveServer, run_cli, running_server

DOCUMENT = create_app().openapi()
OPERATIONS = [
    (path, method, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
NODE_BIN = REPO_ROOT / ".ci" / "node" / "node_modules" / ".bin"


def _tool(name: str, *where: Path) -> str:
    """The path of a command-line tool, or a skip (a failure under CI) naming how to get it."""
    for folder in where:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found:
        return found
    reason = f"{name} not found (`bash .ci/run` installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and {reason}")
    pytest.skip(reason)


def _ogc_document(read_requires_key: bool) -> dict[str, Any]:
    """The OGC API's own OpenAPI 3.0 document (`/ogc/api`), as a server serves it."""
    settings = Settings(read_requires_key=read_requires_key)
    app = create_app(settings)
    app.dependency_overrides[settings_dep] = returning(settings)
    document: dict[str, Any] = TestClient(app).get("/ogc/api").json()
    return document


LINTED = {
    "openapi": lambda: DOCUMENT,
    "ogc-api": lambda: _ogc_document(read_requires_key=False),
    "ogc-api-with-keys": lambda: _ogc_document(read_requires_key=True),
}
"""The documents the linters check: the API's, and the OGC API's as open and keyed."""


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(DOCUMENT))
    return path


@pytest.fixture(scope="module", params=list(LINTED))
def linted_file(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("linted") / f"{request.param}.json"
    path.write_text(json.dumps(LINTED[request.param]()))
    return path


# The document's shape


def test_component_names_are_unique_and_meaningful() -> None:
    names = list(DOCUMENT["components"]["schemas"])
    assert not [n for n in names if "__" in n], "module-qualified names mean a clash"
    assert "HTTPValidationError" not in names
    assert "ValidationError" not in names
    assert {"Span", "BundleSpan", "IncidentPatch", "Problem"} <= set(names)
    operation_ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"list_incidents", "get_incident", "patch_incident", "landing"} <= set(operation_ids)


def test_every_error_is_documented_as_problem_json() -> None:
    for path, method, operation in OPERATIONS:
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        assert "400" in errors, (path, method)  # an unknown query parameter, at least
        for status, response in errors.items():
            assert response.get("content") == PROBLEM, (path, method, status)


def test_every_operation_is_described_tagged_and_secured() -> None:
    tags = {tag["name"]: tag.get("description") for tag in DOCUMENT["tags"]}
    assert all(tags.values()), "every tag has a description"
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes == {
        "apiKey": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ir_...",
            "description": schemes["apiKey"]["description"],
        }
    }
    assert DOCUMENT["servers"]
    assert DOCUMENT["info"]["contact"]
    for path, method, operation in OPERATIONS:
        where = f"{method.upper()} {path}"
        assert operation["summary"], where
        assert operation["description"], where
        assert operation["tags"], where
        assert set(operation["tags"]) <= set(tags), where
        # Writes need the key; reads under /v1 take it optionally (READ_REQUIRES_KEY can
        # make it necessary); health, metrics, docs and the landing page never need one.
        if method != "get":
            assert operation["security"] == [{"apiKey": []}], where
        elif path.startswith("/v1/"):
            assert operation["security"] == [{}, {"apiKey": []}], where
        else:
            assert operation["security"] in ([], [{}, {"apiKey": []}]), where
        keyed = operation["security"] != []
        assert keyed == ({"401", "403"} <= set(operation["responses"])), where
    assert DOCUMENT["paths"]["/healthz"]["get"]["security"] == []


def test_reads_need_the_key_when_the_server_says_so() -> None:
    document = create_app(Settings(read_requires_key=True)).openapi()
    incidents = document["paths"]["/v1/incidents"]["get"]
    assert incidents["security"] == [{"apiKey": []}]
    assert document["paths"]["/healthz"]["get"]["security"] == []


def test_lists_link_to_their_next_page_with_the_same_query() -> None:
    paged = 0
    for path, _, operation in OPERATIONS:
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        cursor = "since" if path == "/v1/changes" else "cursor"
        if cursor not in query:
            continue
        paged += 1
        link = operation["responses"]["200"]["links"]["next"]
        assert link["operationId"] == operation["operationId"], path
        parameters = link["parameters"]
        assert parameters.pop(cursor) == "$response.body#/meta/next_cursor"
        assert parameters == {name: f"$request.query.{name}" for name in query - {cursor}} | {
            name: f"$request.path.{name}" for name in in_path
        }, path
    # incidents, an incident's history, quotes, locations, actors, sources, changes
    assert paged == 7


def test_the_constraints_the_server_enforces_are_in_the_schema() -> None:
    parameters = {
        p["name"]: p["schema"] for p in DOCUMENT["paths"]["/v1/incidents"]["get"]["parameters"]
    }
    assert parameters["limit"]["maximum"] == 1000
    assert parameters["limit"]["x-export-maximum"] == 100_000
    assert parameters["country"]["items"]["pattern"].startswith("^[^,\\x00]*")
    # q: a letter or digit of any script (else 422: no word to search for), and no NUL
    q = re.compile(parameters["q"]["pattern"])
    assert [bool(q.search(text)) for text in ("drone", "درون", "2022", "!?", "\U000d3a75\r")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert not q.search("drone\x00")
    assert parameters["bbox"]["pattern"].startswith("^ *-?(180")
    # Vocabularies match in any (ASCII) case: a pattern says so, `examples` lists the values
    event_type = parameters["event_type"]["items"]
    assert event_type["examples"] == list(EVENT_TYPES)
    accepts = re.compile(event_type["pattern"]).search
    tried = ["EXPLOSIONS/REMOTE VIOLENCE", " battles ,Riots", "Battle", "Battles,", "RIOT\u017f"]
    assert [bool(accepts(value)) for value in tried] == [True, True, False, False, False]
    for path, name, vocabulary in (
        ("/v1/incidents", "sub_event_type", SUB_EVENT_TYPES),
        ("/v1/incidents", "stance", get_args(Stance)),
        ("/v1/incidents", "role", get_args(Involvement)),
        ("/v1/stats/incidents", "event_type", EVENT_TYPES),
        ("/v1/locations", "kind", get_args(LocationKind)),
        ("/v1/actors", "kind", get_args(ActorKind)),
    ):
        [schema] = [
            p["schema"] for p in DOCUMENT["paths"][path]["get"]["parameters"] if p["name"] == name
        ]
        assert schema["items"]["examples"] == list(vocabulary), (path, name)
        accepts = re.compile(schema["items"]["pattern"]).search
        assert all(accepts(value.swapcase()) for value in vocabulary), (path, name)
    patch = DOCUMENT["paths"]["/v1/incidents/{incident_id}"]["patch"]
    assert {"name": "If-Match", "in": "header", "required": True} | {
        k: v for k, v in patch["parameters"][-1].items() if k in ("description", "schema")
    } == patch["parameters"][-1]
    body = patch["requestBody"]["content"]
    assert {media["schema"]["$ref"] for media in body.values()} == {
        "#/components/schemas/IncidentPatch"
    }


def _record_schemas() -> Iterator[tuple[str, list[str]]]:
    for name, schema in DOCUMENT["components"]["schemas"].items():
        properties = list(schema.get("properties", {}))
        if "id" in properties and "notes" in properties and "added" in properties:
            yield name, properties


def _ordered(fields: list[str]) -> bool:
    return fields[0] == "id" and fields[-2:] == ["notes", "added"]


def test_records_put_id_first_and_provenance_last(client: TestClient) -> None:
    records = dict(_record_schemas())
    assert {"IncidentOut", "IncidentDetail", "QuoteOut", "ActorOut", "BundleIncident"} <= set(
        records
    )
    for name, properties in records.items():
        assert _ordered(properties), name
    for path in ("/v1/incidents", "/v1/quotes", "/v1/actors", "/v1/locations", "/v1/sources"):
        assert _ordered(list(client.get(path).json()["data"][0])), path
    detail = client.get("/v1/incidents/2022-01-05-ain-al-asad-rockets").json()
    assert _ordered(list(detail))
    bundle = client.get("/v1/sources/afp-2022-01-05-coalition-under-fire/bundle").json()
    assert _ordered(list(bundle["incidents"][0]))


# Linters


@pytest.mark.slow  # Node.js, a few seconds a document
def test_redocly_recommended_finds_nothing(linted_file: Path, tmp_path: Path) -> None:
    redocly = _tool("redocly", NODE_BIN)
    result = subprocess.run(
        [redocly, "lint", "--extends", "recommended", "--format", "json", str(linted_file)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
        cwd=tmp_path,
        check=False,
    )
    report = json.loads(result.stdout)
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, report["problems"]
    assert result.returncode == 0, result.stderr


@pytest.mark.slow  # Node.js, a few seconds a document
def test_spectral_oas_finds_nothing(linted_file: Path, tmp_path: Path) -> None:
    spectral = _tool("spectral", NODE_BIN)
    ruleset = tmp_path / ".spectral.yaml"
    ruleset.write_text('extends: ["spectral:oas"]\n')
    output = tmp_path / "spectral.json"
    result = subprocess.run(
        [spectral, "lint", str(linted_file), "--ruleset", str(ruleset), "--format", "json"]
        + ["--output", str(output), "--fail-severity", "hint"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    problems = json.loads(output.read_text())
    assert problems == [], problems
    assert result.returncode == 0, result.stdout + result.stderr


# A generated client, against the real server


PACKAGE = "incident_record_api_client"


@pytest.fixture(scope="module")
def generated(spec_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client openapi-python-client generates (in a temporary folder), imported."""
    generator = _tool("openapi-python-client", Path(sys.executable).parent)
    out = tmp_path_factory.mktemp("generated")
    config = out / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: nothing but the generator
    result = subprocess.run(
        [generator, "generate", "--path", str(spec_file), "--meta", "none"]
        + ["--output-path", str(out / PACKAGE), "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=out,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_the_generator_keeps_every_model(generated: ModuleType) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    for name in ("IncidentDetail", "QuoteOut", "QuoteList", "AttributionOut", "SourceExcerpt"):
        assert hasattr(models, name), name  # the five dropped when two schemas were `Span`
    assert hasattr(models, "IncidentPatch")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """A real server on a SQLite file of its own, and a write key made by the CLI."""
    workdir = tmp_path_factory.mktemp("client-server")
    database_url = f"sqlite:///{workdir / 'client.db'}"
    with running_server(workdir, database_url=database_url) as live:
        created = run_cli(database_url, "keys", "create", "--name", "client", "--scope", "write")
        assert created.returncode == 0, created.stderr
        yield live, created.stdout.strip().split()[-1]


def _operations(package: ModuleType) -> dict[str, ModuleType]:
    """Each generated operation module, by its operationId (its module name)."""
    api = importlib.import_module(f"{package.__name__}.api")
    found = {}
    for tag in pkgutil.iter_modules(api.__path__):
        tag_package = importlib.import_module(f"{api.__name__}.{tag.name}")
        for op in pkgutil.iter_modules(tag_package.__path__):
            found[op.name] = importlib.import_module(f"{tag_package.__name__}.{op.name}")
    return found


def _undocumented(value: Any, where: str = "") -> list[str]:
    """Where a parsed model holds properties the document does not describe."""
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in _undocumented(item, f"{where}[{n}]")]
    if not attrs.has(type(value)):
        return []
    found = [f"{where}.{key}" for key in getattr(value, "additional_properties", {})]
    for field in attrs.fields(type(value)):
        if field.name != "additional_properties":
            found += _undocumented(getattr(value, field.name), f"{where}.{field.name}")
    return found


INCIDENT = "2022-01-05-ain-al-asad-rockets"
SOURCE = "afp-2022-01-05-coalition-under-fire"


@pytest.mark.slow  # its server runs in a process of its own
def test_the_generated_client_reads_every_resource(
    generated: ModuleType, server: tuple[LiveServer, str]
) -> None:
    operations = _operations(generated)
    group_by = importlib.import_module(f"{PACKAGE}.models").IncidentStatsGroupByItem
    calls: dict[str, dict[str, Any]] = {
        "landing": {},
        "list_incidents": {"attributed_to": ["Iran-backed groups"]},
        "get_incident": {"incident_id": INCIDENT},
        "get_incident_history": {"incident_id": INCIDENT},
        "list_quotes": {"speaker": ["John Kirby"]},
        "get_quote": {"quote_id": "kirby-working-level-assumption"},
        "list_locations": {},
        "get_location": {"location_id": "ain-al-asad-air-base"},
        "list_actors": {"parent": ["iran-backed-groups"]},
        "get_actor": {"actor_id": "iran-backed-groups"},
        "list_sources": {},
        "get_source": {"source_id": SOURCE},
        "get_source_text": {"source_id": SOURCE},
        "get_source_bundle": {"source_id": SOURCE},
        "list_event_types": {},
        "list_countries": {},
        "incident_stats": {"group_by": [group_by.MONTH, group_by.COUNTRY]},
        "list_changes": {},
        "healthz": {},
        "readyz": {},
        "metrics": {},
    }
    reads = {op["operationId"] for _, method, op in OPERATIONS if method == "get"}
    assert set(calls) == reads, "every read operation is called here"
    client = generated.Client(base_url=server[0].base_url, raise_on_unexpected_status=True)
    parsed: dict[str, Any] = {}
    with client:
        for operation_id, kwargs in calls.items():
            response = operations[operation_id].sync_detailed(client=client, **kwargs)
            assert response.status_code == 200, (operation_id, response.content[:300])
            assert response.parsed is not None, operation_id
            assert not isinstance(response.parsed, generated.models.Problem), operation_id
            assert _undocumented(response.parsed) == [], operation_id
            parsed[operation_id] = response.parsed

    assert parsed["list_incidents"].meta.total == 4  # attributed_to by name
    created = parsed["get_incident_history"].data[-1]
    assert created.action == "create"
    assert created.changes[0].field == "title"
    assert created.changes[0].after == parsed["get_incident"].title
    detail = parsed["get_incident"]
    assert detail.id == INCIDENT
    assert detail.quotes
    assert all(q.span.end > q.span.start for q in detail.quotes)
    assert detail.sources[0].span.start >= 0
    assert {q.speaker_id for q in parsed["list_quotes"].data} == {"john-kirby"}
    text = parsed["get_source_text"]
    quote = parsed["get_quote"]
    assert text[quote.span.start : quote.span.end] == quote.text
    assert parsed["get_source_bundle"].source.id == SOURCE
    assert parsed["incident_stats"].data[0].month
    assert "http_requests_total" in parsed["metrics"]


@pytest.mark.slow  # its server runs in a process of its own
def test_the_generated_client_pages_with_the_cursor(
    generated: ModuleType, server: tuple[LiveServer, str]
) -> None:
    list_incidents = _operations(generated)["list_incidents"]
    seen: list[str] = []
    cursor: Any = generated.types.UNSET
    with generated.Client(base_url=server[0].base_url, raise_on_unexpected_status=True) as client:
        while True:
            page = list_incidents.sync(client=client, limit=3, cursor=cursor)
            seen += [incident.id for incident in page.data]
            if page.meta.next_cursor is None:
                break
            cursor = page.meta.next_cursor
    assert len(seen) == len(set(seen)) == 10


@pytest.mark.slow  # its server runs in a process of its own
def test_the_generated_client_edits_with_the_etag(
    generated: ModuleType, server: tuple[LiveServer, str]
) -> None:
    """A write too: GET the incident, PATCH it with its ETag as If-Match, with the key."""
    live, key = server
    operations = _operations(generated)
    models = generated.models
    with generated.AuthenticatedClient(base_url=live.base_url, token=key) as client:
        before = operations["get_incident"].sync_detailed(client=client, incident_id=INCIDENT)
        etag = before.headers["etag"]
        patched = operations["patch_incident"].sync_detailed(
            client=client,
            incident_id=INCIDENT,
            body=models.IncidentPatch(injuries=None, fatalities=0),
            if_match=etag,
        )
        assert patched.status_code == 200, patched.content
        assert isinstance(patched.parsed, models.IncidentDetail)
        assert patched.parsed.fatalities == 0
        assert patched.parsed.injuries is None
        stale = operations["patch_incident"].sync_detailed(
            client=client,
            incident_id=INCIDENT,
            body=models.IncidentPatch(fatalities=1),
            if_match=etag,
        )
        assert stale.status_code == 412
        assert isinstance(stale.parsed, models.Problem)
