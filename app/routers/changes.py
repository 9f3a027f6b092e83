from typing import Any

from fastapi import APIRouter, Request

from app.deps import ChangeQueryDep, SessionDep, query_parameters
from app.routers.common import next_page, read_responses
from app.schemas.queries import ChangeQuery
from app.schemas.resources import ChangeList
from app.services import changes

router = APIRouter(tags=["changes"])


@router.get(
    "/changes",
    response_model=ChangeList,
    responses=read_responses(400, 422, links=next_page("list_changes", ChangeQuery, "since")),
    openapi_extra=query_parameters(ChangeQuery),
)
def list_changes(request: Request, session: SessionDep, query: ChangeQueryDep) -> dict[str, Any]:
    """Every create, update and delete after `since`, in commit order, for incremental sync.

    `meta.next_cursor` is never null: it is the `seq` of the last change on the page, or
    `since` itself when there is nothing new, so a mirror always has a cursor to poll
    with. `links.next` is set only while more changes are waiting right now. `meta.total`
    counts the changes after `since`.
    """
    data, total, cursor, more = changes.list_changes(session, query.since, query.limit)
    url = request.url
    return {
        "data": data,
        "meta": {
            "total": total,
            "total_relation": "eq",
            "limit": query.limit,
            "next_cursor": str(cursor),
        },
        "links": {
            "self": str(url),
            "next": str(url.include_query_params(since=cursor)) if more else None,
        },
    }
