"""Leaderboards: people ranked by any metric with ties sharing a rank (1, 2, 2, 4), percentiles within
the company and within their team, and the most improved against the previous period.
"""

from __future__ import annotations

import polars as pl

from attain.analytics.definitions import Direction


def rank_people(values: pl.DataFrame, direction: Direction) -> pl.DataFrame:
    """Rank `values` (person_id, team_id, value, prior) best first; people without a value are unranked.

    percentile = share of the *other* ranked people in the group with a strictly worse value (1.0: better
    than everyone else; null when alone); change = value - prior, improvement_rank ranks it (better
    direction first), null without a prior value.
    """
    best_first = direction is Direction.UP
    ranked = values.filter(pl.col("value").is_not_null())
    unranked = values.filter(pl.col("value").is_null())

    def rank(column: str, over: str | None = None) -> pl.Expr:
        expr = pl.col(column).rank("min", descending=best_first).cast(pl.Int64)
        return expr if over is None else expr.over(over)

    def percentile(over: str | None = None) -> pl.Expr:
        higher_or_equal = pl.col("value").rank("max", descending=best_first).cast(pl.Int64)
        n = pl.len().cast(pl.Int64)
        if over is not None:
            higher_or_equal, n = higher_or_equal.over(over), pl.len().over(over).cast(pl.Int64)
        return pl.when(n > 1).then((n - higher_or_equal).cast(pl.Float64) / (n - 1))

    out = ranked.with_columns(
        rank=rank("value"),
        percentile=percentile(),
        team_rank=rank("value", "team_id"),
        team_percentile=percentile("team_id"),
        change=pl.col("value") - pl.col("prior"),
    )
    improving = out.filter(pl.col("change").is_not_null()).with_columns(improvement_rank=rank("change"))
    out = out.join(improving.select("person_id", "improvement_rank"), on="person_id", how="left")
    return pl.concat([out, unranked], how="diagonal_relaxed").sort(["rank", "person_id"], nulls_last=True)
