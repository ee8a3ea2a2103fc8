"""Rolling-origin backtests of whole hierarchies: for each origin and method, forecast every scope,
reconcile, and score against what happened; report WAPE, MASE, sMAPE and bias per method and scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from attain.analytics.forecast.hierarchy import Reconciliation
from attain.analytics.forecast.methods import Method
from attain.analytics.forecast.metrics import bias, mase, smape, wape
from attain.analytics.forecast.selection import rolling_origins
from attain.analytics.forecast.series import ScopeSeries
from attain.analytics.forecast.statistical import forecast_hierarchy, forecast_hierarchy_methods
from attain.domain.errors import InvalidInput

BACKTEST_METHODS: tuple[Method, ...] = (
    Method.COMBINATION,
    Method.SELECTED,
    Method.ETS,
    Method.ARIMA,
    Method.THETA,
    Method.CES,
    Method.SEASONAL_NAIVE,
)


@dataclass(frozen=True, slots=True)
class HierarchyBacktest:
    """`errors`: one row per origin, method, scope and step (actual, forecast in minor units).
    `summary`: per method and scope, WAPE, MASE, sMAPE and bias over every origin and step.
    `best`: per scope, the method with the lowest WAPE (ties to the earlier method in the list)."""

    errors: pl.DataFrame
    summary: pl.DataFrame
    best: pl.DataFrame


def truncate(series: ScopeSeries, cut: int) -> ScopeSeries:
    """The series as it was known before period index `cut`."""
    return replace(series, periods=series.periods[:cut], values=series.values[:, :cut])


def backtest_hierarchy(
    series: ScopeSeries,
    h: int,
    methods: Sequence[Method] = BACKTEST_METHODS,
    *,
    folds: int = 3,
    min_train: int = 6,
    reconciliation: Reconciliation = Reconciliation.WLS_STRUCTURAL,
) -> HierarchyBacktest:
    """Backtest `methods` at up to `folds` origins, one period apart, each with >= `min_train` periods."""
    m = series.grain.season_length
    origins = rolling_origins(len(series.periods), h, folds, min_train, step=1)
    if not origins:
        raise InvalidInput(
            f"{len(series.periods)} {series.grain}s of history are too few for a backtest of {h} ahead "
            f"with {min_train} to fit on",
            hint=f"a backtest needs at least {min_train + h}; shorten --horizon or use monthly series",
        )
    rows = []
    for o in origins:
        past = truncate(series, o.cut)
        # Each node's single models are fitted once per origin for all methods (the combination and its
        # members share them); SELECTED chooses by its own inner backtest, so it is fitted apart.
        shared = tuple(mt for mt in methods if mt is not Method.SELECTED)
        fitted = forecast_hierarchy_methods(past, h, m, shared, reconciliation, levels=()) if shared else {}
        for method in methods:
            fc = fitted.get(method) or forecast_hierarchy(past, h, m, method, reconciliation, levels=())
            by_scope = fc.frame.partition_by("scope", as_dict=True)
            for (scope,), part in by_scope.items():
                actual = series.of(str(scope))[o.cut : o.cut + h]
                for k, (period, value) in enumerate(zip(part["period"], part["forecast"], strict=True)):
                    rows.append(
                        {
                            "origin": series.periods[o.cut - 1].key,
                            "method": method.value,
                            "scope": scope,
                            "step": k + 1,
                            "period": period,
                            "actual": int(actual[k]),
                            "forecast": int(value),
                        }
                    )
    errors = pl.DataFrame(rows)
    summary = summarise(errors, series, m)
    order = {mt.value: i for i, mt in enumerate(methods)}
    best = (
        summary.filter(pl.col("wape").is_not_null())
        .with_columns(pl.col("method").replace_strict(order, return_dtype=pl.Int64).alias("_rank"))
        .sort(["scope", "wape", "_rank"])
        .group_by("scope", maintain_order=True)
        .first()
        .select("scope", "method", "wape")
    )
    return HierarchyBacktest(errors, summary, best)


def summarise(errors: pl.DataFrame, series: ScopeSeries, season_length: int) -> pl.DataFrame:
    out = []
    for (method, scope), part in errors.group_by(["method", "scope"], maintain_order=True):
        a = part["actual"].to_numpy().astype(float)
        f = part["forecast"].to_numpy().astype(float)
        history = series.of(str(scope)).astype(float)
        mases = []
        for origin, fold in part.group_by("origin", maintain_order=True):
            cut = 1 + next(i for i, p in enumerate(series.periods) if p.key == origin[0])
            mases.append(
                mase(fold["actual"].to_numpy(), fold["forecast"].to_numpy(), history[:cut], season_length)
            )
        valid = [x for x in mases if x is not None]
        out.append(
            {
                "method": method,
                "scope": scope,
                "points": len(a),
                "wape": wape(a, f),
                "mase": float(np.mean(valid)) if valid else None,
                "smape": smape(a, f),
                "bias": bias(a, f),
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "method": pl.Utf8,
            "scope": pl.Utf8,
            "points": pl.Int64,
            "wape": pl.Float64,
            "mase": pl.Float64,
            "smape": pl.Float64,
            "bias": pl.Float64,
        },
    )
