"""Forecast accuracy metrics: WAPE, MASE, sMAPE and bias, over NumPy arrays of actuals and forecasts.

Metrics are ratios (floats); a metric that cannot be computed (a zero denominator) is None, never 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _pair(actual: ArrayLike, forecast: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if a.shape != f.shape:
        raise ValueError(f"actuals {a.shape} and forecasts {f.shape} must have the same shape")
    return a, f


def wape(actual: ArrayLike, forecast: ArrayLike) -> float | None:
    """Weighted absolute percentage error: sum|a - f| / sum|a|; None when every actual is 0."""
    a, f = _pair(actual, forecast)
    den = float(np.abs(a).sum())
    return None if den == 0 else float(np.abs(a - f).sum()) / den


def bias(actual: ArrayLike, forecast: ArrayLike) -> float | None:
    """Relative bias: sum(f - a) / sum|a|; positive means over-forecast. None when every actual is 0."""
    a, f = _pair(actual, forecast)
    den = float(np.abs(a).sum())
    return None if den == 0 else float((f - a).sum()) / den


def smape(actual: ArrayLike, forecast: ArrayLike) -> float | None:
    """Symmetric MAPE in percent, as in the M3 competition: mean of 200 |a - f| / (|a| + |f|).

    A point where actual and forecast are both 0 is a perfect forecast and counts 0.
    """
    a, f = _pair(actual, forecast)
    if a.size == 0:
        return None
    den = np.abs(a) + np.abs(f)
    terms = np.divide(2.0 * np.abs(a - f), den, out=np.zeros_like(den), where=den != 0)
    return float(terms.mean()) * 100.0


def mase_scale(history: ArrayLike, season_length: int) -> float | None:
    """Mean absolute seasonal-naive error in-sample; lag 1 when the history is too short for a season."""
    y = np.asarray(history, dtype=float)
    lag = season_length if y.size > season_length else 1
    if y.size <= lag:
        return None
    scale = float(np.abs(y[lag:] - y[:-lag]).mean())
    return None if scale == 0 else scale


def mase(actual: ArrayLike, forecast: ArrayLike, history: ArrayLike, season_length: int) -> float | None:
    """Mean absolute scaled error: mean|a - f| over the in-sample seasonal-naive MAE of `history`."""
    a, f = _pair(actual, forecast)
    scale = mase_scale(history, season_length)
    if scale is None or a.size == 0:
        return None
    return float(np.abs(a - f).mean()) / scale
