"""Reading a dataset folder's CSV files as text, and typed cells out of them with row-level errors.

Every cell that cannot be read becomes a `RowError` naming the file, the row (as a spreadsheet shows
it: the header is row 1) and the column; the record is then marked failed so nothing derived from it
is loaded. Quirks are tallied with their counts and a few examples.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from attain.app.imports.batch import Batch, Quirk, RowError
from attain.domain.errors import InvalidInput
from attain.domain.money import minor_exponent

ROW = "_row"
SOURCE = "_source"
MAX_EXAMPLES = 3


@dataclass(slots=True)
class SourceFile:
    """One CSV file of a dataset folder: every cell as text (empty -> None), plus its row numbers."""

    name: str
    frame: pl.DataFrame
    errors: list[RowError]
    encoding: str
    entity: str | None  # the fact its rows mainly become: a failed row counts as a rejection of it

    def records(self) -> Iterator[Record]:
        columns = [c for c in self.frame.columns if c != ROW]
        for values in self.frame.iter_rows():
            cells = dict(zip(columns, values[:-1], strict=True))
            yield Record(self, int(values[-1]), cells)


@dataclass(slots=True)
class Record:
    """One data row of a source file; its readers record a RowError and mark it failed on bad input."""

    file: SourceFile
    row: int
    cells: dict[str, str | None]
    failed: bool = False

    @property
    def origin(self) -> dict[str, Any]:
        """The `_source` and `_row` columns every fact derived from this row carries."""
        return {SOURCE: self.file.name, ROW: self.row}

    @property
    def where(self) -> str:
        return f"{self.file.name} row {self.row}"

    def fail(self, column: str, message: str, hint: str) -> None:
        """Record what is wrong with the cell at `column`, and leave this row out."""
        error = RowError(
            self.file.name, self.row, column, self.cells.get(column), message, hint, self.file.entity
        )
        self.file.errors.append(error)
        self.failed = True

    def text(self, column: str) -> str | None:
        value = self.cells[column]
        if value is None:
            return None
        stripped = value.strip()
        return stripped or None

    def required(self, column: str, hint: str) -> str | None:
        value = self.text(column)
        if value is None:
            self.fail(column, "is empty", hint)
        return value

    def date(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(column, "is not a valid date", "write dates as YYYY-MM-DD, e.g. 2017-03-01")
            return None

    def integer(self, column: str) -> int | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            self.fail(column, "is not a whole number", "write digits only, e.g. 2822")
            return None

    def decimal(self, column: str) -> Decimal | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.fail(column, "is not a number", "write a plain decimal number, e.g. 1234.50")
            return None
        return number

    def money(self, column: str, currency: str, *, unit: Decimal = Decimal(1)) -> int | None:
        """Integer minor units of `currency`; `unit` scales the source's unit (e.g. millions) to one."""
        number = self.decimal(column)
        if number is None:
            return None
        scaled = (number * unit).scaleb(minor_exponent(currency))
        if scaled != scaled.to_integral_value():
            self.fail(
                column,
                f"has more decimals than {currency} allows",
                f"round to {minor_exponent(currency)} decimals",
            )
            return None
        return int(scaled)


def require_files(folder: Path, files: Mapping[str, Sequence[str]], *, dataset: str) -> None:
    """Raise an error naming every file of `files` missing from `folder`."""
    if not folder.is_dir():
        raise InvalidInput(f"{folder} is not a folder", hint=f"give the folder holding the {dataset} files")
    missing = [name for name in files if not (folder / name).is_file()]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise InvalidInput(
            f"{', '.join(missing)} {verb} missing from {folder}",
            hint=f"the {dataset} folder must hold {', '.join(files)} as distributed",
        )


def read_csv(folder: Path, name: str, columns: Sequence[str], batch: Batch, entity: str | None) -> SourceFile:
    """Read `folder/name` as text; a missing file or column is an error that names it.

    UTF-8 is expected; a file that is not valid UTF-8 is read as Latin-1 and reported as a quirk,
    because spreadsheet exports from Windows often are.
    """
    path = folder / name
    if not path.is_file():
        raise InvalidInput(
            f"{name} is missing from {folder}",
            hint=f"the folder must hold the files as distributed, including {name}",
        )
    raw = path.read_bytes()
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("latin-1"), "latin-1"
        batch.quirks.append(Quirk("latin1-file", f"{name} is not UTF-8; read as Latin-1", 1, (name,)))
    # Only an empty cell is missing (Polars' default, unlike pandas): 'NA' is a real value here.
    frame = pl.read_csv(text.encode("utf-8"), infer_schema=False)
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise InvalidInput(
            f"{name} has no column {', '.join(repr(c) for c in absent)}",
            where=str(path),
            hint=f"expected columns: {', '.join(columns)}",
        )
    frame = frame.select(columns).with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(ROW))
    batch.files.append({"name": name, "sha256": hashlib.sha256(raw).hexdigest(), "rows": frame.height})
    return SourceFile(name, frame, batch.errors, encoding, entity)


@dataclass(slots=True)
class QuirkTally:
    """Counts each known oddity once per affected row and keeps the first few examples."""

    _order: list[str] = field(default_factory=list)
    _messages: dict[str, str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    _examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, code: str, message: str, example: str) -> None:
        if code not in self._counts:
            self._order.append(code)
            self._messages[code] = message
            self._counts[code] = 0
            self._examples[code] = []
        self._counts[code] += 1
        if len(self._examples[code]) < MAX_EXAMPLES:
            self._examples[code].append(example)

    def reword(self, code: str, message: str) -> None:
        """Replace the message of a quirk once all its rows are seen (e.g. to list the values found)."""
        if code in self._messages:
            self._messages[code] = message

    def count(self, code: str) -> int:
        return self._counts.get(code, 0)

    def quirks(self) -> list[Quirk]:
        return [Quirk(c, self._messages[c], self._counts[c], tuple(self._examples[c])) for c in self._order]
