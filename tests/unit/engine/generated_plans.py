"""Hypothesis strategies for the engine property tests: plans drawn from the compiler's component space, and
small companies (people, hierarchy, territories, orders, splits, quotas, rates) to run them on."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from attain.domain.calendar import FiscalCalendar, Period, PeriodKind
from attain.domain.plans.model import CompiledPlan, CreditRole
from attain.engine.inputs import (
    CalculationInput,
    CreditSplit,
    ExchangeRate,
    Leave,
    ManagerLink,
    MboAchievement,
    OrderRow,
    PersonRow,
    PlanAssignmentRow,
    QuotaRow,
    TerritoryLink,
)
from attain.engine.plan_source import compile_text

PEOPLE = ("ann", "bob", "cy", "dee", "eve")
FAMILIES = ("HW", "SW", "Services")
PRODUCTS = ("p1", "p2", "p3")
FY = 2025

CONDITIONS = (
    'kind in ["new", "upsell"]',
    'product_family == "HW"',
    "amount > 500",
    "amount * 2 <= order_amount or share == 100%",
    'credit_role != "overlay"',
    "not (booked_on < 2025-03-01) and rollup_level <= 1",
    'segment != "SMB"',
    "clamp(amount, 0, 1000) >= min(order_amount, 800)",
    "abs(-amount) / 2 > 300",  # division: evaluated in Python by the fast engine
)


# Half-cent ties must happen often, or a wrong rounding mode would go unnoticed: whole-dollar amounts times
# rates of an odd number of tenths of a percent land exactly on half a cent.
amounts = st.one_of(st.integers(-50_000, 2_000_000), st.integers(-500, 20_000).map(lambda d: d * 100))


def percents(top: int) -> st.SearchStrategy[str]:
    """A rate in percent up to top/100 %, often one that makes ties (0.5%, 1.5%, ...)."""
    return st.one_of(
        st.integers(0, top).map(lambda n: f"{n / 100}%"),
        st.sampled_from(["0.5%", "1.5%", "2.5%", "7.5%", "12.5%"]),
    )


def _pct(value: int) -> str:
    return f"{value}%"


@st.composite
def tiers(draw: st.DrawFn, on_attainment: bool, with_base: bool) -> tuple[str, bool]:
    """A tiers block and whether it has accelerator bands."""
    count = draw(st.integers(1, 4))
    if on_attainment:
        bounds = sorted(set(draw(st.lists(st.integers(10, 250), min_size=count - 1, max_size=count - 1))))
        uppers = [_pct(b) for b in bounds]
    else:
        bounds = sorted(set(draw(st.lists(st.integers(100, 9000), min_size=count - 1, max_size=count - 1))))
        uppers = [str(b) for b in bounds]
    bands = []
    accelerated = False
    for i in range(len(uppers) + 1):
        upto = f"upto: {uppers[i]}, " if i < len(uppers) else ""
        if with_base and draw(st.booleans()):
            rate = f"multiplier: {draw(st.sampled_from(['0.5', '1', '1.5', '2']))}"
        else:
            rate = f"rate: {draw(percents(1500))}"
        accelerator = i > 0 and draw(st.integers(0, 2)) == 0
        accelerated |= accelerator
        bands.append(f"        - {{{upto}{rate}{', accelerator: true' if accelerator else ''}}}\n")
    method = draw(st.sampled_from(["marginal", "marginal", "retroactive"]))
    on = "attainment" if on_attainment else "amount"
    return f"    tiers:\n      method: {method}\n      on: {on}\n      bands:\n{''.join(bands)}", accelerated


@st.composite
def caps(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        value = f"amount: {draw(st.integers(0, 3000))}"
    else:
        value = f"target_incentive: {draw(st.sampled_from(['0.1', '0.5', '1', '3']))}"
    return f"{{{value}, per: {draw(st.sampled_from(['period', 'year']))}}}"


@st.composite
def commission(draw: st.DrawFn, name: str, has_quota: bool) -> str:
    out = f"  - commission: {name}\n    measure: bookings\n"
    if draw(st.integers(0, 3)) == 0:
        out += f"    where: {draw(st.sampled_from(CONDITIONS))}\n"
    base = draw(st.sampled_from(["rate", "lookup", "none"]))
    if base == "rate":
        out += f"    rate: {draw(percents(1200))}\n"
    elif base == "lookup":
        field = draw(st.sampled_from(["product_family", "rollup_level", "kind", "share"]))
        keys = {
            "product_family": FAMILIES,
            "rollup_level": ("0", "1", "2"),
            "kind": ("new", "renewal"),
            "share": ("1", "3/5", "0.6"),
        }[field]
        rates = ", ".join(f'"{k}": {draw(percents(900))}' for k in keys[: draw(st.integers(1, 3))])
        out += f"    rate_by:\n      field: {field}\n      rates: {{{rates}}}\n"
        out += f"      default: {draw(percents(500))}\n"
    table, accelerated = "", False
    if base == "none" or draw(st.booleans()):
        table, accelerated = draw(tiers(has_quota and draw(st.booleans()), base != "none"))
        out += table
    if draw(st.integers(0, 3)) == 0:
        low = draw(st.integers(0, 200))
        out += f"    per_order: {{min: {low}, max: {low + draw(st.integers(0, 2000))}}}\n"
    if has_quota and draw(st.integers(0, 2)) == 0:
        kind = draw(st.sampled_from(["min_attainment", "ytd_attainment"]))
        out += f"    gate: {{{kind}: {draw(st.integers(0, 120))}%}}\n"
    if has_quota and accelerated and draw(st.booleans()):
        kind = draw(st.sampled_from(["min_attainment", "ytd_attainment"]))
        out += f"    accelerators_need: {{{kind}: {draw(st.integers(50, 150))}%}}\n"
    if draw(st.integers(0, 2)) == 0:
        out += f"    cap: {draw(caps())}\n"
    return out


@st.composite
def bonus(draw: st.DrawFn, name: str) -> str:
    out = f"  - bonus: {name}\n    measure: bookings\n"
    kind = draw(st.sampled_from(["fixed", "steps", "curve", "formula"]))
    unit = draw(st.sampled_from(["%", ""]))
    if kind == "fixed":
        out += f"    fixed: {draw(st.integers(0, 2000))}{unit}\n"
    elif kind == "formula":
        formula = "min(bookings.attainment, 150%) * period_target_incentive * 10% + bookings.ytd_value / 1000"
        out += f"    formula: {formula}\n"
    else:
        levels = sorted(set(draw(st.lists(st.integers(20, 200), min_size=1, max_size=4))))
        pays = [draw(st.integers(0, 3000)) for _ in levels]
        items = "".join(f"      - {{at: {a}%, pay: {p}{unit}}}\n" for a, p in zip(levels, pays, strict=True))
        out += f"    {kind}:\n{items}"
    if draw(st.integers(0, 3)) == 0:
        out += f"    gate: {{min_attainment: {draw(st.integers(0, 100))}%}}\n"
    if draw(st.integers(0, 3)) == 0:
        out += f"    floor: {draw(st.integers(0, 100))}\n"
    if draw(st.integers(0, 3)) == 0:
        out += f"    cap: {draw(caps())}\n"
    return out


@st.composite
def spiff(draw: st.DrawFn, name: str) -> str:
    first = date(FY, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
    last = first + timedelta(days=draw(st.integers(0, 120)))
    out = f"  - spiff: {name}\n    from: {first}\n    to: {last}\n"
    if draw(st.booleans()):
        out += f"    where: {draw(st.sampled_from(CONDITIONS))}\n"
    kind = draw(st.sampled_from(["per_deal", "extra_rate", "lump_sum"]))
    if kind == "per_deal":
        out += f"    per_deal: {draw(st.integers(0, 500))}\n"
    elif kind == "extra_rate":
        out += f"    extra_rate: {draw(percents(500))}\n"
    else:
        out += f"    lump_sum: {draw(st.integers(0, 5000))}\n    count_target: {draw(st.integers(1, 4))}\n"
    return out


@st.composite
def plans(draw: st.DrawFn, key: str, period: PeriodKind) -> CompiledPlan:
    roles = draw(st.sets(st.sampled_from([r.value for r in CreditRole]), min_size=1))
    levels = draw(st.integers(1, 2))
    pay_on = draw(st.sampled_from(["booking", "booking", "invoice", "payment"]))
    has_quota = draw(st.integers(0, 3)) > 0
    accumulate = draw(st.sampled_from(["period", "period", "year"]))
    text = (
        f"plan: {key}\ncurrency: USD\nperiod: {period.value}\n"
        f"rounding: {draw(st.sampled_from(['half_even', 'half_up', 'down', 'up']))}\n"
        f"crediting:\n  roles: [{', '.join(sorted(roles))}]\n"
        + (f"  rollup_levels: {levels}\n" if "rollup" in roles else "")
        + f"  pay_on: {pay_on}\nmeasures:\n  bookings:\n    sum: amount\n    accumulate: {accumulate}\n"
    )
    if draw(st.integers(0, 2)) == 0:
        text += f"    where: {draw(st.sampled_from(CONDITIONS))}\n"
    if has_quota:
        source = draw(st.sampled_from([period.value, "year"]))
        text += f"    quota:\n      metric: bookings\n      source: {source}\n"
        text += f"      prorate: {draw(st.sampled_from(['days', 'none']))}\n"
        if draw(st.integers(0, 3)) == 0:
            text += "      ramp: [50%, 75%]\n"
    text += "  deals: {count: orders}\ncomponents:\n"
    count = draw(st.integers(1, 3))
    for i in range(count):
        kind = draw(
            st.sampled_from(
                ["commission", "commission", "bonus", "mbo", "spiff"]
                if has_quota
                else ["commission", "commission", "mbo", "spiff"]
            )
        )
        if kind == "commission":
            text += draw(commission(f"c{i}", has_quota))
        elif kind == "bonus":
            text += draw(bonus(f"b{i}"))
        elif kind == "mbo":
            text += (
                f"  - mbo: m{i}\n    objectives: {{pipeline: 40%, hiring: 60%}}\n    max_achievement: 120%\n"
            )
        else:
            text += draw(spiff(f"s{i}"))
    if draw(st.integers(0, 3)) == 0:
        text += f"cap: {draw(caps())}\n"
    return compile_text(text)


def _day(draw: st.DrawFn, start: date = date(FY, 1, 1), days: int = 364) -> date:
    return start + timedelta(days=draw(st.integers(0, days)))


@st.composite
def companies(draw: st.DrawFn) -> tuple[CalculationInput, Period]:
    cal = FiscalCalendar(1)
    kind = draw(st.sampled_from([PeriodKind.MONTH, PeriodKind.QUARTER]))
    plan_a = draw(plans("a", kind))
    plan_b = draw(plans("b", kind))
    period = draw(st.sampled_from(cal.periods(kind, FY)))
    people = []
    for p in PEOPLE:
        hired = _day(draw, date(FY - 1, 10, 1), 300) if draw(st.integers(0, 5)) == 0 else None
        left = _day(draw, date(FY, 3, 1), 300) if draw(st.integers(0, 7)) == 0 else None
        people.append(PersonRow(p, p.title(), hired, left))
    managers = []
    for p in PEOPLE[:3]:
        managers.append(ManagerLink(p, draw(st.sampled_from(PEOPLE[3:])), date(FY - 1, 1, 1)))
    if draw(st.booleans()):
        managers.append(ManagerLink("dee", "eve", date(FY - 1, 1, 1), _day(draw)))
    if draw(st.booleans()):
        managers.append(ManagerLink(draw(st.sampled_from(PEOPLE[:3])), "eve", _day(draw)))
    territories = [TerritoryLink(draw(st.sampled_from(PEOPLE)), "west", date(FY - 1, 1, 1))]
    if draw(st.booleans()):
        territories.append(TerritoryLink(draw(st.sampled_from(PEOPLE)), "east", _day(draw), None))
    orders, splits = [], []
    year_days = (period.end - date(FY, 1, 1)).days - 1
    for i in range(draw(st.integers(0, 20))):
        booked = (
            _day(draw, period.start, period.days - 1)
            if draw(st.integers(0, 2))
            else _day(draw, days=year_days)
        )
        currency = draw(st.sampled_from(["USD", "USD", "USD", "EUR"]))
        kind_ = draw(st.sampled_from(["new", "new", "renewal", "upsell", "cancellation"]))
        order = OrderRow(
            order_id=f"o{i:02d}",
            booked_on=booked,
            amount=draw(amounts),
            currency=currency,
            kind=kind_,
            owner=draw(st.sampled_from([*PEOPLE, None])),
            product=draw(st.sampled_from([*PRODUCTS, None])),
            product_family=draw(st.sampled_from([*FAMILIES, None])),
            segment=draw(st.sampled_from(["SMB", "ENT", None])),
            territory=draw(st.sampled_from(["west", "east", None])),
            invoiced_on=booked + timedelta(days=draw(st.integers(0, 60))) if draw(st.booleans()) else None,
            paid_on=booked + timedelta(days=draw(st.integers(0, 90))) if draw(st.booleans()) else None,
            original="o00" if kind_ == "cancellation" else None,
        )
        orders.append(order)
        if draw(st.integers(0, 3)) == 0:
            people_ = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3))
            cuts = sorted(
                draw(st.lists(st.integers(0, 100), min_size=len(people_) - 1, max_size=len(people_) - 1))
            )
            bounds = [0, *cuts, 100]
            for j, person in enumerate(people_):
                share = Decimal(bounds[j + 1] - bounds[j]) / 100
                splits.append(CreditSplit(order.order_id, person, share, CreditRole.DIRECT, j + 1))
        if draw(st.integers(0, 4)) == 0:
            share = Decimal(draw(st.integers(1, 100))) / 100
            splits.append(
                CreditSplit(order.order_id, draw(st.sampled_from(PEOPLE)), share, CreditRole.OVERLAY, 9)
            )
    quotas = []
    for p in PEOPLE:
        for q in cal.periods(kind, FY):
            quotas.append(QuotaRow(p, "bookings", q.key, Decimal(draw(st.integers(1, 30_000)))))
        quotas.append(QuotaRow(p, "bookings", f"FY{FY}", Decimal(draw(st.integers(1, 90_000)))))
    assignments = []
    for p in PEOPLE:
        plan = draw(st.sampled_from(["a", "b"]))
        start = date(FY, 1, 1) if draw(st.booleans()) else _day(draw)
        end = _day(draw, start, 200) if draw(st.integers(0, 4)) == 0 else None
        assignments.append(PlanAssignmentRow(p, plan, draw(st.integers(0, 5_000_000)), start, end))
    leaves = [Leave("bob", _day(draw), _day(draw, date(FY, 6, 1), 100))] if draw(st.booleans()) else []
    mbo = [
        MboAchievement(p, period.key, "pipeline", Decimal(draw(st.integers(0, 150))) / 100)
        for p in PEOPLE[:3]
    ]
    rates = [
        ExchangeRate("EUR", "USD", date(FY - 1, 12, 1), Decimal("1.0834")),
        ExchangeRate("EUR", "USD", _day(draw), Decimal(draw(st.integers(900, 1300))) / 1000),
    ]
    inp = CalculationInput(
        calendar=cal,
        plans={"a": plan_a, "b": plan_b},
        assignments=tuple(assignments),
        orders=tuple(orders),
        people=tuple(people),
        managers=tuple(managers),
        territories=tuple(territories),
        leaves=tuple(leaves),
        splits=tuple(splits),
        quotas=tuple(quotas),
        rates=tuple(rates),
        mbo=tuple(mbo),
    )
    return inp, period
