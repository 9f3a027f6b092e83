"""Character spans into a source's text, as the record gives them, turned into HTML marks.

The record counts characters as Python does (code points), so a span indexes `str` directly.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    data: Any = None  # what `make` needs to open the span's element


_ENDS = re.compile(r"[.!?][\"'”’)\]]*$")
# Runs of blank lines beyond one (a photo's place in the original, say): kept in the text,
# so that it reads exactly as stored, but not drawn (`.gap` in explorer.css).
_GAP = re.compile(r"(?<=\n\n)\n+")


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or sentences) holding [start, end): from the end of the previous
    sentence or line to the end of the last sentence touched."""
    first = start
    while first > 0:
        before = text[max(0, first - 4) : first]
        if text[first - 1] == "\n" or (text[first - 1].isspace() and _ENDS.search(before.rstrip())):
            break
        first -= 1
    while first < start and text[first].isspace():
        first += 1
    last = end
    if not _ENDS.search(text[max(start, end - 4) : end]):
        while last < len(text) and text[last] != "\n":
            last += 1
            if _ENDS.search(text[max(0, last - 4) : last]) and (
                last == len(text) or text[last].isspace()
            ):
                break
    return first, last


def _words(text: str) -> Markup:
    gap = Markup('<span class="gap">{}</span>')
    return Markup(_GAP.sub(lambda m: gap.format(m[0]), escape(text)))


def mark_up(
    text: str,
    spans: Sequence[Span],
    make: Callable[[Span], Markup],
    first: int = 0,
    last: int | None = None,
) -> Markup:
    """`text[first:last]` as HTML, each span wrapped in the element whose opening tag
    `make(span)` returns (closed with `</mark>`). Spans may nest or cross: a span that
    crosses the end of an enclosing one is closed there and reopened after it, so it becomes
    two or more elements alike; its words, read in order, are the span's."""
    last = len(text) if last is None else last
    inside = [
        Span(max(s.start, first), min(s.end, last), s.data)
        for s in spans
        if s.start < last and s.end > first and s.end > s.start
    ]
    boundaries = sorted({first, last, *(s.start for s in inside), *(s.end for s in inside)})
    html: list[str] = []
    open_: list[Span] = []  # outermost first
    for at, upto in zip(boundaries, boundaries[1:], strict=False):
        closing = next((n for n, s in enumerate(open_) if s.end <= at), len(open_))
        reopened = [s for s in open_[closing:] if s.end > at]
        html += ["</mark>"] * (len(open_) - closing)
        del open_[closing:]
        opening = [*reopened, *(s for s in inside if s.start == at)]
        for span in sorted(opening, key=lambda s: -s.end):  # the longest outermost
            html.append(make(span))
            open_.append(span)
        html.append(_words(text[at:upto]))
    html += ["</mark>"] * len(open_)
    return Markup("".join(html))
