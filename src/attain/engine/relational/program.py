"""One plan's relational program: views (credits as the plan sees them), measures, commission and SPIFF lines.

The SQL is generated once per plan from the compiled plan. Running totals are ordered by the total key
(date, order id, role, level, split sequence); marginal tiers use the clamp formula and only rows that cross
a tier edge become more than one line. Money is integer minor units; running sums run in DOUBLE, exact while
the payee's absolute total stays below 2^53 (the engine checks), and rates are integers over a power of ten.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from attain.domain.money import minor_exponent
from attain.domain.plans.model import (
    Accumulation,
    Commission,
    CompiledPlan,
    Condition,
    RoundingMode,
    Spiff,
    TierBasis,
    TierMethod,
)
from attain.domain.plans.rounding import minor_of, round_fraction
from attain.engine.relational.crediting import SHARE_DIGITS, credits_sql
from attain.engine.relational.marginal import Marginal, marginal_sql
from attain.engine.relational.rates import canonical_number, rate_catalog, rate_num
from attain.engine.relational.sqltext import (
    NUMBER_FIELDS,
    ROLE_NAMES,
    ConditionSql,
    day,
    decimal,
    fraction_equals,
    has_division,
    names_of,
    rounded,
    text,
)

KIND_CODE = {"commission": 0, "spiff": 1, "order_min": 2, "order_max": 3}
ORDER_FIELDS = {
    "order_id": "order_id",
    "product": "product",
    "product_family": "product_family",
    "kind": "kind",
    "segment": "segment",
    "account": "account",
    "territory": "territory",
    "invoiced_on": "invoiced_on",
    "paid_on": "paid_on",
    "order_amount": "order_total",
}
PAY_COLUMN = {"booking": "booked_on", "invoice": "invoiced_on", "payment": "paid_on"}
WIDE = 2**63
ORDER = "day, ono, role, level, seq, tie"
# The same order packed into two integers (day and order number; role, level, sequence and tie), which sorts
# about a third faster; used when every value fits its bits (checked on each run).
PACKED = (
    "(YEAR(day) * 372 + MONTH(day) * 31 + DAY(day)) * 1099511627776 + ono, "
    "role * 72057594037927936 + level * 281474976710656 + seq * 16777216 + tie"
)


class PlanProgram:
    """The SQL of one plan over the registered sources (orders_src, splits_src, payees_src, evals_src)."""

    def __init__(self, plan: CompiledPlan, fy_start: date, with_splits: bool, fx_den: int | None) -> None:
        self.plan, self.fy_start, self.with_splits, self.fx_den = plan, fy_start, with_splits, fx_den
        self.shared: str | None = None  # a table of direct credits computed once for several plans
        self.conditions: dict[Condition, str] = {}
        for measure in plan.measures.values():
            self._condition(measure.where)
        for comp in plan.components:
            if isinstance(comp, Commission | Spiff):
                self._condition(comp.where)
        self.python_conditions = [(name, c) for c, name in self.conditions.items() if has_division(c.expr)]
        self.catalogs = {
            i: rate_catalog(c) for i, c in enumerate(plan.components) if isinstance(c, Commission)
        }
        names: set[str] = set()
        for cond in self.conditions:
            names |= names_of(cond.expr)
        for comp in plan.components:
            if isinstance(comp, Commission) and comp.lookup is not None:
                names.add(comp.lookup.field)
        pay = PAY_COLUMN[plan.crediting.pay_on.value]
        if pay != "booked_on":
            names.add(pay)
        self.fields = sorted({ORDER_FIELDS[n] for n in names if n in ORDER_FIELDS})
        self.names = names
        self.day = f"c.{pay}"

    def _condition(self, cond: Condition | None) -> None:
        if cond is not None and cond not in self.conditions:
            self.conditions[cond] = f"cond_{len(self.conditions)}"

    def cond(self, cond: Condition | None) -> str:
        return "TRUE" if cond is None else self.conditions[cond]

    # -- views --------------------------------------------------------------------------------------

    def field_sql(self, name: str) -> str:
        """A credit field in the views' inner query, numbers as exact DECIMALs in plan-currency units."""
        exponent = minor_exponent(self.plan.currency)
        if name in ("amount", "order_amount"):
            column = "amount" if name == "amount" else "order_amount"
            if exponent == 0:
                return f"CAST({column} AS DECIMAL(19, 0))"
            return f"(CAST({column} AS DECIMAL(19, 0)) * {decimal(Decimal(1).scaleb(-exponent))})"
        if name == "share":
            return f"(CAST(share_num AS DECIMAL(19, 0)) * {decimal(Decimal(1).scaleb(-SHARE_DIGITS))})"
        if name == "rollup_level":
            return "level"
        if name == "credit_role":
            whens = " ".join(f"WHEN {i} THEN {text(n)}" for i, n in enumerate(ROLE_NAMES))
            return f"(CASE role {whens} END)"
        if name == "credit_date":
            return "day"
        if name == "order_amount":
            return "order_amount"
        return name

    def _slot_sql(self, comp: Commission) -> str:
        lookup = comp.lookup
        if lookup is None:
            return "0"
        field = self.field_sql(lookup.field)
        whens = []
        for i, (name, _) in enumerate(lookup.rates):
            if lookup.field in NUMBER_FIELDS:
                value = canonical_number(name)
                if value is None:
                    continue
                whens.append(f"WHEN {fraction_equals(field, value)} THEN {i}")
            else:
                whens.append(f"WHEN COALESCE({field} = {text(name)}, FALSE) THEN {i}")
        fallback = len(lookup.rates) if lookup.default is not None else len(lookup.rates) + 1
        return f"(CASE {' '.join(whens)} ELSE {fallback} END)" if whens else str(fallback)

    def views_sql(self, view: bool = False) -> str:
        """The plan's credits `v`: a temporary table, or with `view` a view computed by each reader."""
        plan = self.plan
        credits = credits_sql(
            plan.crediting.roles, plan.crediting.rollup_levels, self.fields, self.with_splits, self.shared
        )
        fx_join = ""

        def convert(column: str) -> str:
            if self.fx_den is None:
                return column
            value = rounded(f"CAST({column} AS HUGEINT) * CAST(fx.num AS HUGEINT)", self.fx_den, _half_even())
            return (
                f"CASE WHEN c.currency = {text(plan.currency)} THEN {column} ELSE CAST({value} AS BIGINT) END"
            )

        if self.fx_den is not None:
            fx_join = (
                f"LEFT JOIN fx_src fx ON fx.from_currency = c.currency AND {self.day} >= fx.valid_from "
                f"AND {self.day} < fx.valid_to"
            )
        carried = "".join(f", c.{f}" for f in self.fields if f != "order_total")
        order_amount = f", {convert('c.order_total')} AS order_amount" if "order_total" in self.fields else ""
        inner = (
            f"SELECT p.payee, c.ono, c.role, c.level, c.seq, c.tie, c.share_src, c.share_num, "
            f"c.booked_on, c.currency, {self.day} AS day, {convert('c.amount')} AS "
            f"amount{order_amount}{carried} "
            f"FROM ({credits}) c JOIN payees_src p ON c.person_id = p.person_id {fx_join} "
            f"WHERE {self.day} >= p.lo AND {self.day} < p.hi"
        )
        translate = ConditionSql(self.field_sql)
        extra = []
        for cond, name in self.conditions.items():
            if has_division(cond.expr):
                args = ", ".join(_udf_argument(n) for n in sorted(names_of(cond.expr)))
                extra.append(f"{name}({args}) AS {name}")
            else:
                extra.append(f"{translate.condition(cond.expr)} AS {name}")
        for i, comp in enumerate(plan.components):
            if isinstance(comp, Commission) and comp.lookup is not None:
                extra.append(f"{self._slot_sql(comp)} AS slot_{i}")
        span = {"month": 1, "quarter": 3, "year": 12}[plan.period.value]
        base = self.fy_start.year * 12 + self.fy_start.month
        pidx = f"CAST(((YEAR(day) * 12 + MONTH(day)) - {base}) // {span} AS INTEGER)"
        columns = ", ".join(
            [
                "payee",
                "day",
                f"{pidx} AS pidx",
                "ono",
                "role",
                "level",
                "seq",
                "tie",
                "share_src",
                "amount",
                *(["currency"] if self.fx_den is not None else []),
                *extra,
            ]
        )
        return f"CREATE OR REPLACE TEMP {'VIEW' if view else 'TABLE'} v AS SELECT {columns} FROM ({inner})"

    def udf_names(self) -> list[tuple[str, Condition, list[str]]]:
        return [(name, cond, sorted(names_of(cond.expr))) for name, cond in self.python_conditions]

    # -- measures -----------------------------------------------------------------------------------

    def measures_sql(self) -> str:
        parts = []
        for measure in self.plan.measures.values():
            cond = self.cond(measure.where)
            if measure.kind.value == "sum":
                parts.append(f"SUM(CASE WHEN {cond} THEN amount ELSE 0 END)")
            else:
                parts.append(f"COUNT(DISTINCT CASE WHEN {cond} THEN ono END)")
        parts += [
            "SUM(ABS(amount))",
            "MAX(ABS(amount))",
            "MIN(LEAST(seq, tie))",
            "MAX(GREATEST(seq, tie))",
            "MAX(level)",
            "MAX(ono)",
            "MAX(YEAR(day))",
        ]
        return f"SELECT payee, pidx, {', '.join(parts)} FROM v GROUP BY payee, pidx"

    # -- commission ---------------------------------------------------------------------------------

    def commission_sql(
        self,
        index: int,
        cid: int,
        comp: Commission,
        wide: bool,
        exact: bool,
        target: int | None,
        packed: bool,
        span: int = 1,
    ) -> str:
        """Lines of one commission; `target` is the asked period's index when no earlier period is needed
        (then payee terms join after the running sums, which keeps the sorted rows narrow); marginal tiers
        sum credits in buckets of `span` days (see marginal.py)."""
        plan = self.plan
        measure = plan.measures[comp.measure]
        catalog = self.catalogs[index]
        year = measure.accumulate is Accumulation.YEAR
        tiers = comp.table.tiers if comp.table else ()
        on_attainment = comp.table is not None and comp.table.basis is TierBasis.ATTAINMENT
        terms = f", e.w{index} AS withheld" + (
            "".join(f", e.e{index}_{t.index} AS lo_{t.index}" for t in tiers) if on_attainment else ""
        )
        slot = "v.slot_" + str(index) if comp.lookup is not None else "0"
        columns = "v.payee, v.day, v.ono, v.role, v.level, v.seq, v.tie, v.share_src, v.amount"
        where = f"{self.cond(measure.where)} AND {self.cond(comp.where)}"
        if target is None:
            src = (
                f"SELECT {columns}, e.pno, {'v.pidx < e.pno' if year else 'FALSE'} AS early, {slot} AS slot"
                f"{terms} FROM v JOIN evals_src e ON v.payee = e.payee AND "
                f"{'v.pidx <= e.pno' if year else 'v.pidx = e.pno'} WHERE {where}"
            )

            def attach(sql: str) -> str:
                return sql

        else:
            # Constants and payee terms join after the running sums: the window then sorts fewer columns.
            lookup = f", {slot} AS slot" if comp.lookup is not None else ""
            src = f"SELECT {columns}{lookup} FROM v WHERE v.pidx = {target} AND {where}"
            constants = f"{target} AS pno, FALSE AS early" + ("" if lookup else ", 0 AS slot")
            needs_terms = on_attainment or comp.accelerator_gate is not None

            def attach(sql: str) -> str:
                if not needs_terms:
                    return f"SELECT *, {constants}, 0 AS withheld FROM ({sql})"
                return f"SELECT x.*, {constants}{terms} FROM ({sql}) x JOIN evals_src e ON x.payee = e.payee"

        lo = self._edges(comp)
        slots = catalog.slots
        partition = "payee, pno" if target is None else "payee"
        if comp.table is None:
            body = f"SELECT *, amount AS part, 0 AS tier, slot * 2 AS rate_id FROM ({attach(src)})"
        elif comp.table.method is TierMethod.RETROACTIVE:
            cases = []
            for t in reversed(tiers):
                hi = lo.get(t.index + 1)
                within = f"{lo[t.index]} <= total" + ("" if hi is None else f" AND total < {hi}")
                cases.append(f"WHEN {within} THEN {t.index}")
            reached = f"(CASE {' '.join(cases)} ELSE 1 END)"
            totals = attach(f"SELECT *, SUM(amount) OVER (PARTITION BY {partition}) AS total FROM ({src})")
            body = (
                f"SELECT *, amount AS part, tier, (tier * {slots} + slot) * 2 + withheld AS rate_id FROM "
                f"(SELECT *, {reached} AS tier FROM ({totals}))"
            )
        else:
            marginal = Marginal(
                tiers=tiers,
                lo=lo,
                slots=slots,
                sums="HUGEINT" if exact else "DOUBLE",
                order=PACKED if packed else ORDER,
                history=target is None,
                edge_columns=tuple(f"lo_{t.index}" for t in tiers) if on_attainment else (),
                slot="c.slot" if target is None or comp.lookup is not None else "0",
                span=1 if target is None else span,
            )
            body = marginal_sql(src, attach, marginal)
        part = "CAST(x.part AS HUGEINT)" if wide else "x.part"
        num, join = rate_num(catalog, "x.rate_id")
        amount = rounded(f"{part} * {num}", catalog.den, plan.rounding)
        return (
            f"INSERT INTO lines SELECT x.payee, x.pno, {cid}, {KIND_CODE['commission']}, x.early, "
            f"CAST({amount} AS BIGINT), x.day, x.ono, x.role, x.level, x.seq, x.tie, x.share_src, x.part, "
            f"x.tier, x.rate_id FROM ({body}) x{join}"
        )

    def _edges(self, comp: Commission) -> dict[int, str]:
        if comp.table is None:
            return {}
        tiers = comp.table.tiers
        if comp.table.basis is TierBasis.ATTAINMENT:
            return {t.index: f"lo_{t.index}" for t in tiers}
        cur = self.plan.currency
        out = {t.index: str(round_fraction(minor_of(t.lower, cur), _half_even())) for t in tiers}
        last = tiers[-1]
        if last.upper is not None:  # pragma: no cover - the compiler makes the last band open-ended
            out[last.index + 1] = str(round_fraction(minor_of(last.upper, cur), _half_even()))
        return out

    def order_limits_sql(self, cid: int, comp: Commission) -> str:
        cur = self.plan.currency
        low = None if comp.order_min is None else round_fraction(minor_of(comp.order_min, cur), _half_even())
        high = None if comp.order_max is None else round_fraction(minor_of(comp.order_max, cur), _half_even())
        below = "FALSE" if low is None else f"total < {low}"
        above = "FALSE" if high is None else f"total > {high}"
        return (
            f"INSERT INTO lines SELECT payee, pno, {cid}, CASE WHEN {below} THEN {KIND_CODE['order_min']} "
            f"ELSE {KIND_CODE['order_max']} END, early, CAST(CASE WHEN {below} THEN {low or 0} - total "
            f"ELSE {high or 0} - total END AS BIGINT), day, ono, role, level, seq, tie, share_src, "
            f"NULL, NULL, NULL FROM (SELECT payee, pno, early, day, ono, role, level, seq, MIN(tie) AS tie, "
            f"ARG_MIN(share_src, tie) AS share_src, SUM(amount) AS total FROM lines "
            f"WHERE comp = {cid} AND kind = 0 GROUP BY payee, pno, early, day, ono, role, level, seq) "
            f"WHERE {below} OR {above}"
        )

    # -- SPIFFs -------------------------------------------------------------------------------------

    def spiff_sql(self, cid: int, spiff: Spiff) -> str:
        cur, mode = self.plan.currency, self.plan.rounding
        if spiff.per_deal is not None:
            amount, basis, rate_id = str(round_fraction(minor_of(spiff.per_deal, cur), mode)), "NULL", "NULL"
        else:
            assert spiff.extra_rate is not None
            exponent = spiff.extra_rate.normalize().as_tuple().exponent
            assert isinstance(exponent, int)
            den = 10 ** max(-exponent, 0)
            num = int(spiff.extra_rate * den)
            amount = rounded(f"CAST(v.amount AS HUGEINT) * {num}", den, mode)
            basis, rate_id = "v.amount", "0"
        return (
            f"INSERT INTO lines SELECT v.payee, e.pno, {cid}, {KIND_CODE['spiff']}, FALSE, "
            f"CAST({amount} AS BIGINT), v.day, v.ono, v.role, v.level, v.seq, v.tie, v.share_src, "
            f"{basis}, NULL, {rate_id} FROM v JOIN evals_src e ON v.payee = e.payee AND v.pidx = e.pno "
            f"WHERE v.day >= {day(spiff.first_day)} AND v.day <= {day(spiff.last_day)} AND "
            f"{self.cond(spiff.where)}"
        )

    def lump_counts_sql(self, spiff: Spiff) -> str:
        return (
            f"SELECT payee, pidx, day > {day(spiff.last_day)} AS after_last, COUNT(DISTINCT ono) FROM v "
            f"WHERE day >= {day(spiff.first_day)} AND {self.cond(spiff.where)} GROUP BY payee, "
            "pidx, after_last"
        )


def _udf_argument(name: str) -> str:
    return {
        "amount": "amount",
        "order_amount": "order_amount",
        "share": "share_num",
        "rollup_level": "level",
        "credit_role": "role",
        "credit_date": "day",
    }.get(name, name)


def _half_even() -> RoundingMode:
    return RoundingMode.HALF_EVEN
