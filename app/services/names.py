"""Filters that name a record (an actor, a location, a source) by its id, name or an alias.

People type names: `attributed_to=Iran-backed groups` is `attributed_to=iran-backed-groups`.
Each value is resolved to ids, case-insensitively, before the query services see it, so
they keep taking ids. A value that names nothing is a 400 with the closest candidates; one
that names several records is a 400 listing them (as an unknown `country` is).

An id, the common case, costs one indexed query per filter; names one more (a scan with a
coarse LIKE that the exact comparison here then narrows); a value that names nothing one
more again, for the candidates.
"""

import difflib
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, String, cast, null, or_, select
from sqlmodel import Session, col

from app.errors import BadRequest, ProblemItem
from app.models import Actor, Location, Source


@dataclass(frozen=True)
class Named:
    """A kind of record that filters name: how it is called, and where its names are."""

    noun: str
    hint: str
    id: Any
    name: Any
    aliases: Any | None
    only: Any = None
    """A condition every record of the kind meets (a dataset: a source of kind `dataset`)."""

    def rows(self, *conditions: Any) -> Select[Any]:
        """(id, name, aliases or null) of the records meeting any of `conditions` (or all)."""
        aliases = null() if self.aliases is None else self.aliases
        stmt = select(self.id, self.name, aliases).where(*self.kept())
        return stmt.where(or_(*conditions)) if conditions else stmt

    def kept(self) -> list[Any]:
        return [] if self.only is None else [self.only]


ACTORS = Named(
    "actor", "its id, its name or an alias", col(Actor.id), col(Actor.name), col(Actor.aliases)
)
LOCATIONS = Named(
    "location",
    "its id, its name or an alias",
    col(Location.id),
    col(Location.name),
    col(Location.aliases),
)
SOURCES = Named("source", "its id or its title", col(Source.id), col(Source.title), None)
DATASETS = Named(
    "dataset", "its id or its title", col(Source.id), col(Source.title), None,
    col(Source.kind) == "dataset",
)  # fmt: skip

FILTERS: dict[str, Named] = {
    "attributed_to": ACTORS,
    "actor": ACTORS,
    "speaker": ACTORS,
    "parent": ACTORS,
    "location": LOCATIONS,
    "source": SOURCES,
    "dataset": DATASETS,
}
"""The query parameters that name records, wherever a query model has them."""

Q = TypeVar("Q", bound=BaseModel)


def resolve_query(session: Session, query: Q) -> Q:
    """The query with every naming filter as ids; BadRequest listing each value that fails."""
    update: dict[str, list[str]] = {}
    errors: list[ProblemItem] = []
    for param, kind in FILTERS.items():
        values = getattr(query, param, None)
        if values:
            update[param], problems = resolve(session, kind, values)
            errors += [ProblemItem(param=param, message=m) for m in problems]
    if errors:
        raise BadRequest("; ".join(f"{e.param}: {e.message}" for e in errors), errors)
    return query.model_copy(update=update) if update else query


def resolve(session: Session, kind: Named, values: list[str]) -> tuple[list[str], list[str]]:
    """The ids `values` name (in their order, once each), and a message per failing value."""
    ids = {v: v.lower() for v in values}
    wanted = kind.id.in_(set(ids.values()))
    known = set(session.scalars(select(kind.id).where(wanted, *kind.kept())))
    by_name = [v for v in values if ids[v] not in known]
    problems = []
    if by_name:
        named = _named(session, kind, by_name)
        nameless = [v for v in by_name if not named[v]]
        candidates = _candidates(session, kind) if nameless else {}
        for value in by_name:
            matches = sorted(named[value])
            if len(matches) == 1:
                ids[value] = matches[0][0]
            elif matches:
                listed = ", ".join(f"{i} ({name})" for i, name in matches)
                problems.append(
                    f"ambiguous {kind.noun}: {value!r} names {listed}: give one of their ids"
                )
            else:
                problems.append(_unknown(kind, value, candidates))
    return list(dict.fromkeys(ids.values())), problems


def _labels(name: str, aliases: Any) -> set[str]:
    return {label.casefold() for label in [name, *(aliases or [])] if isinstance(label, str)}


def _named(session: Session, kind: Named, values: list[str]) -> dict[str, set[tuple[str, str]]]:
    """(id, name) of the records each value is the name or an alias of, any case.

    The SQL pattern keeps letters, digits and spaces and lets `%` stand for anything else
    (punctuation, JSON escapes in the alias list, letters whose case only Python folds),
    so it finds every match and a few more; the comparison here keeps the exact ones.
    """
    patterns = [re.sub(r"[^A-Za-z0-9 ]+", "%", value) for value in values]
    conditions = [kind.name.ilike(p) for p in patterns]
    if kind.aliases is not None:
        conditions += [cast(kind.aliases, String).ilike(f"%{p}%") for p in patterns]
    found: dict[str, set[tuple[str, str]]] = {value: set() for value in values}
    for record_id, name, aliases in session.execute(kind.rows(*conditions)):
        labels = _labels(name, aliases)
        for value in values:
            if value.casefold() in labels:
                found[value].add((record_id, name))
    return found


def _candidates(session: Session, kind: Named) -> dict[str, str]:
    """Every id, name and alias of the kind (casefolded): how to show the record it names."""
    shown: dict[str, str] = {}
    for record_id, name, aliases in session.execute(kind.rows()):
        for label in [record_id, *_labels(name, aliases)]:
            shown.setdefault(label.casefold(), f"{name} ({record_id})")
    return shown


def _unknown(kind: Named, value: str, candidates: dict[str, str]) -> str:
    close = difflib.get_close_matches(value.casefold(), candidates, n=6, cutoff=0.6)
    records = list(dict.fromkeys(candidates[c] for c in close))[:3]
    if records:
        return f"unknown {kind.noun}: {value} (closest: {'; '.join(records)})"
    return f"unknown {kind.noun}: {value} (give {kind.hint})"
