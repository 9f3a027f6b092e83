"""What a dataset row becomes, and the checks every layout shares.

A `Mapping` (ucdp.py, acled.py) turns one row into a `Record`: the incident's values,
its place, its actors with their roles, and its `dataset_row`; or, if any value does
not read, into the `BadRow`s naming each (line, column, value). Nothing here touches the
database: store.py writes records.
"""

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any, ClassVar

import orjson

from app.errors import InvalidDataset, ProblemItem
from app.schemas.bundle import INT32_MAX

SHOWN = 120
"""Characters of a bad value quoted in its message."""


@dataclass(frozen=True)
class BadRow:
    """A value of a row that does not read (or a row that does not fit its header)."""

    line: int
    column: str | None
    value: str | None
    message: str

    def item(self) -> ProblemItem:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return ProblemItem(field=where, message=self.message)


@dataclass(frozen=True)
class ActorRef:
    """An actor as a row names it; store.py finds it in the record or creates it."""

    name: str
    kind: str
    country: str | None = None
    external_id: str | None = None
    """UCDP's id of the side (`side_a_new_id`), if the row gives one."""
    notes: str = ""
    added: tuple[str, ...] = ()


@dataclass
class Record:
    line: int
    incident_id: str
    incident: dict[str, Any]
    """The incident's columns but `id`, `source_id`, `location_id` and `updated_at`. JSON
    arrays as tuples, here and in `location`: a dict of strings, numbers and tuples is
    one Python's cycle collector stops visiting (a batch of records, the cache of places:
    at GED's size its full passes were a tenth of an import's time)."""
    location: dict[str, Any] | None
    """The place's row (with its `id`) but `updated_at`."""
    actors: list[tuple[ActorRef, str]]
    """Each actor with its role."""
    row: dict[str, Any]
    """The `dataset_row` columns but `incident_id` and `row_hash`."""
    fields: list[str] = field(default_factory=list, repr=False)
    """The row as read (for the file of refused rows)."""
    digest: str = ""
    """Of the row's values that the import reads (`Mapping.digest`)."""


class Row:
    """One row's values by column, read with checks: each problem is noted (`problems`)
    and its value comes back as None, so every bad value of a row is reported at once."""

    def __init__(self, line: int, values: dict[str, str]) -> None:
        self.line = line
        self.values = values
        self.problems: list[BadRow] = []

    def bad(self, column: str | None, message: str) -> None:
        value = self.values.get(column) if column else None
        self.problems.append(BadRow(self.line, column, value, message))

    def _quoted(self, column: str) -> str:
        value = self.values[column]
        return repr(value if len(value) <= SHOWN else value[:SHOWN] + "...")

    def text(self, column: str) -> str | None:
        """The value as written (None when missing or empty)."""
        value = self.values.get(column)
        return value if value else None

    def required(self, column: str) -> str | None:
        value = self.text(column)
        if value is None or not value.strip():
            self.bad(column, "is empty; it is required")
            return None
        return value

    def integer(
        self, column: str, *, required: bool = False, low: int = 0, high: int = INT32_MAX
    ) -> int | None:
        """A whole number from `low` to `high` (`12`, or `12.0` as statistics tools write)."""
        value = self.values.get(column)
        if value and value.isdigit() and value.isascii():  # the common case, cheaply
            number = int(value)
            if low <= number <= high:
                return number
        value = self.required(column) if required else self.text(column)
        if value is None:
            return None
        if value.isascii() and value.isdigit():
            number = int(value)
        elif found := _WHOLE.fullmatch(value):
            number = int(found[1])
        else:
            self.bad(column, f"{self._quoted(column)} is not a whole number")
            return None
        if not low <= number <= high:
            self.bad(column, f"{number} is out of range ({low} to {high})")
            return None
        return number

    def integers(
        self, columns: Sequence[str], required: Sequence[str] = ()
    ) -> dict[str, int | None]:
        """`integer` of each column, the plain digits of most values read in one loop."""
        get = self.values.get
        found: dict[str, int | None] = {}
        for column in columns:
            value = get(column)
            if value and len(value) < 10 and value.isdigit() and value.isascii():
                found[column] = int(value)  # under 10 digits: within INT32_MAX
            else:
                found[column] = self.integer(column, required=column in required)
        return found

    def code(self, column: str, allowed: Sequence[int], *, required: bool = False) -> int | None:
        number = self.integer(column, required=required)
        if number is not None and number not in allowed:
            self.bad(column, f"{number} is not one of {', '.join(map(str, allowed))}")
            return None
        return number

    def number(self, column: str, low: float, high: float) -> float | None:
        value = self.required(column)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            self.bad(column, f"{self._quoted(column)} is not a number")
            return None
        if not low <= number <= high:  # also refuses nan
            self.bad(column, f"{value.strip()} is out of range ({low:g} to {high:g})")
            return None
        return number

    def day(self, column: str, formats: str = "YYYY-MM-DD") -> date | None:
        value = self.required(column)
        if value is None:
            return None
        found = parse_day(value)
        if found is None:
            self.bad(column, f"{self._quoted(column)} is not a date ({formats})")
        return found


_WHOLE = re.compile(r"\s*(-?[0-9]+)(?:\.0*)?\s*")

MONTHS = {
    name: n
    for n, name in enumerate(
        "january february march april may june july august september october november "
        "december".split(),
        start=1,
    )
}
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00:00(?:\.0+)?)?")
_SPELLED_DAY = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})")


