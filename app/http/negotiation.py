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
