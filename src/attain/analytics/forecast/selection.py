"""Choosing a method per series by rolling-origin backtest (`Method.SELECTED`): refit at several past
origins, score the next `h` points, keep the method with the lowest mean error (MASE by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from attain.analytics.forecast.methods import Method, SeriesForecast, forecast_methods
from attain.analytics.forecast.metrics import mase, smape, wape

# What `selected` chooses from.
CANDIDATES: tuple[Method, ...] = (Method.COMBINATION, Method.ETS, Method.THETA, Method.SEASONAL_NAIVE)
# Used when a series is too short for any backtest origin: the best method on M3 monthly.
DEFAULT_METHOD = Method.COMBINATION


class Score(StrEnum):
    MASE = "mase"
    SMAPE = "smape"
    WAPE = "wape"


@dataclass(frozen=True, slots=True)
class Origin:
    """One backtest fold: fit on y[:cut], score y[cut:cut + h]."""

    cut: int
    h: int


def rolling_origins(n: int, h: int, folds: int, min_train: int, step: int = 1) -> list[Origin]:
    """Up to `folds` origins ending at the last full horizon, `step` apart, each with >= min_train points."""
    out = []
    for k in range(folds):
        cut = n - h - k * step
        if cut < min_train:
            break
        out.append(Origin(cut, h))
    return sorted(out, key=lambda o: o.cut)


def score_of(
    score: Score, actual: np.ndarray, forecast: np.ndarray, history: np.ndarray, m: int
) -> float | None:
    if score is Score.MASE:
        return mase(actual, forecast, history, m)
    if score is Score.SMAPE:
        return smape(actual, forecast)
    return wape(actual, forecast)


@dataclass(frozen=True, slots=True)
class SeriesBacktest:
    """Each method's errors at each origin (None where the score is undefined)."""

    origins: tuple[Origin, ...]
    forecasts: dict[Method, list[np.ndarray]]
    errors: dict[Method, list[float | None]]

    def mean_error(self, method: Method) -> float | None:
        vals = [e for e in self.errors[method] if e is not None]
        return float(np.mean(vals)) if vals else None

    def best(self, fallback: Method = DEFAULT_METHOD) -> Method:
        scored = [(e, i, m) for i, m in enumerate(self.errors) if (e := self.mean_error(m)) is not None]
        return min(scored)[2] if scored else fallback


def backtest_series(
    y: np.ndarray,
    h: int,
    season_length: int,
    methods: Sequence[Method] = CANDIDATES,
    *,
    folds: int = 2,
    step: int | None = None,
    min_train: int | None = None,
    score: Score = Score.MASE,
) -> SeriesBacktest:
    """Rolling-origin backtest of `methods` on `y`; origins are `step` (default h) apart."""
    y = np.asarray(y, dtype=float)
    need = min_train if min_train is not None else max(2 * season_length, 6)
    origins = rolling_origins(y.size, h, folds, need, step or h)
    forecasts: dict[Method, list[np.ndarray]] = {m: [] for m in methods}
    errors: dict[Method, list[float | None]] = {m: [] for m in methods}
    for o in origins:
        history, actual = y[: o.cut], y[o.cut : o.cut + o.h]
        fits = forecast_methods(history, o.h, season_length, methods, levels=())
        for m in methods:
            forecasts[m].append(fits[m].mean)
            errors[m].append(score_of(score, actual, fits[m].mean, history, season_length))
    return SeriesBacktest(tuple(origins), forecasts, errors)


@dataclass(frozen=True, slots=True)
class SelectedForecast:
    forecast: SeriesForecast
    chosen: Method
    backtest: SeriesBacktest


def select_forecast(
    y: np.ndarray,
    h: int,
    season_length: int,
    levels: Sequence[int] = (80, 95),
    *,
    candidates: Sequence[Method] = CANDIDATES,
    folds: int = 2,
    score: Score = Score.MASE,
) -> SelectedForecast:
    """The forecast of the candidate with the lowest backtest error on this series."""
    bt = backtest_series(y, h, season_length, candidates, folds=folds, score=score)
    chosen = bt.best()
    fc = forecast_methods(y, h, season_length, [chosen], levels)[chosen]
    return SelectedForecast(fc, chosen, bt)
