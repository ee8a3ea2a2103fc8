"""Tables on every page: sorted, filtered and exported to CSV on the server, from one description.

A `Table` names its columns (what each holds and where its figures drill down to) and reads its sort,
direction and filter from query parameters prefixed with its id (`leaderboard.sort=value`), so several
tables share a page and any view is a link. The `.csv` variant of a page's route returns one table
(`?table=<id>`) sorted and filtered the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import Response

from attain.domain.errors import NotFound


class Kind(StrEnum):
    """How a column's values read: drives alignment, formatting, sorting and CSV output."""

    TEXT = "text"
    COUNT = "count"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"  # a ratio, shown as a percentage
    DAYS = "days"
    DATE = "date"
    STATUS = "status"


Link = Callable[[Mapping[str, Any]], str | None]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: Kind = Kind.TEXT
    link: Link | None = None  # where this cell's figure comes from (drill-down) or leads to
    trend: str | None = None  # key of the prior period's value: the cell shows an arrow against it
    better_lower: bool = False  # for trend arrows: a fall is good (e.g. cycle length)
    row_kind: str | None = None  # key of a row's own Kind, for a column mixing metrics

    def kind_in(self, row: Mapping[str, Any]) -> Kind:
        found = row.get(self.row_kind) if self.row_kind else None
        return found if isinstance(found, Kind) else self.kind

    @property
    def numeric(self) -> bool:
        return self.kind not in (Kind.TEXT, Kind.DATE, Kind.STATUS)


@dataclass(frozen=True, slots=True)
class TableQuery:
    sort: str | None = None
    descending: bool = False
    text: str = ""

    @classmethod
    def read(cls, params: Mapping[str, str], prefix: str) -> TableQuery:
        direction = params.get(f"{prefix}.dir", "")
        return cls(
            params.get(f"{prefix}.sort") or None,
            direction == "desc",
            params.get(f"{prefix}.q", "").strip()[:200],
        )


@dataclass
class Table:
    """A titled table: its columns, all its rows, and the view asked for by the request."""

    id: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    params: Mapping[str, str] = field(default_factory=dict)  # the request's query parameters
    empty: str = "Nothing to show."  # what to do when there are no rows at all
    default_sort: str | None = None
    default_descending: bool = False
    currency: str = ""
    page_size: int = 50  # rows a page shows unless `<id>.all` is set; the CSV export has them all

    @property
    def limit(self) -> int | None:
        return None if self.params.get(f"{self.id}.all") else self.page_size

    @property
    def query(self) -> TableQuery:
        found = TableQuery.read(self.params, self.id)
        if found.sort is None and self.default_sort is not None:
            return TableQuery(self.default_sort, self.default_descending, found.text)
        return found

    def shown(self) -> list[Mapping[str, Any]]:
        """The rows matching the filter (any cell contains the text, case-insensitively), sorted."""
        q = self.query
        rows = list(self.rows)
        if q.text:
            needle = q.text.casefold()
            rows = [r for r in rows if any(needle in _plain(r.get(c.key)).casefold() for c in self.columns)]
        keys = {c.key: c for c in self.columns}
        if q.sort in keys:
            column = keys[q.sort]
            present = [r for r in rows if r.get(column.key) is not None]
            missing = [r for r in rows if r.get(column.key) is None]
            present.sort(key=lambda r: _sort_key(r.get(column.key)), reverse=q.descending)
            rows = present + missing  # rows without a value stay last whichever the direction
        return rows

    def url(self, **changes: str | None) -> str:
        """A query string for this page with this table's view changed (None removes a parameter)."""
        params = dict(self.params)
        params.pop("table", None)
        params.pop(f"{self.id}.all", None)  # a new sort or filter starts from the first rows again
        for name, value in changes.items():
            key = f"{self.id}.{name}"
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return "?" + urlencode(params) if params else "?"

    def sort_url(self, column: Column) -> str:
        q = self.query
        descending = not q.descending if q.sort == column.key else column.numeric
        return self.url(sort=column.key, dir="desc" if descending else "asc")

    def aria_sort(self, column: Column) -> str:
        q = self.query
        if q.sort != column.key:
            return "none"
        return "descending" if q.descending else "ascending"

    def csv_url(self, path: str) -> str:
        params = {k: v for k, v in self.params.items() if k != "table"}
        params["table"] = self.id
        return f"{path}.csv?{urlencode(params)}"

    def hidden_params(self) -> list[tuple[str, str]]:
        """The page's other parameters, kept as hidden fields by this table's filter form."""
        return [(k, v) for k, v in self.params.items() if k not in (f"{self.id}.q", "table")]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.label for c in self.columns])
        for row in self.shown():
            writer.writerow([_csv_value(row.get(c.key), c.kind_in(row)) for c in self.columns])
        return out.getvalue()


def csv_response(tables: Sequence[Table], params: Mapping[str, str], name: str) -> Response:
    """The table named by `?table=` as a CSV download (404 when the page has no such table)."""
    wanted = params.get("table", tables[0].id if len(tables) == 1 else "")
    table = next((t for t in tables if t.id == wanted), None)
    if table is None:
        raise NotFound(
            f"this page has no table '{wanted}'", hint=f"add ?table= one of {', '.join(t.id for t in tables)}"
        )
    return Response(
        table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{table.id}.csv"'},
    )


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _sort_key(value: Any) -> Any:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float | Decimal):
        return (0, float(value))
    if isinstance(value, date):
        return (1, value.toordinal())
    return (2, str(value).casefold())


def _csv_value(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind is Kind.PERCENT or (kind in (Kind.NUMBER, Kind.DAYS) and isinstance(value, float)):
        return f"{float(value):.6g}"
    return str(value)


def format_cell(value: Any, kind: Kind, currency: str = "") -> str:
    """A value as the pages show it: money with separators and cents, ratios as percentages."""
    if value is None:
        return "–"
    if kind is Kind.MONEY:
        return f"{Decimal(str(value)):,.2f}"
    if kind is Kind.PERCENT:
        return f"{float(value) * 100:.1f}%"
    if kind is Kind.COUNT:
        return f"{int(value):,}"
    if kind is Kind.DAYS:
        return f"{float(value):.0f} d"
    if kind is Kind.NUMBER:
        return f"{float(value):,.2f}"
    if kind is Kind.STATUS:
        return str(value).replace("_", " ")
    return str(value)


def trend_of(row: Mapping[str, Any], column: Column) -> tuple[str, str] | None:
    """(arrow, meaning) comparing a cell with its prior-period value, None without both."""
    if column.trend is None:
        return None
    now, before = row.get(column.key), row.get(column.trend)
    if now is None or before is None:
        return None
    a, b = float(now), float(before)
    if a == b:
        return "→", "flat"
    up = a > b
    good = up != column.better_lower
    return ("▲" if up else "▼"), ("better" if good else "worse")
