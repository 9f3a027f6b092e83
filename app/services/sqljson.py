"""JSON built by the database: a record's child rows as one JSON array, in one query.

A list page then needs one statement for its rows and their children, instead of one per
child table; the arrays come back as text and go into the response as they are
(`orjson.Fragment`), never parsed and written again. SQLite and PostgreSQL spell these
functions differently; this is the one place that knows both.
"""

from typing import Any

import orjson
from sqlalchemy import Text, cast, func, literal, select, text
from sqlalchemy import distinct as sql_distinct
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.expression import ColumnElement, ScalarSelect, Select
from sqlalchemy.sql.functions import Function


def json_object(dialect: str, **fields: Any) -> ColumnElement[Any]:
    """A JSON object of `fields` (name: SQL expression), in that order."""
    pairs = [x for name, value in fields.items() for x in (literal(name), value)]
    if dialect == "postgresql":
        return func.json_build_object(*pairs)
    return func.json_object(*pairs)


def json_array(
    dialect: str, value: Any, rows: Select[Any], order: list[Any], *, distinct: bool = False
) -> ScalarSelect[Any]:
    """The JSON array (as text) of `value` for each row of `rows`, in `order`; `[]` if none.

    `value` is a column (then `distinct` drops repeats) or a `json_object`.
    """
    if dialect == "postgresql":
        item = sql_distinct(value) if distinct else value
        agg = cast(func.json_agg(aggregate_order_by(item, *order)), Text)
        return rows.with_only_columns(func.coalesce(agg, text("'[]'"))).scalar_subquery()
    # `rows` is correlated with the enclosing query (e.g. `incident`), two levels up here.
    ordered = rows.with_only_columns(value.label("v")).order_by(*order)
    inner = (ordered.distinct() if distinct else ordered).subquery()
    # SQLite aggregates in the order its subquery gives. A JSON object passed through a
    # subquery is text again: json() makes it an object once more.
    item = func.json(inner.c.v) if isinstance(value, Function) else inner.c.v
    return select(func.json_group_array(item)).scalar_subquery()


def fragment(value: str | None) -> orjson.Fragment | None:
    """JSON text from the database, to go into a response as it is."""
    return None if value is None else orjson.Fragment(value)
