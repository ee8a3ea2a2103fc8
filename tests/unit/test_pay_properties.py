"""Properties of crediting and settlement on generated deals, plans and periods (hypothesis).

Split deals conserve credit to the minor unit and overlays only add; a clawback plus its original nets to
the kept amount through the whole evaluate-and-settle path; draws pay what the documented balance rules say.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.domain.plans.model import CreditRole, RoundingMode
from attain.domain.plans.rounding import round_fraction
from attain.domain.settlement import DrawKind, DrawRule, Earned, SettlementRules, settle
from attain.engine.inputs import CalculationInput, CreditSplit, ManagerLink, OrderRow, PlanAssignmentRow
from attain.engine.payouts import settle_payee
from attain.engine.plan_source import compile_text
from attain.engine.reference import evaluate
from attain.engine.reference_crediting import assign_credits

CAL = FiscalCalendar(1)
QUARTERS = [CAL.period(PeriodKind.QUARTER, 2025, q) for q in (1, 2, 3, 4)]
PEOPLE = ("ann", "bob", "cid", "dee", "eve")

DIRECT_PLAN = """\
plan: direct
currency: USD
period: quarter
crediting:
  roles: [direct, rollup]
  rollup_levels: 2
measures:
  bookings: {sum: amount}
components:
  - commission: core
    measure: bookings
    rate: 5%
"""

OVERLAY_PLAN = """\
plan: overlay
currency: USD
period: quarter
crediting:
  roles: [overlay]
measures:
  supported: {sum: amount}
components:
  - commission: overlay
    measure: supported
    rate: 1%
"""


@st.composite
def shares(draw: st.DrawFn, people: int) -> list[Decimal]:
    """`people` shares in basis points that sum to exactly 100% (none for no people)."""
    if people == 0:
        return []
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=people - 1, max_size=people - 1)))
    bounds = [0, *cuts, 10_000]
    return [Decimal(bounds[i + 1] - bounds[i]) / 10_000 for i in range(people)]


@st.composite
def split_deals(draw: st.DrawFn) -> tuple[list[OrderRow], list[CreditSplit], list[CreditSplit]]:
    """Orders, their direct splits (some orders have none: the owner), and overlay splits on top."""
    orders: list[OrderRow] = []
    direct: list[CreditSplit] = []
    overlays: list[CreditSplit] = []
    for i in range(draw(st.integers(1, 6))):
        oid = f"o{i}"
        amount = draw(st.integers(-(10**8), 10**10))
        day = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 89)))
        orders.append(OrderRow(oid, day, amount, "USD", owner=draw(st.sampled_from(PEOPLE))))
        sellers = draw(st.lists(st.sampled_from(PEOPLE), max_size=4, unique=True))
        for seq, (person, share) in enumerate(zip(sellers, draw(shares(len(sellers))), strict=True)):
            direct.append(CreditSplit(oid, person, share, CreditRole.DIRECT, seq + 1))
        for seq, person in enumerate(draw(st.lists(st.sampled_from(PEOPLE), max_size=2, unique=True))):
            share = Decimal(draw(st.integers(1, 15_000))) / 10_000
            overlays.append(CreditSplit(oid, person, share, CreditRole.OVERLAY, 10 + seq))
    return orders, direct, overlays


MANAGERS = (
    ManagerLink("ann", "mia", date(2024, 1, 1)),
    ManagerLink("bob", "mia", date(2024, 1, 1)),
    ManagerLink("mia", "vic", date(2024, 1, 1)),
)


def _input(orders: list[OrderRow], splits: list[CreditSplit]) -> CalculationInput:
    plans = {"direct": compile_text(DIRECT_PLAN), "overlay": compile_text(OVERLAY_PLAN)}
    assignments = [PlanAssignmentRow(p, "direct", 0, date(2025, 1, 1)) for p in (*PEOPLE, "mia", "vic")]
    assignments += [PlanAssignmentRow(f"{p}-se", "overlay", 0, date(2025, 1, 1)) for p in PEOPLE]
    return CalculationInput(
        CAL, plans, tuple(assignments), tuple(orders), managers=MANAGERS, splits=tuple(splits)
    )


@settings(max_examples=60, deadline=None)
@given(split_deals())
def test_split_deals_conserve_credit_and_overlays_only_add(
    case: tuple[list[OrderRow], list[CreditSplit], list[CreditSplit]],
) -> None:
    orders, direct, overlays = case
    without = assign_credits(_input(orders, direct))
    credits = assign_credits(_input(orders, direct + overlays))
    for order in orders:
        mine = [c for c in credits if c.order_id == order.order_id and c.role is CreditRole.DIRECT]
        assert sum(c.amount for c in mine) == order.amount  # to the minor unit
        # largest remainder: each part is its exact share rounded down or up, never further off
        assert all(abs(c.amount - Fraction(order.amount) * Fraction(c.share)) < 1 for c in mine)
        for level in (1, 2):
            ups = [c for c in credits if c.order_id == order.order_id and c.level == level]
            assert sum(c.amount for c in ups) == sum(c.amount for c in mine if c.person_id in _below(level))
        for s in (s for s in overlays if s.order_id == order.order_id):
            [extra] = [
                c
                for c in credits
                if c.role is CreditRole.OVERLAY and c.order_id == s.order_id and c.person_id == s.person_id
            ]
            exact = Fraction(order.amount) * Fraction(s.share)
            assert extra.amount == round_fraction(exact, RoundingMode.HALF_EVEN)
    assert [c for c in credits if c.role is not CreditRole.OVERLAY] == without


def _below(level: int) -> set[str]:
    """Whose direct credits roll up to someone `level` levels above them in MANAGERS."""
    return {"ann", "bob"} if level == 2 else {"ann", "bob", "mia"}


@settings(max_examples=40, deadline=None)
@given(split_deals())
def test_overlays_leave_every_direct_payee_result_unchanged(
    case: tuple[list[OrderRow], list[CreditSplit], list[CreditSplit]],
) -> None:
    orders, direct, overlays = case
    before = evaluate(_input(orders, direct), QUARTERS[0])
    after = evaluate(_input(orders, direct + overlays), QUARTERS[0])
    assert [r for r in after if r.plan_key == "direct"] == [r for r in before if r.plan_key == "direct"]
    sellers = sum(
        m.value for r in after if r.plan_key == "direct" and r.person_id in PEOPLE for m in r.measures
    )
    assert sellers == sum(o.amount for o in orders)  # the sellers together are credited each order once


CLAWBACK_PLAN = """\
plan: ae
currency: USD
period: quarter
measures:
  bookings: {sum: amount}
