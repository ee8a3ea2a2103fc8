"""Statistical forecast of a scope hierarchy: a method per node (or chosen per node by backtest),
reconciled so the levels add up, rounded to minor units with exact sums, with prediction intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from attain.analytics.forecast.hierarchy import Reconciliation, reconcile, round_coherent
from attain.analytics.forecast.methods import DEFAULT_LEVELS, Method, SeriesForecast, forecast_methods
from attain.analytics.forecast.selection import CANDIDATES, select_forecast
from attain.analytics.forecast.series import ScopeSeries
from attain.domain.calendar import Period


@dataclass(frozen=True, slots=True)
class HierarchyForecast:
    """Rows: scope, name, period, method (the one used for the node), forecast and interval bounds.

    `forecast` is Int64 minor units and adds up exactly through the hierarchy; bounds are Int64 too
    but, as quantiles, do not add up.
    """

    frame: pl.DataFrame
    periods: tuple[Period, ...]
    chosen: dict[str, Method]


def future_periods(series: ScopeSeries, h: int) -> tuple[Period, ...]:
    """The `h` periods that follow the history."""
    out: list[Period] = []
    day = series.periods[-1].end
    for _ in range(h):
        p = series.calendar.period_of(series.grain.kind, day)
        out.append(p)
        day = p.end
    return tuple(out)


def _floor(fc: SeriesForecast, history: np.ndarray) -> SeriesForecast:
    # A series that was never negative (no net cancellations) is not forecast below 0.
    if (history < 0).any():
        return fc

    def clip(a: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.maximum(a, 0.0)
        return out

    return SeriesForecast(
        fc.method,
        clip(fc.mean),
        {k: clip(v) for k, v in fc.lower.items()},
        {k: clip(v) for k, v in fc.upper.items()},
        fc.fallback,
    )


def _non_negative(coherent: np.ndarray, series: ScopeSeries) -> np.ndarray:
    """Reconciliation can push a small rep below zero; such a leaf (never negative in its history) is
    set to zero and the levels above are summed again, so the forecast stays coherent."""
    h = series.hierarchy
    rows = [h.index(leaf) for leaf in h.bottom]
    leaves = coherent[rows].copy()
    for j, leaf in enumerate(h.bottom):
        if not (series.of(leaf) < 0).any():
            leaves[j] = np.maximum(leaves[j], 0.0)
    summed: np.ndarray = h.summing_matrix() @ leaves
    return summed


def forecast_hierarchy(
    series: ScopeSeries,
    h: int,
    season_length: int,
    method: Method = Method.AUTO,
    reconciliation: Reconciliation = Reconciliation.WLS_STRUCTURAL,
    levels: Sequence[int] = DEFAULT_LEVELS,
    *,
    candidates: Sequence[Method] = CANDIDATES,
) -> HierarchyForecast:
    """Forecast every node `h` periods ahead with `method`, reconcile, and round coherently."""
    if method is not Method.SELECTED:
        return forecast_hierarchy_methods(series, h, season_length, (method,), reconciliation, levels)[method]
    base: list[SeriesForecast] = []
    chosen: dict[str, Method] = {}
    for node in series.hierarchy.nodes:
        y = series.of(node).astype(float)
        picked = select_forecast(y, h, season_length, levels, candidates=candidates)
        base.append(_floor(picked.forecast, y))
        chosen[node] = picked.chosen
    return _coherent(series, h, base, chosen, reconciliation, levels)


def forecast_hierarchy_methods(
    series: ScopeSeries,
    h: int,
    season_length: int,
    methods: Sequence[Method],
    reconciliation: Reconciliation = Reconciliation.WLS_STRUCTURAL,
    levels: Sequence[int] = DEFAULT_LEVELS,
) -> dict[Method, HierarchyForecast]:
    """`forecast_hierarchy` of each of `methods` (not SELECTED), fitting each single model of a node once:
    the combination's members are the single methods' own fits, so a backtest of the combination and its
    members fits ETS, Theta and CES once per node and origin instead of twice."""
    nodes = series.hierarchy.nodes
    base: dict[Method, list[SeriesForecast]] = {method: [] for method in methods}
    for node in nodes:
        y = series.of(node).astype(float)
        for method, fc in forecast_methods(y, h, season_length, list(methods), levels).items():
            base[method].append(_floor(fc, y))
    return {
        method: _coherent(series, h, base[method], dict.fromkeys(nodes, method), reconciliation, levels)
        for method in methods
    }


def _coherent(
    series: ScopeSeries,
    h: int,
    base: list[SeriesForecast],
    chosen: dict[str, Method],
    reconciliation: Reconciliation,
    levels: Sequence[int],
) -> HierarchyForecast:
    """Reconcile the nodes' base forecasts, round them coherently and shift their intervals alike."""
    nodes = series.hierarchy.nodes
    means = np.stack([b.mean for b in base])
    coherent = _non_negative(reconcile(means, series.hierarchy, reconciliation), series)
    rounded = round_coherent(coherent, series.hierarchy)
    shift = coherent - means
    periods = future_periods(series, h)
    rows = []
    for i, node in enumerate(nodes):
        for k, period in enumerate(periods):
            row: dict[str, object] = {
                "scope": node,
                "name": series.labels.get(node, node),
                "period": period.key,
                "method": chosen[node].value,
                "forecast": int(rounded[i, k]),
            }
            floor = 0.0 if not (series.of(node) < 0).any() else -np.inf
            for lv in levels:
                row[f"lo_{lv}"] = int(np.round(max(base[i].lower[lv][k] + shift[i, k], floor)))
                row[f"hi_{lv}"] = int(np.round(max(base[i].upper[lv][k] + shift[i, k], floor)))
            rows.append(row)
    return HierarchyForecast(pl.DataFrame(rows), periods, chosen)
