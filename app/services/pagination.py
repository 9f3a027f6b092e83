"""Keyset pagination: a page deep in the list costs what the first one does.

The cursor is opaque to clients: base64url of the sort name and the last row's key.
"""

import base64
import binascii
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import Select, and_, func, or_, select
from sqlmodel import Session
from starlette.requests import Request

from app.db import record_state
from app.errors import BadRequest, ProblemItem

PageResult = tuple[list[dict[str, Any]], int, str | None]
"""The rows of one page as dicts, the total across pages, and the next cursor."""


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


def after(keys: Sequence[Any], values: Sequence[Any], desc: bool) -> Any:
    """Rows strictly after `values` in the order of `keys` (a portable row comparison)."""
    clauses = []
    for n, key in enumerate(keys):
        tail = key < values[n] if desc else key > values[n]
        clauses.append(and_(*(k == v for k, v in zip(keys[:n], values[:n], strict=True)), tail))
    # Implied by the OR, but stated so that the database seeks the index to the cursor
    # instead of filtering every row before it (PostgreSQL does not infer it).
    seek = keys[0] <= values[0] if desc else keys[0] >= values[0]
    return and_(seek, or_(*clauses))


def count(session: Session, stmt: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


class _Totals:
    """Exact totals by filter set, valid while the record's version stays the same.

    Paging through a list, or many clients asking the same question, count its matches
    once per version of the record rather than once per page. Any write moves the version
    (`app.db.bump_version`), so a total is never stale; it is never an estimate.
    """

    SIZE = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: OrderedDict[tuple[Any, ...], int] = OrderedDict()

    def get(self, key: tuple[Any, ...], compute: Callable[[], int]) -> int:
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
    session: Session, resource: str, filters: BaseModel, compute: Callable[[], int]
) -> int:
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
    *,
    sort: str,
    keys: Sequence[Any],
    key_types: Sequence[type],
    desc: bool,
    limit: int,
    cursor: str | None,
    key_of: Callable[[Any], Sequence[Any]],
) -> tuple[list[Any], int, str | None]:
    """One page of `stmt` (a filtered select), its total, and the next cursor."""
    total = count(session, stmt)
    if cursor:
        stmt = stmt.where(after(keys, decode_cursor(cursor, sort, key_types), desc))
    order = [k.desc() if desc else k.asc() for k in keys]
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    next_cursor = encode_cursor(sort, key_of(rows[limit - 1])) if len(rows) > limit else None
    return rows[:limit], total, next_cursor


def page_by_id(
    session: Session, stmt: Select[Any], model: Any, limit: int, cursor: str | None
) -> tuple[list[Any], int, str | None]:
    """A page of `stmt` in id order: the lists that have no other sort."""
    return keyset_page(
        session,
        stmt,
        sort="id",
        keys=[model.id],
        key_types=[str],
        desc=False,
        limit=limit,
        cursor=cursor,
        key_of=lambda row: [row.id],
    )


def list_body(
    request: Request, data: list[Any], total: int, limit: int, next_cursor: str | None
) -> dict[str, Any]:
    url = request.url
    return {
        "data": data,
        "meta": {"total": total, "limit": limit, "next_cursor": next_cursor},
        "links": {
            "self": str(url),
            "next": str(url.include_query_params(cursor=next_cursor)) if next_cursor else None,
        },
    }
