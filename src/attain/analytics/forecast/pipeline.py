"""Pipeline-weighted forecast: each open deal's chance of being won in each coming period, times its value,
plus the expected revenue of deals not yet created; what is expected after the first period is slippage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import polars as pl

from attain.analytics.forecast.hazard import HazardModel, fit_hazards
from attain.analytics.forecast.hierarchy import allocate_rounded
from attain.analytics.forecast.winrates import stage_on, typical_sizes, with_size
from attain.domain.calendar import Period

NEW_BUSINESS_WEEKS = 13  # the run rate of deals created and won inside a window, over the last quarter


class Valuation(StrEnum):
    """What an open deal is worth if won."""

    # Its amount in the CRM while it is still open; a deal closed since the as-of date is valued as
    # TYPICAL, because its stored amount is the outcome (a lost deal often carries 0).
    AMOUNT = "amount"
    TYPICAL = "typical"  # its product's median won amount before the as-of date


@dataclass(frozen=True, slots=True)
class PipelineForecast:
    """`deals`: one row per deal open on `as_of` with `p_<period>` (chance to be won in that period)
    and `value`. `by_owner`: expected won revenue (Int64 minor units) per owner and period from open
    deals, adding up to `open_pipeline`. `new_business`: expected revenue from deals not yet created."""

    as_of: date
    periods: tuple[Period, ...]
    deals: pl.DataFrame
    by_owner: pl.DataFrame
    open_pipeline: dict[str, int]
    new_business: dict[str, int]
    model: HazardModel

    def total(self, period: Period) -> int:
        return self.open_pipeline[period.key] + self.new_business[period.key]

    @property
    def slippage(self) -> int:
        """Expected revenue of today's open deals that lands after the first period."""
        return sum(self.open_pipeline[p.key] for p in self.periods[1:])


def horizon_days(as_of: date, period: Period) -> int:
    return (period.last_day - as_of).days


def new_business_rate(opportunities: pl.DataFrame, as_of: date, start_days: int, end_days: int) -> float:
    """Mean revenue won in (s + start, s + end] by deals created after s, over recent weekly snapshots s."""
    won = opportunities.filter(
        (pl.col("status") == "won") & pl.col("created_on").is_not_null() & pl.col("amount").is_not_null()
    )
    totals = []
    for w in range(NEW_BUSINESS_WEEKS):
        s = as_of - timedelta(days=end_days + 7 * w)
        part = won.filter(
            (pl.col("created_on") > s)
            & (pl.col("close_on") > s + timedelta(days=start_days))
            & (pl.col("close_on") <= s + timedelta(days=end_days))
        )
        totals.append(float(part["amount"].sum()))
    return float(np.mean(totals)) if totals else 0.0


def pipeline_forecast(
    opportunities: pl.DataFrame,
    stages: pl.DataFrame,
    as_of: date,
    periods: Sequence[Period],
    valuation: Valuation = Valuation.AMOUNT,
) -> PipelineForecast:
    """Expected won revenue per period from the deals open on `as_of` and from deals yet to come.

    Only facts known on `as_of` train the models (deals closed by then, weekly outcomes up to it).
    """
    if not periods:
        raise ValueError("give at least one period to forecast")
    known = opportunities.filter(pl.col("created_on").is_not_null() & (pl.col("created_on") <= as_of))
    sizes = typical_sizes(known, as_of)
    open_now = with_size(stage_on(opportunities, stages, as_of), sizes)
    typical = open_now["size"].to_numpy()
    if valuation is Valuation.AMOUNT:
        still_open = (open_now["status"] == "open").to_numpy() & open_now["amount"].is_not_null().to_numpy()
        amount = open_now["amount"].fill_null(0).to_numpy().astype(float)
        value = np.where(still_open, amount, typical)
    else:
        value = typical
    history = known_on(opportunities, as_of)
    model = fit_hazards(history, stages, as_of, sizes)
    cumulative = np.zeros(open_now.height)
    columns: dict[str, np.ndarray] = {}
    open_pipeline: dict[str, int] = {}
    new_business: dict[str, int] = {}
    previous_days = 0
    for period in periods:
        days = horizon_days(as_of, period)
        reached = np.maximum(model.chance(open_now, days), cumulative)
        columns[f"p_{period.key}"] = reached - cumulative
        cumulative = reached
        open_pipeline[period.key] = int(np.round((value * columns[f"p_{period.key}"]).sum()))
        new_business[period.key] = int(np.round(new_business_rate(history, as_of, previous_days, days)))
        previous_days = days
    deals = open_now.select("id", "owner_id", "stage_then", "age_days").with_columns(
        pl.Series("value", value), *[pl.Series(k, v) for k, v in columns.items()]
    )
    return PipelineForecast(
        as_of,
        tuple(periods),
        deals,
        _by_owner(deals, periods, open_pipeline),
        open_pipeline,
        new_business,
        model,
    )


def known_on(opportunities: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The deals as they stood on `as_of`: created by then, and still open if they closed after it."""
    known = opportunities.filter(pl.col("created_on").is_not_null() & (pl.col("created_on") <= as_of))
    return known.with_columns(
        pl.when(pl.col("close_on") > as_of).then(pl.lit("open")).otherwise(pl.col("status")).alias("status"),
        pl.when(pl.col("close_on") > as_of).then(None).otherwise(pl.col("close_on")).alias("close_on"),
    )


def win_chances(opportunities: pl.DataFrame, stages: pl.DataFrame, as_of: date, horizon: int) -> pl.DataFrame:
    """Each deal open on `as_of` (id, owner_id, stage_then, age_days) with `p`, its chance to be won within
    `horizon` days, from a model that saw only what was known on `as_of`."""
    history = known_on(opportunities, as_of)
    sizes = typical_sizes(history, as_of)
    open_now = with_size(stage_on(opportunities, stages, as_of), sizes)
    model = fit_hazards(history, stages, as_of, sizes)
    return open_now.select("id", "owner_id", "stage_then", "age_days").with_columns(
        pl.Series("p", model.chance(open_now, horizon))
    )


def _by_owner(deals: pl.DataFrame, periods: Sequence[Period], totals: dict[str, int]) -> pl.DataFrame:
    owners = sorted({int(o) for o in deals["owner_id"].drop_nulls().to_list()})
    rows = []
    for period in periods:
        col = f"p_{period.key}"
        sums = deals.group_by("owner_id").agg((pl.col("value") * pl.col(col)).sum().alias("e"))
        share = {int(o): float(e) for o, e in sums.iter_rows() if o is not None}
        parts = allocate_rounded(totals[period.key], np.array([share.get(o, 0.0) for o in owners]))
        rows += [
            {"owner_id": o, "period": period.key, "expected": int(v)}
            for o, v in zip(owners, parts, strict=True)
        ]
    return pl.DataFrame(rows, schema={"owner_id": pl.Int64, "period": pl.Utf8, "expected": pl.Int64})
