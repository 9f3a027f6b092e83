"""Find quoted words in a source text: the span of an excerpt or a quote given by its text.

An editor quotes the article rather than counting characters. Typed text and the article
may differ in their quotation marks and apostrophes (`'` for `’`, `"` for `“`), their
dashes (hyphen, en and em dash, minus) and their runs of whitespace; those differences
are matched (every quotation mark and apostrophe is one mark; every dash one dash), but
the span found is the source's, and so is the text at it.

Offsets are Python string indices (code points), as everywhere in the record: a span
`start..end` holds `text[start:end]`.

The source is normalised once (`SourceText`), with an index from each normalised
character back to its offset in the source, so that every look-up is one `str.find`.
"""

import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

QUOTATION_MARKS = "\"'`‘’‚‛“”„‟‹›«»′″"
DASHES = "-‐‑‒–—―−﹘﹣－"
_WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()]  # every one is below U+3001
_FOLD = str.maketrans(
    {
        **dict.fromkeys(QUOTATION_MARKS, '"'),
        **dict.fromkeys(DASHES, "-"),
        **dict.fromkeys(_WHITESPACE, " "),
    }
)
_SPACES = re.compile(r"\s+")
_RUNS = re.compile(r" {2,}")
_WORD = re.compile(r"\w")
_NOT_WORD = ' "-.,;:!?()…'
CONTEXT = 30
"""Characters of context shown on each side of a place the words occur."""


def fold(text: str) -> str:
    """`text` as it is compared: one quotation mark, one dash, one space for any run."""
    return _SPACES.sub(" ", text.translate(_FOLD))


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    """The source's own characters at `start..end`."""


@dataclass(frozen=True)
class Place:
    """One place the words occur, with a little of the text around it."""

    start: int
    end: int
    context: str


@dataclass(frozen=True)
class Problem:
    """Why no span was found: `message` says what was wrong, `places` where the words occur."""

    message: str
    places: tuple[Place, ...] = ()
    about: Literal["text", "occurrence", "after"] = "text"
    """What to change: the words, or the `occurrence` or `after` that chose among them."""


class SourceText:
    """A source text, normalised once for any number of look-ups."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def _folding(self) -> tuple[str, "array[int]"]:
        """Built on the first look-up (checking a given span needs none of it)."""
        folded = self.text.translate(_FOLD)  # same length: every whitespace character is a space
        parts: list[str] = []
        index = array("q")
        pos = 0
        for run in _RUNS.finditer(folded):
            parts.append(folded[pos : run.start() + 1])
            index.extend(range(pos, run.start() + 1))
            pos = run.end()
        parts.append(folded[pos:])
        index.extend(range(pos, len(folded)))
        return "".join(parts), index

    @property
    def folded(self) -> str:
        """The text as compared (`fold`)."""
        return self._folding[0]

    @property
    def _index(self) -> "array[int]":
        """The source offset of each character of `folded` (a run of spaces: its first)."""
        return self._folding[1]

    def occurrences(self, words: str) -> list[tuple[int, int]]:
        """Every (start, end) in the source where `words` occur, as compared by `fold`."""
        needle = fold(words).strip()
        if not needle:
            return []
        found, at = [], self.folded.find(needle)
        while at != -1:
            last = at + len(needle) - 1
            found.append((self._index[at], self._index[last] + 1))
            at = self.folded.find(needle, at + 1)
        return found

    def place(self, start: int, end: int) -> Place:
        before = self.text[max(0, start - CONTEXT) : start]
        after = self.text[end : end + CONTEXT]
        context = "…" * (start > CONTEXT) + before + "[" + self.text[start:end] + "]" + after
        context += "…" * (end + CONTEXT < len(self.text))
        return Place(start, end, _SPACES.sub(" ", context))

    def _preceded_by(self, start: int, after: str) -> bool:
        """Whether the words just before `start` (past any spaces and punctuation) are `after`."""
        wanted = fold(after).strip().rstrip(_NOT_WORD)
        if not wanted:
            return False
        cut = bisect_left(self._index, start)
        while cut and not _WORD.match(self.folded[cut - 1]):
            cut -= 1
        begin = cut - len(wanted)
        return (
            begin >= 0
            and self.folded.startswith(wanted, begin)
            and not (begin and _WORD.match(self.folded[begin - 1]) and _WORD.match(wanted[0]))
        )

    def find(
        self, words: str, *, occurrence: int | None = None, after: str | None = None
    ) -> Span | Problem:
        """The span of `words` in the source, or the Problem to report.

        `after`: the words just before (spaces, punctuation and quotation marks between are
        skipped). `occurrence`: which of the places left (1-based), where there are several.
        """
        what = _quoted(words)
        spans = self.occurrences(words)
        if not spans:
            return Problem(f"text {what} is not in the source text")
        if after is not None:
            everywhere = spans
            spans = [s for s in spans if self._preceded_by(s[0], after)]
            if not spans:
                places = tuple(self.place(*s) for s in everywhere)
                return Problem(
                    f"text {what} does not occur after {_quoted(after)}; it occurs at "
                    + _listed(places),
                    places,
                    "after",
                )
        places = tuple(self.place(*s) for s in spans)
        if occurrence is not None:
            if not 1 <= occurrence <= len(spans):
                return Problem(
                    f"occurrence {occurrence} of text {what} does not exist: it occurs "
                    f"{_times(len(spans))}{_where(after)}, at " + _listed(places),
                    places,
                    "occurrence",
                )
            spans = [spans[occurrence - 1]]
        elif len(spans) > 1:
            return Problem(
                f"text {what} occurs {_times(len(spans))}{_where(after)}: say which with "
                f"occurrence (1 to {len(spans)}) or after (the words before it); it occurs at "
                + _listed(places),
                places,
            )
        start, end = spans[0]
        return Span(start, end, self.text[start:end])

    def check(self, start: int, end: int, words: str) -> Problem | None:
        """None if `words` are exactly the source's characters at `start..end` (a given span
        is checked as given: nothing is normalised)."""
        if not 0 <= start < end <= len(self.text):
            return Problem(f"span {start}..{end} is outside the source text (0..{len(self.text)})")
        found = self.text[start:end]
        if found != words:
            return Problem(
                f"text is not verbatim at {start}..{end}: the source has {found!r}",
                (self.place(start, end),),
            )
        return None


def locate(
    source: str, words: str, *, occurrence: int | None = None, after: str | None = None
) -> Span | Problem:
    """`SourceText(source).find(...)`, for a single look-up."""
    return SourceText(source).find(words, occurrence=occurrence, after=after)


def _quoted(words: str, limit: int = 60) -> str:
    short = _SPACES.sub(" ", words).strip()
    return repr(short if len(short) <= limit else short[: limit - 1] + "…")


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _where(after: str | None) -> str:
    return "" if after is None else f" after {_quoted(after)}"


def _listed(places: tuple[Place, ...]) -> str:
    return "; ".join(f"{p.start}..{p.end} {p.context!r}" for p in places)
