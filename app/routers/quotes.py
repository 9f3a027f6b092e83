from typing import Any

from fastapi import APIRouter, Request

from app.deps import QuoteQueryDep, SessionDep, query_parameters
from app.http.lists import documented, list_or_export
from app.routers.common import PathId, first_item, link, list_responses, next_page, read_responses
from app.schemas.queries import QuoteQuery
from app.schemas.resources import QuoteList, QuoteOut
from app.services import exports, quotes

router = APIRouter(tags=["quotes"])


@router.get(
    "/quotes",
    response_model=QuoteList,
    responses=list_responses(
        {**next_page("list_quotes", QuoteQuery), **first_item("get_quote", "quote_id")}
    ),
    openapi_extra=query_parameters(QuoteQuery),
)
@documented(exports.QUOTES)
def list_quotes(request: Request, session: SessionDep, query: QuoteQueryDep) -> Any:
    """List verbatim quotes; `date_from`/`date_to` bound the day they were said."""
    return list_or_export(request, session, exports.QUOTES, query)


@router.get(
    "/quotes/{quote_id}",
    response_model=QuoteOut,
    responses=read_responses(
        400,
        404,
        links={
            "speaker": link("get_actor", "Who said it.", actor_id="$response.body#/speaker_id"),
            "source": link(
                "get_source_text",
                "The text it is quoted from, at `span`.",
                source_id="$response.body#/source_id",
            ),
        },
    ),
)
def get_quote(session: SessionDep, quote_id: PathId) -> dict[str, Any]:
    """One quote, with its speaker and its span in the source text.

    `text` is verbatim: it is exactly `GET /v1/sources/{source_id}/text` from
    `span.start` to `span.end`. An unknown id is a 404.
    """
    return quotes.get_quote(session, quote_id)
