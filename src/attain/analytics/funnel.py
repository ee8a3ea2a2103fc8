"""The stage funnel: of the opportunities created in a period, how many reached each stage, and the
conversion from each stage to the next, per group.

Stage order is the order in which stages are usually entered (mean position in the histories),
unless the caller gives one. Reaching a stage means having entered it or any later stage, or being
won (a won deal passed every open stage); lost deals reached only what their history shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from attain.analytics.facts import Facts
from attain.analytics.rowsets import Measurement, Query, RowSet

_TERMINAL = ("won", "lost")


def stage_order(stages: pl.DataFrame) -> list[str]:
    """Open stages ordered by their mean position in each opportunity's history (ties by name)."""
    ranked = stages.sort(["opportunity_id", "entered_at"]).with_columns(
        _pos=pl.col("entered_at").rank("ordinal").over("opportunity_id"),
        _lower=pl.col("stage").cast(pl.Utf8).str.to_lowercase(),
    )
    means = ranked.filter(~pl.col("_lower").is_in(_TERMINAL)).group_by("stage").agg(pl.col("_pos").mean())
    return means.sort(["_pos", "stage"])["stage"].to_list()


def funnel(facts: Facts, query: Query, order: Sequence[str] | None = None) -> pl.DataFrame:
    """Per group and stage: reached, advanced (reached the next step) and conversion (null when none reached).

    The last step is 'won'.
    """
    m = Measurement(facts, query)
    created = m.rows(RowSet.CREATED)
    stages = list(order) if order is not None else stage_order(facts.stages)
    steps = [*stages, "won"]
    index = {s.lower(): i for i, s in enumerate(steps)}
    entered = facts.stages.select(
        "opportunity_id",
        pl.col("stage").cast(pl.Utf8).str.to_lowercase().replace_strict(index, default=None).alias("_i"),
    )
    furthest = entered.group_by("opportunity_id").agg(pl.col("_i").max().alias("_hist"))
    rows = created.join(furthest, left_on="id", right_on="opportunity_id", how="left").with_columns(
        _cur=pl.col("stage").cast(pl.Utf8).str.to_lowercase().replace_strict(index, default=None)
    )
    rows = rows.with_columns(
        _max=pl.when(pl.col("status") == "won")
        .then(len(steps) - 1)
        .otherwise(pl.max_horizontal("_hist", "_cur"))
    )
    keys = query.keys
    if "team_id" in keys:
        rows = facts.org.explode_teams(rows)
    counts = rows.group_by(keys).agg([(pl.col("_max") >= i).sum().alias(f"_r{i}") for i in range(len(steps))])
    parts = []
    for i, step in enumerate(steps[:-1]):
        parts.append(
            counts.select(
                *keys,
                pl.lit(step).alias("stage"),
                pl.lit(steps[i + 1]).alias("next_stage"),
                pl.col(f"_r{i}").cast(pl.Int64).alias("reached"),
                pl.col(f"_r{i + 1}").cast(pl.Int64).alias("advanced"),
                pl.when(pl.col(f"_r{i}") > 0)
                .then(pl.col(f"_r{i + 1}") / pl.col(f"_r{i}"))
                .alias("conversion"),
            )
        )
    if not parts:
        return pl.DataFrame()
    return (
        pl.concat(parts)
        .with_columns(_o=pl.col("stage").replace_strict({s: i for i, s in enumerate(steps)}, default=None))
        .sort([*keys, "_o"])
        .drop("_o")
    )
