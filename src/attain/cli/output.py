"""Printing data as a Rich table, CSV or JSON (`--format`), and errors as messages with exit codes."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def print_rows(
    rows: Sequence[Mapping[str, Any]],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    cols = list(columns) if columns else (list(rows[0].keys()) if rows else [])
    if fmt is OutputFormat.JSON:
        sys.stdout.write(json.dumps([{c: _plain(r.get(c)) for c in cols} for r in rows], indent=2) + "\n")
    elif fmt is OutputFormat.CSV:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(cols)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else _plain(r.get(c)) for c in cols])
    else:
        table = Table(title=title)
        for c in cols:
            numeric = bool(rows) and isinstance(rows[0].get(c), int | Decimal)
            table.add_column(c, justify="right" if numeric else "left")
        for r in rows:
            table.add_row(*["" if r.get(c) is None else str(_plain(r.get(c))) for c in cols])
        console.print(table)
