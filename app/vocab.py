"""Closed vocabularies: the values the loader accepts and the API documents.

Event types follow ACLED's taxonomy (ACLED Codebook, 2023 edition).
"""

from typing import Literal, get_args

DatePrecision = Literal["day", "week", "month", "year", "range", "approximate"]
Damage = Literal["none", "minor", "major", "unknown"]
Stance = Literal["claimed", "acknowledged", "accused", "suspected", "denied"]
Relation = Literal["anniversary_of", "retaliation_for", "response_to", "part_of"]
Channel = Literal[
    "statement", "told_reporters", "interview", "press_conference", "social_media", "unspecified"
]
ActorKind = Literal[
    "state",
    "state_forces",
    "coalition",
    "militia",
    "umbrella_group",
    "armed_group",
    "person",
    "government_body",
    "media",
    "civilians",
]
LocationKind = Literal[
    "air_base",
    "military_base",
    "airport",
    "city",
    "town",
    "village",
    "district",
    "region",
    "country",
    "building",
    "road",
    "border_crossing",
    "diplomatic_site",
    "other",
]
Role = Literal[
    "perpetrator",
    "target",
    "intercepted_by",
    "ordered_by",
    "killed",
    "injured",
    "participant",
    "commemorated",
    "reported_by",
]
ATTRIBUTED_BY, SPEAKER = "attributed_by", "speaker"
"""The ways an actor is involved in an incident that the record derives rather than lists
among its roles: it attributed the incident to someone; it is quoted about it."""
Involvement = Literal[(*get_args(Role), ATTRIBUTED_BY, SPEAKER)]  # type: ignore[valid-type]
"""Every way an actor is involved in an incident: its roles and the derived ones."""
GeoPrecision = Literal[1, 2, 3]

EVENT_TYPES: dict[str, dict[str, str]] = {
    "Battles": {
        "Armed clash": "Armed, organised groups engage in a violent interaction.",
        "Government regains territory": "Government forces regain control of a location.",
        "Non-state actor overtakes territory": "A non-state group takes control of a location.",
    },
    "Explosions/Remote violence": {
        "Chemical weapon": "Use of chemical weapons.",
        "Air/drone strike": "Air or drone strikes, including armed drones.",
        "Suicide bomb": "A suicide bombing or attack.",
        "Shelling/artillery/missile attack": "Long-range artillery, rockets, missiles or mortars.",
        "Remote explosive/landmine/IED": "Remotely detonated or planted explosives.",
        "Grenade": "A grenade or similar hand-thrown explosive.",
    },
    "Violence against civilians": {
        "Sexual violence": "Sexual violence against civilians.",
        "Attack": "An armed group attacks civilians.",
        "Abduction/forced disappearance": "Civilians abducted or disappeared.",
    },
    "Protests": {
        "Peaceful protest": "A demonstration without violence or intervention.",
        "Protest with intervention": "A peaceful protest that is intervened in.",
        "Excessive force against protesters": "Lethal or excessive force against protesters.",
    },
    "Riots": {
        "Violent demonstration": "Demonstrators engage in violence.",
        "Mob violence": "A violent mob.",
    },
    "Strategic developments": {
        "Agreement": "An agreement between actors.",
        "Arrests": "Arrests by state forces.",
        "Change to group/activity": "A change in a group or its activity.",
        "Disrupted weapons use": "Weapons intercepted, defused or seized before use.",
        "Headquarters or base established": "A group establishes a base.",
        "Looting/property destruction": "Looting or destruction of property.",
        "Non-violent transfer of territory": "Territory changes hands without violence.",
        "Other": "A significant non-violent event, such as a commemoration.",
    },
}
SUB_EVENT_TYPES = [sub for subs in EVENT_TYPES.values() for sub in subs]
