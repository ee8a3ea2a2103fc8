"""How coaching texts show metric values: percentages for ratios, days, counts and currency amounts.

One place, so a recommendation's reason, the CLI and the pages all say "18%" for the same 0.18.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from attain.app.coaching.ports import MetricLabel

_WHOLE = Decimal(1)
_TENTH = Decimal("0.1")

# Short names for the metrics coaching talks about most, as a sales manager would say them.
SHORT_NAMES: dict[str, str] = {
    "win_rate": "win rate",
    "average_deal_size": "deal size",
    "median_deal_size": "median deal size",
    "number_of_sales": "deals won",
    "sales_cycle_median_days": "cycle",
    "sales_cycle_mean_days": "cycle",
    "opportunities_created": "new opportunities",
    "open_pipeline_value": "pipeline",
    "open_pipeline_count": "open opportunities",
    "pipeline_coverage": "pipeline coverage",
    "quota_attainment": "attainment",
    "revenue": "revenue",
}


def short_name(label: MetricLabel) -> str:
    return SHORT_NAMES.get(label.key, label.name.lower())


def _round(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_EVEN)


def format_value(label: MetricLabel, value: Decimal | None) -> str:
    """`value` in the metric's unit: ratios as whole percentages (one decimal below 10 %), days and
    counts rounded to one decimal when not whole, money as a whole amount with thousands separators."""
    if value is None:
        return "n/a"
    if label.unit == "ratio":
        pct = value * 100
        shown = _round(pct, _TENTH if abs(pct) < 10 and pct != _round(pct, _WHOLE) else _WHOLE)
        return f"{shown.normalize():f}%"
    if label.unit == "money":
        return f"{_round(value, _WHOLE):,.0f}"
    shown = _round(value, _WHOLE) if value == _round(value, _WHOLE) else _round(value, _TENTH)
    text = f"{shown.normalize():f}"
    return f"{text} days" if label.unit == "days" else text


def plain(value: Decimal | None) -> Decimal | None:
    """A figure without the trailing zeros of its stored precision (0.200000 -> 0.2, 100.000000 -> 100)."""
    return None if value is None else Decimal(f"{value.normalize():f}")
