"""Who the article names: people with their titles as written, organisations, states.

A name is matched to the record's actors by name or alias first, then to those the
draft already proposed; otherwise a new actor is proposed, its id a slug of its name.
"He", "it", "the official", "the group" and a bare surname ("Kirby") point back to the
last such actor named.
"""

import re
from dataclasses import dataclass, field

from app.drafting.known import Known, KnownActor
from app.drafting.places import capitals, country_code
from app.drafting.text import fold_name, slug
from app.vocab import ActorKind

TITLE_WORDS = {
    *"President Prime Minister General Gen Major Maj Colonel Col Lieutenant Lt".split(),
    *"Captain Capt".split(),
    *"Sergeant Sgt Admiral Adm Commander Governor Gov Secretary Spokesman Spokeswoman".split(),
    *"Spokesperson Chief Director Head Senator Sen Ambassador Mayor Sheikh King Queen".split(),
    *"Prince Brigadier Marshal Dr Mr Mrs Ms Foreign Defence Defense Interior Deputy Vice".split(),
    *"Regional Police Army Commissioner Judge Justice Pope Imam Ayatollah Emir Lord Sir".split(),
    *"Representative Rep Officer Chairman Speaker".split(),
}
"""Capitalised words that are a title, not a name ("Major General John Brennan Jr")."""
SUFFIXES = {"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV"}
PERSON_NOUNS = {
    *"official officials spokesman spokeswoman spokesperson source sources commander".split(),
    *"officer diplomat minister governor president general colonel chief envoy".split(),
    *"ambassador analyst witness resident leader head mayor police".split(),
}
ORG_NOUNS: dict[str, ActorKind] = {
    "coalition": "coalition",
    "alliance": "umbrella_group",
    "front": "umbrella_group",
    "factions": "umbrella_group",
    "groups": "umbrella_group",
    "brigade": "militia",
    "brigades": "militia",
    "legion": "militia",
    "militia": "militia",
    "militias": "militia",
    "battalion": "militia",
    "group": "armed_group",
    "movement": "armed_group",
    "organisation": "armed_group",
    "organization": "armed_group",
    "rebels": "armed_group",
    "ministry": "government_body",
    "department": "government_body",
    "government": "government_body",
    "pentagon": "government_body",
    "office": "government_body",
    "council": "government_body",
    "agency": "government_body",
    "officials": "government_body",
    "police": "state_forces",
    "army": "state_forces",
    "military": "state_forces",
    "forces": "state_forces",
    "guard": "state_forces",
    "navy": "state_forces",
    "command": "state_forces",
}
_PARTICLES = {"al", "el", "bin", "ibn", "de", "van", "von", "der", "da", "du", "la", "le", "abu"}
_NAME_TOKEN = re.compile(r"^(?:(?:al|el|bin|ibn|abu)-)?[A-Z][\w’'.-]*$")
_UNNAMED = re.compile(
    r"^(?P<mod>.*?)\s*\b(?P<noun>(?:official|spokesman|spokeswoman|spokesperson|source|officer"
    r"|diplomat|commander)s?)$",
    re.IGNORECASE,
)
_ORG_HEADS = "|".join(n.title() for n in ORG_NOUNS if n not in ("officials", "groups", "factions"))
_ORGANISATION = re.compile(
    rf"\b(?!(?:The|A|An|In|On)\b)(?:[A-Z][\w’'-]*\s+){{1,4}}(?:{_ORG_HEADS})\b|\bPentagon\b"
)
_PREFIX = re.compile(r"(?:(?:[A-Z][\w’'-]*|[a-z]+-led) )+$")
_NOT_PREFIX = {"A", "An", "The", "In", "On"}
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an|one|another|its|their)\s+", re.IGNORECASE)
_STATEMENT = re.compile(r"^(?P<org>.+?)\s+(?:statement|communique|communiqué)$", re.IGNORECASE)


@dataclass
class DraftActor:
    id: str
    name: str
    kind: ActorKind
    known: bool
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    parent_id: str | None = None
    notes: list[str] = field(default_factory=list)
    title: str | None = None
    """The last title the article gave them."""

    @property
    def person(self) -> bool:
        return self.kind == "person"


