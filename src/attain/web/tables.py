"""Tables on every page: sorted, filtered, paged and exported to CSV on the server, from one description.

A `Table` names its columns (what each holds and where its figures drill down to) and reads its sort,
direction, filter, page and page size from query parameters prefixed with its id (`leaderboard.sort=value`,
`leaderboard.page=2`, `leaderboard.size=100`), so several tables share a page and any view is a link. Sort
and filter apply to all rows before paging. The `.csv` variant of a page's route returns one table
(`?table=<id>`) sorted and filtered the same way, with every matching row whatever the page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import Response

from attain.domain.errors import InvalidInput, NotFound

PAGE_SIZES = (25, 50, 100)
ALL = "all"
# What "all" shows at most on one page: beyond it a page costs more to render and send than anyone reads;
# the CSV export still has every row.
MAX_PAGE_ROWS = 1000
ALL_ROWS = MAX_PAGE_ROWS


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
    page: int = 1  # 1-based; past the last page shows the last one
    size: int | None = None  # rows per page; None: the table's default; ALL_ROWS: "all"

    @classmethod
    def read(cls, params: Mapping[str, str], prefix: str) -> TableQuery:
        direction = params.get(f"{prefix}.dir", "")
        return cls(
            params.get(f"{prefix}.sort") or None,
            direction == "desc",
            params.get(f"{prefix}.q", "").strip()[:200],
            _page_number(params.get(f"{prefix}.page"), f"{prefix}.page"),
            _page_size(params.get(f"{prefix}.size"), f"{prefix}.size"),
        )


def _page_number(value: str | None, name: str) -> int:
    if value is None or value == "":
        return 1
    if not value.isdigit() or int(value) < 1:
        raise InvalidInput(
            f"the query parameter {name}={value[:20]!r} is not a page number", hint="use 1 or more"
        )
    return min(int(value), 10**9)


def _page_size(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if value == ALL:
        return ALL_ROWS
    if value.isdigit() and int(value) in PAGE_SIZES:
        return int(value)
    raise InvalidInput(
        f"the query parameter {name}={value[:20]!r} is not a page size",
        hint=f"one of {', '.join(map(str, PAGE_SIZES))} or {ALL}",
    )


@dataclass(frozen=True, slots=True)
class Page:
    """The rows one page shows and where they sit among all matching rows."""

    rows: list[Mapping[str, Any]]
    number: int  # 1-based
    count: int  # pages in all (at least 1)
    first: int  # 1-based position of the first row shown (0 when there is none)
    last: int  # position of the last row shown
    total: int  # rows matching the filter
    size: int  # rows per page


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
    page_size: int = 50  # rows a page shows unless `<id>.size` asks for another size

    def __post_init__(self) -> None:
        self.query  # noqa: B018 (a bad page or size parameter is a clear error before any rendering)

    @cached_property
    def query(self) -> TableQuery:
        found = TableQuery.read(self.params, self.id)
        if found.sort is None and self.default_sort is not None:
            return TableQuery(self.default_sort, self.default_descending, found.text, found.page, found.size)
        return found

    @property
    def size(self) -> int:
        return self.query.size or self.page_size

    @property
    def size_choice(self) -> str:
        """The page size as its query value: "25", "50", "100" or "all"."""
        return ALL if self.query.size == ALL_ROWS else str(self.size)

    @cached_property
    def page(self) -> Page:
        """The requested page of the filtered, sorted rows (the last one when asked past it)."""
        rows = self.shown()
        size = self.size
        count = max(1, -(-len(rows) // size))
        number = min(self.query.page, count)
        start = (number - 1) * size
        chosen = rows[start : start + size]
        return Page(chosen, number, count, start + 1 if chosen else 0, start + len(chosen), len(rows), size)

    def page_url(self, number: int) -> str:
        return self.url(page=None if number <= 1 else str(number))

    def size_url(self, choice: str) -> str:
        """The first page at another page size (the default size drops the parameter)."""
        return self.url(size=None if choice == str(self.page_size) else choice)

    def size_choices(self) -> list[str]:
        return [str(n) for n in PAGE_SIZES] + [ALL]

    def size_label(self, choice: str) -> str:
        """How a page-size link reads: "all" says the cap when there are more rows than a page holds."""
        if choice != ALL:
            return choice
        return ALL if len(self.rows) <= ALL_ROWS else f"{ALL_ROWS:,}"

    def shown(self) -> list[Mapping[str, Any]]:
        """All rows matching the filter (any cell contains the text, case-insensitively), sorted."""
        return self._shown

    @cached_property
    def _shown(self) -> list[Mapping[str, Any]]:
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
        """A query string for this page with this table's view changed (None removes a parameter). A new
        sort, filter or page size starts from the first page again."""
        params = dict(self.params)
        params.pop("table", None)
        if "page" not in changes and changes.keys() & {"sort", "dir", "q", "size"}:
            params.pop(f"{self.id}.page", None)
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
        """The export of every matching row: this table's page and page size do not apply."""
        paging = ("table", f"{self.id}.page", f"{self.id}.size")
        params = {k: v for k, v in self.params.items() if k not in paging}
        params["table"] = self.id
        return f"{path}.csv?{urlencode(params)}"

    def hidden_params(self) -> list[tuple[str, str]]:
        """The page's other parameters, kept as hidden fields by this table's filter form (a new filter
        starts from the first page)."""
        dropped = (f"{self.id}.q", f"{self.id}.page", "table")
        return [(k, v) for k, v in self.params.items() if k not in dropped]

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
