"""compile_plan: the positioned document -> a checked CompiledPlan, or a PlanError at line:col.

This module reads the plan's frame (identity, currency, period, rounding, crediting, measures, caps and
settlement); the components are read by attain.domain.plans.components.
"""

from __future__ import annotations

from decimal import Decimal

from attain.domain.calendar import PeriodKind
from attain.domain.errors import InvalidInput
from attain.domain.money import check_currency
from attain.domain.plans.components import PlanScope, read_cap, read_component
from attain.domain.plans.model import (
    Accumulation,
    CompiledPlan,
    Condition,
    Crediting,
    CreditRole,
    Measure,
    MeasureKind,
    PayDate,
    Proration,
    QuotaRule,
    RoundingMode,
)
from attain.domain.plans.reading import Fields, decimal_of, mapping, scalar, sequence
from attain.domain.plans.source import Map, Node, PlanError, unknown_name
from attain.domain.plans.symbols import CREDIT_SYMBOLS
from attain.domain.settlement import (
    ClawbackMethod,
    ClawbackRule,
    DrawKind,
    DrawRule,
    HoldbackRule,
    InstalmentRule,
    SettlementRules,
)

TOP = (
    "plan",
    "name",
    "currency",
    "period",
    "rounding",
    "crediting",
    "measures",
    "components",
    "cap",
    "settlement",
)
PLAN_PERIODS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)


def compile_plan(document: Node) -> CompiledPlan:
    """Check every name, type and number of a plan document and return the compiled plan."""
    top = Fields(document, "the plan", TOP)
    key = top.text("plan")
    currency_node = top.need("currency")
    try:
        currency = check_currency(scalar(currency_node, "currency").text)
    except InvalidInput as exc:
        raise PlanError(exc.message, currency_node.mark, hint=exc.hint) from None
    period = top.choice("period", PeriodKind)
    rounding = top.choice("rounding", RoundingMode, RoundingMode.HALF_EVEN)
    crediting = _crediting(top.get("crediting"))
    measures = _measures(top.need("measures"), period)
    scope = PlanScope(measures=measures, objectives=_objective_names(top.need("components")))
    components_node = sequence(top.need("components"), "'components'")
    if not components_node.items:
        raise PlanError("a plan needs at least one component", components_node.mark)
    components = []
    seen: dict[str, Node] = {}
    for item in components_node.items:
        component = read_component(item, scope)
        if component.key in seen:
            raise PlanError(f"component '{component.key}' is declared twice", item.mark, hint="rename one")
        seen[component.key] = item
        components.append(component)
    cap_node = top.get("cap")
    plan = CompiledPlan(
        key=key,
        name=top.text("name", key),
        currency=currency,
        period=period,
        rounding=rounding,
        crediting=crediting,
        measures=measures,
        components=tuple(components),
        cap=None if cap_node is None else read_cap(cap_node, "the plan cap"),
        settlement=_settlement(top.get("settlement"), {c.key for c in components}),
    )
    return plan


def _crediting(node: Node | None) -> Crediting:
    if node is None:
        return Crediting(frozenset({CreditRole.DIRECT}), 0, PayDate.BOOKING)
    f = Fields(node, "crediting", ("roles", "rollup_levels", "pay_on"))
    roles: set[CreditRole] = {CreditRole.DIRECT}
    roles_node = f.get("roles")
    if roles_node is not None:
        roles = set()
        for item in sequence(roles_node, "'roles' of crediting").items:
            leaf = scalar(item, "a crediting role")
            try:
                roles.add(CreditRole(leaf.text.strip()))
            except ValueError:
                raise unknown_name(
                    "crediting role", leaf.text, leaf.mark, [r.value for r in CreditRole]
                ) from None
    levels = f.whole("rollup_levels", 1 if CreditRole.ROLLUP in roles else 0)
    if CreditRole.ROLLUP in roles and levels < 1:
        raise PlanError("a roll-up needs rollup_levels of 1 or more", f.mark)
    return Crediting(frozenset(roles), levels, f.choice("pay_on", PayDate, PayDate.BOOKING))


