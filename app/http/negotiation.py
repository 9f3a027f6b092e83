"""Proactive negotiation (RFC 9110 §12): the weighted lists of `Accept` and its kin."""

from collections.abc import Iterator


def weighted(header: str) -> Iterator[tuple[str, float]]:
    """The members of an `Accept`-style list, lowercased, with their weights (`q`, default
    1; one that does not parse is 0), §12.4.2."""
    for member in header.split(","):
        value, *params = member.split(";")
        weight = 1.0
        for param in params:
            name, _, number = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(number)
                except ValueError:
                    weight = 0.0
        yield value.strip().lower(), weight


def quality(accept: str, media_type: str) -> float:
    """The `q` that `accept` gives `media_type`, by its most specific matching range.

    RFC 9110 12.5.1: `text/html` beats `text/*`, which beats `*/*`; no match is 0, and so is
    an empty header (the caller decides what a request without preferences gets).
    """
    kind = media_type.split("/")[0]
    specificity = {media_type: 3, f"{kind}/*": 2, "*/*": 1}
    best, best_q = 0, 0.0
    for media_range, q in weighted(accept):
        rank = specificity.get(media_range, 0)
        if rank > best:
            best, best_q = rank, q
    return best_q
