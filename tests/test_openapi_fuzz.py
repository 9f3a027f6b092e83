"""Schema-driven fuzzing of every operation with all of schemathesis' checks, stateful too.

Schemathesis generates requests from /openapi.json (valid and invalid parameters and
bodies alike, the examples, and the boundary cases of its coverage phase) and checks each
response: not a server error; a status, media type, headers and body that the schema
documents; a schema-valid request accepted and an invalid one refused; a 401 without the
key. Its stateful phase follows the document's OpenAPI links (a list to its next page and
its first item, an incident to its PATCH and DELETE with the ETag as `If-Match`, an
import to its source), checking that what was created can be read and what was deleted
is gone.

Reads run on the shared seed; writes carry a valid write key and get a seeded database
of their own per operation (per scenario, statefully), so what they change stays there.

A few schema-valid requests are refused by design, for reasons JSON Schema cannot state;
`BY_DESIGN` lists them, each with its reason, and the checks forgive exactly those.
"""

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import ValidationError
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy import Engine

from app.config import get_settings
from app.db import make_engine
from app.deps import engine_dep
from app.main import create_app
from app.schemas.bundle import Bundle, IncidentPatch
from app.schemas.queries import EXPORT_MAX_LIMIT, JSON_MAX_LIMIT
from tests.conftest import create_pg_database, drop_pg_database, returning
from tests.helpers_writes import new_key, seed

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]

APP = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Invalid inputs too: malformed dates, out-of-range limits, unknown enum values.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
# Wrapped below, to forgive exactly the refusals of BY_DESIGN.
schema.config.checks.update(
    excluded_check_names=["positive_data_acceptance", "negative_data_rejection"]
)
# Longer than the app's own limit on a statement (STATEMENT_TIMEOUT_MS, 10 s by default,
# which is also schemathesis' default patience): a statement that runs too long is the
# app's 503 to check, and a machine that stalls for a few seconds under a parallel run
# fails nothing.
schema.config.update(request_timeout=3 * get_settings().statement_timeout_ms / 1000)

NAME_FILTERS = {
    "country",
    "attributed_to",
    "actor",
    "location",
    "source",
    "dataset",
    "speaker",
    "parent",
}


BODIES = {"POST /v1/sources": Bundle, "PATCH /v1/incidents/{incident_id}": IncidentPatch}
_fits: dict[str, bool] = {}


def _body_fits_its_model(case: Any) -> bool:
    """The body is valid for the pydantic model its schema comes from (once per case)."""
    if case.id not in _fits:
        try:
            BODIES[case.operation.label].model_validate(case.body, strict=True)
            _fits[case.id] = True
        except ValidationError:
            _fits[case.id] = False
    return _fits[case.id]