components:
  - commission: core
    measure: bookings
    tiers:
      method: marginal
      bands:
        - {upto: 50000, rate: RATE1}
        - {rate: RATE2}
settlement:
  clawback: {within_days: WITHIN, method: METHOD}
"""


@st.composite
def cancelled_orders(draw: st.DrawFn) -> tuple[str, int, list[OrderRow], dict[str, int]]:
    """A tiered plan with a clawback rule, Q1 orders, and cancellations of some of them days later."""
    within = draw(st.integers(1, 120))
    method = draw(st.sampled_from(["full", "prorated"]))
    rates = [Decimal(draw(st.integers(0, 2_000))) / 10_000 for _ in range(2)]
    plan = (
        CLAWBACK_PLAN.replace("RATE1", str(rates[0]))
        .replace("RATE2", str(rates[1]))
        .replace("WITHIN", str(within))
        .replace("METHOD", method)
    )
    orders: list[OrderRow] = []
    days: dict[str, int] = {}
    for i in range(draw(st.integers(1, 6))):
        booked = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 89)))
        oid = f"o{i}"
        orders.append(OrderRow(oid, booked, draw(st.integers(1, 4_000_000)), "USD", owner="ann"))
        if draw(st.booleans()):
            lived = draw(st.integers(0, 180))  # Q1 bookings + 180 days stay inside Q1 to Q3
            days[oid] = lived
            orders.append(
                OrderRow(
                    f"x{i}",
                    booked + timedelta(days=lived),
                    -orders[-1].amount,
                    "USD",
                    kind="cancellation",
                    owner="ann",
                    original=oid,
                )
            )
    return plan, within, orders, days


@settings(max_examples=60, deadline=None)
@given(cancelled_orders())
def test_a_clawback_plus_its_original_nets_to_the_kept_amount_through_evaluate_and_settle(
    case: tuple[str, int, list[OrderRow], dict[str, int]],
) -> None:
    text, within, orders, days = case
    plan = compile_text(text)
    inp = CalculationInput(
        CAL, {"ae": plan}, (PlanAssignmentRow("ann", "ae", 0, date(2025, 1, 1)),), tuple(orders)
    )
    results = [r for q in QUARTERS[:3] for r in evaluate(inp, q)]
    payouts = settle_payee(plan, [q.key for q in QUARTERS[:3]], results, orders, CAL)
    earned: dict[str, int] = defaultdict(int)
    for r in results:
        for line in r.lines:
            earned[line.order_id or ""] += line.amount
    clawed: dict[str, int] = defaultdict(int)
    for p in payouts:
        for line in p.lines:
            if line.kind == "clawback":
                clawed[dict(line.detail)["order"]] += line.amount
    prorated = "prorated" in text
    kept = {}
    for o in (o for o in orders if o.kind == "new"):
        lived = days.get(o.order_id)
        original = earned[o.order_id]
        if lived is None or lived > within:
            kept[o.order_id] = original
        elif prorated:
            kept[o.order_id] = round_fraction(Fraction(original * lived, within), RoundingMode.HALF_EVEN)
        else:
            kept[o.order_id] = 0
        assert original + clawed[o.order_id] == kept[o.order_id]
    # what was paid, less what is still owed, is what the person keeps in all
    assert sum(p.amount for p in payouts) + payouts[-1].balance == sum(kept.values())


periods_earned = st.lists(st.integers(-500_000, 2_000_000), min_size=1, max_size=8)


@given(periods_earned, st.integers(0, 1_000_000))
def test_a_recoverable_draw_pays_the_best_split_of_earnings_then_draws(earned: list[int], draw: int) -> None:
    """Total paid = max over k of (the first k periods' earnings + the draw for each remaining period).

    That is the balance rule unrolled: the shortfall below the draw is carried and recovered from later
    earnings, so periods that end the run below the draw are paid the draw. It includes max(total earned,
    total draws) (k = n and k = 0), and is the total earned when every tail of periods earns its draws.
    """
    keys = [f"M{i}" for i in range(len(earned))]
    rules = SettlementRules(draw=DrawRule(DrawKind.RECOVERABLE, Decimal(draw) / 100))
    payouts = settle(keys, [Earned(k, "c", e) for k, e in zip(keys, earned, strict=True)], rules, "USD")
    n = len(earned)
    assert sum(p.amount for p in payouts) == max(sum(earned[:k]) + (n - k) * draw for k in range(n + 1))
    assert all(p.amount >= draw and p.balance <= 0 for p in payouts)
    for i in range(n):  # paid so far less what is owed = earned so far, period by period
        assert sum(p.amount for p in payouts[: i + 1]) + payouts[i].balance == sum(earned[: i + 1])
    if all(sum(earned[k:]) >= (n - k) * draw for k in range(n + 1)):  # every tail earns its draws
        assert sum(p.amount for p in payouts) == max(sum(earned), n * draw) == sum(earned)


@given(periods_earned, st.integers(0, 1_000_000))
def test_a_guaranteed_draw_pays_at_least_the_draw_each_period_and_carries_nothing(
    earned: list[int], draw: int
) -> None:
    keys = [f"M{i}" for i in range(len(earned))]
    rules = SettlementRules(draw=DrawRule(DrawKind.GUARANTEED, Decimal(draw) / 100))
    payouts = settle(keys, [Earned(k, "c", e) for k, e in zip(keys, earned, strict=True)], rules, "USD")
    assert [(p.amount, p.balance) for p in payouts] == [(max(e, draw), 0) for e in earned]


def test_recoverable_draw_total_is_not_simply_the_larger_of_earned_and_drawn() -> None:
    """The worked counter-example: 3,000 then 500 against a 1,500 draw pays 3,000 then 1,500 (owing 1,000)."""
    rules = SettlementRules(draw=DrawRule(DrawKind.RECOVERABLE, Decimal(1500)))
    payouts = settle(["M1", "M2"], [Earned("M1", "c", 300_000), Earned("M2", "c", 50_000)], rules, "USD")
    assert [(p.amount, p.balance) for p in payouts] == [(300_000, 0), (150_000, -100_000)]
