"""Validators (`ETag`, `Last-Modified`) and the preconditions that compare them, RFC 9110 §13.

The ETag of a body is a hash of it, so it changes exactly when the representation does.
A gzip-coded body is another representation (§8.8.3), so its tag carries a `-gzip`
suffix inside the quotes; a write's `If-Match` may quote either form (`uncoded`), since
both name the same state of the resource.
"""

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

GZIP_SUFFIX = "-gzip"


def etag_for(body: bytes) -> str:
    """The strong ETag of a representation: what GET sends and `If-Match` must repeat."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def weak_etag_for(fingerprint: bytes) -> str:
    """A weak ETag from a fingerprint of the data rather than from the bytes sent."""
    return "W/" + etag_for(fingerprint)


def coded(etag: str) -> str:
    """The tag of the gzip-coded form of the representation tagged `etag`."""
    return etag[:-1] + GZIP_SUFFIX + '"'


def uncoded(header: str) -> str:
    """`If-Match` with every gzip-coded tag given as the tag of the uncoded body."""
    return header.replace(GZIP_SUFFIX + '"', '"')


def if_match_holds(if_match: str, etag: str) -> bool:
    """`If-Match` uses the strong comparison: a weak tag never matches (§13.1.1, §8.8.3.2)."""
    if etag.startswith("W/"):
        return if_match.strip() == "*"
    tags = {t.strip() for t in if_match.split(",")}
    return "*" in tags or etag in tags


def matches(if_none_match: str, etag: str) -> bool:
    """`If-None-Match` uses the weak comparison: `W/"x"` and `"x"` match (§13.1.2)."""
    if if_none_match.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag.removeprefix("W/") in tags


def http_date(moment: datetime) -> str:
    """An IMF-fixdate (§5.6.7), as `Last-Modified` carries it."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_http_date(value: str | None) -> datetime | None:
    """The moment of an HTTP-date, or None when it is not one (then it is ignored, §13.1.3)."""
    if not value or "," in value.partition(",")[2]:  # a list of dates is not a date
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Preconditions:
    """The conditional header fields of a request (§13.1)."""

    __slots__ = ("if_match", "if_modified_since", "if_none_match", "if_unmodified_since")

    def __init__(self, fields: dict[bytes, str]) -> None:
        self.if_match = fields.get(b"if-match")
        self.if_none_match = fields.get(b"if-none-match")
        self.if_modified_since = fields.get(b"if-modified-since")
        self.if_unmodified_since = fields.get(b"if-unmodified-since")

    @classmethod
    def of(cls, headers: list[tuple[bytes, bytes]]) -> "Preconditions | None":
        """The preconditions among a request's header fields; None when it has none."""
        fields: dict[bytes, str] = {}
        for name, value in headers:
            if name.startswith(b"if-"):
                # Repeated fields are one comma-separated list (§5.3).
                text = value.decode("latin-1")
                fields[name] = f"{fields[name]}, {text}" if name in fields else text
        return cls(fields) if fields else None

    def evaluate(self, etag: str | None, last_modified: str | None) -> int | None:
        """§13.2.2, for a GET or HEAD whose answer would be a 200: 412, 304, or None (send it).

        If-Match first, If-Unmodified-Since only without it; then If-None-Match, and
        If-Modified-Since only without it. A date condition needs a `Last-Modified`.
        """
        modified = parse_http_date(last_modified)
        if self.if_match is not None:
            if etag is None or not if_match_holds(self.if_match, etag):
                return 412
        elif self.if_unmodified_since is not None and modified is not None:
            since = parse_http_date(self.if_unmodified_since)
            if since is not None and modified > since:
                return 412
        if self.if_none_match is not None:
            if self.if_none_match.strip() == "*" or (
                etag is not None and matches(self.if_none_match, etag)
            ):
                return 304
        elif self.if_modified_since is not None and modified is not None:
            since = parse_http_date(self.if_modified_since)
            if since is not None and modified <= since:
                return 304
        return None
