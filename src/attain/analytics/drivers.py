"""Why off pace: for each person behind on a goal, the driver metrics that lag most against their own
history and against their team's median this period, ranked, as data for coaching.

Sums and counts are compared as full-period equivalents (value so far / elapsed share of the period),
so a half-finished quarter is not read as a collapse.
"""

from __future__ import annotations

import polars as pl

from attain.analytics.definitions import Additivity, Direction, definition

DRIVERS: tuple[str, ...] = (
    "win_rate",
    "average_deal_size",
    "number_of_sales",
    "sales_cycle_median_days",
    "opportunities_created",
    "open_pipeline_value",
)


def _lag(current: pl.Expr, baseline: pl.Expr, direction: Direction) -> pl.Expr:
    """How far `current` falls short of `baseline`, as a fraction of it (positive = lagging)."""
    gap = (baseline - current) if direction is Direction.UP else (current - baseline)
    return pl.when(baseline.is_not_null() & (baseline != 0) & current.is_not_null()).then(
        gap / baseline.abs()
    )


def rank_drivers(
    current: pl.DataFrame, history: pl.DataFrame, people: list[int], elapsed: float
) -> pl.DataFrame:
    """Rank drivers for `people`.

    current: person_id, team_id and one column per driver, for the period so far (everyone in the teams);
    history: person_id and one column per driver, one row per past full period.
    Returns person_id, metric, current, own_baseline, lag_vs_own, team_median, lag_vs_team, lag, rank
    (1 = lags most); lag is the mean of the two lags that exist.
    """
    parts = []
    for metric in DRIVERS:
        d = definition(metric)
        now = pl.col(metric).cast(pl.Float64)
        if d.additivity is Additivity.SUM and elapsed > 0:
            now = now / elapsed
        cur = current.select("person_id", "team_id", now.alias("current"))
        team = cur.group_by("team_id").agg(pl.col("current").median().alias("team_median"))
        own = history.group_by("person_id").agg(pl.col(metric).cast(pl.Float64).mean().alias("own_baseline"))
        rows = (
            cur.filter(pl.col("person_id").is_in(people))
            .join(team, on="team_id", how="left")
            .join(own, on="person_id", how="left")
            .with_columns(
                metric=pl.lit(metric),
                lag_vs_own=_lag(pl.col("current"), pl.col("own_baseline"), d.direction),
                lag_vs_team=_lag(pl.col("current"), pl.col("team_median"), d.direction),
            )
        )
        parts.append(rows)
    table = pl.concat(parts).with_columns(lag=pl.mean_horizontal("lag_vs_own", "lag_vs_team"))
    table = table.with_columns(
        rank=pl.col("lag").rank("ordinal", descending=True).over("person_id").cast(pl.Int64)
    )
    return table.select(
        "person_id",
        "team_id",
        "metric",
        "current",
        "own_baseline",
        "lag_vs_own",
        "team_median",
        "lag_vs_team",
        "lag",
        "rank",
    ).sort(["person_id", "rank"], nulls_last=True)
