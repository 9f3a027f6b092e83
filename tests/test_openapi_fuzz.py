"""Schema-driven fuzzing of every operation: no 5xx, and nothing undocumented.

Schemathesis generates requests from /openapi.json (valid and invalid parameters and
bodies alike) and checks each response: not a server error; a status, media type,
headers and body that the schema documents for that operation. Reads run on the shared
seed; writes carry a valid write key and get a seeded database of their own per
operation, so what they change stays there.
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode, checks
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy import Engine

from app.db import get_engine
from app.main import create_app
from tests.writing import new_key, seed

APP = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Invalid inputs too: malformed dates, out-of-range limits, unknown enum values.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])

WRITE_CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
]
READ_CHECKS = [
    *WRITE_CHECKS,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def on_the_seed(seeded_engine: Engine) -> Iterator[None]:
    APP.dependency_overrides[get_engine] = lambda: seeded_engine
    yield
    APP.dependency_overrides.clear()


@pytest.fixture
def write_key(engine: Engine) -> Iterator[dict[str, str]]:
    seed(engine)
    APP.dependency_overrides[get_engine] = lambda: engine
    yield new_key(engine, "write", "fuzzer")
    APP.dependency_overrides.clear()


@schema.include(method="GET").parametrize()
@FUZZ
def test_read_operations_conform_to_their_schema(
    case: schemathesis.Case, on_the_seed: None
) -> None:
    case.call_and_validate(checks=READ_CHECKS)


@schema.include(method=["POST", "PATCH", "DELETE"]).parametrize()
@FUZZ
def test_write_operations_conform_to_their_schema(
    case: schemathesis.Case, write_key: dict[str, str]
) -> None:
    case.call_and_validate(headers=write_key, checks=WRITE_CHECKS)
