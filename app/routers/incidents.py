from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from app.db import Author
from app.deps import EngineDep, MergePatchBody, SessionDep, WriteKey
from app.http.etag import etag_for
from app.routers.common import ETAG_HEADER, list_responses, read_responses, write_responses
from app.schemas.queries import IncidentQuery
from app.schemas.resources import IncidentDetail, IncidentList
from app.services import edits, exports, incidents

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
    return exports.list_or_export(
        request, response, session, engine, exports.INCIDENTS, query, incidents.list_incidents
    )


@router.get(
    "/incidents/{incident_id}", response_model=IncidentDetail, responses=read_responses(400, 404)
)
def get_incident(session: SessionDep, incident_id: str) -> Response:
    """One incident with its actors, attributions, quotes, sources and related incidents."""
    return Response(incidents.incident_json(session, incident_id), media_type="application/json")


IfMatch = Annotated[
    str | None,
    Header(description="The `ETag` of `GET /v1/incidents/{id}`: the version being edited."),
]

MERGE_PATCH_BODY = {
    "required": True,
    "description": "Fields to change (RFC 7386): a value replaces, null clears, lists are "
    "replaced whole. Patchable: " + ", ".join(sorted(edits.PATCHABLE)) + " (or `location`).",
    "content": {
        media: {"schema": {"type": "object"}, "example": {"fatalities": 2, "summary": None}}
        for media in ("application/merge-patch+json", "application/json")
    },
}


@router.patch(
    "/incidents/{incident_id}",
    response_model=IncidentDetail,
    responses={
        200: {"headers": ETAG_HEADER},
        **write_responses(400, 404, 409, 412, 413, 415, 422, 428),
    },
    openapi_extra={"requestBody": MERGE_PATCH_BODY},
)
def patch_incident(
    engine: EngineDep,
    key: WriteKey,
    incident_id: str,
    patch: MergePatchBody,
    if_match: IfMatch = None,
) -> Response:
    """Correct an incident with a JSON Merge Patch, if `If-Match` holds its current ETag.

    The patched incident must pass every check a bundle import applies (422 lists what
    fails). Without `If-Match`: 428; with a stale one: 412 (of concurrent edits from one
    ETag exactly one wins). Answers the new representation and its `ETag`.
    """
    author = Author("api", key.name)
    body = edits.patch_incident(engine, incident_id, patch, if_match, author)
    return Response(body, media_type="application/json", headers={"ETag": etag_for(body)})


@router.delete(
    "/incidents/{incident_id}",
    status_code=204,
    responses={
        204: {"description": "Deleted; the id now reads as 404 and is never reused"},
        **write_responses(400, 404, 409, 412, 428),
    },
)
def delete_incident(
    engine: EngineDep, key: WriteKey, incident_id: str, if_match: IfMatch = None
) -> Response:
    """Delete an incident, if `If-Match` holds its current ETag; leaves a tombstone.

    Its excerpts, weapons, actors, attributions and relations go with it, and quotes no
    longer list it. A bundle that still holds the id is refused (422) on import. An
    incident that another source's records refer to is a 409.
    """
    edits.delete_incident(engine, incident_id, if_match, Author("api", key.name))
    return Response(status_code=204)
