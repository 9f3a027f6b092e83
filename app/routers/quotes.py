from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.deps import EngineDep, SessionDep
from app.routers.common import list_responses, read_responses
from app.schemas.queries import QuoteQuery
from app.schemas.resources import QuoteList, QuoteOut
from app.services import exports, quotes

router = APIRouter(tags=["quotes"])


@router.get("/quotes", response_model=QuoteList, responses=list_responses())
@exports.documented(exports.QUOTES)
def list_quotes(
    request: Request,
    response: Response,
    session: SessionDep,
    engine: EngineDep,
    query: Annotated[QuoteQuery, Query()],
) -> Any:
    """List verbatim quotes; `date_from`/`date_to` bound the day they were said."""
    return exports.list_or_export(
        request, response, session, engine, exports.QUOTES, query, quotes.list_quotes
    )


@router.get("/quotes/{quote_id}", response_model=QuoteOut, responses=read_responses(400, 404))
def get_quote(session: SessionDep, quote_id: str) -> dict[str, Any]:
    """One quote, with its speaker and its span in the source text."""
    return quotes.get_quote(session, quote_id)
