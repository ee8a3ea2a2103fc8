"""Base metrics: one aggregation each over one row set, grouped by the query's keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from attain.analytics.exact import div_half_even, median_half_even
from attain.analytics.rowsets import RowSet


@dataclass(frozen=True, slots=True)
class Measure:
    row_set: RowSet
    aggregate: Callable[[], pl.Expr]
    zero_when_empty: bool  # a group with no rows has a real 0 (a count or sum), not a missing value


def _amount_sum() -> pl.Expr:
    return pl.col("amount").sum()


def _count() -> pl.Expr:
    return pl.len().cast(pl.Int64)


MEASURES: dict[str, Measure] = {
    "revenue": Measure(RowSet.ORDERS, _amount_sum, zero_when_empty=True),
    "won_revenue": Measure(RowSet.WON, _amount_sum, zero_when_empty=True),
    "number_of_sales": Measure(RowSet.WON, _count, zero_when_empty=True),
    "win_rate": Measure(
        RowSet.CLOSED,
        lambda: (pl.col("status") == "won").sum().cast(pl.Float64) / pl.len(),
        zero_when_empty=False,
    ),
    "average_deal_size": Measure(
        RowSet.WON,
        lambda: div_half_even(pl.col("amount").sum(), pl.col("amount").count().cast(pl.Int64)),
        zero_when_empty=False,
    ),
    "median_deal_size": Measure(
        RowSet.WON, lambda: median_half_even(pl.col("amount")), zero_when_empty=False
    ),
    "sales_cycle_mean_days": Measure(
        RowSet.WON, lambda: pl.col("_days").cast(pl.Float64).mean(), zero_when_empty=False
    ),
    "sales_cycle_median_days": Measure(
        RowSet.WON, lambda: pl.col("_days").cast(pl.Float64).median(), zero_when_empty=False
    ),
    "opportunities_created": Measure(RowSet.CREATED, _count, zero_when_empty=True),
    "open_pipeline_value": Measure(RowSet.PIPELINE, lambda: pl.col("amount").sum(), zero_when_empty=True),
    "open_pipeline_count": Measure(RowSet.PIPELINE, _count, zero_when_empty=True),
    "rep_months": Measure(RowSet.REP_MONTHS, lambda: pl.col("_fraction").sum(), zero_when_empty=True),
    "new_customers": Measure(RowSet.NEW_CUSTOMERS, _count, zero_when_empty=True),
}


def aggregate(rows: pl.DataFrame, keys: list[str], metrics: list[str]) -> pl.DataFrame:
    """One row per group of `keys` with a column per metric (all metrics over the same row set)."""
    exprs = [MEASURES[k].aggregate().alias(k) for k in metrics]
    # A row set that cannot carry a key (rep-months by product) yields no groups rather than failing.
    absent = [k for k in keys if k not in rows.columns]
    if absent:
        rows = rows.head(0).with_columns(
            [pl.lit(None, pl.Int64 if k.endswith("_id") else pl.Utf8).alias(k) for k in absent]
        )
    return rows.group_by(keys).agg(exprs)
