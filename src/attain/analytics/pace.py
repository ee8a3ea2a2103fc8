"""Goal pace: the projected period-end value (linear, and seasonal from past years) and the status.

The status compares the projection with the target using thresholds an admin sets (stored
settings): on track at or above `on_track`, at risk at or above `at_risk`, else off track.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from attain.analytics.definitions import Direction
from attain.domain.errors import InvalidInput

THRESHOLDS_SETTING = "pace.thresholds"


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


@dataclass(frozen=True, slots=True)
class Thresholds:
    on_track: Decimal = Decimal("1.0")
    at_risk: Decimal = Decimal("0.9")

    def __post_init__(self) -> None:
        if not Decimal(0) < self.at_risk <= self.on_track:
            raise InvalidInput(
                f"at-risk threshold {self.at_risk} must be above 0 and at most the on-track "
                f"threshold {self.on_track}",
                hint="e.g. --on-track 1.0 --at-risk 0.9",
            )

    @classmethod
    def from_setting(cls, value: Mapping[str, Any] | None) -> Thresholds:
        if not value:
            return cls()
        return cls(Decimal(str(value["on_track"])), Decimal(str(value["at_risk"])))

    def as_setting(self) -> dict[str, str]:
        return {"on_track": str(self.on_track), "at_risk": str(self.at_risk)}


def linear_projection(actual: float | None, elapsed_days: int, total_days: int) -> float | None:
    """The period-end value if the rate so far continues; None before the period starts."""
    if actual is None or elapsed_days <= 0:
        return None
    return actual * total_days / min(elapsed_days, total_days)


def seasonal_share(history: Sequence[tuple[float | None, float | None]]) -> float | None:
    """The share of a period's value usually reached by this point: sum(partial) / sum(full) over past years.

    `history` holds (value up to the same day offset, value of the whole period) of past years;
    years with no full value are skipped; None when nothing is left or the share is not positive.
    """
    usable = [(p or 0.0, f) for p, f in history if f is not None and f > 0]
    if not usable:
        return None
    share = sum(p for p, _ in usable) / sum(f for _, f in usable)
    return share if share > 0 else None


def seasonal_projection(actual: float | None, share: float | None) -> float | None:
    if actual is None or share is None:
        return None
    return actual / share


def pace_ratio(projected: float | None, target: float, direction: Direction) -> float | None:
    """How far the projection goes toward the target (1.0 = exactly on target); None without both."""
    if projected is None or target == 0:
        return None
    if direction is Direction.UP:
        return projected / target
    return None if projected == 0 else target / projected


def status(ratio: float | None, thresholds: Thresholds) -> Status | None:
    if ratio is None:
        return None
    if ratio >= float(thresholds.on_track):
        return Status.ON_TRACK
    if ratio >= float(thresholds.at_risk):
        return Status.AT_RISK
    return Status.OFF_TRACK
