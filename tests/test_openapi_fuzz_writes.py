"""Schema-driven fuzzing of the write operations, with a valid write key.

Generated bundles, merge patches and ids (valid and invalid) must never give a 5xx,
and every answer must be one the schema documents. Each operation gets a database of
its own, seeded, so the writes it provokes stay there.
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
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
]


@pytest.fixture
def key(engine: Engine) -> Iterator[dict[str, str]]:
    seed(engine)
    APP.dependency_overrides[get_engine] = lambda: engine
    yield new_key(engine, "write", "fuzzer")
    APP.dependency_overrides.clear()


@schema.include(method=["POST", "PATCH", "DELETE"]).parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_write_operations_conform_to_their_schema(
    case: schemathesis.Case, key: dict[str, str]
) -> None:
    case.call_and_validate(headers=key, checks=CHECKS)