def _measures(node: Node, period: PeriodKind) -> dict[str, Measure]:
    out: dict[str, Measure] = {}
    for key_leaf, value in mapping(node, "'measures'"):
        key = key_leaf.text
        if not key.isidentifier():
            raise PlanError(f"measure name '{key}' must be a word (letters, digits, _)", key_leaf.mark)
        f = Fields(value, f"measure '{key}'", ("sum", "count", "where", "quota", "accumulate"))
        if f.has("sum") == f.has("count"):
            raise PlanError(f"measure '{key}' needs exactly one of 'sum: amount' or 'count: orders'", f.mark)
        for what, only in (("sum", "amount"), ("count", "orders")):
            if f.has(what) and f.text(what) != only:
                raise unknown_name(f"field to {what}", f.text(what), f.need(what).mark, [only])
        where = f.condition("where", CREDIT_SYMBOLS)
        out[key] = Measure(
            key=key,
            kind=MeasureKind.SUM if f.has("sum") else MeasureKind.COUNT,
            where=None if where is None else Condition(*where),
            quota=_quota(f.get("quota"), key, period),
            accumulate=f.choice("accumulate", Accumulation, Accumulation.PERIOD),
        )
    if not out:
        raise PlanError("a plan needs at least one measure", node.mark)
    return out


def _quota(node: Node | None, measure: str, period: PeriodKind) -> QuotaRule | None:
    if node is None:
        return None
    f = Fields(node, f"the quota of '{measure}'", ("metric", "source", "weights", "ramp", "prorate"))
    source = f.choice("source", PeriodKind, period)
    if PLAN_PERIODS.index(source) < PLAN_PERIODS.index(period):
        raise PlanError(
            f"a {source} quota cannot be measured over a {period}",
            f.need("source").mark,
            hint=f"use a {period} or longer quota",
        )
    weights = _fractions(f.get("weights"), "weights")
    per_source = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}
    slots = per_source[source] // per_source[period]
    weights_node = f.get("weights")
    if weights_node is not None and len(weights) != slots:
        raise PlanError(
            f"weights split a {source} quota into {slots} {period}s, got {len(weights)}", weights_node.mark
        )
    if weights and sum(weights) != 1:
        raise PlanError(f"weights must sum to 100%, they sum to {sum(weights) * 100}%", f.mark)
    return QuotaRule(
        metric=f.text("metric", measure),
        source=source,
        weights=weights,
        ramp=_fractions(f.get("ramp"), "ramp"),
        prorate=f.choice("prorate", Proration, Proration.DAYS),
    )


def _fractions(node: Node | None, what: str) -> tuple[Decimal, ...]:
    if node is None:
        return ()
    values = tuple(decimal_of(item, f"an item of '{what}'") for item in sequence(node, f"'{what}'").items)
    if any(v < 0 for v in values):
        raise PlanError(f"'{what}' cannot be negative", node.mark)
    return values


def _objective_names(node: Node) -> tuple[str, ...]:
    # MBO objective names are known before the components are read, so bonus formulas may use them.
    names: list[str] = []
    for item in sequence(node, "'components'").items:
        if isinstance(item, Map) and item.get("mbo") is not None:
            objectives = item.get("objectives")
            if isinstance(objectives, Map):
                names.extend(objectives.keys())
    return tuple(names)


def _settlement(node: Node | None, components: set[str]) -> SettlementRules:
    if node is None:
        return SettlementRules()
    f = Fields(node, "settlement", ("draw", "holdback", "instalments", "clawback"))
    draw = holdback = instalments = clawback = None
    if (n := f.get("draw")) is not None:
        d = Fields(n, "the draw", ("kind", "amount"))
        draw = DrawRule(d.choice("kind", DrawKind), d.number("amount"))
    if (n := f.get("holdback")) is not None:
        h = Fields(n, "the holdback", ("rate", "release_after"))
        holdback = HoldbackRule(h.number("rate"), h.whole("release_after", 1))
    if (n := f.get("instalments")) is not None:
        i = Fields(n, "instalments", ("components", "count"))
        names = []
        for item in sequence(i.need("components"), "'components' of instalments").items:
            leaf = scalar(item, "a component name")
            if leaf.text not in components:
                raise unknown_name("component", leaf.text, leaf.mark, components)
            names.append(leaf.text)
        count = i.whole("count", 1)
        if count < 1:
            raise PlanError("instalments need a count of 1 or more", i.mark)
        instalments = InstalmentRule(tuple(names), count)
    if (n := f.get("clawback")) is not None:
        c = Fields(n, "the clawback", ("within_days", "method"))
        within = c.whole("within_days", 0)
        if within < 1:
            raise PlanError("a clawback needs within_days of 1 or more", c.mark)
        clawback = ClawbackRule(within, c.choice("method", ClawbackMethod, ClawbackMethod.FULL))
    return SettlementRules(draw, holdback, instalments, clawback)
