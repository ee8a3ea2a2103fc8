"""Expected earnings: what a rep would be paid for a period if their open deals close with their win
probabilities, through the plan engine's reference evaluator, by seeded simulation (mean and a range).

Commission is not linear (tiers, caps, gates), so the payout of the expected bookings is not the expected
payout; each scenario books the deals that close in it and evaluates the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from attain.domain.calendar import Period
from attain.domain.errors import InvalidInput
from attain.engine.inputs import CalculationInput, OrderRow
from attain.engine.reference import evaluate

SCENARIOS = 200


@dataclass(frozen=True, slots=True)
class DealChance:
    """An open deal of the rep: its value if won (minor units) and its chance to be won in the period."""

    deal_id: str
    amount: int
    currency: str
    probability: float
    product: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class EarningsOutlook:
    person: str
    period: str
    base: int  # earned on what is booked already
    expected: int  # mean over scenarios, rounded half-even
    low: int  # 10th percentile
    high: int  # 90th percentile
    scenarios: int


def _earned(inp: CalculationInput, period: Period, person: str) -> int:
    return sum(r.total for r in evaluate(inp, period) if r.person_id == person)


def expected_earnings(
    inp: CalculationInput,
    period: Period,
    person: str,
    deals: Sequence[DealChance],
    *,
    booked_on: date,
    scenarios: int = SCENARIOS,
    seed: int = 0,
) -> EarningsOutlook:
    """Simulate `scenarios` outcomes of `deals` (each won independently with its probability, booked on
    `booked_on`) and evaluate `person`'s plan in each; the same seed gives the same figures."""
    if not period.contains(booked_on):
        raise InvalidInput(f"deals are booked on {booked_on}, outside {period.key}")
    bad = [d.deal_id for d in deals if not 0.0 <= d.probability <= 1.0]
    if bad:
        raise InvalidInput(f"win probabilities of {bad} are outside 0..1")
    rng = np.random.default_rng(seed)
    draws = rng.random((scenarios, len(deals))) < np.array([d.probability for d in deals])
    cache: dict[bytes, int] = {}
    totals = []
    for row in draws:
        key = np.packbits(row).tobytes()
        if key not in cache:
            extra = tuple(
                OrderRow(
                    f"forecast:{d.deal_id}",
                    booked_on,
                    d.amount,
                    d.currency,
                    owner=person,
                    product=d.product,
                    account=d.account,
                )
                for d, won in zip(deals, row, strict=True)
                if won
            )
            cache[key] = _earned(replace(inp, orders=(*inp.orders, *extra)), period, person)
        totals.append(cache[key])
    values = np.array(totals, dtype=np.int64)
    return EarningsOutlook(
        person=person,
        period=period.key,
        base=_earned(inp, period, person),
        expected=int(np.round(values.mean())) if scenarios else 0,
        low=int(np.percentile(values, 10, method="inverted_cdf")) if scenarios else 0,
        high=int(np.percentile(values, 90, method="inverted_cdf")) if scenarios else 0,
        scenarios=scenarios,
    )
