"""Dates the article writes, resolved against its publication date, each with its basis.

News reports date events by weekday ("on Tuesday"), relative words ("yesterday", "last
week"), and calendar dates with or without a year. A weekday is the latest such day on or
before the publication date (the report looks back), unless the sentence looks ahead
("will", "next"). A date without a year is the latest one on or before publication.
"N days after ..." counts from the date the article gave last; "since then" runs from
that date to publication.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from app.drafting.text import MONTHS, NUMBER, number_value
from app.vocab import DatePrecision

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH = (
    r"(?P<month>" + "|".join(m.title() for m in sorted(MONTHS, key=len, reverse=True)) + r")\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|2\d)\d\d)"
_PATTERNS = [
    ("month_day_year", rf"\b{_MONTH} {_DAY},? {_YEAR}\b"),
    ("day_month_year", rf"\b{_DAY} {_MONTH},? {_YEAR}\b"),
    ("month_year", rf"\b{_MONTH},? {_YEAR}\b"),
    ("month_day", rf"\b{_MONTH} {_DAY}\b(?!,? \d)"),
    ("day_month", rf"\b{_DAY} {_MONTH}\b"),
    (
        "weekday",
        r"\b(?P<which>(?i:last|next|this) )?(?P<weekday>"
        + "|".join(d.title() for d in WEEKDAYS)
        + r")\b",
    ),
    ("yesterday", r"(?i:\byesterday\b|\blast night\b)"),
    ("today", r"(?i:\btoday\b|\bthis (?:morning|afternoon|evening)\b|\btonight\b)"),
    ("period", r"\b(?P<rel>(?i:last|this|earlier this)) (?P<unit>week|month|year)\b"),
    ("year", rf"\b(?i:in|since|during|of) {_YEAR}\b"),
    (
        "offset",
        rf"\b(?P<n>(?i:{NUMBER})) (?P<unit>day|week)s? (?P<dir>after|before|later|earlier"
        rf"|ago)\b",
    ),
    ("since_then", r"\b(?i:since then)\b"),
]
_COMPILED = [(name, re.compile(rx)) for name, rx in _PATTERNS]
_AHEAD = re.compile(r"\b(?:will|would|is due|are due|plans? to|scheduled|upcoming)\b", re.I)
_RELEASE = re.compile(
    r"\b(?:released|published|posted|issued|shared|circulated|broadcast)\s+(?:on\s+)?$", re.I
)


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    first: date
    last: date
    precision: DatePrecision
    basis: str
    """How the words became the date, for the record's notes."""
    release: bool = False
    """It dates the release of something (an image, a statement), not an event."""


def _day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _span_text(first: date, last: date) -> str:
    return _day_text(first) if first == last else f"{_day_text(first)} to {_day_text(last)}"


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def find_dates(text: str, published: date) -> list[DateMention]:
    """Every date expression in `text`, in order, resolved (those that cannot be are left out)."""
    out: list[DateMention] = []
    for kind, m in _matches(text):
        resolved = _resolve(kind, m, text, published, out[-1] if out else None)
        if resolved is None:
            continue
        first, last, precision, basis = resolved
        head = text[max(0, m.start() - 40) : m.start()]
        release = bool(_RELEASE.search(head))
        if head.lower().endswith("since ") and kind != "since_then" and first <= published:
            last, precision = published, "range"
            basis += f", from which it runs to publication ({_day_text(published)})"
        words = m.group(0)
        out.append(
            DateMention(
                m.start(),
                m.end(),
                words,
                first,
                last,
                precision,
                f"“{words}”: {basis}",
                release,
            )
        )
    return [d for n, d in enumerate(out) if not _superseded(text, d, out[n + 1 : n + 2])]


_OFFSET = re.compile(rf"(?i:{NUMBER}) (?:day|week)s? (?:after|before|later|earlier)$")


def _superseded(text: str, mention: DateMention, following: list[DateMention]) -> bool:
    """An offset ("three days after") followed by a date in its sentence relates two events:
    the sentence's date is the one given, not the count."""
    if not following or not _OFFSET.fullmatch(mention.text):
        return False
    between = text[mention.end : following[0].start]
    return "." not in between and "\n" not in between


def _matches(text: str) -> list[tuple[str, re.Match[str]]]:
    """The matches of every pattern, in order, none overlapping (the first pattern listed
    wins at one place: a full date over a month and day)."""
    found = sorted(
        (
            (m.start(), n, kind, m)
            for n, (kind, rx) in enumerate(_COMPILED)
            for m in rx.finditer(text)
        ),
        key=lambda item: item[:2],
    )
    out, reached = [], 0
    for start, _, kind, m in found:
        if start >= reached:
            out.append((kind, m))
            reached = m.end()
    return out


