"""Running one plan's program for its payees: sources, views, measure sums, tier edges, lines and totals.

Tier edges on attainment and accelerator decisions need each payee's quota and measure values, so a plan runs
in two passes: measure sums first, then (with edges and gates computed in Python per payee and period) the
commission and SPIFF lines. The rows of an asked period come back as EarningLine objects only on request.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from duckdb import sqltypes
from duckdb.func import FunctionNullHandling

from attain.domain.calendar import Period
from attain.domain.errors import InvalidInput
from attain.domain.plans.evaluation import evaluate_condition
from attain.domain.plans.model import (
    Commission,
    CompiledPlan,
    Condition,
    RoundingMode,
    Spiff,
    TierBasis,
    TierMethod,
)
from attain.domain.plans.rounding import as_decimal, major_of, round_ratio
from attain.engine.relational.crediting import SHARE_ONE
from attain.engine.relational.facts import Loaded
from attain.engine.relational.program import KIND_CODE, PlanProgram
from attain.engine.relational.sqltext import ROLE_NAMES
from attain.engine.relational.sums import reads_earlier_periods
from attain.engine.relational.terms import MeasureValues, PayeeTerms, exact
from attain.engine.results import EarningLine

if TYPE_CHECKING:
    from attain.engine.relational.engine import Payee

EXACT_DOUBLE = 2**53
BUCKET_CREDITS = 16
WIDE = 2**63
KIND_NAME = {v: k for k, v in KIND_CODE.items()}
UDF_TYPES = {
    "amount": sqltypes.BIGINT,
    "order_amount": sqltypes.BIGINT,
    "share": sqltypes.BIGINT,
    "rollup_level": sqltypes.INTEGER,
    "credit_role": sqltypes.INTEGER,
    "credit_date": sqltypes.DATE,
    "booked_on": sqltypes.DATE,
    "invoiced_on": sqltypes.DATE,
    "paid_on": sqltypes.DATE,
}


def _packable(low: int, high: int, level: int, ono: int, year: int) -> bool:
    """Whether the total key fits the packed sort key's bits (see program.PACKED)."""
    return low >= 0 and high < 2**24 and level < 2**8 and ono < 2**40 and year < 20000


