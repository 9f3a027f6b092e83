"""Locations, actors, sources and vocabularies."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from app.db import Author
from app.deps import (
    ActorQueryDep,
    BundleBody,
    ChangeReason,
    EngineDep,
    LocationQueryDep,
    SessionDep,
    SourceQueryDep,
    WriteKey,
    query_parameters,
)
from app.http.etag import http_date
from app.http.lists import documented, list_body, list_or_export
from app.loader import bundle_json
from app.routers.common import (
    ETAG_HEADER,
    LAST_MODIFIED_HEADER,
    PathId,
    first_item,
    link,
    list_responses,
    next_page,
    read_responses,
    write_responses,
)
from app.schemas.bundle import Bundle
from app.schemas.queries import ActorQuery, LocationQuery, SourceQuery
from app.schemas.resources import (
    ActorList,
    ActorOut,
    CountryList,
    EventTypeList,
    ImportResult,
    LocationList,
    LocationOut,
    SourceDetail,
    SourceList,
)
from app.services import catalog, edits, exports
from app.services.pagination import Total

router = APIRouter()


@router.get(
    "/locations",
    response_model=LocationList,
    responses=list_responses(
        {**next_page("list_locations", LocationQuery), **first_item("get_location", "location_id")}
    ),
    openapi_extra=query_parameters(LocationQuery),
    tags=["locations"],
)
@documented(exports.LOCATIONS)
def list_locations(request: Request, session: SessionDep, query: LocationQueryDep) -> Any:
    """List places, with how many incidents each holds."""
    return list_or_export(request, session, exports.LOCATIONS, query)


@router.get(
    "/locations/{location_id}",
    response_model=LocationOut,
    responses=read_responses(400, 404),
    tags=["locations"],
)
def get_location(session: SessionDep, location_id: PathId) -> dict[str, Any]:
    """One place.

    With its aliases, coordinates (where known, with their precision) and how many
    incidents took place there. An unknown id is a 404.
    """
    return catalog.get_location(session, location_id)


@router.get(
    "/actors",
    response_model=ActorList,
    responses=list_responses(
        {**next_page("list_actors", ActorQuery), **first_item("get_actor", "actor_id")}
    ),
    openapi_extra=query_parameters(ActorQuery),
    tags=["actors"],
)
@documented(exports.ACTORS)
def list_actors(request: Request, session: SessionDep, query: ActorQueryDep) -> Any:
    """List actors: states, forces, groups, umbrella groups, people, bodies."""
    return list_or_export(request, session, exports.ACTORS, query)


@router.get(
    "/actors/{actor_id}",
    response_model=ActorOut,
    responses=read_responses(400, 404),
    tags=["actors"],
)
def get_actor(session: SessionDep, actor_id: PathId) -> dict[str, Any]:
    """One actor, with its parent and the groups under it.

    `incident_count` counts the incidents it has a role in or is attributed. An unknown
    id is a 404.
    """
    return catalog.get_actor(session, actor_id)


@router.get(
    "/sources",
    response_model=SourceList,
    responses=read_responses(
        400,
        422,
        links={**next_page("list_sources", SourceQuery), **first_item("get_source", "source_id")},
    ),
    openapi_extra=query_parameters(SourceQuery),
    tags=["sources"],
)
def list_sources(request: Request, session: SessionDep, query: SourceQueryDep) -> dict[str, Any]:
    """List the news reports the record is built from.

    Each with the incidents it reports; `GET /v1/sources/{id}` adds the full text. Ordered
    by id, paginated with `limit` and `cursor`.
    """
    data, total, cursor = catalog.list_sources(session, query)
    return list_body(request, data, total, query.limit, cursor)


@router.get(
    "/sources/{source_id}",
    response_model=SourceDetail,
    responses=read_responses(400, 404),
    tags=["sources"],
)
def get_source(session: SessionDep, source_id: PathId) -> dict[str, Any]:
    """One source, with its full text.

    Every quote and excerpt span points into `text`. An unknown id is a 404.
    """
    source = catalog.get_source(session, source_id)
    return catalog.sources_out(session, [source], with_text=True)[0]


@router.get(
    "/sources/{source_id}/text",
    response_class=PlainTextResponse,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "headers": {**ETAG_HEADER, **LAST_MODIFIED_HEADER},
        },
        **read_responses(400, 404),
    },
    tags=["sources"],
)
def get_source_text(session: SessionDep, source_id: PathId) -> PlainTextResponse:
    """The source's text exactly as stored: every span points into it.

    As `text/plain; charset=utf-8`, for tools that highlight spans or diff versions, with
    its `Last-Modified`. An unknown id is a 404.
    """
    source = catalog.get_source(session, source_id)
    return PlainTextResponse(source.text, headers={"Last-Modified": http_date(source.updated_at)})


@router.get(
    "/sources/{source_id}/bundle",
    response_model=Bundle,
    responses=read_responses(400, 404, 409),
    tags=["sources"],
)
def get_source_bundle(session: SessionDep, source_id: PathId) -> Response:
    """The source's bundle in the import format: edit it and POST it back with replace=true.

    Exactly what `POST /v1/sources` takes, edits included, so posting it back unchanged
    answers `unchanged`. Its `ETag` is what `If-Match` repeats to replace the source only
    if nobody changed it meanwhile. An unknown id is a 404.
    """
    return Response(bundle_json(session, source_id), media_type="application/json")


SOURCE_LINKS = {
    "source": link("get_source", "The source imported.", source_id="$response.body#/source_id"),
    "bundle": link(
        "get_source_bundle", "Its bundle, as stored.", source_id="$response.body#/source_id"
    ),
}


@router.post(
    "/sources",
    response_model=ImportResult,
    status_code=201,
    responses={
        200: {
            "model": ImportResult,
            "description": "Unchanged, or replaced (`replace=true`)",
            "links": SOURCE_LINKS,
        },
        201: {
            "description": "Created",
            "headers": {
                "Location": {"description": "The new source.", "schema": {"type": "string"}}
            },
            "links": SOURCE_LINKS,
        },
        **write_responses(400, 409, 412, 413, 415, 422),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bundle"}}},
        }
    },
    tags=["sources"],
)
def import_source(
    request: Request,
    engine: EngineDep,
    key: WriteKey,
    data: BundleBody,
    reason: ChangeReason,
    replace: Annotated[
        bool, Query(description="Replace the records of an existing source with this bundle.")
    ] = False,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The `ETag` of `GET /v1/sources/{id}/bundle` the change was made "
            "from: the import is made only if the stored bundle is still that one (412 if "
            "not). Optional.",
        ),
    ] = None,
) -> JSONResponse:
    """Import one article bundle (the format of `seed/*.json`, with inline `text`), atomically.

    The bundle is validated whole first: every error is listed in one 422 and nothing is
    written. The same bundle again changes nothing (200); a different bundle under an
    existing source id is a 409 unless `replace=true`. With `If-Match`, a 412 when the
    source's bundle changed since that ETag. Needs a key with scope `write`.
    The `reason` (or `X-Change-Reason`), why a source is replaced say, is kept with every
    change the import makes: the change feed, each incident's history.
    """
    author = Author("api", key.name, reason)
    outcome = edits.import_source(engine, data, replace=replace, author=author, if_match=if_match)
    source_id = data["source"]["id"]
    body = ImportResult(source_id=source_id, outcome=outcome).model_dump()
    if outcome != "created":
        return JSONResponse(body)
    location = str(request.url_for("get_source", source_id=source_id))
    return JSONResponse(body, status_code=201, headers={"Location": location})


@router.get(
    "/event-types",
    response_model=EventTypeList,
    responses=read_responses(400, database=False),
    tags=["vocabularies"],
)
def list_event_types(request: Request) -> dict[str, Any]:
    """The event types and sub-types (ACLED's taxonomy).

    The values `event_type` and `sub_event_type` take, in filters and in records, with
    what each means. One page holds them all.
    """
    data = catalog.event_types()
    return list_body(request, data, Total(len(data)), len(data), None)


@router.get(
    "/countries",
    response_model=CountryList,
    responses=read_responses(400),
    tags=["vocabularies"],
)
def list_countries(request: Request, session: SessionDep) -> dict[str, Any]:
    """The countries that have incidents, with counts.

    ISO 3166-1 alpha-2 and alpha-3 codes with the short English name; any of the three
    works as a `country` filter. One page holds them all.
    """
    data = catalog.countries(session)
    return list_body(request, data, Total(len(data)), max(len(data), 1), None)
