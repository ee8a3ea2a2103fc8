"""Drill-down: the rows behind any figure (deals, orders, rep-month pieces), with their ids."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl

from attain.analytics.compute import check_metrics, fact_scope, row_sets_needed
from attain.analytics.facts import read_facts
from attain.analytics.org import Dimension, Org
from attain.analytics.ports import Detail, FactReader
from attain.analytics.queries import (
    EVERYONE,
    Scope,
    Window,
    check_currency,
    id_of,
    label,
    require_calendar,
    scope_filters,
)
from attain.analytics.rowsets import Measurement, Query
from attain.domain.money import from_minor

_SHOWN = (
    "id",
    "external_id",
    "owner_id",
    "person_id",
    "account_id",
    "product_id",
    "status",
    "stage",
    "kind",
    "created_on",
    "close_on",
    "booked_on",
    "start_on",
    "end_on",
    "category",
    "_snap",
    "_piece",
    "_fraction",
    "amount",
    "currency",
    "_days",
)
_RENAME = {
    "_snap": "snapshot_on",
    "_piece": "from_day",
    "_fraction": "rep_months",
    "_days": "cycle_days",
    "owner_id": "person_id",
}


def drill_down(
    reader: FactReader,
    metric: str,
    window: Window,
    group: Mapping[Dimension, str],
    scope: Scope = EVERYONE,
    *,
    today: date,
) -> list[dict[str, Any]]:
    """The rows that make up `metric` for one group (dimension -> external id or value) of the window.

    Each row says which row set it belongs to (e.g. won deals, closed deals, orders), so a ratio shows
    both its numerator and denominator rows.
    """
    check_metrics([metric])
    info, calendar = require_calendar(reader)
    frame = window.resolve(calendar, today)
    org = Org.read(reader)
    filters, owners = scope_filters(org, scope)
    filters += tuple(
        (dim, _key(org, dim, value)) for dim, value in group.items() if dim is not Dimension.COMPANY
    )
    if owners is None and Dimension.PERSON in group:
        owners = (id_of(org, "person", group[Dimension.PERSON]),)
    query = Query((metric,), (), frame, filters)
    fscope, sources = fact_scope(query, owners, Detail.ROWS)
    facts = read_facts(reader, fscope, sources, org, currency=info.currency)
    check_currency(facts, info.currency)
    m = Measurement(facts, query)
    parts = []
    for row_set, shift in sorted(row_sets_needed([metric]), key=lambda x: (x[0], str(x[1]))):
        rows = m.rows(row_set, shift)
        cols = [c for c in _SHOWN if c in rows.columns]
        if "owner_id" in cols and "person_id" in cols:
            cols.remove("person_id")
        part = rows.select(cols).rename({k: v for k, v in _RENAME.items() if k in cols})
        parts.append(
            part.with_columns(
                row_set=pl.lit(row_set.value),
                period=rows["period"],
                compared=pl.lit(None if shift is None else shift.value, pl.Utf8),
            )
        )
    if not parts:
        return []
    table = pl.concat(parts, how="diagonal_relaxed").unique(maintain_order=True)
    out = records(label(table, org), info.currency)
    return out


def _key(org: Org, dim: Dimension, value: str) -> int | str:
    if dim in (Dimension.PERSON, Dimension.TEAM, Dimension.TERRITORY):
        return id_of(org, dim.value, value)
    if dim is Dimension.PRODUCT:
        hit = org.products.filter(pl.col("external_id") == value)
        return int(hit["id"][0]) if hit.height else -1
    return value


def records(frame: pl.DataFrame, currency: str) -> list[dict[str, Any]]:
    rows = frame.to_dicts()
    for row in rows:
        if row.get("amount") is not None:
            row["amount"] = from_minor(int(row["amount"]), row.get("currency") or currency)
    return rows
