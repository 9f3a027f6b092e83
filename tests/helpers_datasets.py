"""The GED test file with a row's estimate left out, for the pages that show estimates."""

import csv
from pathlib import Path
from typing import Any

GED = Path(__file__).parent / "data" / "datasets" / "ucdp-ged-23.1.csv"
NO_LOW = "9000002"
"""The row whose `low` the copy leaves empty (its `high` stays)."""


def ged_without_a_low(folder: Path) -> Path:
    """A copy of the GED test file in `folder`, row `NO_LOW` without its low estimate."""
    with GED.open(newline="", encoding="utf-8") as given:
        rows = list(csv.DictReader(given))
    for row in rows:
        if row["id"] == NO_LOW:
            row["low"] = ""
    path = folder / GED.name
    with path.open("w", newline="", encoding="utf-8") as copy:
        writer = csv.DictWriter(copy, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def ged_of_many_places(folder: Path, places: int) -> Path:
    """A GED file of `places` rows in `folder`, each the first test row at a place of its
    own (its name and coordinates moved), with ids from 8000000 on."""
    with GED.open(newline="", encoding="utf-8") as given:
        first = next(csv.DictReader(given))
    path = folder / "many-places.csv"
    with path.open("w", newline="", encoding="utf-8") as copy:
        writer = csv.DictWriter(copy, fieldnames=list(first))
        writer.writeheader()
        for n in range(places):
            latitude = float(first["latitude"]) + n % 100 / 100
            longitude = float(first["longitude"]) + n // 100 / 100
            writer.writerow(
                first
                | {
                    "id": str(8_000_000 + n),
                    "where_coordinates": f"Place {n} village",
                    "latitude": f"{latitude:.6f}",
                    "longitude": f"{longitude:.6f}",
                }
            )
    return path


def shown_fatalities(incident: dict[str, Any]) -> str:
    """The text of an incident's fatalities in the explorer's table: the best figure, and
    the low and high estimates where either is known ("not said" for an unknown one)."""

    def figure(value: int | None) -> str:
        return "not said" if value is None else f"{value:,}"

    low, high = incident["fatalities_low"], incident["fatalities_high"]
    if low is None and high is None:
        return figure(incident["fatalities"])
    return f"{figure(incident['fatalities'])} ({figure(low)}–{figure(high)})"
