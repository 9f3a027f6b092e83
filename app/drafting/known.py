"""What the record already holds that a draft should reuse: its actors and locations by
name and alias, and the ids already taken (so a draft's new ids do not collide)."""

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the rules need no database: the models are imported only to read one
    from sqlmodel import Session

IdKind = Literal["source", "incident", "quote", "attribution", "actor", "location"]
Taken = Callable[[IdKind, Collection[str]], set[str]]
"""Which of these ids of this kind the record already uses."""


@dataclass(frozen=True)
class KnownActor:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "armed_group"
    country: str | None = None


@dataclass(frozen=True)
class KnownLocation:
    id: str
    name: str
    kind: str
    country: str
    aliases: tuple[str, ...] = ()
    admin1: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int = 1


def _nothing_taken(kind: IdKind, ids: Collection[str]) -> set[str]:
    return set()


@dataclass(frozen=True)
class Known:
    """The record's names, as plain data; empty for a draft against an empty record."""

    actors: list[KnownActor] = field(default_factory=list)
    locations: list[KnownLocation] = field(default_factory=list)
    taken: Taken = _nothing_taken


def known_from_bundle(bundle: dict[str, Any]) -> Known:
    """The actors and locations of a bundle as the record's names (no ids taken)."""
    actors = [
        KnownActor(a["id"], a["name"], tuple(a.get("aliases", [])), a["kind"], a.get("country"))
        for a in bundle.get("actors", [])
    ]
    locations = [
        KnownLocation(
            loc["id"],
            loc["name"],
            loc["kind"],
            loc["country"],
            tuple(loc.get("aliases", [])),
            loc.get("admin1"),
            loc.get("latitude"),
            loc.get("longitude"),
            loc.get("geo_precision", 1),
        )
        for loc in bundle.get("locations", [])
    ]
    return Known(actors, locations)


def known_from_session(session: "Session") -> Known:
    """The actors and locations of the record, and a look-up of taken ids in it."""
    from sqlalchemy import select
    from sqlmodel import col

    from app.models import Actor, Attribution, Incident, Location, Quote, Source

    models = {
        "source": Source,
        "incident": Incident,
        "quote": Quote,
        "attribution": Attribution,
        "actor": Actor,
        "location": Location,
    }
    actors = [
        KnownActor(a.id, a.name, tuple(a.aliases or ()), a.kind, a.country)
        for a in session.scalars(select(Actor))
    ]
    locations = [
        KnownLocation(
            loc.id,
            loc.name,
            loc.kind,
            loc.country,
            tuple(loc.aliases or ()),
            loc.admin1,
            loc.latitude,
            loc.longitude,
            loc.geo_precision,
        )
        for loc in session.scalars(select(Location))
    ]

    def taken(kind: IdKind, ids: Collection[str]) -> set[str]:
        if not ids:
            return set()
        column = col(models[kind].id)  # type: ignore[attr-defined]
        return set(session.scalars(select(column).where(column.in_(list(ids)))))

    return Known(actors, locations, taken)
