"""Statements built and compiled once, run as the driver's SQL.

Building a large SQLAlchemy statement (the JSON of an incident's children, the sections of
its detail), working out its cache key and processing its rows cost more than the
database takes to answer it: profiled at 1M incidents, most of a detail request. The
statements that every list page and detail run are therefore built once per dialect (and
per shape: the number of ids, a sort), compiled once, and executed with their values
only, converted as SQLAlchemy would (a timestamp to the text SQLite stores). The rows are
the driver's: the statement itself writes what needs converting (timestamps as text, JSON
as text), so nothing is parsed or validated again on the way out.
"""

import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.compiler import SQLCompiler

Processors = dict[str, Callable[[Any], Any]]


class Prepared:
    """A statement made by `build(*shape)`, compiled once per dialect and shape."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self.build = build
        self._compiled: dict[tuple[Any, ...], tuple[SQLCompiler, Processors]] = {}
        self._lock = threading.Lock()

    def compiled(self, connection: Connection, *shape: Any) -> tuple[SQLCompiler, Processors]:
        """The statement compiled, and the converter of each value that needs one."""
        key = (connection.dialect.name, *shape)
        found = self._compiled.get(key)
        if found is not None:
            return found
        dialect = connection.dialect
        compiled = self.build(*shape).compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        processors: Processors = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        with self._lock:
            self._compiled[key] = (compiled, processors)
        return compiled, processors

    def statement(
        self, connection: Connection, values: dict[str, Any], *shape: Any
    ) -> tuple[str, Any]:
        """The SQL and its parameters for `values` (by bind parameter name)."""
        compiled, processors = self.compiled(connection, *shape)
        params: Any = compiled.construct_params(values)
        for name, processor in processors.items():
            params[name] = processor(params[name])
        if compiled.positiontup is not None:  # SQLite's `?`: by position
            params = tuple(params[name] for name in compiled.positiontup)
        return compiled.string, params

    def rows(self, connection: Connection, values: dict[str, Any], *shape: Any) -> Sequence[Any]:
        """The rows for `values`, as the driver gives them."""
        sql, params = self.statement(connection, values, *shape)
        # As the driver's SQL: SQLAlchemy neither builds nor compiles it again, nor converts
        # the rows, yet its events still run (the statement time limit, errors as 503s).
        return connection.exec_driver_sql(sql, params).all()
