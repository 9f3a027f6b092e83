"""A tiny invented article and its bundle, for tests that must not depend on the seed."""

import copy
from typing import Any

TEXT = (
    "Rockets hit Fort Nowhere in Examplestan on Monday, 2 March 2099.\n\n"
    "\u201cNo casualties,\u201d a spokesman for the Examplestan Guard said. "
    "Officials blamed the Imaginary Front, an umbrella of fictional groups.\n"
)


def span(fragment: str) -> dict[str, Any]:
    start = TEXT.index(fragment)
    return {"start": start, "end": start + len(fragment), "text": fragment}


def quote_span(fragment: str) -> dict[str, int]:
    s = span(fragment)
    return {"start": s["start"], "end": s["end"]}


BUNDLE: dict[str, Any] = {
    "format": "incident-record.bundle/1",
    "source": {
        "id": "test-source",
        "title": "Rockets hit Fort Nowhere",
        "publisher": "Test Wire",
        "published_on": "2099-03-02",
        "published_on_basis": "Stated in the text.",
        "text": TEXT,
    },
    "locations": [
        {
            "id": "fort-nowhere",
            "name": "Fort Nowhere",
            "kind": "military_base",
            "country": "Iraq",
            "latitude": 33.0,
            "longitude": 44.0,
            "geo_precision": 1,
            "added": ["latitude", "longitude", "country"],
            "notes": "Invented place; coordinates invented for the test.",
        }
    ],
    "actors": [
        {"id": "imaginary-front", "name": "Imaginary Front", "kind": "umbrella_group"},
        {
            "id": "imaginary-brigade",
            "name": "Imaginary Brigade",
            "kind": "militia",
            "parent_id": "imaginary-front",
        },
        {"id": "examplestan-guard", "name": "Examplestan Guard", "kind": "state_forces"},
    ],
    "quotes": [
        {
            "id": "guard-no-casualties",
            "text": "No casualties,",
            "speaker_id": "examplestan-guard",
            "speaker_title": "a spokesman for the Examplestan Guard",
            "channel": "unspecified",
            "span": quote_span("No casualties,"),
            "incident_ids": ["test-rockets"],
        }
    ],
    "incidents": [
        {
            "id": "test-rockets",
            "title": "Rockets hit Fort Nowhere",
            "date_start": "2099-03-02",
            "date_end": "2099-03-02",
            "date_precision": "day",
            "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack",
            "country": "IQ",
            "location_id": "fort-nowhere",
            "fatalities": 0,
            "injuries": 0,
            "damage": "unknown",
            "excerpts": [span("Rockets hit Fort Nowhere in Examplestan on Monday, 2 March 2099.")],
            "weapons": [{"kind": "rocket", "quantity": None, "quantity_text": "Rockets"}],
            "actors": [{"actor_id": "examplestan-guard", "role": "target"}],
            "attributions": [
                {
                    "id": "test-rockets-blamed-on-brigade",
                    "actor_id": "imaginary-brigade",
                    "stance": "accused",
                    "excerpt": span("Officials blamed the Imaginary Front"),
                }
            ],
        }
    ],
}


def bundle(**source_changes: Any) -> dict[str, Any]:
    """A fresh deep copy of the test bundle, with optional changes to its source."""
    data = copy.deepcopy(BUNDLE)
    data["source"].update(source_changes)
    return data