@lru_cache(maxsize=1 << 15)  # days recur: 36 years of them in GED's global release
def parse_day(value: str) -> date | None:
    """`YYYY-MM-DD` (also with a midnight time, as GED's CSV writes it), or `DD Month YYYY`
    (ACLED's export tool); month names in English, whatever the locale."""
    value = value.strip()
    try:
        if found := _ISO_DAY.fullmatch(value):
            return date(*map(int, found.groups()))
        if found := _SPELLED_DAY.fullmatch(value):
            day, month, year = found.groups()
            if month.lower() in MONTHS:
                return date(int(year), MONTHS[month.lower()], int(day))
    except ValueError:  # 2023-02-30
        return None
    return None


def slug(text: str, length: int = 60) -> str:
    """Lower-case ASCII letters, digits and dashes, as ids are written (may be empty)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:length].strip("-")


def short_hash(*parts: Any) -> str:
    return hashlib.blake2b(orjson.dumps(parts), digest_size=5).hexdigest()


def place_id(prefix: str, place: dict[str, Any]) -> str:
    """A place's id, from everything about it: the same place in every release, and a
    place that differs in any value is another place (nothing is ever rewritten)."""
    values = tuple(
        tuple(v) if isinstance(v, list) else v for v in (place[k] for k in sorted(place))
    )
    return _place_id(prefix, place["name"], values)


@lru_cache(maxsize=1 << 17)  # places recur: GED's global release has ~70,000 in 385,000 rows
def _place_id(prefix: str, name: str, values: tuple[Any, ...]) -> str:
    readable, digest = slug(name, 50), short_hash(*values)
    return f"{prefix}-{readable}-{digest}" if readable else f"{prefix}-{digest}"


class Mapping:
    """A publisher's layout: its columns, and what a row of it becomes."""

    format: ClassVar[str]
    label: ClassVar[str]
    """How the records name the dataset in their notes (`UCDP GED`)."""
    required: ClassVar[tuple[str, ...]]
    one_of: ClassVar[tuple[str, ...]] = ()
    """Columns of which at least one is required."""
    aliases: ClassVar[dict[str, str]] = {}
    """Older names of columns: read as the present ones."""
    id_prefix: ClassVar[str]
    """Of the incident ids: `<id_prefix>-<the row's id>`."""
    actor_scheme: ClassVar[str]
    """Prefix of the ids of actors the import creates; also whose ids `dataset_actor` keeps."""
    signature: ClassVar[frozenset[str]]
    """Columns whose presence tells this layout from the header alone."""
    publisher: ClassVar[str]
    title: ClassVar[str]
    licence: ClassVar[str]
    citation: ClassVar[str]
    url: ClassVar[str]

    VERSION: ClassVar[str] = "2"  # 2: the actors' names kept in `dataset_row.extra` too
    """Of what the import makes of a row: a change to it must change this, so that rows
    imported before are written anew rather than found unchanged."""
    known: ClassVar[tuple[str, ...]]
    """Every column the import reads."""

    def __init__(self, header: list[str]) -> None:
        self.header = [self.aliases.get(name, name) for name in header]
        # The known columns' values of a row, in order ("" for a column the file lacks: a
        # row gets one more field, the empty string, at the end).
        self._known = itemgetter(
            *(self.header.index(c) if c in self.header else len(self.header) for c in self.known)
        )
        missing = [c for c in self.required if c not in self.header]
        if self.one_of and not set(self.one_of) & set(self.header):
            missing.append(" or ".join(self.one_of))
        if missing:
            raise InvalidDataset(
                f"the file lacks the columns {self.label} requires: {', '.join(missing)}",
                [ProblemItem(field=c, message="required column missing") for c in missing],
            )

    def read(self, line: int, fields: list[str]) -> Record | list[BadRow]:
        """The record of a row, or what is wrong with it."""
        if len(fields) != len(self.header):
            return [
                BadRow(
                    line,
                    None,
                    None,
                    f"{len(fields)} fields where the header has {len(self.header)} columns",
                )
            ]
        row = Row(line, dict(zip(self.header, fields, strict=True)))
        if "\x00" in "".join(fields):  # one test for the whole row; rarely true
            for column, value in row.values.items():
                if "\x00" in value:
                    row.bad(column, "contains a NUL character")
        record = self.record(row)
        if row.problems or record is None:
            return row.problems
        record.fields = fields
        record.digest = self.digest(fields)
        return record

    def digest(self, fields: list[str]) -> str:
        """What a row says, as far as the import reads it: equal digests, equal records
        (a newer release's row with the digest stored is unchanged, and not written)."""
        blob = "\x1f".join((self.VERSION, *self._known([*fields, ""]))).encode()
        return hashlib.blake2b(blob, digest_size=16).hexdigest()

    def incident_id(self, fields: list[str]) -> str | None:
        """The incident id a row names, if its id column can be read at all."""
        if len(fields) != len(self.header):
            return None
        value = fields[self.header.index(self.required[0])].strip()
        return f"{self.id_prefix}-{value.lower()}" if value else None

    def record(self, row: Row) -> Record | None:
        """The record (None when `row.problems` says why not)."""
        raise NotImplementedError

    def kept(self, row: Row, columns: Sequence[str]) -> dict[str, str]:
        """The given columns' values, verbatim, where the row has one."""
        values = row.values
        return {c: v for c in columns if (v := values.get(c))}


def detect(header: list[str], mappings: Sequence[type[Mapping]]) -> type[Mapping]:
    """The layout whose signature columns the header has, or a 422 saying none does."""
    names = set(header)
    for mapping in mappings:
        if mapping.signature <= {mapping.aliases.get(n, n) for n in names}:
            return mapping
    expected = "; ".join(f"{m.format}: {', '.join(sorted(m.signature))}" for m in mappings)
    raise InvalidDataset(
        "cannot tell the format from the header: it has the columns of none of "
        f"{expected}; name the format (--format, or the form field format)"
    )
