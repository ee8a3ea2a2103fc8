"""Monthly exchange rates for the EUR and GBP price books, and monthly sales and marketing costs (CAC).

Costs follow headcount (loaded monthly cost by role) and a seasonal marketing budget.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import polars as pl

from attain.demo.catalogue import MAIN_CURRENCY, USD_PER_UNIT
from attain.demo.deals import month_starts, season_weight
from attain.demo.org import Org
from attain.demo.spec import DemoSpec
from attain.domain.calendar import PeriodKind, add_months

MONTHLY_COST = {"rep": 9_500, "manager": 14_000, "director": 20_000, "executive": 30_000, "sales_ops": 9_000}
MARKETING_PER_REP = 2_600  # monthly USD, before the season


def exchange_rate_frame(spec: DemoSpec, rng: np.random.Generator) -> pl.DataFrame:
    """One rate per month and foreign currency into USD: a gentle random walk around the reference."""
    months = [m for m in month_starts(spec) if m <= spec.as_of]
    rows = []
    for currency in ("EUR", "GBP"):
        walk = np.exp(np.cumsum(rng.normal(0.0, 0.012, len(months))))
        for month, factor in zip(months, walk, strict=True):
            rate = Decimal(f"{USD_PER_UNIT[currency] * factor:.4f}")
            rows.append(
                {"from_currency": currency, "to_currency": MAIN_CURRENCY, "valid_on": month, "rate": rate}
            )
    return pl.DataFrame(
        rows,
        schema={
            "from_currency": pl.Utf8,
            "to_currency": pl.Utf8,
            "valid_on": pl.Date,
            "rate": pl.Decimal(38, 6),
        },
    )


def _headcount_cost(org: Org, month: date) -> int:
    """Whole USD of the month's loaded people cost: everyone employed on the 15th."""
    mid = month.replace(day=15)
    total = sum(MONTHLY_COST[leader.role] for leader in org.leaders if leader.person.hired_on <= mid)
    for t in org.tenures:
        if t.start <= mid and (t.end is None or t.end >= mid):
            total += MONTHLY_COST["rep"]
    return total


def cost_frame(spec: DemoSpec, org: Org, rng: np.random.Generator) -> pl.DataFrame:
    """Sales and marketing cost of every month that has started by the as-of date."""
    cal = spec.calendar
    rows = []
    for month in month_starts(spec):
        if month > spec.as_of or add_months(month, 1) <= spec.history_start:
            continue
        key = cal.period_of(PeriodKind.MONTH, month).key
        sales = _headcount_cost(org, month)
        marketing = int(MARKETING_PER_REP * spec.reps * season_weight(spec, month) * rng.uniform(0.85, 1.15))
        for category, dollars, text in (
            ("sales", sales, "salaries, commissions and travel"),
            ("marketing", marketing // 100 * 100, "campaigns, events and content"),
        ):
            rows.append(
                {
                    "external_id": f"COST-{key}-{category}",
                    "period": key,
                    "category": category,
                    "amount": dollars * 100,
                    "currency": MAIN_CURRENCY,
                    "description": text,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "external_id": pl.Utf8,
            "period": pl.Utf8,
            "category": pl.Utf8,
            "amount": pl.Int64,
            "currency": pl.Utf8,
            "description": pl.Utf8,
        },
    )