# (reason, status, test of the case and one problem item: its param or field, its message).
# A schema-valid request is refused by design when each item of its problem passes a test
# (a request with several such values gets one problem listing them all).
BY_DESIGN: list[tuple[str, int, Callable[[Any, str, str], bool]]] = [
    (
        "A well-formed name, id or country that names nothing in the record (or several "
        "records): a 400 with the closest candidates, as for an unknown country.",
        400,
        lambda case, param, message: (
            param in NAME_FILTERS and message.startswith(("unknown ", "ambiguous "))
        ),
    ),
    (
        "A cursor is opaque: only one the server issued (`meta.next_cursor`, for the same "
        "sort) is valid, and a generated string is not one.",
        400,
        lambda case, param, message: param == "cursor",
    ),
    (
        "`date_from` after `date_to`: a constraint between two parameters.",
        422,
        lambda case, param, message: "after date_to" in message,
    ),
    (
        "`sort=relevance` without `q`: a constraint between two parameters.",
        422,
        lambda case, param, message: param == "sort" and "give q" in message,
    ),
    (
        "A bbox whose minimum exceeds its maximum: a constraint between its values.",
        422,
        lambda case, param, message: param == "bbox" and "min_lon<=max_lon" in message,
    ),
    (
        "group_by with two time buckets: a constraint between its values.",
        422,
        lambda case, param, message: param == "group_by" and "time bucket" in message,
    ),
    (
        "Stats over 10,000 rows: the size of an answer depends on the data.",
        422,
        lambda case, param, message: "10,000 rows" in message,
    ),
    (
        "A bundle that fits the schema but not the loader's checks: quotes and excerpts "
        "verbatim at their spans, or found in the text where only their words are given, "
        "references that resolve, countries that parse, dates in order, parents without "
        "cycles.",
        422,
        lambda case, param, message: (
            case.operation.label == "POST /v1/sources" and _body_fits_its_model(case)
        ),
    ),
    (
        "A dataset upload whose file fits the schema (any bytes) but is not a UCDP GED or "
        "ACLED file, or has rows that do not read: what the file holds, not the form.",
        422,
        lambda case, param, message: (
            case.operation.label == "POST /v1/datasets/imports"
            and param not in {"file", "format", "release", "dataset", "skip_bad_rows"}
        ),
    ),
    (
        "A patch that fits the schema but leaves the incident failing the loader's checks.",
        422,
        lambda case, param, message: (
            case.operation.label == "PATCH /v1/incidents/{incident_id}"
            and _body_fits_its_model(case)
        ),
    ),
    (
        "A request over the server's bounds on its size (app.http.limits): the request target"
        " (MAX_URI_LENGTH, 414), its header fields (MAX_HEADER_BYTES, 431), the values of one"
        " parameter or the words of `q` (MAX_PARAMETER_VALUES, MAX_Q_TERMS, 422). JSON Schema"
        " states each value's shape, not the size of the whole request.",
        414,
        lambda case, param, message: "the request target is" in message,
    ),
    ("(the same)", 431, lambda case, param, message: "header" in message),
    ("(the same)", 422, lambda case, param, message: "are accepted" in message),
    (
        "`X-Change-Reason` is percent-encoded UTF-8 (a header is ASCII): printable ASCII whose"
        " escapes decode to bytes that are not UTF-8, to a control character, or to more"
        " than 1000 characters; or given with `reason` too (one reason per change).",
        422,
        lambda case, param, message: (
            param == "X-Change-Reason" or (param == "reason" and "reason once" in message)
        ),
    ),
    (
        "`If-Match` with another ETag than the current one of the incident (PATCH, DELETE) "
        "or of the source's bundle (POST /v1/sources): the state, not the shape, of the request.",
        412,
        lambda case, param, message: (
            case.operation.method.upper() in ("PATCH", "DELETE")
            or case.operation.label == "POST /v1/sources"
        ),
    ),
]


def _by_design(case: Any, response: Any) -> bool:
    """Each item of the problem is refused for a reason of BY_DESIGN, of this status."""
    try:
        problem = response.json()
        items = problem.get("errors") or [{"message": problem.get("detail", "")}]
    except (ValueError, AttributeError):
        return False
    statuses: set[int] = set()
    for item in items:
        where, message = item.get("param") or item.get("field") or "", item["message"]
        matched = {status for _, status, test in BY_DESIGN if test(case, where, message)}
        if not matched:
            return False
        statuses |= matched
    return response.status_code in statuses


def _export_beyond_json_limit(case: Any) -> bool:
    """`limit` above the JSON bound with an export format: exports allow up to 100000.

    The schema states the JSON bound, which every JSON client needs: JSON Schema cannot
    make one parameter's maximum depend on another's value.
    """
    query = case.query or {}
    try:
        limit = int(query.get("limit"))
    except (TypeError, ValueError):
        return False
    exported = query.get("format") in ("csv", "geojson", "ndjson", "ucdp-ged", "acled")
    return exported and JSON_MAX_LIMIT < limit <= EXPORT_MAX_LIMIT


