"""Drafts: a bundle proposed from an article, for review; nothing is stored."""

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from app.deps import BundleBody, SessionDep, WriteKey
from app.errors import InvalidValue, ProblemItem
from app.routers.common import write_responses
from app.schemas.bundle import Bundle
from app.schemas.drafts import DraftRequest
from app.schemas.messages import message_of
from app.services import drafts

router = APIRouter()


@router.post(
    "/drafts",
    response_model=Bundle,
    responses={
        200: {"description": "The draft bundle, in the import format of `POST /v1/sources`"},
        **write_responses(400, 413, 415, 422),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/DraftRequest"}}
            },
        }
    },
    tags=["sources"],
)
def create_draft(session: SessionDep, key: WriteKey, body: BundleBody) -> dict[str, Any]:
    """Draft a bundle from an article (rule-based, offline); nothing is stored.

    Proposes the quotes with their speakers, the incidents with their dates (and the basis
    of each), places, figures and types, and the claims of responsibility; actors and
    locations the record already holds are reused by name or alias. Every record is marked
    as a draft guess (`notes`, `added`): review it, then import it with `POST /v1/sources`.
    Needs a key with scope `write`.
    """
    try:
        request = DraftRequest.model_validate(body, strict=True)
    except ValidationError as exc:
        errors = [
            ProblemItem(field=".".join(str(p) for p in e["loc"]) or "body", message=message_of(e))
            for e in exc.errors()
        ]
        raise InvalidValue.listing(errors) from None
    return drafts.draft(session, request)
