"""Drafts of bundles from articles, offline and rule-based: every record a guess to review.

`draft_bundle(Article(...), known)` proposes the quotes with their speakers, the incidents
with their dates, places, figures and types, and the claims of responsibility, in the
import format of `app.schemas.bundle`, each record marked as a draft guess. No model file
or service is needed; extra `steps` (a local model, say) may amend the draft.
"""

from app.drafting.draft import DRAFT, Article, Step, draft_bundle, finish
from app.drafting.known import Known, KnownActor, KnownLocation, known_from_session

__all__ = [
    "DRAFT",
    "Article",
    "Known",
    "KnownActor",
    "KnownLocation",
    "Step",
    "draft_bundle",
    "finish",
    "known_from_session",
]
