"""gzip content coding: whether a request accepts it (RFC 9110 §12.5.3), and the compressor.

Starlette's GZipMiddleware compresses whenever "gzip" appears in `Accept-Encoding`, even
as `gzip;q=0` ("not acceptable"), and stamps the time into each gzip header, so the same
body compresses to different bytes a second later. Here weights count, and the header's
time is always zero.
"""

import zlib

from app.http.negotiation import weighted

LEVEL = 6
"""zlib's default: level 9 costs about twice the time for a body 1 to 2 % smaller."""


def accepts_gzip(accept_encoding: bytes | None) -> bool:
    """gzip unless refused: absent from a list without `*`, or weighted q=0.

    Without the header any coding would do (§12.5.3), but clients that send none (curl
    without --compressed, wrk) expect plain bytes, so they get them.
    """
    if not accept_encoding:
        return False
    weights = dict(weighted(accept_encoding.decode("latin-1")))
    weight = weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0)))
    return weight > 0


TEXT_LIKE = (b"json", b"javascript", b"xml")


def compressible(content_type: bytes) -> bool:
    """Text-like bodies only: images, fonts and archives are compressed already."""
    media = content_type.split(b";")[0].strip().lower()
    return media.startswith(b"text/") or media.endswith(TEXT_LIKE)


def compressor() -> "zlib._Compress":
    """A gzip stream (wbits 31) whose header has no time or file name: the same body gives
    the same bytes, so the coded representation's ETag holds."""
    return zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
