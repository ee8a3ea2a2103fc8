"""The error log of one import: every row error counted, the first ones kept, all written to a rejects CSV.

Errors arrive as RowError objects (from parsing) or as error frames (from rules and the store), so
a batch with a million bad rows never holds a million Python objects.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import polars as pl

from attain.app.imports.batch import RowError

LISTED_ERRORS = 1000  # errors kept in the report; the rejects file and error_count have them all
REJECTS_COLUMNS = ("source", "row", "entity", "column", "value", "error", "hint")


class ErrorLog:
    def __init__(self, rejects_path: Path | None) -> None:
        self.rejects_path = rejects_path
        self.first: list[RowError] = []
        self.total = 0
        self.structural = 0  # errors about a whole file or mapping, not one row
        self._file: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None

    def add(self, errors: Iterable[RowError]) -> None:
        for e in errors:
            self.total += 1
            self.structural += e.row is None
            if len(self.first) < LISTED_ERRORS:
                self.first.append(e)
            self._write(
                [
                    {
                        "source": e.source,
                        "row": e.row,
                        "entity": e.entity,
                        "column": e.column,
                        "value": e.value,
                        "error": e.message,
                        "hint": e.hint,
                    }
                ]
            )

    def add_frame(self, errors: pl.DataFrame) -> None:
        if errors.height == 0:
            return
        self.total += errors.height
        self.structural += errors.filter(pl.col("_row").is_null()).height
        room = LISTED_ERRORS - len(self.first)
        for source, row, entity, column, value, message, hint in errors.head(max(room, 0)).iter_rows():
            self.first.append(RowError(source or "", row, column, value, message, hint, entity))
        if self.rejects_path is not None:
            renamed = errors.rename({"_source": "source", "_row": "row", "message": "error"})
            self._write(renamed.select(REJECTS_COLUMNS).iter_rows(named=True))

    def _write(self, rows: Iterable[dict[str, object]]) -> None:
        if self.rejects_path is None:
            return
        if self._writer is None:
            self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.rejects_path.open("w", newline="", encoding="utf-8")
            self._writer = csv.DictWriter(self._file, fieldnames=REJECTS_COLUMNS)
            self._writer.writeheader()
        self._writer.writerows(rows)

    @property
    def written(self) -> bool:
        return self._writer is not None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