def split_person(phrase: str) -> tuple[str, str | None]:
    """(name, title as written) of "coalition head Major General John Brennan Jr"; the name
    is empty when the phrase names nobody ("a coalition official")."""
    words = _LEADING_ARTICLE.sub("", phrase.strip()).split()
    n = len(words)
    while n > 0:
        word = words[n - 1]
        bare = word.rstrip(",.")
        name_like = _NAME_TOKEN.match(bare) and bare.rstrip(".") not in TITLE_WORDS
        if not (name_like or bare in SUFFIXES or (bare.lower() in _PARTICLES and n < len(words))):
            break
        n -= 1
    name_words = words[n:]
    while name_words and name_words[0] in _PARTICLES:
        n, name_words = n + 1, name_words[1:]
    name = " ".join(name_words).rstrip(",.")
    title = " ".join(words[:n]).strip(" ,") or None
    return name, title


class Actors:
    """The actors of one draft, and the order they were named in (for "he", "the group")."""

    def __init__(self, known: Known, text: str) -> None:
        self.text = text
        self.actors: dict[str, DraftActor] = {}
        self.mentions: list[tuple[int, str]] = []
        self._known: dict[str, KnownActor] = {}
        for actor in known.actors:
            for name in (actor.name, *actor.aliases):
                self._known.setdefault(fold_name(name), actor)
        self._known_ids = {a.id for a in known.actors}
        self._fullest: dict[str, str] = {}

    def named_organisations(self, outside: list[tuple[int, int]]) -> None:
        """Register the organisations the narrative names ("The Brackwater Brigade denied"),
        outside quotations, so that "the group" can point back to them."""
        for m in _ORGANISATION.finditer(self.text):
            if not any(a <= m.start() < b for a, b in outside):
                self.mentioned(self.organisation(m.group(0), m.start()), m.start())
        self.mentions.sort(key=lambda item: item[0])

    def mentioned(self, actor: DraftActor, at: int) -> DraftActor:
        self.mentions.append((at, actor.id))
        return actor

    def _lookup(self, name: str) -> DraftActor | None:
        key = fold_name(name)
        if not key:
            return None
        for actor in self.actors.values():
            if key in {fold_name(n) for n in (actor.name, *actor.aliases)}:
                return actor
        known = self._known.get(key)
        if known is None:
            return None
        actor = DraftActor(known.id, known.name, known.kind, True, list(known.aliases))  # type: ignore[arg-type]
        actor.country = known.country
        self.actors[actor.id] = actor
        return actor

    def _new(self, name: str, kind: ActorKind, **values: object) -> DraftActor:
        base = slug(name)
        actor_id, n = base, 1
        while actor_id in self.actors or actor_id in self._known_ids:
            n += 1
            actor_id = f"{base}-{n}"
        actor = DraftActor(actor_id, name, kind, False, **values)  # type: ignore[arg-type]
        self.actors[actor_id] = actor
        return actor

    def _alias(self, actor: DraftActor, written: str) -> None:
        if not actor.known and fold_name(written) not in {
            fold_name(n) for n in (actor.name, *actor.aliases)
        }:
            actor.aliases.append(written)

    def last(self, at: int, *, person: bool | None, noun: str | None = None) -> DraftActor | None:
        """The last actor named before `at`: a person or not, whose name or title has `noun`."""
        fallback = None
        for pos, actor_id in reversed(self.mentions):
            actor = self.actors[actor_id]
            if pos >= at or (person is not None and actor.person != person):
                continue
            words = fold_name(f"{actor.name} {actor.title or ''} {' '.join(actor.aliases)}")
            if noun is None or noun in words.split():
                return actor
            fallback = fallback or actor
        return fallback

    def resolve(self, phrase: str, at: int) -> tuple[DraftActor | None, str | None]:
        """The actor a phrase names (and the title it gives), proposing one if needed."""
        phrase = phrase.strip(" ,.;:“”\"'‘’")
        bare = _LEADING_ARTICLE.sub("", phrase)
        lower = bare.lower()
        if not bare:
            return None, None
        if lower in ("he", "she", "him", "her"):
            return self._back(self.last(at, person=True), at), None
        if lower in ("it", "they", "them"):
            return self._back(self.last(at, person=False), at), None
        if phrase.lower().startswith("the ") and len(bare.split()) == 1:
            found = self.last(at, person=lower in PERSON_NOUNS, noun=lower.rstrip("s"))
            if found is not None:
                return self.mentioned(found, at), None
        if (actor := self._lookup(bare)) is not None:
            return self.mentioned(actor, at), actor.title
        if statement := _STATEMENT.match(bare):
            return self.resolve(statement.group("org"), at)[0], None
        if (state := self._state(bare)) is not None:
            return self.mentioned(state, at), None
        name, title = split_person(bare)
        if unnamed := _UNNAMED.match(bare):
            if not name or len(name.split()) == 1 and name in bare.split()[:1]:
                return self._unnamed(unnamed.group("mod"), unnamed.group("noun"), at), None
        if name and fold_name(name.split()[-1]) not in ORG_NOUNS:
            named = self._person(name, title, at)
            if named is not None:
                return self.mentioned(named, at), named.title
        return self.mentioned(self.organisation(bare, at), at), None

    def _back(self, actor: DraftActor | None, at: int) -> DraftActor | None:
        return self.mentioned(actor, at) if actor is not None else None

    def _state(self, words: str) -> DraftActor | None:
        code = country_code(words) or capitals().get(fold_name(words))
        if code is None:
            return None
        from app.countries import country_name

        name = country_name(code) or code
        actor = self._lookup(name) or self._new(name, "state", country=code)
        self._alias(actor, words)
        return actor

    def _person(self, name: str, title: str | None, at: int) -> DraftActor | None:
        if len(name.split()) == 1:
            earlier = self._surname(name, at)
            if earlier is None:
                return None
            actor = earlier
            self._alias(actor, name)
        else:
            actor = self._lookup(name) or self._new(name, "person")
        if title:
            actor.title = title
        return actor

    def _surname(self, surname: str, at: int) -> DraftActor | None:
        """A person named in full before, whose last name this is."""
        for actor in self.actors.values():
            if actor.person and actor.name.split()[-1] == surname:
                return actor
        pattern = rf"((?:[A-Z][\w’'.-]*\s+){{1,3}}){re.escape(surname)}\b"
        for m in re.finditer(pattern, self.text[:at]):
            name, title = split_person(m.group(0))
            if len(name.split()) > 1:
                before = self.text[max(0, m.start() - 60) : m.start()].split("\n")[-1]
                lead = re.split(r"[,.;:“”\"]", before)[-1].strip()
                actor = self._lookup(name) or self._new(name, "person")
                actor.title = " ".join(x for x in (lead, title) if x) or None
                return actor
        return None

    def _unnamed(self, modifier: str, noun: str, at: int) -> DraftActor:
        modifier = modifier.strip()
        org = None
        if modifier:
            org = self._lookup(modifier) or self._state(modifier)
            if org is None and fold_name(modifier).split()[-1] in ORG_NOUNS:
                org = self.organisation(modifier, at)
        description = f"{modifier} {noun}".strip()
        name = description[:1].upper() + description[1:] + " (unnamed)"
        actor = self._lookup(name) or self._new(name, "person")
        if org is not None:
            actor.parent_id = org.id
            self.mentioned(org, at)
        return self.mentioned(actor, at)

    def _fuller(self, phrase: str) -> str:
        """The longest name the text gives ending with `phrase` ("US-led coalition")."""
        if phrase not in self._fullest:
            written = f"(?i:{re.escape(phrase)})" if phrase.islower() else re.escape(phrase)
            options = []
            for m in re.finditer(rf"\b{written}\b", self.text):
                head = _PREFIX.search(self.text, max(0, m.start() - 80), m.start())
                if head is not None:
                    words = [w for w in head.group(0).split() if w not in _NOT_PREFIX]
                    options += [" ".join(words)] if words else []
            self._fullest[phrase] = f"{max(options, key=len)} {phrase}" if options else phrase
        return self._fullest[phrase]

    def organisation(self, phrase: str, at: int) -> DraftActor:
        """An organisation by the fullest name the article gives it before `at`."""
        phrase = _LEADING_ARTICLE.sub("", phrase.strip(" ,.;:“”\"'‘’"))
        head = fold_name(phrase).split()[-1] if fold_name(phrase) else ""
        name = phrase
        if phrase.islower() or len(phrase.split()) == 1:
            name = self._fuller(phrase)
        actor = self._lookup(name) or self._lookup(phrase)
        if actor is None:
            kind = ORG_NOUNS.get(head, "armed_group")
            actor = self._new(name, kind)
        self._alias(actor, phrase)
        return actor
