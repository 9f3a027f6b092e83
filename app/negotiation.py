"""Content negotiation: how much a request's `Accept` header wants a media type."""


def quality(accept: str, media_type: str) -> float:
    """The `q` that `accept` gives `media_type`, by its most specific matching range.

    RFC 9110 12.5.1: `text/html` beats `text/*`, which beats `*/*`; no match is 0, and so is
    an empty header (the caller decides what a request without preferences gets).
    """
    kind = media_type.split("/")[0]
    specificity = {media_type: 3, f"{kind}/*": 2, "*/*": 1}
    best, best_q = 0, 0.0
    for entry in accept.lower().split(","):
        media_range, *params = (part.strip() for part in entry.split(";"))
        rank = specificity.get(media_range, 0)
        if rank <= best:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best, best_q = rank, q
    return best_q
