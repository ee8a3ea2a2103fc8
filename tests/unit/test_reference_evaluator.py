"""The reference evaluator on small direct inputs: bonuses, lookups and the errors that stop a run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.domain.errors import InvalidInput
from attain.engine.inputs import CalculationInput, CreditSplit, OrderRow, PlanAssignmentRow, QuotaRow
from attain.engine.plan_source import compile_text
from attain.engine.reference import evaluate

CAL = FiscalCalendar(1)
Q1 = CAL.period(PeriodKind.QUARTER, 2025, 1)
HEAD = """\
plan: p
currency: USD
period: quarter
measures:
  bookings: {sum: amount, quota: {metric: bookings}}
components:
"""


def run(components: str, orders: list[OrderRow], **extra: object) -> list[tuple[str, int]]:
    plan = compile_text(HEAD + components)
    inp = CalculationInput(
        CAL,
        {"p": plan},
        (PlanAssignmentRow("ann", "p", 4_000_000, date(2025, 1, 1)),),
        tuple(orders),
        quotas=(QuotaRow("ann", "bookings", "FY2025-Q1", Decimal(100_000)),),
        **extra,  # type: ignore[arg-type]
    )
    [result] = evaluate(inp, Q1)
    return [(line.kind, line.amount) for line in result.lines]


def order(amount: int, **fields: object) -> OrderRow:
    return OrderRow(str(fields.pop("id", "o1")), date(2025, 2, 1), amount * 100, "USD", owner="ann", **fields)  # type: ignore[arg-type]


def test_fixed_bonus_as_a_share_of_the_period_target_incentive() -> None:
    bonus = "  - bonus: b\n    measure: bookings\n    fixed: 25%\n    gate: {min_attainment: 100%}\n"
    assert run(bonus, [order(100_000)]) == [("bonus", 250_000)]
    assert run(bonus, [order(99_999)]) == [("bonus", 250_000), ("gate", -250_000)]


def test_curve_pays_nothing_below_its_first_level_and_is_flat_above_its_last() -> None:
    curve = "  - bonus: b\n    measure: bookings\n    curve: [{at: 50%, pay: 0}, {at: 100%, pay: 1000}]\n"
    assert run(curve, [order(40_000)]) == [("bonus", 0)]
    assert run(curve, [order(75_000)]) == [("bonus", 50_000)]
    assert run(curve, [order(300_000)]) == [("bonus", 100_000)]


def test_retroactive_tiers_on_attainment_use_the_reached_rate() -> None:
    tiers = """\
  - commission: c
    measure: bookings
    tiers:
      method: retroactive
      on: attainment
      bands: [{upto: 100%, rate: 2%}, {rate: 4%}]
"""
    assert run(tiers, [order(60_000), order(40_000, id="o2")]) == [
        ("commission", 240_000),
        ("commission", 160_000),
    ]


def test_a_lookup_without_the_value_and_without_a_default_stops_the_run() -> None:
    lookup = "  - commission: c\n    measure: bookings\n    rate_by: {field: segment, rates: {SMB: 3%}}\n"
    assert run(lookup, [order(1_000, segment="SMB")]) == [("commission", 3_000)]
    with pytest.raises(InvalidInput, match="no segment rate for 'Enterprise' in 'c'"):
        run(lookup, [order(1_000, segment="Enterprise")])


def test_direct_splits_that_do_not_sum_to_100_percent_stop_the_run() -> None:
    flat = "  - commission: c\n    measure: bookings\n    rate: 1%\n"
    splits = (CreditSplit("o1", "ann", Decimal("0.6")), CreditSplit("o1", "bob", Decimal("0.3"), sequence=2))
    with pytest.raises(InvalidInput, match=r"the direct splits of order o1 sum to 90.0%, not 100%"):
        run(flat, [order(1_000)], splits=splits)


def test_a_missing_quota_names_the_person_metric_and_period() -> None:
    gated = "  - commission: c\n    measure: bookings\n    rate: 1%\n    gate: {min_attainment: 10%}\n"
    plan = compile_text(HEAD + gated)
    inp = CalculationInput(
        CAL, {"p": plan}, (PlanAssignmentRow("ann", "p", 0, date(2025, 1, 1)),), (order(10),)
    )
    with pytest.raises(InvalidInput, match="no 'bookings' quota for ann in FY2025-Q1"):
        evaluate(inp, Q1)


def test_a_missing_exchange_rate_says_which_rate_to_import() -> None:
    flat = "  - commission: c\n    measure: bookings\n    rate: 1%\n"
    euro = OrderRow("o1", date(2025, 2, 1), 100, "EUR", owner="ann")
    with pytest.raises(InvalidInput, match="no EUR->USD exchange rate on or before 2025-02-01"):
        run(flat, [euro])


def test_orders_are_credited_on_their_payment_date_when_the_plan_pays_on_payment() -> None:
    plan = compile_text(
        HEAD.replace("measures:", "crediting: {pay_on: payment}\nmeasures:").replace(
            ", quota: {metric: bookings}", ""
        )
        + "  - commission: c\n    measure: bookings\n    rate: 1%\n"
    )
    paid = OrderRow("o1", date(2025, 2, 1), 100_000, "USD", owner="ann", paid_on=date(2025, 4, 3))
    inp = CalculationInput(CAL, {"p": plan}, (PlanAssignmentRow("ann", "p", 0, date(2025, 1, 1)),), (paid,))
    assert [r.total for r in evaluate(inp, Q1)] == [0]
    assert [r.total for r in evaluate(inp, CAL.period(PeriodKind.QUARTER, 2025, 2))] == [1_000]


def test_a_payee_without_credits_still_gets_a_result() -> None:
    flat = "  - commission: c\n    measure: bookings\n    rate: 1%\n"
    assert run(flat, []) == []
