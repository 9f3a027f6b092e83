"""Locations, actors, sources and vocabularies."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from app.deps import EngineDep, SessionDep
from app.routers.common import ETAG_HEADER, list_responses, read_responses
from app.schemas.queries import ActorQuery, LocationQuery, SourceQuery
from app.schemas.resources import (
    ActorList,
    ActorOut,
    CountryList,
    EventTypeList,
    LocationList,
    LocationOut,
    SourceDetail,
    SourceList,
)
from app.services import catalog, exports
from app.services.pagination import list_body

router = APIRouter()


@router.get(
    "/locations",
    response_model=LocationList,
    responses=list_responses(),
    tags=["locations"],
)
@exports.documented(exports.LOCATIONS)
def list_locations(
    request: Request,
    response: Response,
    session: SessionDep,
    engine: EngineDep,
    query: Annotated[LocationQuery, Query()],
) -> Any:
    """List places, with how many incidents each holds."""
    fmt = exports.negotiate(request, query)
    if fmt != "json":
        return exports.export(request, session, engine, exports.LOCATIONS, query, fmt)
    response.headers["Vary"] = "Accept"
    data, total, cursor = catalog.list_locations(session, query)
    return list_body(request, data, total, query.limit, cursor)


@router.get(
    "/locations/{location_id}",
    response_model=LocationOut,
    responses=read_responses(400, 404),
    tags=["locations"],
)
def get_location(session: SessionDep, location_id: str) -> dict[str, Any]:
    """One place."""
    return catalog.get_location(session, location_id)


@router.get("/actors", response_model=ActorList, responses=list_responses(), tags=["actors"])
@exports.documented(exports.ACTORS)
def list_actors(
    request: Request,
    response: Response,
    session: SessionDep,
    engine: EngineDep,
    query: Annotated[ActorQuery, Query()],
) -> Any:
    """List actors: states, forces, groups, umbrella groups, people, bodies."""
    fmt = exports.negotiate(request, query)
    if fmt != "json":
        return exports.export(request, session, engine, exports.ACTORS, query, fmt)
    response.headers["Vary"] = "Accept"
    data, total, cursor = catalog.list_actors(session, query)
    return list_body(request, data, total, query.limit, cursor)


@router.get(
    "/actors/{actor_id}",
    response_model=ActorOut,
    responses=read_responses(400, 404),
    tags=["actors"],
)
def get_actor(session: SessionDep, actor_id: str) -> dict[str, Any]:
    """One actor, with its parent and the groups under it."""
    return catalog.get_actor(session, actor_id)


@router.get(
    "/sources", response_model=SourceList, responses=read_responses(400, 422), tags=["sources"]
)
def list_sources(
    request: Request, session: SessionDep, query: Annotated[SourceQuery, Query()]
) -> dict[str, Any]:
    """List the news reports the record is built from."""
    data, total, cursor = catalog.list_sources(session, query)
    return list_body(request, data, total, query.limit, cursor)


@router.get(
    "/sources/{source_id}",
    response_model=SourceDetail,
    responses=read_responses(400, 404),
    tags=["sources"],
)
def get_source(session: SessionDep, source_id: str) -> dict[str, Any]:
    """One source, with its full text."""
    source = catalog.get_source(session, source_id)
    return catalog.sources_out(session, [source], with_text=True)[0]


@router.get(
    "/sources/{source_id}/text",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "headers": ETAG_HEADER},
        **read_responses(400, 404),
    },
    tags=["sources"],
)
def get_source_text(session: SessionDep, source_id: str) -> str:
    """The source's text exactly as stored: every span points into it."""
    return catalog.get_source(session, source_id).text


@router.get(
    "/event-types",
    response_model=EventTypeList,
    responses=read_responses(400),
    tags=["vocabularies"],
)
def list_event_types(request: Request) -> dict[str, Any]:
    """The event types and sub-types (ACLED's taxonomy)."""
    data = catalog.event_types()
    return list_body(request, data, len(data), len(data), None)


@router.get(
    "/countries",
    response_model=CountryList,
    responses=read_responses(400),
    tags=["vocabularies"],
)
def list_countries(request: Request, session: SessionDep) -> dict[str, Any]:
    """The countries that have incidents, with counts."""
    data = catalog.countries(session)
    return list_body(request, data, len(data), max(len(data), 1), None)
