"""Statistical forecasting methods over one series (a NumPy array), with prediction intervals.

Wraps statsforecast's AutoETS, AutoARIMA, the dynamic optimised Theta model, AutoCES and SeasonalNaive,
plus an equal-weight combination of ETS, Theta and CES. Short or flat series fall back to simpler
methods, and the result says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np


class Method(StrEnum):
    ETS = "ets"
    ARIMA = "arima"
    THETA = "theta"
    CES = "ces"
    SEASONAL_NAIVE = "seasonal_naive"
    COMBINATION = "combination"  # the mean of ETS, Theta and CES
    AUTO = "auto"  # the default: the combination, measured best on M3 (docs/forecasting.md)
    SELECTED = "selected"  # chosen per series by rolling-origin backtest (see `selection`)


# The members of the combination; each is fitted once and reused when several are asked for. ARIMA is
# left out: on M3 it added little to the other three and cost ten times their time (docs/forecasting.md).
COMBINED: tuple[Method, ...] = (Method.ETS, Method.THETA, Method.CES)
SINGLE_METHODS: tuple[Method, ...] = (*COMBINED, Method.ARIMA, Method.SEASONAL_NAIVE)
DEFAULT_LEVELS: tuple[int, ...] = (80, 95)
# Below these lengths the automatic models are unstable or refuse; CES also gets slow (seconds) on
# a handful of points, so it waits for a year of history.
MIN_MODEL_POINTS = 6
MIN_POINTS: dict[Method, int] = {Method.CES: 12}


@dataclass(frozen=True, slots=True)
class SeriesForecast:
    """A point forecast and its prediction intervals ({level: array}) for `h` steps."""

    method: Method
    mean: np.ndarray
    lower: dict[int, np.ndarray] = field(default_factory=dict)
    upper: dict[int, np.ndarray] = field(default_factory=dict)
    fallback: str | None = None  # why a simpler method was used instead of `method`


def seasonality_for(n: int, season_length: int) -> int:
    """The season length a series of `n` points can support: two full seasons are needed to fit one."""
    return season_length if season_length > 1 and n >= 2 * season_length else 1


def _model(method: Method, m: int) -> Any:
    # statsforecast (with statsmodels and scipy) takes seconds to load: only forecasts should pay for it.
    from statsforecast.models import (  # noqa: PLC0415
        AutoARIMA,
        AutoCES,
        AutoETS,
        DynamicOptimizedTheta,
        Naive,
        SeasonalNaive,
    )

    if method is Method.ETS:
        return AutoETS(season_length=m)
    if method is Method.ARIMA:
        return AutoARIMA(season_length=m)
    if method is Method.THETA:
        # The dynamic optimised Theta model (DOTM) beat AutoTheta's pick by in-sample fit on M3.
        # Multiplicative decomposition, as in the M3 Theta method; `forecast_single` switches to
        # additive when a series has zeros or negatives, as sales series can.
        return DynamicOptimizedTheta(season_length=m, decomposition_type="multiplicative")
    if method is Method.CES:
        return AutoCES(season_length=m)
    if method is Method.SEASONAL_NAIVE:
        return SeasonalNaive(season_length=m) if m > 1 else Naive()
    raise ValueError(f"{method} is not a single method")


def _flat(y: np.ndarray, h: int, method: Method, levels: Sequence[int], why: str) -> SeriesForecast:
    mean = np.full(h, float(y[-1]))
    return SeriesForecast(
        method, mean, {lv: mean.copy() for lv in levels}, {lv: mean.copy() for lv in levels}, fallback=why
    )


def _naive(y: np.ndarray, h: int, m: int, method: Method, levels: Sequence[int], why: str) -> SeriesForecast:
    out = _run(Method.SEASONAL_NAIVE, y, h, m, levels)
    return SeriesForecast(method, out.mean, out.lower, out.upper, fallback=why)


def _run(method: Method, y: np.ndarray, h: int, m: int, levels: Sequence[int]) -> SeriesForecast:
    model = _model(method, m)
    with warnings.catch_warnings():
        # The models warn about optimiser convergence on short series; the backtest judges the result.
        warnings.simplefilter("ignore")
        raw = model.forecast(y=y, h=h, level=list(levels) or None)
    mean = np.asarray(raw["mean"], dtype=float)
    lower = {lv: np.asarray(raw[f"lo-{lv}"], dtype=float) for lv in levels}
    upper = {lv: np.asarray(raw[f"hi-{lv}"], dtype=float) for lv in levels}
    return SeriesForecast(method, mean, lower, upper)


def _theta_ready(y: np.ndarray, m: int) -> bool:
    # Multiplicative seasonal decomposition needs positive values.
    return m == 1 or bool((y > 0).all())


def forecast_single(
    y: np.ndarray, h: int, season_length: int, method: Method, levels: Sequence[int] = DEFAULT_LEVELS
) -> SeriesForecast:
    """Forecast `h` steps of `y` with one method; short or flat series get the seasonal naive forecast."""
    y = np.asarray(y, dtype=float)
    if y.size == 0:
        raise ValueError("cannot forecast an empty series")
    m = seasonality_for(y.size, season_length)
    if np.ptp(y) == 0:
        return _flat(y, h, method, levels, "the history is constant")
    if method is Method.SEASONAL_NAIVE:
        return _run(method, y, h, m, levels)
    need = MIN_POINTS.get(method, MIN_MODEL_POINTS)
    if y.size < need:
        return _naive(y, h, m, method, levels, f"fewer than {need} points of history")
    if method is Method.THETA and not _theta_ready(y, m):
        from statsforecast.models import DynamicOptimizedTheta  # noqa: PLC0415 - see _model

        out = DynamicOptimizedTheta(season_length=m, decomposition_type="additive")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = out.forecast(y=y, h=h, level=list(levels) or None)
        return SeriesForecast(
            method,
            np.asarray(raw["mean"], dtype=float),
            {lv: np.asarray(raw[f"lo-{lv}"], dtype=float) for lv in levels},
            {lv: np.asarray(raw[f"hi-{lv}"], dtype=float) for lv in levels},
        )
    return _run(method, y, h, m, levels)


def combine(parts: Sequence[SeriesForecast]) -> SeriesForecast:
    """The equal-weight mean of forecasts; interval bounds are averaged too (a simple, common choice).

    Members that fell back to a simpler method are left out, unless all did.
    """
    fitted = [p for p in parts if p.fallback is None]
    parts = fitted or list(parts)
    mean = np.mean([p.mean for p in parts], axis=0)
    levels = parts[0].lower.keys()
    lower = {lv: np.mean([p.lower[lv] for p in parts], axis=0) for lv in levels}
    upper = {lv: np.mean([p.upper[lv] for p in parts], axis=0) for lv in levels}
    reasons = sorted({p.fallback for p in parts if p.fallback})
    return SeriesForecast(Method.COMBINATION, mean, lower, upper, "; ".join(reasons) or None)


def forecast_methods(
    y: np.ndarray,
    h: int,
    season_length: int,
    methods: Sequence[Method],
    levels: Sequence[int] = DEFAULT_LEVELS,
) -> dict[Method, SeriesForecast]:
    """Forecasts of `y` by each of `methods` (not AUTO), fitting each single model at most once."""
    singles: dict[Method, SeriesForecast] = {}
    needed: set[Method] = {m for m in methods if m not in (Method.COMBINATION, Method.AUTO)}
    if Method.COMBINATION in methods or Method.AUTO in methods:
        needed.update(COMBINED)
    for method in SINGLE_METHODS:
        if method in needed:
            singles[method] = forecast_single(y, h, season_length, method, levels)
    out: dict[Method, SeriesForecast] = {}
    for method in methods:
        if method is Method.SELECTED:
            raise ValueError("SELECTED is resolved by attain.analytics.forecast.selection")
        if method is Method.AUTO:
            out[method] = combine([singles[c] for c in COMBINED])
            continue
        out[method] = (
            combine([singles[c] for c in COMBINED]) if method is Method.COMBINATION else singles[method]
        )
    return out
