"""Schema-driven fuzzing of every read operation: no 5xx, and nothing undocumented.

Schemathesis generates requests from /openapi.json (valid and invalid parameters alike)
and checks each response: not a server error; a status, media type, headers and body
that the schema documents for that operation.
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

APP = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Invalid inputs too: malformed dates, out-of-range limits, unknown enum values.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]


@pytest.fixture(autouse=True)
def _on_the_seed(seeded_engine: Engine) -> Iterator[None]:
    APP.dependency_overrides[get_engine] = lambda: seeded_engine
    yield
    APP.dependency_overrides.clear()


@schema.include(method="GET").parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_read_operations_conform_to_their_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
