"""The dependencies every router uses, as Annotated aliases."""

from collections.abc import Iterator
from inspect import isclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from app.db import get_engine
from app.errors import BadRequest, ProblemItem

EngineDep = Annotated[Engine, Depends(get_engine)]


def get_session(engine: EngineDep) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _query_names(dependant: Dependant) -> set[str]:
    """Every query parameter a route declares, its own and its dependencies'."""
    names: set[str] = set()
    for field in dependant.query_params:
        annotation: Any = field.field_info.annotation
        if isclass(annotation) and issubclass(annotation, BaseModel):
            names |= {f.alias or n for n, f in annotation.model_fields.items()}
        else:
            names.add(field.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def check_parameters(request: Request) -> None:
    """A typo such as `contry=IQ` is a 400 naming it, never a silently unfiltered list.

    A NUL character, which no stored value can contain, is refused here too.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _query_names(route.dependant))
    errors = [ProblemItem(param=name, message="unknown query parameter") for name in unknown]
    values = [*request.query_params.multi_items(), *request.path_params.items()]
    errors += [
        ProblemItem(param=name, message="contains a NUL character")
        for name, value in values
        if "\x00" in value
    ]
    if errors:
        raise BadRequest("; ".join(f"{e.param}: {e.message}" for e in errors), errors)
