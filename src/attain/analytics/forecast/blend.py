"""The blended forecast of a scope (methods weighted by their recorded accuracy) and forecast against goal:
the gap, and the probability of reaching the goal under a normal approximation of the forecast error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

Z80 = NormalDist().inv_cdf(0.9)  # an 80 % interval spans +-1.2816 standard deviations


def sigma_from_interval(low: float, high: float, z: float = Z80) -> float:
    """The standard deviation implied by a central interval [low, high] of `z` half-width."""
    return max(high - low, 0.0) / (2 * z)


def accuracy_weights(errors: Sequence[tuple[str, int, int]], methods: Sequence[str]) -> dict[str, float]:
    """Weights proportional to 1 / WAPE of each method's recorded (method, forecast, actual) errors.

    A method with no record gets the mean weight of the others (all equal when none has a record), so
    a new method is neither trusted blindly nor ignored.
    """
    wapes: dict[str, float] = {}
    for method in methods:
        rows = [(f, a) for m, f, a in errors if m == method]
        den = sum(abs(a) for _, a in rows)
        if rows and den:
            wapes[method] = max(sum(abs(f - a) for f, a in rows) / den, 1e-3)
    raw = {m: 1.0 / w for m, w in wapes.items()}
    fill = float(np.mean(list(raw.values()))) if raw else 1.0
    full = {m: raw.get(m, fill) for m in methods}
    total = sum(full.values())
    return {m: w / total for m, w in full.items()}


def blend(forecasts: Mapping[str, int], weights: Mapping[str, float]) -> int:
    """The weighted mean of the methods present in `forecasts`, rounded half-even to a minor unit."""
    present = {m: w for m, w in weights.items() if m in forecasts}
    total = sum(present.values())
    if not present or total == 0:
        raise ValueError("no forecast to blend")
    return int(np.round(sum(forecasts[m] * w for m, w in present.items()) / total))


@dataclass(frozen=True, slots=True)
class GoalOutlook:
    goal: int
    forecast: int
    gap: int  # goal - forecast: what is still missing (negative when the forecast exceeds the goal)
    probability: float  # of reaching at least the goal


def against_goal(forecast: int, sigma: float, goal: int) -> GoalOutlook:
    """Gap to `goal` and P(outcome >= goal) with outcome ~ Normal(forecast, sigma)."""
    p = (1.0 if forecast >= goal else 0.0) if sigma <= 0 else 1.0 - NormalDist(forecast, sigma).cdf(goal)
    return GoalOutlook(goal, forecast, goal - forecast, p)