def _ahead(text: str, m: re.Match[str]) -> bool:
    """Whether the sentence around a weekday looks ahead ("will meet on Friday")."""
    start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
    return bool(_AHEAD.search(text, start, m.start()))


def _resolve(
    kind: str, m: re.Match[str], text: str, published: date, previous: DateMention | None
) -> tuple[date, date, DatePrecision, str] | None:
    g = m.groupdict()
    pub = _day_text(published)
    month = MONTHS.get((g.get("month") or "").lower().rstrip("."))
    try:
        if kind in ("month_day_year", "day_month_year") and month:
            day = date(int(g["year"]), month, int(g["day"]))
            return day, day, "day", "a calendar date"
        if kind == "month_year" and month:
            year = int(g["year"])
            return date(year, month, 1), _month_end(year, month), "month", "a month"
        if kind in ("month_day", "day_month") and month:
            day = date(published.year, month, int(g["day"]))
            if day > published:
                day = day.replace(year=published.year - 1)
            basis = f"no year given: the latest such date on or before publication ({pub})"
            return day, day, "day", basis
    except ValueError:
        return None
    if kind == "weekday":
        wanted = WEEKDAYS.index(g["weekday"].lower())
        which = (g.get("which") or "").strip().lower()
        back = (published.weekday() - wanted) % 7
        if which == "next" or (which != "last" and _ahead(text, m)):
            day = published + timedelta(days=(wanted - published.weekday()) % 7 or 7)
            basis = f"the first such day after publication ({pub}): the sentence looks ahead"
        else:
            day = published - timedelta(days=back or (7 if which == "last" else 0))
            basis = f"the latest such day on or before publication ({pub})"
        return day, day, "day", basis
    if kind == "yesterday":
        day = published - timedelta(days=1)
        return day, day, "day", f"the day before publication ({pub})"
    if kind == "today":
        return published, published, "day", f"the day of publication ({pub}), taken as said then"
    if kind == "period":
        return _period(g["rel"].lower(), g["unit"].lower(), published)
    if kind == "year":
        year = int(g["year"])
        return date(year, 1, 1), date(year, 12, 31), "year", "a year"
    if kind == "offset":
        return _offset(g, published, previous)
    if kind == "since_then" and previous is not None and previous.first <= published:
        basis = f"from the date given just before ({_day_text(previous.first)}) to publication"
        return previous.first, published, "range", basis
    return None


def _period(rel: str, unit: str, published: date) -> tuple[date, date, DatePrecision, str] | None:
    pub = _day_text(published)
    if unit == "week":
        monday = published - timedelta(days=published.weekday())
        if rel == "last":
            first = monday - timedelta(days=7)
            return first, first + timedelta(days=6), "week", f"the week before that of {pub}"
        return monday, published, "week", f"the week of publication ({pub}), up to it"
    if unit == "month":
        if rel == "last":
            end = published.replace(day=1) - timedelta(days=1)
            return end.replace(day=1), end, "month", f"the month before that of {pub}"
        return published.replace(day=1), published, "month", f"the month of {pub}, up to it"
    if rel == "last":
        year = published.year - 1
        return date(year, 1, 1), date(year, 12, 31), "year", f"the year before that of {pub}"
    return date(published.year, 1, 1), published, "year", f"the year of {pub}, up to it"


def _offset(
    g: dict[str, str], published: date, previous: DateMention | None
) -> tuple[date, date, DatePrecision, str] | None:
    n = number_value(g["n"])
    if n is None:
        return None
    unit, direction = g["unit"].lower(), g["dir"].lower()
    days = {"day": 1, "week": 7}.get(unit)
    if days is None:  # months and years are too coarse to count in days here
        return None
    sign = -1 if direction in ("before", "earlier", "ago") else 1
    if direction == "ago":
        anchor, said = published, f"publication ({_day_text(published)})"
    elif previous is not None and previous.first == previous.last:
        anchor, said = previous.first, f"the date given just before ({_day_text(previous.first)})"
    else:
        return None
    day = anchor + timedelta(days=sign * n * days)
    basis = f"counted from {said}, read as the day the words refer to"
    return day, day, "day", basis


def shifted(mention: DateMention, precision: DatePrecision, note: str) -> DateMention:
    """The mention with another precision and a note added to its basis."""
    return replace(mention, precision=precision, basis=f"{mention.basis}; {note}")


def describe(first: date, last: date) -> str:
    return _span_text(first, last)
