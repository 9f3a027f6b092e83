"""Paragraphs, sentences, slugs and number words: the plain text tools the rules share."""

import re
import unicodedata
from dataclasses import dataclass

MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
ABBREVIATIONS = {
    *MONTHS,
    *"mr mrs ms dr gen lt col maj capt sgt cpl adm gov sen rep rev st mt no nos jr sr".split(),
    *"prof inc corp ltd co vs etc approx brig cmdr u.s u.k u.n e.g i.e".split(),
}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "a dozen": 12,
    "a hundred": 100,
}
VAGUE_QUANTITIES = ("dozens", "scores", "hundreds", "thousands", "several", "many", "some")
NUMBER = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+|a dozen|a hundred|(?:twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one|two|three"
    r"|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|hundred|single|an?)"
)
"""A count as articles write it: digits, or number words up to ninety-nine."""


def number_value(words: str) -> int | None:
    """The value of a count matched by NUMBER (`five`, `1,200`, `twenty-two`); None if vague."""
    words = words.lower().strip()
    if words.replace(",", "").isdigit():
        return int(words.replace(",", ""))
    if words in NUMBER_WORDS:
        return NUMBER_WORDS[words]
    tens, _, unit = words.replace("-", " ").partition(" ")
    if tens in NUMBER_WORDS and unit in NUMBER_WORDS:
        return NUMBER_WORDS[tens] + NUMBER_WORDS[unit]
    return None


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END = re.compile(r"[.!?…]+[”’\"')\]]*(?=\s+[“‘\"'(\[]?[A-Z0-9])")
_LAST_WORD = re.compile(r"([\w.]+)\.$")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: blank-line separated, or each line if there are none."""
    breaker = _PARAGRAPH_BREAK if _PARAGRAPH_BREAK.search(text) else re.compile(r"\n\s*")
    spans, pos = [], 0
    for brk in breaker.finditer(text):
        spans.append((pos, brk.start()))
        pos = brk.end()
    spans.append((pos, len(text)))
    return [(s, e) for s, e in (_trim(text, s, e) for s, e in spans) if e > s]


def sentences(text: str) -> list[Sentence]:
    """Every sentence, in order, within its paragraph (abbreviations and initials kept whole)."""
    out = []
    for n, (p_start, p_end) in enumerate(paragraphs(text)):
        pos = p_start
        for stop in _SENTENCE_END.finditer(text, p_start, p_end):
            word = _LAST_WORD.search(text, max(p_start, stop.start() - 12), stop.start() + 1)
            if word and (word.group(1).lower() in ABBREVIATIONS or len(word.group(1)) == 1):
                continue
            out.append((pos, stop.end(), n))
            pos = stop.end()
        out.append((pos, p_end, n))
    result = []
    for start, end, n in out:
        start, end = _trim(text, start, end)
        if end > start:
            result.append(Sentence(start, end, text[start:end], n))
    return result


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def slug(text: str, limit: int = 80) -> str:
    """An id from words: ASCII, lower case, hyphens; cut at a hyphen within `limit`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(out) > limit:
        out = out[:limit].rsplit("-", 1)[0]
    return out or "item"


def fold_name(name: str) -> str:
    """A name as names are compared: no accents, case, apostrophes, hyphens or leading `the`."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)
