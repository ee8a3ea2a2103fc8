"""Base metrics: one aggregation each over one row set, grouped by the query's keys.

Grouping by team repeats every row once per ancestor team. Metrics that decompose (sums, counts,
and ratios of them) are first summed per row's own team and only those partial sums are rolled up
the tree; medians need every row, so their rows are repeated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from attain.analytics.exact import div_half_even, median_half_even
from attain.analytics.org import Org
from attain.analytics.rowsets import RowSet

Parts = Callable[[str], list[pl.Expr]]  # partial aggregations, named with the metric's prefix
Final = Callable[[str], pl.Expr]  # the metric from the sums of its partials


@dataclass(frozen=True, slots=True)
class Measure:
    row_set: RowSet
    aggregate: Callable[[], pl.Expr]
    zero_when_empty: bool  # a group with no rows has a real 0 (a count or sum), not a missing value
    parts: Parts | None = None  # set when the metric can be rolled up from partial sums
    final: Final | None = None


def _amount_sum() -> pl.Expr:
    return pl.col("amount").sum()


def _count() -> pl.Expr:
    return pl.len().cast(pl.Int64)


def _sum_parts(column: str) -> Parts:
    return lambda p: [pl.col(column).sum().alias(f"{p}_s")]


def _count_parts(p: str) -> list[pl.Expr]:
    return [pl.len().cast(pl.Int64).alias(f"{p}_n")]


def _sum_final(p: str) -> pl.Expr:
    return pl.col(f"{p}_s").sum()


def _count_final(p: str) -> pl.Expr:
    return pl.col(f"{p}_n").sum()


MEASURES: dict[str, Measure] = {
    "revenue": Measure(RowSet.ORDERS, _amount_sum, True, _sum_parts("amount"), _sum_final),
    "won_revenue": Measure(RowSet.WON, _amount_sum, True, _sum_parts("amount"), _sum_final),
    "number_of_sales": Measure(RowSet.WON, _count, True, _count_parts, _count_final),
    "win_rate": Measure(
        RowSet.CLOSED,
        lambda: (pl.col("status") == "won").sum().cast(pl.Float64) / pl.len(),
        False,
        lambda p: [
            (pl.col("status") == "won").sum().cast(pl.Int64).alias(f"{p}_w"),
            pl.len().cast(pl.Int64).alias(f"{p}_n"),
        ],
        lambda p: pl.col(f"{p}_w").sum().cast(pl.Float64) / pl.col(f"{p}_n").sum(),
    ),
    "average_deal_size": Measure(
        RowSet.WON,
        lambda: div_half_even(pl.col("amount").sum(), pl.col("amount").count().cast(pl.Int64)),
        False,
        lambda p: [
            pl.col("amount").sum().alias(f"{p}_s"),
            pl.col("amount").count().cast(pl.Int64).alias(f"{p}_c"),
        ],
        lambda p: div_half_even(pl.col(f"{p}_s").sum(), pl.col(f"{p}_c").sum()),
    ),
    "median_deal_size": Measure(RowSet.WON, lambda: median_half_even(pl.col("amount")), False),
    "sales_cycle_mean_days": Measure(
        RowSet.WON,
        lambda: pl.col("_days").cast(pl.Float64).mean(),
        False,
        lambda p: [
            pl.col("_days").sum().alias(f"{p}_s"),
            pl.col("_days").count().cast(pl.Int64).alias(f"{p}_c"),
        ],
        lambda p: pl.when(pl.col(f"{p}_c").sum() > 0).then(
            pl.col(f"{p}_s").sum().cast(pl.Float64) / pl.col(f"{p}_c").sum()
        ),
    ),
    "sales_cycle_median_days": Measure(RowSet.WON, lambda: pl.col("_days").cast(pl.Float64).median(), False),
    "opportunities_created": Measure(RowSet.CREATED, _count, True, _count_parts, _count_final),
    "open_pipeline_value": Measure(RowSet.PIPELINE, _amount_sum, True, _sum_parts("amount"), _sum_final),
    "open_pipeline_count": Measure(RowSet.PIPELINE, _count, True, _count_parts, _count_final),
    "rep_months": Measure(
        RowSet.REP_MONTHS, lambda: pl.col("_fraction").sum(), True, _sum_parts("_fraction"), _sum_final
    ),
    "new_customers": Measure(RowSet.NEW_CUSTOMERS, _count, True, _count_parts, _count_final),
}


def aggregate(rows: pl.DataFrame, keys: list[str], metrics: list[str], org: Org) -> pl.DataFrame:
    """One row per group of `keys` with a column per metric (all metrics over the same row set)."""
    # A row set that cannot carry a key (rep-months by product) yields no groups rather than failing.
    absent = [k for k in keys if k not in rows.columns and not (k == "team_id" and "_team" in rows.columns)]
    if absent:
        rows = rows.head(0).with_columns(
            [pl.lit(None, pl.Int64 if k.endswith("_id") else pl.Utf8).alias(k) for k in absent]
        )
    if "team_id" not in keys or "team_id" in rows.columns:
        return rows.group_by(keys).agg([MEASURES[k].aggregate().alias(k) for k in metrics])
    rolled = [k for k in metrics if MEASURES[k].parts is not None]
    whole = [k for k in metrics if MEASURES[k].parts is None]
    out: pl.DataFrame | None = None
    if rolled:
        own = [("_team" if k == "team_id" else k) for k in keys]
        partial = rows.group_by(own).agg([e for k in rolled for e in MEASURES[k].parts(k)])  # type: ignore[misc]
        out = (
            org.explode_teams(partial)
            .group_by(keys)
            .agg(
                [MEASURES[k].final(k).alias(k) for k in rolled]  # type: ignore[misc]
            )
        )
    if whole:
        exploded = (
            org.explode_teams(rows).group_by(keys).agg([MEASURES[k].aggregate().alias(k) for k in whole])
        )
        out = (
            exploded
            if out is None
            else out.join(exploded, on=keys, how="full", coalesce=True, nulls_equal=True)
        )
    assert out is not None
    return out
