from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.deps import EngineDep, SessionDep
from app.routers.common import list_responses, read_responses
from app.schemas.queries import IncidentQuery
from app.schemas.resources import IncidentDetail, IncidentList
from app.services import exports, incidents
from app.services.pagination import list_body

router = APIRouter(tags=["incidents"])


@router.get("/incidents", response_model=IncidentList, responses=list_responses())
@exports.documented(exports.INCIDENTS)
def list_incidents(
    request: Request,
    response: Response,
    session: SessionDep,
    engine: EngineDep,
    query: Annotated[IncidentQuery, Query()],
) -> Any:
    """List incidents matching every filter given, newest first by default.

    Date filters select incidents whose date range overlaps `date_from`..`date_to`.
    """
    fmt = exports.negotiate(request, query)
    if fmt != "json":
        return exports.export(request, session, engine, exports.INCIDENTS, query, fmt)
    response.headers["Vary"] = "Accept"
    data, total, cursor = incidents.list_incidents(session, query)
    return list_body(request, data, total, query.limit, cursor)


@router.get(
    "/incidents/{incident_id}", response_model=IncidentDetail, responses=read_responses(400, 404)
)
def get_incident(session: SessionDep, incident_id: str) -> dict[str, Any]:
    """One incident with its actors, attributions, quotes, sources and related incidents."""
    return incidents.get_incident(session, incident_id)