@schemathesis.check
def positive_data_accepted_unless_by_design(ctx: Any, response: Any, case: Any) -> bool | None:
    if _by_design(case, response):
        return None
    return openapi_checks.positive_data_acceptance(ctx, response, case)


@schemathesis.check
def negative_data_rejected_unless_export_limit(ctx: Any, response: Any, case: Any) -> bool | None:
    if _export_beyond_json_limit(case):
        return None
    if response.status_code in (414, 431):  # refused for its size before it is read
        return None
    if response.status_code == 412 and (
        case.operation.method.upper() in ("PATCH", "DELETE")
        or case.operation.label == "POST /v1/sources"
    ):
        # A stale If-Match is answered before the body is read (RFC 9110, 13.2.1: the
        # preconditions are evaluated before the request content is processed).
        return None
    return openapi_checks.negative_data_rejection(ctx, response, case)


FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def on_the_seed(seeded_engine: Engine) -> Iterator[None]:
    APP.dependency_overrides[engine_dep] = returning(seeded_engine)
    yield
    APP.dependency_overrides.clear()


@pytest.fixture
def write_key(engine: Engine) -> Iterator[dict[str, str]]:
    seed(engine)
    APP.dependency_overrides[engine_dep] = returning(engine)
    yield new_key(engine, "write", "fuzzer")
    APP.dependency_overrides.clear()


@schema.include(method="GET").parametrize()
@FUZZ
def test_read_operations_conform_to_their_schema(
    case: schemathesis.Case, on_the_seed: None
) -> None:
    case.call_and_validate()


@schema.include(method=["POST", "PATCH", "DELETE"]).parametrize()
@FUZZ
def test_write_operations_conform_to_their_schema(
    case: schemathesis.Case, write_key: dict[str, str]
) -> None:
    case.call_and_validate(headers=write_key)


@contextmanager
def _copy_of(engine: Engine, n: int) -> Iterator[Engine]:
    """A database holding what `engine`'s holds, for one scenario, dropped afterwards."""
    engine.dispose()  # no connection left: SQLite's file is whole, PostgreSQL can copy
    url = engine.url
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        path = Path(url.database).with_suffix(f".scenario-{n}.db")
        shutil.copyfile(url.database, path)
        copy = url.set(database=str(path)).render_as_string(hide_password=False)
    else:
        copy = create_pg_database(f"{url.database}_{n}", template=url.database)
    scenario_engine = make_engine(copy)
    try:
        yield scenario_engine
    finally:
        scenario_engine.dispose()
        if url.get_backend_name() == "sqlite":
            path.unlink()
        else:
            drop_pg_database(copy)


def test_stateful_scenarios_follow_the_links(engine: Engine, write_key: dict[str, str]) -> None:
    """Sequences of calls along the OpenAPI links, all checks on.

    Each scenario starts from a copy of the seeded database (with the key): scenarios that
    write would otherwise change what the next one, or a replay while shrinking, sees.
    """
    numbers = itertools.count()

    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.database = ExitStack()
            copy = self.database.enter_context(_copy_of(engine, next(numbers)))
            APP.dependency_overrides[engine_dep] = returning(copy)

        def teardown(self) -> None:
            APP.dependency_overrides[engine_dep] = returning(engine)
            self.database.close()

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": write_key}

    # The document's links are transitions of the scenarios (next pages, edits by ETag).
    steps = {name for name in dir(Scenarios) if "___200_" in name}
    for resource in ("incidents", "quotes", "locations", "actors", "sources", "changes"):
        assert f"GET_v1_{resource}___200_next__GET_v1_{resource}" in steps
    for verb in ("patch", "delete"):
        target = f"{verb.upper()}_v1_incidents_incident_id_"
        assert f"GET_v1_incidents_incident_id___200_{verb}__{target}" in steps

    Scenarios.run(
        settings=settings(
            max_examples=int(os.environ.get("FUZZ_SCENARIOS", "20")),
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
