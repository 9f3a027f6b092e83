"""Numbers the article gives: weapons with their count, casualties and damage.

A count is kept as written (`quantity_text`) beside its value; a vague one ("dozens",
"several") has no value. "No casualties" is 0 dead and 0 injured; what the article does
not mention is null.
"""

import re
from dataclasses import dataclass

from app.drafting.text import NUMBER, VAGUE_QUANTITIES, number_value
from app.vocab import Damage

WEAPONS = {
    "rocket": "rocket",
    "missile": "missile",
    "ballistic missile": "ballistic missile",
    "cruise missile": "cruise missile",
    "armed drone": "armed drone",
    "drone": "drone",
    "mortar": "mortar",
    "mortar round": "mortar",
    "mortar shell": "mortar",
    "shell": "artillery shell",
    "artillery shell": "artillery shell",
    "round": "round",
    "roadside bomb": "roadside bomb",
    "car bomb": "car bomb",
    "bomb": "bomb",
    "ied": "IED",
    "improvised explosive device": "IED",
    "grenade": "grenade",
    "rocket-propelled grenade": "rocket-propelled grenade",
    "suicide bomber": "suicide bomb",
    "airstrike": "airstrike",
    "air strike": "airstrike",
    "landmine": "landmine",
    "mine": "landmine",
}
"""Weapon nouns (singular) and the kind recorded for each."""
UNCOUNTED_WEAPONS = {"artillery": "artillery", "indirect fire": "indirect fire"}
"""Weapons named without a count ("coalition artillery")."""

_NOUN = "|".join(sorted((re.escape(w) for w in WEAPONS), key=len, reverse=True))
_QUANTITY = rf"(?P<qty>{NUMBER}|{'|'.join(VAGUE_QUANTITIES)})"
_ADJECTIVES = r"(?:(?:armed|explosive-laden|ballistic|guided|Katyusha|Grad|heavy|more)\s+)?"
_COUNTED = re.compile(
    rf"\b{_QUANTITY}\s+(?:of\s+)?(?:(?:the|their)\s+)?(?P<adj>{_ADJECTIVES})"
    rf"(?P<noun>{_NOUN})(?:e?s)?\b(?:\s+of\s+(?P<of>indirect fire|artillery|mortar fire))?"
    rf"(?:\s+and\s+(?P<also>{_NOUN})(?:e?s)?\b)?",
    re.IGNORECASE,
)
_UNCOUNTED = re.compile(
    r"\b(?P<noun>" + "|".join(UNCOUNTED_WEAPONS) + r"|(?:armed\s+)?drones?|missiles|rockets)\b",
    re.IGNORECASE,
)

_NO_CASUALTIES = re.compile(
    r"\b(?:no|without|did not cause any|didn[’']t cause any|not cause any|zero)\s+"
    r"(?:immediate\s+|reported\s+)?casualties\b|\bno one was (?:hurt|injured|killed)\b"
    r"|\bnobody was (?:hurt|injured|killed)\b",
    re.IGNORECASE,
)
_NO_DEATHS = re.compile(r"\bno (?:deaths|fatalities)\b|\bno one was killed\b", re.IGNORECASE)
_VICTIMS = (
    r"(?:people|persons|civilians|soldiers|troops|fighters|militants|police(?:men)?|children"
    r"|men|women|members|officers|guards|workers|others)"
)
_KILLED_AFTER = re.compile(
    rf"\b(?:killing|killed|kills|left)\s+(?:at least\s+|some\s+|about\s+)?(?P<qty>{NUMBER})"
    rf"\s+(?:\w+\s+)?(?:{_VICTIMS}|\w+(?<!s)s)\b",
    re.IGNORECASE,
)
_KILLED_BEFORE = re.compile(
    rf"\b(?P<qty>{NUMBER})\s+(?:\w+\s+)?{_VICTIMS}\s+(?:were|was|had been|have been)\s+killed\b"
    rf"|\b(?P<qty2>{NUMBER})\s+(?:\w+\s+)?(?:dead|deaths|fatalities)\b",
    re.IGNORECASE,
)
_INJURED = re.compile(
    rf"\b(?:wounding|injuring|wounded|injured)\s+(?:at least\s+)?(?P<qty>{NUMBER})\b"
    rf"|\b(?P<qty2>{NUMBER})\s+(?:\w+\s+)?(?:{_VICTIMS}\s+(?:were|was)\s+)?(?:wounded|injured)\b",
    re.IGNORECASE,
)
_DAMAGE = [
    ("none", re.compile(r"\bno damage\b|\bwithout (?:causing )?damage\b", re.IGNORECASE)),
    ("minor", re.compile(r"\b(?:minor|slight|light|limited) damage\b", re.IGNORECASE)),
    (
        "major",
        re.compile(
            r"\b(?:major|heavy|extensive|severe|significant) damage\b|\bwas destroyed\b"
            r"|\bwere destroyed\b",
            re.IGNORECASE,
        ),
    ),
]


@dataclass(frozen=True)
class Weapon:
    kind: str
    quantity: int | None
    quantity_text: str | None
    words: str
    """The words it was read from."""


def weapons(text: str) -> list[Weapon]:
    """The weapons in `text`, each kind once (its first count)."""
    found: dict[str, Weapon] = {}
    for m in _COUNTED.finditer(text):
        qty = m.group("qty")
        value = number_value(qty) if qty.lower() not in VAGUE_QUANTITIES else None
        if qty.lower() in ("a", "an", "single") and m.group("noun").lower() != "round":
            value = 1
        noun = m.group("noun").lower()
        adjective = m.group("adj").strip().lower()
        kind = WEAPONS[f"{adjective} {noun}"] if f"{adjective} {noun}" in WEAPONS else WEAPONS[noun]
        if m.group("of"):
            kind = m.group("of").lower()
        kinds = [kind] + ([WEAPONS[m.group("also").lower()]] if m.group("also") else [])
        for k in kinds:
            if not any(k in w.kind or w.kind in k for w in found.values()):
                found[k] = Weapon(k, value, qty, m.group(0))
    for m in _UNCOUNTED.finditer(text):
        noun = m.group("noun").lower()
        kind = UNCOUNTED_WEAPONS.get(noun) or WEAPONS[noun.rstrip("s").replace("  ", " ")]
        if kind not in found and not any(kind in w.kind or w.kind in kind for w in found.values()):
            found[kind] = Weapon(kind, None, None, m.group(0))
    return list(found.values())


@dataclass(frozen=True)
class Casualties:
    fatalities: int | None
    injuries: int | None
    damage: Damage
    words: list[str]
    """The words each figure was read from."""


def casualties(text: str) -> Casualties:
    """Dead, injured and damage as `text` states them; null (unknown) where it does not."""
    fatalities = injuries = None
    words: list[str] = []
    if m := _NO_CASUALTIES.search(text):
        fatalities = injuries = 0
        words.append(m.group(0))
    elif m := _NO_DEATHS.search(text):
        fatalities = 0
        words.append(m.group(0))
    for rx in (_KILLED_AFTER, _KILLED_BEFORE):
        if fatalities is None and (m := rx.search(text)):
            fatalities = number_value(m.group("qty") or m.groupdict().get("qty2") or "")
            words.append(m.group(0))
    if injuries is None and (m := _INJURED.search(text)):
        injuries = number_value(m.group("qty") or m.group("qty2") or "")
        words.append(m.group(0))
    damage: Damage = "unknown"
    for level, rx in _DAMAGE:
        if m := rx.search(text):
            damage = level  # type: ignore[assignment]
            words.append(m.group(0))
            break
    return Casualties(fatalities, injuries, damage, words)
