"""A dataset file, read row by row: a CSV, or the one CSV in the `.zip` a publisher ships.

Nothing holds the whole file: rows come from the file (or the zip member) through a
small buffer, and the bytes are counted and hashed as they pass.
"""

import csv
import hashlib
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from app.errors import InvalidDataset, ProblemItem

ZIP_MAGIC = b"PK\x03\x04"


class _Tap(io.RawIOBase):
    """Reads through to `raw`, counting and hashing the bytes."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        self.sha256.update(data)
        return len(data)


class DatasetFile:
    """An open dataset file: its `header` (column names, lower case), then `rows()`.

    `name` is the CSV's own name (the zip member's, for a zip), `size` its size in bytes,
    `bytes_read` how far the rows have got, and `sha256` the hash of what was read.
    """

    def __init__(self, file: Path | IO[bytes], name: str | None = None) -> None:
        """`file`: a path, or a binary file open for reading and seeking (an upload),
        which is left open. `name`: the file's name, for an upload (else the path's)."""
        self._open: list[IO[bytes] | IO[str] | zipfile.ZipFile] = []
        try:
            self._read_header(file, name)
        except BaseException:
            self.close()
            raise

    def _read_header(self, file: Path | IO[bytes], name: str | None) -> None:
        if isinstance(file, Path):
            name = name or file.name
            file = file.open("rb")
            self._open.append(file)
        name = name or "the file"
        is_zip = file.read(len(ZIP_MAGIC)) == ZIP_MAGIC
        file.seek(0)
        raw: IO[bytes]
        if is_zip:
            archive, member = _open_zip(file, name)
            self._open.append(archive)
            self.name, self.size = Path(member.filename).name, member.file_size
            raw = archive.open(member)
            self._open.append(raw)
        else:
            self.name, self.size = name, file.seek(0, io.SEEK_END)
            file.seek(0)
            raw = file
        self._tap = _Tap(raw)
        buffered = io.BufferedReader(self._tap, 1 << 16)
        # utf-8-sig: a byte-order mark (as spreadsheets write) is not part of the first name.
        self._text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
        self._open.append(self._text)
        self._csv = csv.reader(self._text)
        self._line = 0
        first = self._next()
        if first is None or not any(cell.strip() for cell in first):
            raise InvalidDataset(f"{self.name} is empty: a header row of column names comes first")
        self.header = [cell.strip().lower() for cell in first]
        twice = sorted(n for n, k in Counter(self.header).items() if k > 1 and n)
        if twice:
            raise InvalidDataset(
                f"the header names a column more than once: {', '.join(twice)}",
                [ProblemItem(field=n, message="named more than once") for n in twice],
            )

    def _next(self) -> list[str] | None:
        try:
            row = next(self._csv)
        except StopIteration:
            return None
        except UnicodeDecodeError:
            # Text is decoded a block at a time: the line is where the block began, at most.
            raise InvalidDataset(
                f"{self.name} is not UTF-8 text (somewhere after line {self._line}): "
                "save it as UTF-8"
            ) from None
        except csv.Error as exc:
            where = f"{self.name} is not CSV at line {self._line + 1}"
            raise InvalidDataset(f"{where}: {exc}") from None
        self._line = self._csv.line_num
        return row

    @property
    def bytes_read(self) -> int:
        return self._tap.count

    @property
    def sha256(self) -> str:
        return self._tap.sha256.hexdigest()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Each row with the line it starts on (the header is line 1); blank lines skipped."""
        while True:
            start = self._line + 1
            row = self._next()
            if row is None:
                return
            if row:
                yield start, row

    def close(self) -> None:
        while self._open:
            self._open.pop().close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()


def _open_zip(file: IO[bytes], name: str) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    """The zip and its one CSV member (publishers add a readme or a licence beside it)."""
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile as exc:
        raise InvalidDataset(f"{name} is not a readable zip file: {exc}") from None
    members = [
        m
        for m in archive.infolist()
        if not m.is_dir()
        and m.filename.lower().endswith(".csv")
        and not m.filename.startswith("__MACOSX/")
    ]
    if len(members) != 1:
        names = ", ".join(m.filename for m in archive.infolist()) or "nothing"
        archive.close()
        found = "no CSV file" if not members else f"{len(members)} CSV files"
        raise InvalidDataset(f"the zip holds {found}; it must hold one (it holds: {names})")
    return archive, members[0]
