"""Win probabilities as weekly hazards: the chance that an open deal is won, or lost, in the coming week,
learned from the last weeks up to the cut-off, then projected forward week by week as the deal ages.

Why not "won within H days" labels: they need H days of outcome, so with a quarter's horizon the newest
usable example is a quarter old, and a deal open on the cut-off is judged by how deals behaved then. On
Maven CRM (cut-off 30 September 2017) deals 60-90 days into Engaging had won within 92 days 45 % of the
time in the spring the old model learned from, against 7 % for those open on the cut-off: conversion had
drifted and stale deals piled up. A week's outcome is known one week later, so the hazards learn from
the quarter right before the cut-off, with no censored label; and because the projection ages the deal,
a deal past the age at which deals still close fades out instead of keeping its stage's average chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from attain.analytics.forecast.winrates import WinModel, fit_win_model, stage_on, with_size

STEP_DAYS = 7
HAZARD_WEEKS = 13  # the quarter before the cut-off: recent behaviour, and ~13 x the open deals as examples


def weekly_rows(
    opportunities: pl.DataFrame, stages: pl.DataFrame, cutoff: date, weeks: int = HAZARD_WEEKS
) -> pl.DataFrame:
    """Deals open at each of the last `weeks` weekly snapshots that end a full week by `cutoff`, with
    `won` and `lost`: 1 when the deal closed that way within the following week."""
    first = opportunities["created_on"].drop_nulls().min()
    if first is None:
        return pl.DataFrame()
    assert isinstance(first, date)
    days = [d for k in range(1, weeks + 1) if (d := cutoff - timedelta(days=STEP_DAYS * k)) >= first]
    parts = [p for d in sorted(days) if (p := stage_on(opportunities, stages, d)).height]
    if not parts:
        return pl.DataFrame()
    rows = pl.concat(parts, how="vertical_relaxed")
    within = pl.col("close_on") <= pl.col("snapshot") + pl.duration(days=STEP_DAYS)
    return rows.with_columns(
        ((pl.col("status") == "won") & within).cast(pl.Int8).alias("won"),
        ((pl.col("status") == "lost") & within).cast(pl.Int8).alias("lost"),
    )


@dataclass(frozen=True, slots=True)
class HazardModel:
    """Weekly chances of being won and of being lost, by stage, age in stage, size and owner."""

    win: WinModel
    loss: WinModel

    def chance(self, frame: pl.DataFrame, horizon_days: int) -> np.ndarray:
        """P(won within `horizon_days`) per deal: won in week k after surviving weeks 1..k-1 open, with the
        deal `STEP_DAYS` older each week (stage as it is now); a last partial week counts pro rata."""
        reached = np.zeros(frame.height)
        alive = np.ones(frame.height)
        for k in range(max(0, -(-horizon_days // STEP_DAYS))):
            share = min(1.0, (horizon_days - STEP_DAYS * k) / STEP_DAYS)
            older = frame.with_columns(pl.col("age_days") + STEP_DAYS * k)
            won = self.win.predict(older) * share
            lost = self.loss.predict(older) * share
            reached += alive * won
            alive = alive * np.clip(1.0 - won - lost, 0.0, 1.0)
        return reached


def fit_hazards(
    history: pl.DataFrame, stages: pl.DataFrame, cutoff: date, sizes: dict[int | None, float]
) -> HazardModel:
    """The win and loss hazards from the weeks before `cutoff`; `history` must be as known on `cutoff`."""
    rows = weekly_rows(history, stages, cutoff)
    if rows.height == 0:
        raise ValueError("no training rows: the history has no deal open a full week before the cut-off")
    rows = with_size(rows, sizes)
    return HazardModel(
        fit_win_model(rows.drop("lost")),
        fit_win_model(rows.drop("won").rename({"lost": "won"})),
    )
