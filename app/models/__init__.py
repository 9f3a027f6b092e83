"""Every table, imported here so that `SQLModel.metadata` (and Alembic) sees them all."""

from app.models.actors import Actor
from app.models.aggregates import IncidentPlaceTally, IncidentTally, RecordVersion
from app.models.changes import Change, IncidentVersion, Tombstone
from app.models.incidents import (
    Attribution,
    Incident,
    IncidentActor,
    IncidentExcerpt,
    IncidentRelation,
    Weapon,
)
from app.models.keys import ApiKey, AuthFailure
from app.models.locations import Location
from app.models.quotes import Quote, QuoteIncident
from app.models.sources import Source, SourceBundle

__all__ = [
    "Actor",
    "ApiKey",
    "Attribution",
    "AuthFailure",
    "Change",
    "Incident",
    "IncidentActor",
    "IncidentExcerpt",
    "IncidentPlaceTally",
    "IncidentRelation",
    "IncidentTally",
    "IncidentVersion",
    "Location",
    "Quote",
    "QuoteIncident",
    "RecordVersion",
    "Source",
    "SourceBundle",
    "Tombstone",
    "Weapon",
]
