"""Full-text search for `q`: its syntax, what it searches, how it ranks.

The syntax (`phrases`), the same for incidents and quotes:

- A word is a run of letters and digits, in any case; anything else separates words. A
  word must begin a word of the text: `drone` finds "drone", "drones" and "anti-drone",
  not "androne". A `*` after it says the same (`drone*`).
- Words in double quotes are a phrase: whole words, following each other in that order
  within one text (`"rocket attack"`). A `*` after the phrase or after its last word makes
  that word a prefix (`"rocket att"*`); a quoted word alone is a whole word (`"drone"`
  finds "drone", not "drones").
- Every word and phrase must occur. Nothing else is syntax: the operators of FTS5 or of
  tsquery (`OR`, `NEAR`, `-`, `^`, `title:`, parentheses) are words or separators, and a
  last `"` without its pair is ignored. A `q` without a word is a 422 naming `q`.

An incident's texts are its title, its summary and each quote about it; a phrase lies
within one of them, a word anywhere. They are indexed the same way on both backends
(migration b7e4d2a91c3f): SQLite's FTS5 with its `unicode61` tokenizer (diacritics kept),
PostgreSQL's `simple` text search over the text lowercased by ICU with everything but
letters and digits made a space, so both split words at the same characters, fold the
same case and answer the same.

The rank (`sort=relevance`) is BM25 on SQLite (FTS5's `bm25`) and the cover density rank
on PostgreSQL (`ts_rank_cd`, normalised by the document's length), both weighting a match
in the title 10, in the summary 4 and in a quote 1 (`app.sql.dialect.WEIGHTS`).

How each backend writes a query, a match and a rank is `app.sql.dialect`'s (`TextMatch`,
`TextRank`); what is searched is here.
"""

import re

from sqlalchemy import ColumnElement

from app.errors import InvalidValue, ProblemItem
from app.sql.dialect import Phrase, TextMatch, TextRank

WORD = re.compile(r"[^\W_]+")


def words(q: str) -> list[str]:
    """The words of a search, lowercased; 422 if it has none."""
    found = list(dict.fromkeys(WORD.findall(q.lower())))
    if not found:
        raise _no_word()
    return found


def phrases(q: str) -> list[Phrase]:
    """The terms of `q` (the syntax above), each once, in their order; 422 if none."""
    q = q.lower()
    if q.count('"') % 2:  # an unpaired last quote is not syntax
        cut = q.rindex('"')
        q = q[:cut] + " " + q[cut + 1 :]
    parts = q.split('"')
    found: list[Phrase] = []
    for n, part in enumerate(parts):
        if n % 2 == 0:  # outside quotes: words, each a prefix
            found += [Phrase((w,), True) for w in WORD.findall(part)]
            continue
        quoted = tuple(WORD.findall(part))
        if quoted:
            starred = part.rstrip().endswith("*") or parts[n + 1].startswith("*")
            found.append(Phrase(quoted, starred))
    if not found:
        raise _no_word()
    return list(dict.fromkeys(found))


def _no_word() -> InvalidValue:
    message = "no word to search for: give letters or digits"
    return InvalidValue(f"q: {message}", [ProblemItem(param="q", message=message)])


def incident_match(
    q: str,
    countries: list[str] | None = None,
    *,
    driving: bool = True,
    probed: bool = False,
    keys: tuple[int, int] | None = None,
) -> ColumnElement[bool]:
    """The incident has every term of `q` in its texts (and is in one of `countries`, if
    given); `driving`: the matches are few; `probed`: the incidents tested are few; `keys`:
    among the matches that start in this range of search keys (`TextMatch`)."""
    found = phrases(q)
    return TextMatch("incident", found, countries or (), driving=driving, probed=probed, keys=keys)


def search_match(q: str, countries: list[str] | None = None, *, probed: bool = False) -> TextMatch:
    """The search row (`app.sql.dialect.SEARCH`) of an incident that has every term of `q`
    in its texts and is in one of `countries`, if given; `probed`: the statement tests few
    search rows (`TextMatch`)."""
    return TextMatch("incident_search", phrases(q), countries or (), probed=probed)


def quote_match(q: str) -> ColumnElement[bool]:
    """The quote has every term of `q` in its text."""
    return TextMatch("quote", phrases(q))


def relevance(match: TextMatch) -> ColumnElement[float]:
    """How well the search row of `match` matches, as a key that sorts the best first."""
    return TextRank(match)
