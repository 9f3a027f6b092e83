"""API keys: created on the command line, shown once, stored as a prefix and a hash.

A key is `ir_<prefix>_<secret>`. The prefix finds the row; the SHA-256 of the whole key is
compared in constant time. A slow password hash buys nothing here: the secret is 256
random bits, not something a person chose.
"""

import hashlib
import hmac
import re
import secrets
from typing import Literal

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.db import write_session
from app.errors import (
    INVALID_TOKEN,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ProblemItem,
    Unauthorized,
)
from app.models import ApiKey
from app.models.common import utcnow

Scope = Literal["read", "write"]
SCOPES: tuple[Scope, ...] = ("read", "write")
_IMPLIED: dict[str, set[str]] = {"read": {"read"}, "write": {"read", "write"}}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def _sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, name: str, scope: Scope) -> str:
    """Store a new key and return it: the only time it is ever shown."""
    if not _NAME.match(name):
        raise BadRequest(
            f"invalid key name {name!r}",
            [ProblemItem(field="name", message="1 to 64 of A-Z a-z 0-9 . _ @ -, not first")],
        )
    prefix = secrets.token_hex(6)
    key = f"ir_{prefix}_{secrets.token_urlsafe(32)}"
    with write_session(engine) as session:
        if session.get(ApiKey, name) is not None:
            raise Conflict(
                f"a key named {name!r} exists (names stay unique, also once revoked)",
                [ProblemItem(field="name", message="already used")],
            )
        session.add(ApiKey(name=name, prefix=prefix, key_sha256=_sha256(key), scope=scope))
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(col(ApiKey.created_at))))


def revoke_key(engine: Engine, name: str) -> None:
    with write_session(engine) as session:
        key = session.get(ApiKey, name)
        if key is None:
            raise NotFound(f"no key named {name!r}")
        if key.revoked_at is None:
            key.revoked_at = utcnow()


def authenticate(session: Session, presented: str | None, scope: Scope) -> ApiKey:
    """The key presented, if it exists, is not revoked and has `scope`; else 401 (with
    RFC 6750's `invalid_token` when a key was sent) or 403."""
    if not presented:
        raise Unauthorized(f"this needs an API key with scope {scope}: Authorization: Bearer <key>")
    parts = presented.split("_", 2)
    row = None
    if len(parts) == 3 and parts[0] == "ir":
        row = session.scalar(select(ApiKey).where(col(ApiKey.prefix) == parts[1]))
    # Compare even when no row matched, so a miss takes as long as a wrong secret.
    stored = row.key_sha256 if row is not None else _sha256("")
    if not hmac.compare_digest(stored, _sha256(presented)) or row is None:
        raise Unauthorized("unknown API key", headers=INVALID_TOKEN)
    if row.revoked_at is not None:
        raise Unauthorized(f"API key {row.name!r} was revoked", headers=INVALID_TOKEN)
    if scope not in _IMPLIED[row.scope]:
        raise Forbidden(f"API key {row.name!r} has scope {row.scope}; this needs {scope}")
    return row
