"""Reading plan components: commission (rates, tiers, lookups, gates, caps), bonus, MBO and SPIFF."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from attain.domain.plans.model import (
    Accumulation,
    Bonus,
    BonusPayout,
    Cap,
    CapWindow,
    Commission,
    Component,
    Condition,
    Gate,
    Mbo,
    Measure,
    Objective,
    PayLevel,
    PayUnit,
    RateLookup,
    RateTable,
    Spiff,
    Tier,
    TierBasis,
    TierMethod,
    WeightedMeasure,
)
from attain.domain.plans.reading import Fields, decimal_of, is_percent, mapping, scalar, sequence
from attain.domain.plans.source import Node, PlanError, Seq, unknown_name
from attain.domain.plans.symbols import CREDIT_SYMBOLS, ExprType, result_symbols

KINDS = ("commission", "bonus", "mbo", "spiff")
COMMISSION = (
    "commission",
    "measure",
    "where",
    "rate",
    "rate_by",
    "tiers",
    "per_order",
    "gate",
    "accelerators_need",
    "cap",
)
BONUS = ("bonus", "measure", "measures", "fixed", "steps", "curve", "formula", "gate", "floor", "cap")
MBO = ("mbo", "objectives", "max_achievement")
SPIFF = ("spiff", "from", "to", "where", "per_deal", "extra_rate", "lump_sum", "count_target", "cap")


@dataclass(frozen=True, slots=True)
class PlanScope:
    measures: dict[str, Measure]
    objectives: tuple[str, ...]

    def measure(self, node: Node) -> str:
        leaf = scalar(node, "a measure name")
        if leaf.text not in self.measures:
            raise unknown_name("measure", leaf.text, leaf.mark, self.measures)
        return leaf.text


def read_component(node: Node, scope: PlanScope) -> Component:
    item = mapping(node, "a component")
    kinds = [k for k in KINDS if item.get(k) is not None]
    if len(kinds) != 1:
        first = item.entries[0][0] if item.entries else None
        if first is not None and not kinds:
            raise unknown_name("component kind", first.text, first.mark, KINDS)
        raise PlanError("a component starts with exactly one of: commission, bonus, mbo, spiff", item.mark)
    kind = kinds[0]
    key_leaf = scalar(item.get(kind) or item, f"the {kind} name")
    if not key_leaf.text.isidentifier():
        raise PlanError(
            f"component name '{key_leaf.text}' must be a word (letters, digits, _)", key_leaf.mark
        )
    if kind == "commission":
        return _commission(Fields(item, f"commission '{key_leaf.text}'", COMMISSION), key_leaf.text, scope)
    if kind == "bonus":
        return _bonus(Fields(item, f"bonus '{key_leaf.text}'", BONUS), key_leaf.text, scope)
    if kind == "mbo":
        return _mbo(Fields(item, f"mbo '{key_leaf.text}'", MBO), key_leaf.text)
    return _spiff(Fields(item, f"spiff '{key_leaf.text}'", SPIFF), key_leaf.text)


def _commission(f: Fields, key: str, scope: PlanScope) -> Commission:
    measure = scope.measure(f.need("measure"))
    where = f.condition("where", CREDIT_SYMBOLS)
    base = f.optional_number("rate")
    lookup = _lookup(f.get("rate_by"))
    table = _tiers(f.get("tiers"))
    if base is not None and lookup is not None:
        raise PlanError("give either 'rate' or 'rate_by', not both", f.mark)
    needs_base = table is None or any(t.multiplier is not None for t in table.tiers)
    if needs_base and base is None and lookup is None:
        raise PlanError(
            f"commission '{key}' needs a rate",
            f.mark,
            hint="add 'rate: 3%', 'rate_by: ...' or tiers with rates",
        )
    if table is not None and table.basis is TierBasis.ATTAINMENT and scope.measures[measure].quota is None:
        raise PlanError(f"tiers on attainment need a quota on measure '{measure}'", f.need("tiers").mark)
    order_min = order_max = None
    if (n := f.get("per_order")) is not None:
        p = Fields(n, "per_order", ("min", "max"))
        order_min, order_max = p.optional_number("min"), p.optional_number("max")
    gate_node = f.get("accelerators_need")
    accelerator_gate = None
    if gate_node is not None:
        accelerator_gate = _gate(gate_node, measure, scope, "accelerators_need")
        if table is None or not any(t.accelerator for t in table.tiers):
            raise PlanError("accelerators_need applies to tiers marked 'accelerator: true'", gate_node.mark)
    return Commission(
        key=key,
        measure=measure,
        where=None if where is None else Condition(*where),
        base_rate=base,
        lookup=lookup,
        table=table,
        order_min=order_min,
        order_max=order_max,
        gates=_gates(f.get("gate"), measure, scope),
        accelerator_gate=accelerator_gate,
        cap=None if f.get("cap") is None else read_cap(f.need("cap"), f"the cap of '{key}'"),
    )


def _lookup(node: Node | None) -> RateLookup | None:
    if node is None:
        return None
    f = Fields(node, "rate_by", ("field", "rates", "default"))
    leaf = scalar(f.need("field"), "'field' of rate_by")
    symbol = CREDIT_SYMBOLS.symbols.get(leaf.text)
    if symbol is None or symbol.type not in (ExprType.STRING, ExprType.NUMBER):
        known = [
            s.name for s in CREDIT_SYMBOLS.symbols.values() if s.type in (ExprType.STRING, ExprType.NUMBER)
        ]
        raise unknown_name("lookup field", leaf.text, leaf.mark, known)
    rates = tuple(
        (k.text, decimal_of(v, f"the rate for '{k.text}'")) for k, v in mapping(f.need("rates"), "rates")
    )
    return RateLookup(leaf.text, rates, f.optional_number("default"))


def _tiers(node: Node | None) -> RateTable | None:
    if node is None:
        return None
    f = Fields(node, "tiers", ("method", "on", "bands"))
    method = f.choice("method", TierMethod)
    basis = f.choice("on", TierBasis, TierBasis.AMOUNT)
    bands = sequence(f.need("bands"), "'bands' of tiers")
    if not bands.items:
        raise PlanError("tiers need at least one band", bands.mark)
    tiers: list[Tier] = []
    lower = Decimal(0)
    for i, band in enumerate(bands.items, start=1):
        b = Fields(band, f"band {i}", ("upto", "rate", "multiplier", "accelerator"))
        upper = b.optional_number("upto")
        last = i == len(bands.items)
        if upper is None and not last:
            raise PlanError(f"band {i} needs 'upto'; only the last band is open-ended", b.mark)
        if upper is not None and last:
            raise PlanError(
                "the last band must be open-ended (no 'upto')",
                b.need("upto").mark,
                hint="add a band with 'rate: 0%' above it to pay nothing more",
            )
        if upper is not None and upper <= lower:
            raise PlanError(
                f"band {i} ends at {upper}, not above where it starts ({lower})", b.need("upto").mark
            )
        if b.has("rate") == b.has("multiplier"):
            raise PlanError(f"band {i} needs exactly one of 'rate' or 'multiplier'", b.mark)
        accelerator = b.text("accelerator", "false")
        if accelerator not in ("true", "false"):
            raise PlanError("'accelerator' is true or false", b.need("accelerator").mark)
        tiers.append(
            Tier(
                i,
                lower,
                upper,
                b.optional_number("rate"),
                b.optional_number("multiplier"),
                accelerator == "true",
            )
        )
        lower = upper if upper is not None else lower
    return RateTable(method, basis, tuple(tiers))


def _gates(node: Node | None, measure: str, scope: PlanScope) -> tuple[Gate, ...]:
    if node is None:
        return ()
    items = node.items if isinstance(node, Seq) else (node,)
    return tuple(_gate(item, measure, scope, "gate") for item in items)


def _gate(node: Node, measure: str, scope: PlanScope, what: str) -> Gate:
    f = Fields(node, what, ("measure", "min_attainment", "ytd_attainment"))
    if f.has("min_attainment") == f.has("ytd_attainment"):
        raise PlanError(f"{what} needs exactly one of 'min_attainment' or 'ytd_attainment'", f.mark)
    name = measure if not f.has("measure") else scope.measure(f.need("measure"))
    if scope.measures[name].quota is None:
        raise PlanError(f"{what} needs a quota on measure '{name}'", f.mark)
    if f.has("ytd_attainment"):
        return Gate(name, f.number("ytd_attainment"), Accumulation.YEAR)
    return Gate(name, f.number("min_attainment"), Accumulation.PERIOD)


def read_cap(node: Node, what: str) -> Cap:
    f = Fields(node, what, ("amount", "target_incentive", "per"))
    if f.has("amount") == f.has("target_incentive"):
        raise PlanError(f"{what} needs exactly one of 'amount' or 'target_incentive' (a multiple)", f.mark)
    return Cap(
        f.optional_number("amount"),
        f.optional_number("target_incentive"),
        f.choice("per", CapWindow, CapWindow.PERIOD),
    )


def _bonus(f: Fields, key: str, scope: PlanScope) -> Bonus:
    if f.has("measure") == f.has("measures"):
        raise PlanError(f"bonus '{key}' needs exactly one of 'measure' or 'measures'", f.mark)
    weighted: tuple[WeightedMeasure, ...]
    if f.has("measure"):
        weighted = (WeightedMeasure(scope.measure(f.need("measure")), Decimal(1), None, None),)
    else:
        weighted = _weighted(f.need("measures"), scope)
    for w in weighted:
        if scope.measures[w.measure].quota is None:
            raise PlanError(f"bonus '{key}' needs a quota on measure '{w.measure}'", f.mark)
    accumulations = {scope.measures[w.measure].accumulate for w in weighted}
    if len(accumulations) > 1:
        raise PlanError(f"the measures of bonus '{key}' must all accumulate the same way", f.mark)
    payouts = [p for p in BonusPayout if f.has(p.value)]
    if len(payouts) != 1:
        raise PlanError(f"bonus '{key}' needs exactly one of: fixed, steps, curve, formula", f.mark)
    payout = payouts[0]
    levels: tuple[PayLevel, ...] = ()
    formula = None
    if payout is BonusPayout.FIXED:
        node = f.need("fixed")
        levels = (PayLevel(Decimal(0), decimal_of(node, "'fixed'"), _unit(node)),)
    elif payout is BonusPayout.FORMULA:
        formula = Condition(*f.formula("formula", result_symbols(scope.measures, scope.objectives)))
    else:
        levels = _levels(f.need(payout.value), payout.value)
    return Bonus(
        key=key,
        measures=weighted,
        payout=payout,
        levels=levels,
        formula=formula,
        gates=_gates(f.get("gate"), weighted[0].measure, scope),
        floor=f.optional_number("floor"),
        cap=None if f.get("cap") is None else read_cap(f.need("cap"), f"the cap of '{key}'"),
        accumulate=accumulations.pop(),
    )


def _unit(node: Node) -> PayUnit:
    return PayUnit.TARGET_INCENTIVE if is_percent(node) else PayUnit.AMOUNT


def _weighted(node: Node, scope: PlanScope) -> tuple[WeightedMeasure, ...]:
    out = []
    for item in sequence(node, "'measures' of a bonus").items:
        w = Fields(item, "a weighted measure", ("measure", "weight", "floor", "cap"))
        out.append(
            WeightedMeasure(
                scope.measure(w.need("measure")),
                w.number("weight"),
                w.optional_number("floor"),
                w.optional_number("cap"),
            )
        )
    total = sum(w.weight for w in out)
    if total != 1:
        raise PlanError(f"measure weights must sum to 100%, they sum to {total * 100}%", node.mark)
    return tuple(out)


def _levels(node: Node, what: str) -> tuple[PayLevel, ...]:
    levels = []
    for item in sequence(node, f"'{what}'").items:
        lv = Fields(item, f"a level of '{what}'", ("at", "pay"))
        levels.append(PayLevel(lv.number("at"), lv.number("pay"), _unit(lv.need("pay"))))
    if not levels:
        raise PlanError(f"'{what}' needs at least one level", node.mark)
    if any(b.at <= a.at for a, b in itertools.pairwise(levels)):
        raise PlanError(f"the levels of '{what}' must rise: each 'at' above the one before", node.mark)
    if len({lv.unit for lv in levels}) > 1:
        raise PlanError(f"the levels of '{what}' mix amounts and % of target incentive", node.mark)
    return tuple(levels)


def _mbo(f: Fields, key: str) -> Mbo:
    objectives = tuple(
        Objective(k.text, decimal_of(v, f"the weight of objective '{k.text}'"))
        for k, v in mapping(f.need("objectives"), "'objectives'")
    )
    if not objectives:
        raise PlanError(f"mbo '{key}' needs at least one objective", f.mark)
    return Mbo(key, objectives, f.number("max_achievement", Decimal(1)))


def _spiff(f: Fields, key: str) -> Spiff:
    first, last = f.day("from"), f.day("to")
    if last < first:
        raise PlanError(f"spiff '{key}' ends ({last}) before it starts ({first})", f.need("to").mark)
    kinds = [k for k in ("per_deal", "extra_rate", "lump_sum") if f.has(k)]
    if len(kinds) != 1:
        raise PlanError(f"spiff '{key}' pays exactly one of: per_deal, extra_rate, lump_sum", f.mark)
    if f.has("lump_sum") != f.has("count_target"):
        raise PlanError("a lump_sum spiff needs a count_target (and only it uses one)", f.mark)
    count = f.whole("count_target", 0) if f.has("count_target") else None
    where = f.condition("where", CREDIT_SYMBOLS)
    return Spiff(
        key=key,
        first_day=first,
        last_day=last,
        where=None if where is None else Condition(*where),
        per_deal=f.optional_number("per_deal"),
        extra_rate=f.optional_number("extra_rate"),
        lump_sum=f.optional_number("lump_sum"),
        count_target=count,
        cap=None if f.get("cap") is None else read_cap(f.need("cap"), f"the cap of '{key}'"),
    )
