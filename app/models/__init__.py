"""Every table, imported here so that `SQLModel.metadata` (and Alembic) sees them all."""

from app.models.actors import Actor
from app.models.incidents import (
    Attribution,
    Incident,
    IncidentActor,
    IncidentExcerpt,
    IncidentRelation,
    Weapon,
)
from app.models.locations import Location
from app.models.quotes import Quote, QuoteIncident
from app.models.sources import Source

__all__ = [
    "Actor",
    "Attribution",
    "Incident",
    "IncidentActor",
    "IncidentExcerpt",
    "IncidentRelation",
    "Location",
    "Quote",
    "QuoteIncident",
    "Source",
    "Weapon",
]
