"""Liveness and readiness, for orchestrators and load balancers."""

from typing import Any

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError

from app.deps import EngineDep, ReadPoolDep
from app.errors import NotReady, Problem, problem_response
from app.migrate import current_revision, head_revision
from app.routers.common import read_responses
from app.schemas.resources import Health, Readiness

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz", response_model=Health, responses=read_responses(400, keyed=False, database=False)
)
def healthz() -> dict[str, str]:
    """The process is up.

    Answers without touching the database: for liveness probes. Never needs a key.
    """
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={
        **read_responses(400, keyed=False),
        503: {"model": Problem, "description": "Database unreachable or schema not at head"},
    },
)
def readyz(engine: EngineDep, pool: ReadPoolDep) -> Any:
    """The database answers and its schema is at the latest migration.

    For readiness probes and load balancers: a 503 problem says which of the two fails.
    Each read replica's lag is measured now; one too far behind, or not answering, leaves
    the read pool until it catches up, and the server stays ready. Never needs a key.
    """
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    except SQLAlchemyError:
        return problem_response(NotReady("the database is unreachable"))
    if revision != head_revision():
        detail = f"schema at {revision or 'nothing'}, latest migration is {head_revision()}"
        return problem_response(NotReady(detail))
    replicas = [
        {
            "url": replica.name,
            "in_pool": replica.in_pool,
            "lag_bytes": replica.lag.bytes,
            "lag_seconds": replica.lag.seconds,
            "record_version": replica.lag.record_version,
            "error": replica.lag.error,
        }
        for replica in pool.check()
    ]
    return {
        "status": "ready",
        "database": "reachable",
        "schema_revision": revision,
        "replicas": replicas,
    }
