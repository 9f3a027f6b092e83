"""The body of `POST /v1/drafts`: an article to draft a bundle from."""

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.bundle import JsonDate
from app.schemas.queries import NO_NUL

MAX_ARTICLE_CHARACTERS = 200_000
"""About 30,000 words: far beyond a news report, and the rules take a second or two there."""


class DraftRequest(BaseModel):
    """An article: its text and what is known of it. Nothing is stored."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=MAX_ARTICLE_CHARACTERS,
        pattern=NO_NUL,
        description="The article, as plain text.",
    )
    published_on: JsonDate = Field(
        description="Its publication date (ISO 8601): weekdays and relative dates count from it."
    )
    publisher: str | None = Field(default=None, pattern=NO_NUL)
    title: str | None = Field(
        default=None, pattern=NO_NUL, description="By default, the first line of the text."
    )
    dateline: str | None = Field(
        default=None, pattern=NO_NUL, description="The dateline, e.g. `BAGHDAD`, if known."
    )
