from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.deps import SessionDep
from app.routers.common import read_responses
from app.schemas.queries import QuoteQuery
from app.schemas.resources import QuoteList, QuoteOut
from app.services import quotes
from app.services.pagination import list_body

router = APIRouter(tags=["quotes"])


@router.get("/quotes", response_model=QuoteList, responses=read_responses(400, 422))
def list_quotes(
    request: Request, session: SessionDep, query: Annotated[QuoteQuery, Query()]
) -> dict[str, Any]:
    """List verbatim quotes; `date_from`/`date_to` bound the day they were said."""
    data, total, cursor = quotes.list_quotes(session, query)
    return list_body(request, data, total, query.limit, cursor)


@router.get("/quotes/{quote_id}", response_model=QuoteOut, responses=read_responses(400, 404))
def get_quote(session: SessionDep, quote_id: str) -> dict[str, Any]:
    """One quote, with its speaker and its span in the source text."""
    return quotes.get_quote(session, quote_id)
