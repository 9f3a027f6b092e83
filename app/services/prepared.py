"""Statements built and compiled once, run as the driver's SQL.

Building a large SQLAlchemy statement (the JSON of an incident's children, the sections of
its detail), working out its cache key and processing its rows cost more than the
database takes to answer it: profiled at 1M incidents, most of a detail request. The
statements that every list page and detail run are therefore built once per dialect (and
per number of ids), compiled once, and executed with their values only. The rows are the
driver's: the statement itself writes what needs converting (timestamps as text, JSON as
text), so nothing is parsed or validated again on the way out.
"""

import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.compiler import SQLCompiler


class Prepared:
    """A statement made by `build(*shape)`, compiled once per dialect and shape."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self.build = build
        self._compiled: dict[tuple[Any, ...], SQLCompiler] = {}
        self._lock = threading.Lock()

    def compiled(self, connection: Connection, *shape: Any) -> SQLCompiler:
        key = (connection.dialect.name, *shape)
        found = self._compiled.get(key)
        if found is None:
            statement = self.build(*shape)
            found = statement.compile(dialect=connection.dialect)
            assert isinstance(found, SQLCompiler)
            with self._lock:
                self._compiled[key] = found
        return found

    def statement(
        self, connection: Connection, values: dict[str, Any], *shape: Any
    ) -> tuple[str, Any]:
        """The SQL and its parameters for `values` (by bind parameter name)."""
        compiled = self.compiled(connection, *shape)
        params: Any = compiled.construct_params(values)
        if compiled.positiontup is not None:  # SQLite's `?`: by position
            params = tuple(params[name] for name in compiled.positiontup)
        return compiled.string, params

    def rows(self, connection: Connection, values: dict[str, Any], *shape: Any) -> Sequence[Any]:
        """The rows for `values`, as the driver gives them."""
        sql, params = self.statement(connection, values, *shape)
        # As the driver's SQL: SQLAlchemy neither builds nor compiles it again, nor converts
        # the rows, yet its events still run (the statement time limit, errors as 503s).
        return connection.exec_driver_sql(sql, params).all()
