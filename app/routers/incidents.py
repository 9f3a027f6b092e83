from typing import Any

from fastapi import APIRouter, Request, Response

from app.db import Author
from app.deps import (
    ChangeReason,
    EngineDep,
    IncidentQueryDep,
    MergePatchBody,
    PageDep,
    SessionDep,
    WriteKey,
    query_parameters,
)
from app.http.etag import etag_for
from app.http.lists import documented, list_body, list_or_export
from app.routers.common import (
    ETAG_HEADER,
    PathId,
    first_item,
    link,
    list_responses,
    next_page,
    read_responses,
    write_responses,
)
from app.schemas.bundle import PATCHABLE
from app.schemas.queries import IncidentQuery, Page
from app.schemas.resources import (
    HISTORY_EXAMPLE,
    IncidentDetail,
    IncidentHistory,
    IncidentList,
)
from app.services import edits, exports, history, incidents
from app.services.pagination import Total

router = APIRouter(tags=["incidents"])


@router.get(
    "/incidents",
    response_model=IncidentList,
    responses=list_responses(
        {**next_page("list_incidents", IncidentQuery), **first_item("get_incident", "incident_id")}
    ),
    openapi_extra=query_parameters(IncidentQuery),
)
@documented(exports.INCIDENTS)
def list_incidents(request: Request, session: SessionDep, query: IncidentQueryDep) -> Any:
    """List incidents matching every filter given, newest first by default.

    Date filters select incidents whose date range overlaps `date_from`..`date_to`.
    """
    return list_or_export(request, session, exports.INCIDENTS, query)


EDIT_LINKS = {
    verb: link(
        f"{verb}_incident",
        f"{verb.capitalize()} this version of the incident.",
        incident_id="$request.path.incident_id",
        **{"If-Match": "$response.header.ETag"},
    )
    for verb in ("patch", "delete")
}


@router.get(
    "/incidents/{incident_id}",
    response_model=IncidentDetail,
    responses=read_responses(
        400,
        404,
        links={
            **EDIT_LINKS,
            "location": link(
                "get_location", "Its place.", location_id="$response.body#/location/id"
            ),
        },
    ),
)
def get_incident(session: SessionDep, incident_id: PathId) -> Response:
    """One incident with its actors, attributions, quotes, sources and related incidents.

    The fields of the list, plus each actor's role, each attribution in full (who made it,
    the stance, the evidence quote, the excerpt and its span), the quotes about it, the
    source excerpts that report it with their spans, and related incidents. Its `ETag` is
    what `If-Match` must repeat to edit it. An unknown or deleted id is a 404.
    """
    return Response(incidents.incident_json(session, incident_id), media_type="application/json")


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "The `ETag` of `GET /v1/incidents/{id}`: the version being edited "
    "(without it: 428; another version: 412).",
    "schema": {"type": "string"},
}

MERGE_PATCH_BODY = {
    "required": True,
    "description": "Fields to change (RFC 7386): a value replaces, null clears, lists are "
    "replaced whole. Patchable: " + ", ".join(PATCHABLE) + " (or `location`). Sent as "
    "`application/merge-patch+json`; `application/json` is taken too.",
    "content": {
        # One media type: generators make one body parameter per type (and stumble on two
        # of the same schema); the server reads both alike.
        "application/merge-patch+json": {
            "schema": {"$ref": "#/components/schemas/IncidentPatch"},
            "example": {"fatalities": 2, "summary": None},
        }
    },
}


@router.patch(
    "/incidents/{incident_id}",
    response_model=IncidentDetail,
    responses={
        200: {"headers": ETAG_HEADER, "links": EDIT_LINKS},
        **write_responses(400, 404, 409, 412, 413, 415, 422, 428),
    },
    openapi_extra={"requestBody": MERGE_PATCH_BODY, "parameters": [IF_MATCH]},
)
def patch_incident(
    request: Request,
    engine: EngineDep,
    key: WriteKey,
    incident_id: PathId,
    patch: MergePatchBody,
    reason: ChangeReason,
) -> Response:
    """Correct an incident with a JSON Merge Patch, if `If-Match` holds its current ETag.

    The patched incident must pass every check a bundle import applies (422 lists what
    fails). Without `If-Match`: 428; with a stale one: 412 (of concurrent edits from one
    ETag exactly one wins). Answers the new representation and its `ETag`. Why: the
    `reason` parameter or `X-Change-Reason` (not a member of the patch, where it would
    read as a field to change), kept in its history and the change feed.
    """
    author = Author("api", key.name, reason)
    if_match = request.headers.get("if-match")
    body = edits.patch_incident(engine, incident_id, patch, if_match, author)
    return Response(body, media_type="application/json", headers={"ETag": etag_for(body)})


@router.delete(
    "/incidents/{incident_id}",
    status_code=204,
    responses={
        204: {"description": "Deleted; the id now reads as 404 and is never reused"},
        **write_responses(400, 404, 409, 412, 422, 428),
    },
    openapi_extra={"parameters": [IF_MATCH]},
)
def delete_incident(
    request: Request, engine: EngineDep, key: WriteKey, incident_id: PathId, reason: ChangeReason
) -> Response:
    """Delete an incident, if `If-Match` holds its current ETag; leaves a tombstone.

    Its excerpts, weapons, actors, attributions and relations go with it, and quotes no
    longer list it. A bundle that still holds the id is refused (422) on import. An
    incident that another source's records refer to is a 409. Its history stays
    readable, its newest version the deletion, with the `reason` (or `X-Change-Reason`)
    given.
    """
    if_match = request.headers.get("if-match")
    edits.delete_incident(engine, incident_id, if_match, Author("api", key.name, reason))
    return Response(status_code=204)


HISTORY_NEXT = next_page("get_incident_history", Page)
HISTORY_NEXT["next"]["parameters"]["incident_id"] = "$request.path.incident_id"
HISTORY_RESPONSES = read_responses(400, 404, 422, links=HISTORY_NEXT)
HISTORY_RESPONSES[200]["content"] = {"application/json": {"example": HISTORY_EXAMPLE}}


@router.get(
    "/incidents/{incident_id}/history",
    response_model=IncidentHistory,
    responses=HISTORY_RESPONSES,
    openapi_extra=query_parameters(Page),
)
def get_incident_history(
    request: Request, session: SessionDep, incident_id: PathId, page: PageDep
) -> dict[str, Any]:
    """Every version of an incident, newest first: when, by whom, why, and what changed.

    Each version is a write of the incident (created, updated, deleted: by an import, a
    PATCH, a DELETE, or `synth`), with the key that made it (null on the command line),
    the reason given, and each field that changed with its value before and after, the
    fields as the incident's bundle holds them. A deleted incident's history stays
    readable, its newest version the deletion; an id that never was an incident is a 404.
    """
    data, total, cursor = history.incident_history(session, incident_id, page.limit, page.cursor)
    return list_body(request, data, Total(total), page.limit, cursor)
