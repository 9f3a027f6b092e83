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


def many_incidents(source_id: str, incidents: int) -> dict[str, Any]:
    """A bundle of `incidents` incidents from one long invented report, every span verbatim.

    The test bundle's place and actors are shared; each incident has its own sentence
    (its excerpt), a weapon, a target and an attribution, and every tenth a quote, so a
    large import writes every kind of row. Ids start with `source_id`.
    """
    data = bundle(id=source_id, title=f"A long report ({incidents} incidents)")
    data["source"]["published_on"] = "2099-12-31"
    lines, spans = [], []
    offset = 0
    for n in range(incidents):
        sentence = f"Rockets hit Fort Nowhere in attack {n} of the campaign."
        said = f"We counted {n} rockets,"
        line = f"{sentence} \u201c{said}\u201d the Guard said. Officials blamed the Front.\n"
        spans.append((offset, sentence, offset + line.index(said), said))
        lines.append(line)
        offset += len(line)
    text = "".join(lines)
    data["source"]["text"] = text
    blamed = "Officials blamed the Front."
    data["quotes"], data["incidents"] = [], []
    for n, (start, sentence, said_at, said) in enumerate(spans):
        incident_id = f"{source_id}-{n}"
        day = f"2099-{1 + n % 12:02d}-{1 + n % 28:02d}"
        blamed_at = text.index(blamed, start)
        data["incidents"].append(
            {
                "id": incident_id,
                "title": f"Rockets hit Fort Nowhere ({n})",
                "date_start": day,
                "date_end": day,
                "date_precision": "day",
                "event_type": "Explosions/Remote violence",
                "sub_event_type": "Shelling/artillery/missile attack",
                "country": "IQ",
                "location_id": "fort-nowhere",
                "fatalities": n % 3,
                "excerpts": [{"start": start, "end": start + len(sentence), "text": sentence}],
                "weapons": [{"kind": "rocket", "quantity": n, "quantity_text": str(n)}],
                "actors": [{"actor_id": "examplestan-guard", "role": "target"}],
                "attributions": [
                    {
                        "id": f"{incident_id}-blamed",
                        "actor_id": "imaginary-front",
                        "stance": "accused",
                        "excerpt": {
                            "start": blamed_at,
                            "end": blamed_at + len(blamed),
                            "text": blamed,
                        },
                    }
                ],
            }
        )
        if n % 10 == 0:
            data["quotes"].append(
                {
                    "id": f"{incident_id}-quote",
                    "text": said,
                    "speaker_id": "examplestan-guard",
                    "channel": "unspecified",
                    "span": {"start": said_at, "end": said_at + len(said)},
                    "incident_ids": [incident_id],
                }
            )
    return data