class PlanRun:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        plan: CompiledPlan,
        period: Period,
        payees: list[Payee],
        first: int,
        with_splits: bool,
        fx_den: int | None,
        loaded: Loaded,
    ) -> None:
        self.loaded = loaded
        self.con, self.plan, self.period, self.payees, self.first = con, plan, period, payees, first
        cal = payees[0].terms.index.calendar
        self.fy_start = cal.year_start(cal.fiscal_year_of(period.start))
        self.program = PlanProgram(plan, self.fy_start, with_splits, fx_den)
        # Runs the program's INSERT INTO lines statements (the workspace may keep lines on disk).
        self.add_lines: Callable[[str], object] = con.execute
        # Credits that at most two statements read may stay a view, computed as they are read, instead of a
        # table (a 100 M-order roll-up: 330 M rows that would spill); the workspace decides.
        self.credits_as_view = False
        self.reads_earlier = reads_earlier_periods(plan)
        self.values: dict[int, MeasureValues] = {}
        # Per payee number: (raw, early) per (period index, component index in the plan), and lump-sum
        # SPIFF counts per (component index, period index, after the SPIFF's last day).
        self.totals: dict[int, dict[tuple[int, int], tuple[int, int]]] = defaultdict(dict)
        self.lumps: dict[int, dict[tuple[int, int, bool], int]] = defaultdict(dict)

    def execute(self, history: bool, release: str | None = None) -> None:
        """Run the plan's program; `release` names a table to drop once the plan's credits are made."""
        self.history = history
        con, plan, program = self.con, self.plan, self.program
        terms = [p.terms for p in self.payees]
        con.register(
            "payees_src",
            pa.table(
                {
                    "payee": [t.number for t in terms],
                    "person_id": [t.assignment.person_id for t in terms],
                    "lo": [max(t.year[0].start, t.active.start) for t in terms],
                    "hi": [min(t.target.end, t.active.end) for t in terms],
                },
                schema=pa.schema(
                    [
                        ("payee", pa.int32()),
                        ("person_id", pa.string()),
                        ("lo", pa.date32()),
                        ("hi", pa.date32()),
                    ]
                ),
            ),
        )
        for name, cond, fields in program.udf_names():
            self._register_condition(name, cond, fields)
        as_view = self.credits_as_view and self._credit_reads() <= 2 and not program.python_conditions
        if self.credits_as_view:
            self._drop_credits()  # a failed earlier run may have left them, as a table or a view
        con.execute(program.views_sql(view=as_view))
        if release is not None and not as_view:  # a view still reads the released table: later
            con.execute(f"DROP TABLE IF EXISTS {release}")
        if program.fx_den is not None:
            missing = con.execute(
                "SELECT currency, day FROM v WHERE amount IS NULL ORDER BY day, ono LIMIT 1"
            ).fetchone()
            if missing is not None:
                raise InvalidInput(
                    f"no {missing[0]}->{plan.currency} exchange rate on or before {missing[1]}",
                    hint=f"import an exchange_rate row from {missing[0]} to {plan.currency} dated on or "
                    f"before {missing[1]}",
                )
        self._measures(terms)
        self._evals(history)
        self._lines()
        # The plan's credits are in its lines now; freeing them before the next plan runs keeps a 10 M-order
        # run inside the workspace's memory limit instead of spilling to disk.
        con.execute("DROP VIEW IF EXISTS v" if as_view else "DROP TABLE IF EXISTS v")
        if release is not None and as_view:
            con.execute(f"DROP TABLE IF EXISTS {release}")

    def _credit_reads(self) -> int:
        """How many statements read the plan's credits `v`: measures, then each commission (marginal tiers
        read them three times and count them once) and SPIFF, and the exchange-rate check."""
        reads = 1 + (self.program.fx_den is not None)
        for comp in self.plan.components:
            if isinstance(comp, Commission):
                marginal = comp.table is not None and comp.table.method is TierMethod.MARGINAL
                reads += 4 if marginal else 1
            elif isinstance(comp, Spiff):
                reads += 1
        return reads

    def _drop_credits(self) -> None:
        found = self.con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'v' "
            "AND table_schema = 'main' AND table_catalog = 'temp'"
        ).fetchall()
        if found:
            self.con.execute("DROP VIEW v" if found[0][0] == "VIEW" else "DROP TABLE v")

    def _register_condition(self, name: str, cond: Condition, fields: list[str]) -> None:
        currency = self.plan.currency

        def check(*args: Any) -> bool:
            env: dict[str, Any] = {}
            for field, value in zip(fields, args, strict=True):
                if field in ("amount", "order_amount"):
                    env[field] = major_of(value, currency)
                elif field == "share":
                    env[field] = Fraction(value, SHARE_ONE)
                elif field == "rollup_level":
                    env[field] = Fraction(value)
                elif field == "credit_role":
                    env[field] = ROLE_NAMES[value]
                else:
                    env[field] = value
            return evaluate_condition(cond.expr, env)

        with contextlib.suppress(duckdb.InvalidInputException):
            self.con.remove_function(name)
        types: list[Any] = [UDF_TYPES.get(f, sqltypes.VARCHAR) for f in fields]
        self.con.create_function(
            name, check, types, sqltypes.BOOLEAN, null_handling=FunctionNullHandling.SPECIAL
        )

    def _measures(self, terms: list[PayeeTerms]) -> None:
        measures = list(self.plan.measures.values())
        per_payee: dict[int, dict[tuple[str, Period], int]] = defaultdict(dict)
        self.abs_total: dict[int, int] = defaultdict(int)
        self.packable = True
        by_number = {t.number: t for t in terms}
        for row in self.con.execute(self.program.measures_sql()).fetchall():
            payee, pidx = row[0], row[1]
            t = by_number[payee]
            for m, value in zip(measures, row[2 : 2 + len(measures)], strict=True):
                per_payee[payee][(m.key, t.year[pidx])] = int(value)
            self.abs_total[payee] += int(row[-7])
            low, high, level, ono, year = row[-5:]
            self.packable = self.packable and _packable(low, high, level, ono, year)
        for t in terms:
            self.values[t.number] = MeasureValues(t, per_payee.get(t.number, {}))

    def _evals(self, history: bool) -> None:
        """Tier edges and accelerator decisions per payee and period, for the program and the explanations."""
        rows: dict[str, list[Any]] = defaultdict(list)
        commissions = [(i, c) for i, c in enumerate(self.plan.components) if isinstance(c, Commission)]
        # Each tier's lower bound as (column, numerator, denominator): the edge is quota x bound, rounded.
        lowers = {
            i: [
                (f"e{i}_{t.index}", exact(t.lower).numerator, exact(t.lower).denominator)
                for t in (c.table.tiers if c.table is not None else ())
            ]
            for i, c in commissions
        }
        for p in self.payees:
            t, values = p.terms, self.values[p.terms.number]
            for period in t.evaluated:
                edges: dict[str, int] = {}
                withheld: dict[int, int] = {}
                for i, comp in commissions:
                    withheld[i] = 0
                    if comp.table is None:
                        continue
                    measure = self.plan.measures[comp.measure]
                    if comp.table.basis is TierBasis.ATTAINMENT:
                        quota = t.quota(measure, period, measure.accumulate)
                        assert quota is not None
                        if quota <= 0:
                            raise InvalidInput(
                                f"the '{comp.measure}' quota of {t.assignment.person_id} is not above zero"
                            )
                        q_num, q_den = quota.numerator, quota.denominator
                        for name, num, den in lowers[i]:
                            edges[name] = round_ratio(q_num * num, q_den * den, RoundingMode.HALF_EVEN)
                    gate = comp.accelerator_gate
                    if gate is not None:
                        attained = values.attainment(self.plan.measures[gate.measure], period, gate.window)
                        assert attained is not None
                        if attained < exact(gate.minimum):
                            withheld[i] = 1
                            if t.is_target(period):
                                p.notes[i] = (
                                    f"accelerator withheld: {gate.measure} {gate.window} attainment "
                                    f"{as_decimal(attained)} < {gate.minimum}"
                                )
                if not history and not t.is_target(period):
                    continue
                rows["payee"].append(t.number)
                rows["pno"].append(t.pno(period))
                for i, _ in commissions:
                    rows[f"w{i}"].append(withheld[i])
                for key, value in edges.items():
                    rows[key].append(value)
        if not rows:
            rows = {"payee": [], "pno": []}
            for i, _ in commissions:
                rows[f"w{i}"] = []
        self.con.register("evals_src", pa.table(rows))

    def _lines(self) -> None:
        con, plan, program = self.con, self.plan, self.program
        biggest = max(self.abs_total.values(), default=0)
        for i, comp in enumerate(plan.components):
            cid = self.first + i
            if isinstance(comp, Commission):
                catalog = program.catalogs[i]
                con.register(
                    "rates_src",
                    pa.table(
                        {"rate_id": list(catalog.rates), "num": [catalog.num(r) for r in catalog.rates]},
                        schema=pa.schema([("rate_id", pa.int32()), ("num", pa.int64())]),
                    ),
                )
                top = max((abs(catalog.num(r) or 0) for r in catalog.rates), default=0)
                wide = biggest * max(top, 1) >= WIDE
                target = None if self.history else self.payees[0].terms.year.index(self.period)
                exact = biggest >= EXACT_DOUBLE
                marginal = comp.table is not None and comp.table.method is TierMethod.MARGINAL
                self.add_lines(
                    program.commission_sql(
                        i,
                        cid,
                        comp,
                        wide=wide,
                        exact=exact,
                        target=target,
                        packed=self.packable,
                        span=self._bucket_days() if marginal and target is not None else 1,
                    )
                )
                if any(r is None for r in catalog.rates.values()):
                    bad = con.execute(
                        f"SELECT ono FROM lines WHERE comp = {cid} AND amount IS NULL ORDER BY "
                        "day, ono LIMIT 1"
                    ).fetchone()
                    if bad is not None:
                        assert comp.lookup is not None
                        raise InvalidInput(
                            f"order {self.loaded.order_ids([bad[0]])[0]}: no {comp.lookup.field} rate "
                            f"in '{comp.key}'",
                            hint="add it to rate_by.rates or give rate_by.default",
                        )
                if comp.order_min is not None or comp.order_max is not None:
                    self.add_lines(program.order_limits_sql(cid, comp))
            elif isinstance(comp, Spiff):
                if comp.lump_sum is None:
                    self.add_lines(program.spiff_sql(cid, comp))
                else:
                    for payee, pidx, late, n in con.execute(program.lump_counts_sql(comp)).fetchall():
                        self.lumps[payee][(i, pidx, bool(late))] = int(n)
        ids = ", ".join(str(self.first + i) for i in range(len(plan.components)))
        for payee, pno, comp, total, early in con.execute(
            "SELECT payee, pno, comp, SUM(amount), SUM(CASE WHEN early THEN amount ELSE 0 END) FROM lines "
            f"WHERE comp IN ({ids}) GROUP BY payee, pno, comp"
        ).fetchall():
            self.totals[payee][(pno, comp - self.first)] = (int(total), int(early))

    def _bucket_days(self) -> int:
        """Days per bucket of marginal tiers: about 16 credits a bucket, so summing them pays off even when
        each payee has only a few credits a day (more buckets touch an edge then, but they are small)."""
        row = self.con.execute("SELECT COUNT(*) FROM v").fetchone()
        credits = int(row[0]) if row else 0
        days = self.period.days
        return max(1, min(days, -(-BUCKET_CREDITS * len(self.payees) * days // max(credits, 1))))

    def line(
        self,
        payee: Payee,
        i: int,
        kind: int,
        amount: int,
        day: date,
        order_id: str,
        role: int,
        level: int,
        seq: int,
        share: Decimal,
        basis: int | None,
        tier: int | None,
        rate_id: int | None,
    ) -> EarningLine:
        comp = self.plan.components[i]
        name = KIND_NAME[kind]
        role_name = ROLE_NAMES[role]
        rate: Decimal | None = None
        note = ""
        if name == "commission":
            assert isinstance(comp, Commission)
            assert rate_id is not None
            rate = self.program.catalogs[i].rates[rate_id]
            if tier and rate_id % 2 and comp.table is not None and comp.table.tiers[tier - 1].accelerator:
                note = payee.notes.get(i, "")
            tier = tier or None
        elif name == "spiff":
            assert isinstance(comp, Spiff)
            rate = comp.extra_rate
            note = f"per deal {comp.per_deal}" if comp.per_deal is not None else f"extra {comp.extra_rate}"
        else:
            assert isinstance(comp, Commission)
            limit = comp.order_min if name == "order_min" else comp.order_max
            note = f"per-order {'minimum' if name == 'order_min' else 'maximum'} {limit}"
        return EarningLine(
            component=comp.key,
            kind=name,
            amount=amount,
            order_id=order_id,
            credit_date=day,
            credit_role=role_name,
            rollup_level=level,
            split_sequence=seq,
            share=share,
            basis=basis,
            tier=tier,
            rate=rate,
            note=note,
        )
