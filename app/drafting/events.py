"""Which sentences report an event, how they group, and the ACLED type their words suggest.

A group starts at a sentence with an event word ("targeted", "fired", "clashes") and takes
the sentences after it that carry on (quotes, casualties, "the base", claims) until one
gives another date, another country, or reports nothing of the kind. A group with a date
and a place becomes an incident.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from app.drafting.dates import DateMention
from app.drafting.places import Place
from app.drafting.text import Sentence

_EVENT = re.compile(
    r"\b(?:attack(?:s|ed)?|target(?:s|ed)|struck|strikes?|fired|shell(?:ed|ing)|shot down"
    r"|intercepted|killed|killing|exploded|explosions?|blasts?|bombings?|clash(?:es|ed)?"
    r"|fought|fighting|raids?|raided|ambush(?:ed)?|under fire|landed|hit|launched|stormed"
    r"|commemorat\w+|protest(?:s|ed|ers)?|demonstrat\w+|arrested|detained|seized"
    r"|kidnapped|abducted|rall(?:y|ies|ied)|funeral)\b",
    re.IGNORECASE,
)
_CARRIES_ON = re.compile(
    r"\b(?:casualt\w+|damage|killed|injured|wounded|dead|impact\w*|rounds?|rockets?|missiles?"
    r"|drones?|blamed|claimed|denied|responsibility|the (?:base|attack|strike|town|village))\b",
    re.IGNORECASE,
)

# (sub-event type, event type, words), strongest first.
EVENT_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    (
        "Other",
        "Strategic developments",
        re.compile(r"\b(?:commemorat\w+|ceremon\w+|funerals?|memorials?)\b", re.I),
    ),
    ("Suicide bomb", "Explosions/Remote violence", re.compile(r"\bsuicide\b", re.I)),
    (
        "Air/drone strike",
        "Explosions/Remote violence",
        re.compile(
            r"\b(?:air ?strikes?|drone strikes?|(?:armed )?drones?|warplanes?|jets)\b", re.I
        ),
    ),
    (
        "Shelling/artillery/missile attack",
        "Explosions/Remote violence",
        re.compile(
            r"\b(?:rockets?|missiles?|mortars?|shell(?:s|ed|ing)?|artillery|indirect fire)\b", re.I
        ),
    ),
    (
        "Remote explosive/landmine/IED",
        "Explosions/Remote violence",
        re.compile(r"\b(?:roadside bombs?|IEDs?|landmines?|car bombs?|explosive devices?)\b", re.I),
    ),
    ("Grenade", "Explosions/Remote violence", re.compile(r"\bgrenades?\b", re.I)),
    (
        "Abduction/forced disappearance",
        "Violence against civilians",
        re.compile(r"\b(?:kidnapped|abducted|abduction)\b", re.I),
    ),
    (
        "Armed clash",
        "Battles",
        re.compile(r"\b(?:clash(?:es|ed)?|fought|fighting|gunfight|firefight|battle)\b", re.I),
    ),
    ("Attack", "Violence against civilians", re.compile(r"\b(?:massacre|gunmen)\b", re.I)),
    ("Violent demonstration", "Riots", re.compile(r"\briot(?:s|ers|ing)?\b", re.I)),
    (
        "Peaceful protest",
        "Protests",
        re.compile(r"\b(?:protest(?:s|ed|ers)?|demonstrat\w+|rall(?:y|ies|ied))\b", re.I),
    ),
    (
        "Disrupted weapons use",
        "Strategic developments",
        re.compile(r"\b(?:shot down|intercepted|defused|seized)\b", re.I),
    ),
    ("Arrests", "Strategic developments", re.compile(r"\b(?:arrested|detained)\b", re.I)),
    # A bare "strike" in a conflict report is most often from the air.
    ("Air/drone strike", "Explosions/Remote violence", re.compile(r"\bstrikes?\b", re.I)),
]
_ATTACK = re.compile(r"\b(?:target\w*|attack\w*|struck|hit|fired|launched)\b", re.I)


def event_type(words: str) -> tuple[str, str, str]:
    """(event type, sub-event type, the words that suggested it) for a group's text."""
    intercepted = re.search(r"\b(?:shot down|intercepted)\b", words, re.I)
    for sub, kind, rx in EVENT_RULES:
        if m := rx.search(words):
            if intercepted and sub == "Air/drone strike" and not _ATTACK.search(words):
                return "Strategic developments", "Disrupted weapons use", intercepted.group(0)
            return kind, sub, m.group(0)
    return "Strategic developments", "Other", ""


class _Positioned(Protocol):
    @property
    def start(self) -> int: ...


T = TypeVar("T", bound=_Positioned)


@dataclass
class Group:
    sentences: list[Sentence] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    @property
    def date(self) -> DateMention | None:
        return self.dates[0] if self.dates else None

    @property
    def countries(self) -> set[str]:
        return {p.country for p in self.places if p.country and p.locative}

    @property
    def start(self) -> int:
        return self.sentences[0].start

    @property
    def end(self) -> int:
        return self.sentences[-1].end

    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def place(self) -> Place | None:
        """The most specific place the group names as a place; None if it only names
        several countries (a summary, not one event)."""
        located = [p for p in self.places if p.locative and p.country]
        if not located:
            return None
        best = max(p.rank for p in located)
        top = [p for p in located if p.rank == best]
        if best == 1 and len({p.country for p in top}) > 1:
            return None
        return top[0]


def _within(items: list[T], sentence: Sentence) -> list[T]:
    """The items (sorted by start) that start in the sentence."""
    starts = [x.start for x in items]
    return items[bisect_left(starts, sentence.start) : bisect_left(starts, sentence.end)]


def group_sentences(
    sentences: list[Sentence], dates: list[DateMention], places: list[Place]
) -> list[Group]:
    """The sentence groups that report events, in order."""
    groups: list[Group] = []
    current: Group | None = None
    last: Sentence | None = None
    for sentence in sentences:
        own_dates = _within(dates, sentence)
        own_places = [p for p in _within(places, sentence) if p.locative]
        eventful = bool(_EVENT.search(sentence.text))
        if current is not None:
            if current.date is None:
                # A dated event in a new paragraph is a new event, not this one's date.
                new_date = bool(
                    own_dates and eventful and last and sentence.paragraph != last.paragraph
                )
            else:
                new_date = bool(
                    own_dates
                    and (own_dates[0].first, own_dates[0].last)
                    != (current.date.first, current.date.last)
                )
            countries = {p.country for p in own_places if p.country}
            new_country = (
                countries and current.countries and countries.isdisjoint(current.countries)
            )
            quoted = sentence.text[:1] in '“"«'
            carries_on = eventful or quoted or bool(_CARRIES_ON.search(sentence.text))
            if not new_date and not new_country and carries_on:
                last = sentence
                current.sentences.append(sentence)
                current.dates += own_dates
                current.places += own_places
                continue
            groups.append(current)
            current = None
        if eventful:
            current, last = Group([sentence], own_dates, own_places), sentence
    if current is not None:
        groups.append(current)
    return groups
