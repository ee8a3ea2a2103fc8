"""Expected earnings: what a rep would be paid for a period if their open deals close with their win
probabilities, through the plan engine's reference evaluator, by seeded simulation (mean and a range).

Commission is not linear (tiers, caps, gates), so the payout of the expected bookings is not the expected
payout; each scenario books the deals that close in it and evaluates the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import polars as pl

from attain.analytics.facts import Source, read_facts
from attain.analytics.forecast.pipeline import pipeline_forecast
from attain.analytics.ports import FactScope
from attain.app.forecasts.submissions import find_period
from attain.app.runs.inputs import calculation_input, window_of
from attain.app.runs.inputs import read_facts as read_pay_facts
from attain.app.runs.ports import PayStore
from attain.domain.calendar import Period
from attain.domain.errors import InvalidInput, NotFound
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


@dataclass(frozen=True, slots=True)
class RepEarnings:
    person_id: int
    external_id: str
    currency: str
    open_deals: int
    outlook: EarningsOutlook


def open_deal_chances(store: PayStore, period: str, as_of: date) -> pl.DataFrame:
    """Every deal open on `as_of`, company-wide: `owner_id`, `external_id`, `value` (minor units) and `p`,
    its chance to be won in `period`, from win and loss hazards learned up to `as_of`; empty when there is
    too little closed history to learn from. The costly part of expected earnings, the same for every rep."""
    with store.transaction() as tx:
        cal = tx.calendars.default()
        if cal is None:
            raise NotFound("there is no calendar", hint="run `attain init` first")
        target = find_period(tx, period).period
        facts = read_facts(
            tx.fact_reader,
            FactScope(end=as_of + timedelta(days=1)),
            {Source.OPPORTUNITIES, Source.STAGES},
            currency=cal.currency,
        )
    if facts.opportunities.height:
        try:
            pf = pipeline_forecast(facts.opportunities, facts.stages, as_of, [target])
        except ValueError:
            pf = None  # too little closed history to learn win rates from: no deal can be weighted
        if pf is not None:
            deals = pf.deals.join(
                facts.opportunities.select("id", "external_id"), on="id", maintain_order="left"
            )
            return deals.select("owner_id", "external_id", "value", pl.col(f"p_{target.key}").alias("p"))
    return pl.DataFrame(
        schema={"owner_id": pl.Int64, "external_id": pl.Utf8, "value": pl.Float64, "p": pl.Float64}
    )


def rep_expected_earnings(
    store: PayStore,
    person_id: int,
    period: str,
    as_of: date,
    *,
    scenarios: int = SCENARIOS,
    chances: pl.DataFrame | None = None,
) -> RepEarnings:
    """`person_id`'s expected payout for `period`: their deals open on `as_of`, each won in the period
    with its learned probability, through their comp plan. `chances` is `open_deal_chances` of the same
    period and day when the caller keeps it (it is learned company-wide); else it is learned here."""
    with store.transaction() as tx:
        cal = tx.calendars.default()
        if cal is None:
            raise NotFound("there is no calendar", hint="run `attain init` first")
        target = find_period(tx, period).period
        start, end = window_of(cal.fiscal, target)
        inp = calculation_input(read_pay_facts(tx, cal.fiscal, start, end), target, as_of)
        external = {v: k for k, v in tx.pay_inputs.person_ids().items()}.get(person_id)
        if external is None:
            raise NotFound(f"person {person_id} not found")
    if chances is None:
        chances = open_deal_chances(store, period, as_of)
    deals = [
        DealChance(str(r["external_id"]), int(r["value"]), cal.currency, float(r["p"]))
        for r in chances.filter(pl.col("owner_id") == person_id).iter_rows(named=True)
    ]
    booked_on = max(min(target.last_day, as_of), target.start)
    out = expected_earnings(inp, target, external, deals, booked_on=booked_on, scenarios=scenarios)
    return RepEarnings(person_id, external, cal.currency, len(deals), out)
