"""Keyset pagination: a page deep in the list costs what the first one does.

The cursor is opaque to clients: base64url of the sort name and the last row's key.
"""

import base64
import binascii
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from sqlalchemy import Select, and_, func, or_, select
from sqlmodel import Session, col

from app.config import get_settings
from app.db import record_state
from app.errors import BadRequest, ProblemItem

T = TypeVar("T")


@dataclass(frozen=True)
class Total:
    """How many records match: exactly `value`, or at least `value` when not `exact` (a
    count stopped at its budget, `total_limit`)."""

    value: int
    exact: bool = True

    @property
    def relation(self) -> str:
        """As search engines say it: `eq`, or `gte` for a lower bound."""
        return "eq" if self.exact else "gte"


PageResult = tuple[list[dict[str, Any]], Total, str | None]
"""The rows of one page as dicts, the total across pages, and the next cursor."""

TOTAL_LIMIT = "exact_total_limit"
"""The session's `info` key of the request's EXACT_TOTAL_LIMIT (app.deps.get_session)."""


def total_limit(session: Session) -> int:
    """How many matches a total counts at most where counting is not cheap (a search):
    beyond, it is a lower bound."""
    limit = session.info.get(TOTAL_LIMIT)
    return int(limit) if limit is not None else get_settings().exact_total_limit


def capped_count(session: Session, stmt: Select[Any], limit: int | None) -> Total:
    """How many rows `stmt` gives, counting at most `limit` + 1 of them (all if None)."""
    if limit is not None:
        stmt = stmt.limit(limit + 1)
    found = session.connection().execute(select(func.count()).select_from(stmt.subquery()))
    n = found.scalar() or 0
    return Total(limit, exact=False) if limit is not None and n > limit else Total(n)


def encode_cursor(sort: str, values: Sequence[Any]) -> str:
    raw = orjson.dumps([sort, [v.isoformat() if isinstance(v, date) else v for v in values]])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, types: Sequence[type]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, values = orjson.loads(raw)
        if name != sort or len(values) != len(types):
            raise ValueError
        out: list[Any] = []
        for kind, value in zip(types, values, strict=True):
            if kind is datetime:
                out.append(datetime.fromisoformat(value))
            elif kind is date:
                out.append(date.fromisoformat(value))
            elif kind is float and isinstance(value, int | float) and not isinstance(value, bool):
                out.append(float(value))
            elif isinstance(value, kind) and not isinstance(value, bool):
                out.append(value)
            else:
                raise ValueError
        return out
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise BadRequest(
            "invalid cursor: use meta.next_cursor from a previous page with the same sort",
            [ProblemItem(param="cursor", message="invalid or stale cursor")],
        ) from None


@dataclass(frozen=True)
class Order:
    """The order of a list, and so of its pages and exports: the SQL keys it sorts by (the
    last one unique, so that no two rows tie), their Python types (to read a cursor back),
    the direction, and the names under which a row of the list holds its keys.

    A page starts strictly after the keys of the previous page's last row, which the
    cursor carries with the sort's name (a cursor of one sort is refused by another).
    """

    sort: str
    keys: tuple[Any, ...]
    types: tuple[type, ...]
    desc: bool = False
    names: tuple[str, ...] = ("id",)

    def by(self) -> list[Any]:
        """The ORDER BY clauses."""
        return [k.desc() if self.desc else k.asc() for k in self.keys]

    def on(self, *keys: Any) -> "Order":
        """The same order over other columns (those of a subquery of the list)."""
        return replace(self, keys=keys)

    def key_of(self, row: Any) -> list[Any]:
        """The keys of a row of the list."""
        return [getattr(row, name) for name in self.names]

    def after(self, values: Sequence[Any]) -> Any:
        """Rows strictly after `values` in this order (a portable row comparison)."""
        keys = self.keys
        clauses = []
        for n, key in enumerate(keys):
            tail = key < values[n] if self.desc else key > values[n]
            clauses.append(and_(*(k == v for k, v in zip(keys[:n], values[:n], strict=True)), tail))
        # Implied by the OR, but stated so that the database seeks the index to the cursor
        # instead of filtering every row before it (PostgreSQL does not infer it).
        seek = keys[0] <= values[0] if self.desc else keys[0] >= values[0]
        return and_(seek, or_(*clauses))

    def start(self, cursor: str | None) -> list[Any] | None:
        """The keys a cursor of this order carries (None: from the first row); 400 if it
        is not one."""
        return None if not cursor else decode_cursor(cursor, self.sort, self.types)

    def cursor(self, values: Sequence[Any]) -> str:
        """The cursor of the page that starts after `values`."""
        return encode_cursor(self.sort, values)


def by_id(model: Any) -> Order:
    """Ordered by id: the lists that have no other sort."""
    return Order("id", (col(model.id),), (str,))


def count(session: Session, stmt: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


class _Totals:
    """Totals by filter set, valid while the record's version stays the same.

    Paging through a list, or many clients asking the same question, count its matches
    once per version of the record rather than once per page. Any write moves the version
    (`app.db.bump_version`), so a total is never stale; it is never an estimate (a lower
    bound says so: `Total.exact`).
    """

    SIZE = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            total = self._totals.get(key)
            if total is not None:
                self._totals.move_to_end(key)
                return total
        total = compute()
        with self._lock:
            self._totals[key] = total
            if len(self._totals) > self.SIZE:
                self._totals.popitem(last=False)
        return total


_TOTALS = _Totals()

PAGING = {"limit", "cursor", "sort", "format"}


def cached_total(
    session: Session, resource: str, filters: BaseModel, compute: Callable[[], T]
) -> T:
    """`compute()`, or the total it gave for the same filters on this version of the record.

    The key is what the database says (its name, the record's version and last write), never
    which server answered: the primary and its replicas at one version share a total.
    """
    database = session.get_bind().engine.url.database
    state = record_state(session)
    fingerprint = orjson.dumps(filters.model_dump(mode="json", exclude=PAGING))
    key = (database, state.version, state.written_at, resource, fingerprint)
    return _TOTALS.get(key, compute)


def keyset_page(
    session: Session,
    stmt: Select[Any],
    order: Order,
    limit: int,
    cursor: str | None,
    *,
    rows: bool = False,
) -> tuple[list[Any], Total, str | None]:
    """One page of `stmt` (a filtered select of records; `rows`: of columns, read as rows
    rather than model objects) in `order`, the total (exact), and the next cursor."""
    total = Total(count(session, stmt))
    start = order.start(cursor)
    if start is not None:
        stmt = stmt.where(order.after(start))
    page = stmt.order_by(*order.by()).limit(limit + 1)
    found = list(session.connection().execute(page) if rows else session.scalars(page))
    more = len(found) > limit
    return found[:limit], total, order.cursor(order.key_of(found[limit - 1])) if more else None
