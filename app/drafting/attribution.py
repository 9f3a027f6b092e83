"""Who the article says blamed, claimed, denied or suspected whom: claims, not facts.

"X blamed Y" and "X accused Y" are `accused` (by X); "Y claimed responsibility" and "Y
said its fighters launched" are `claimed`; "Y denied" is `denied`; "X said Y was most
likely behind" is `suspected`; "no group claimed" and "never been claimed" say only that
nobody claimed the incident.
"""

import re
from dataclasses import dataclass

from app.drafting.actors import Actors, DraftActor
from app.drafting.text import Sentence
from app.vocab import Stance

_WHOM = re.compile(
    r"^\s*(?P<whom>[“\"]?[\w’'-]+(?:\s+[\w’'-]+){0,6}?[”\"]?)"
    r"(?=\s+(?:for|of|over|as|in|behind|was|were|is|are)\b|[,.;”\"]|$)"
)
RULES: list[tuple[Stance, re.Pattern[str], bool]] = [
    # (stance, the verb and what follows it up to whom, whether whom differs from who)
    ("accused", re.compile(r"\bblamed\s+(?:(?:it|them|the \w+)\s+)?on\b"), True),
    ("accused", re.compile(r"\b(?:blamed|accused)\b"), True),
    (
        "claimed",
        re.compile(
            r"\b(?:claimed responsibility|claimed the \w+|said its (?:fighters|members|men)"
            r" (?:had )?(?:launched|carried out|fired|sent|attacked))"
        ),
        False,
    ),
    ("denied", re.compile(r"\bdenied\b"), False),
    ("acknowledged", re.compile(r"\backnowledged\b"), False),
    (
        "suspected",
        re.compile(
            r"\b(?:said|says|believes?|suspects?)\s+(?:that\s+)?(?=.{0,80}?"
            r"(?:most likely|likely|probably|believed to be)[”\"]?\s+behind)"
        ),
        True,
    ),
]
_SUBJECT = re.compile(r"((?:[\w’'.-]+,?\s+){0,6}[\w’'.-]+),?\s+$")
_AUXILIARIES = re.compile(r"(?:\s+(?:has|have|had|also|was|were|is|are|not|never))+$", re.I)
_NOBODY = re.compile(
    r"\bno (?:group|one|organi[sz]ation|faction)(?: has| had)? (?:yet |immediately )?claimed\b"
    r"|\b(?:has|have|had) (?:never|not|yet to) been claimed\b|\bunclaimed\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,;:(]|\b(?:that|which|who|as|when|while|but|and|after)\s", re.I)


@dataclass
class Claim:
    stance: Stance
    actor: DraftActor
    """Who the incident is attributed to."""
    by: DraftActor | None
    sentence: Sentence
    words: str


def claims(sentences: list[Sentence], actors: Actors) -> tuple[list[Claim], list[Sentence]]:
    """The claims the sentences make, and the sentences saying nobody claimed."""
    found: list[Claim] = []
    unclaimed = [s for s in sentences if _NOBODY.search(s.text)]
    for sentence in sentences:
        nobody = _NOBODY.search(sentence.text)
        for stance, rx, other in RULES:
            if nobody and stance == "claimed":
                continue
            m = rx.search(sentence.text)
            subject = _SUBJECT.search(sentence.text, 0, m.start()) if m else None
            if m is None or subject is None:
                continue
            who = _AUXILIARIES.sub("", _CLAUSE.split(subject.group(1))[-1].strip(" ,"))
            at = sentence.start + subject.start(1)
            by, _ = actors.resolve(who, at) if who else (None, None)
            whom = by
            if other:
                target = _WHOM.match(sentence.text[m.end() :])
                if target is None:
                    continue
                whom_at = sentence.start + m.end() + target.start("whom")
                whom, _ = actors.resolve(target.group("whom").strip('“”" '), whom_at)
            if whom is not None:
                words = sentence.text[subject.start(1) : m.end()]
                found.append(Claim(stance, whom, by, sentence, words))
            break
    return found, unclaimed
