"""JSON built by the database: a record's child rows as one JSON array, in one query.

A list page then needs one statement for its rows and their children, instead of one per
child table; the arrays come back as text and go into the response as they are
(`orjson.Fragment`), never parsed and written again. SQLite and PostgreSQL spell these
functions differently; `Json` is the one place that knows both. Values come out as
`app.encoding` writes them: dates `YYYY-MM-DD`, timestamps RFC 3339 in UTC (`Z`).
"""

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import JSON, BigInteger, Text, case, cast, func, literal, or_, select, text
from sqlalchemy import distinct as sql_distinct
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.expression import ColumnElement, ScalarSelect, Select
from sqlalchemy.sql.functions import Function


@dataclass(frozen=True)
class Json:
    """JSON expressions for one database dialect (`sqlite` or `postgresql`)."""

    dialect: str

    @property
    def postgresql(self) -> bool:
        return self.dialect == "postgresql"

    def object(self, **fields: Any) -> ColumnElement[Any]:
        """A JSON object of `fields` (name: SQL expression), in that order."""
        pairs = [x for name, value in fields.items() for x in (literal(name), value)]
        return func.json_build_object(*pairs) if self.postgresql else func.json_object(*pairs)

    def array(
        self, value: Any, rows: Select[Any], order: list[Any], *, distinct: bool = False
    ) -> ScalarSelect[Any]:
        """The JSON array (as text) of `value` for each row of `rows`, in `order`; `[]` if
        none. `value` is a column (then `distinct` drops repeats) or an `object`."""
        if self.postgresql:
            item = sql_distinct(value) if distinct else value
            agg = cast(func.json_agg(aggregate_order_by(item, *order)), Text)
            return rows.with_only_columns(func.coalesce(agg, text("'[]'"))).scalar_subquery()
        # `rows` is correlated with the enclosing query (e.g. `incident`), two levels up.
        ordered = rows.with_only_columns(value.label("v")).order_by(*order)
        inner = (ordered.distinct() if distinct else ordered).subquery()
        # SQLite aggregates in the order its subquery gives. A JSON object passed through a
        # subquery is text again: json() makes it an object once more.
        item = func.json(inner.c.v) if isinstance(value, Function) else inner.c.v
        return select(func.json_group_array(item)).scalar_subquery()

    def nested(self, json_text: Any) -> ColumnElement[Any]:
        """JSON text (an `array`, a JSON column on SQLite) as a value inside an `object`."""
        return cast(json_text, JSON) if self.postgresql else func.json(json_text)

    def stored(self, column: Any) -> Any:
        """A JSON column as a value inside an `object`."""
        return column if self.postgresql else func.json(column)

    def boolean(self, column: Any) -> Any:
        """A boolean column as a value inside an `object`: SQLite keeps 0 or 1."""
        if self.postgresql:
            return column
        return case(
            (column.is_(None), None), (column == 0, func.json("false")), else_=func.json("true")
        )

    def timestamp(self, column: Any) -> ColumnElement[str]:
        """A UTC timestamp as RFC 3339 text, as `app.encoding` writes one: microseconds
        only when there are some, and `Z`."""
        if self.postgresql:
            utc = column.op("AT TIME ZONE")(literal("UTC"))
            micro = cast(func.date_part("microseconds", column), BigInteger) % 1000000
            fraction = case((micro == 0, ""), else_=func.to_char(utc, ".US"))
            return _concat(func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS'), fraction, "Z")
        # SQLite holds `YYYY-MM-DD HH:MM:SS.ffffff` (SQLAlchemy's form).
        micro = func.substr(column, 21, 6)
        whole = or_(micro == "", micro == "000000")
        fraction = case((whole, ""), else_=_concat(".", micro))
        return _concat(func.substr(column, 1, 10), "T", func.substr(column, 12, 8), fraction, "Z")


def _concat(*parts: Any) -> ColumnElement[str]:
    """Text joined with `||` (both databases' operator)."""
    out = literal(parts[0]) if isinstance(parts[0], str) else parts[0]
    for part in parts[1:]:
        out = out.op("||")(literal(part) if isinstance(part, str) else part)
    return out


def fragment(value: str | None) -> orjson.Fragment | None:
    """JSON text from the database, to go into a response as it is."""
    return None if value is None else orjson.Fragment(value)
