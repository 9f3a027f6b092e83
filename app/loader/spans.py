"""The spans of a bundle: where each excerpt, quote and attribution excerpt is in the source.

A span given is checked as given: the text at it must be the given text, exactly. A text
given alone is found in the source by the quoting matcher (`app.quoting`), with its
`occurrence` or `after` where its words occur more than once, and gets the span found and
the source's own characters as its text. The bundle that comes out is the form that is
fingerprinted, stored and exported: a bundle written by quoting and the same bundle with
its spans are one bundle.
"""

from typing import Any

from app.errors import ProblemItem
from app.quoting import Problem, SourceText
from app.schemas.bundle import LOCATING


def _whole(value: Any) -> int | None:
    """An offset or a count as JSON gives it (5 or 5.0); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


class _Finder:
    def __init__(self, text: str) -> None:
        self.source = SourceText(text)
        self.errors: list[ProblemItem] = []

    def err(self, field: str, message: str) -> None:
        self.errors.append(ProblemItem(field=field, message=message))

    def locating_only_without_span(self, field: str, item: dict[str, Any]) -> None:
        for key in LOCATING:
            if item.get(key) is not None:
                self.err(
                    f"{field}.{key}",
                    f"{key} says where to find a text given without its span; this one has "
                    "its span: leave out one or the other",
                )

    def check(self, field: str, span: dict[str, Any], text: Any) -> None:
        start, end = _whole(span.get("start")), _whole(span.get("end"))
        if start is not None and end is not None and isinstance(text, str):
            if problem := self.source.check(start, end, text):
                self.err(field, problem.message)

    def find(self, field: str, item: dict[str, Any]) -> tuple[int, int] | None:
        """The span of a text given alone (its text becomes the source's), or None."""
        text, after = item.get("text"), item.get("after")
        occurrence = item.get("occurrence")
        if occurrence is not None:
            occurrence = _whole(occurrence)
            if occurrence is None or occurrence < 1:
                return None  # not a count: the schema's error
        if not isinstance(text, str) or not text:
            return None  # no words to look for: the schema's error
        if after is not None and not (isinstance(after, str) and after):
            return None  # the schema's error
        found = self.source.find(text, occurrence=occurrence, after=after)
        if isinstance(found, Problem):
            self.err(f"{field}.{found.about}", found.message)
            return None
        item["text"] = found.text
        for key in LOCATING:
            item.pop(key, None)
        return found.start, found.end

    def excerpt(self, field: str, excerpt: Any) -> Any:
        """An excerpt (of an incident or an attribution): `start`, `end` and `text` in one."""
        if not isinstance(excerpt, dict):
            return excerpt
        excerpt = dict(excerpt)
        given = [excerpt.get(key) is not None for key in ("start", "end")]
        if any(given):
            if not all(given):
                missing = "end" if given[0] else "start"
                self.err(
                    f"{field}.{missing}",
                    "start and end go together: give both, or neither for the text to be "
                    "found in the source",
                )
            self.locating_only_without_span(field, excerpt)
            self.check(field, excerpt, excerpt.get("text"))
        elif found := self.find(field, excerpt):
            excerpt["start"], excerpt["end"] = found
        return excerpt

    def quote(self, field: str, quote: Any) -> Any:
        """A quote: its `text`, and its `span` apart."""
        if not isinstance(quote, dict):
            return quote
        quote = dict(quote)
        span = quote.get("span")
        if span is not None:
            self.locating_only_without_span(field, quote)
            if isinstance(span, dict):
                self.check(f"{field}.span", span, quote.get("text"))
        elif found := self.find(field, quote):
            quote["span"] = dict(zip(("start", "end"), found, strict=True))
        return quote


def _records(parent: dict[str, Any], key: str) -> list[Any] | None:
    value = parent.get(key)
    return value if isinstance(value, list) else None


def resolve_spans(data: Any) -> tuple[Any, list[ProblemItem]]:
    """`data` with every span found (a copy: the caller's data is left as it is), and the
    problems of its spans, each naming its field. Whatever is not shaped as a bundle is
    left as it is, for the schema to report."""
    source = data.get("source") if isinstance(data, dict) else None
    text = source.get("text") if isinstance(source, dict) else None
    if not isinstance(text, str):
        return data, []  # nothing to check a span against: the checker says so
    finder = _Finder(text)
    data = dict(data)
    if (quotes := _records(data, "quotes")) is not None:
        data["quotes"] = [finder.quote(f"quotes[{n}]", q) for n, q in enumerate(quotes)]
    if (incidents := _records(data, "incidents")) is not None:
        data["incidents"] = [
            _incident(finder, f"incidents[{n}]", inc) for n, inc in enumerate(incidents)
        ]
    return data, finder.errors


def _incident(finder: _Finder, field: str, incident: Any) -> Any:
    if not isinstance(incident, dict):
        return incident
    incident = dict(incident)
    if (excerpts := _records(incident, "excerpts")) is not None:
        incident["excerpts"] = [
            finder.excerpt(f"{field}.excerpts[{k}]", ex) for k, ex in enumerate(excerpts)
        ]
    if (attributions := _records(incident, "attributions")) is not None:
        incident["attributions"] = [
            _attribution(finder, f"{field}.attributions[{k}]", at)
            for k, at in enumerate(attributions)
        ]
    return incident


def _attribution(finder: _Finder, field: str, attribution: Any) -> Any:
    if not isinstance(attribution, dict) or attribution.get("excerpt") is None:
        return attribution
    attribution = dict(attribution)
    attribution["excerpt"] = finder.excerpt(f"{field}.excerpt", attribution["excerpt"])
    return attribution
