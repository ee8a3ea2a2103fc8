"""The fast engine's entry points: `run_period` over fact tables, and `evaluate_fast` (the reference's rows).

A run loads the facts into an in-process DuckDB, runs each plan's generated program (views, measure sums,
commission and SPIFF lines), then walks each payee's periods in Python on the aggregated totals (gates,
true-ups, caps). Per-credit lines stay in DuckDB until asked for, as objects or as an Arrow table.
"""

from __future__ import annotations

import contextlib
import gc
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

import pyarrow as pa

from attain.domain.calendar import Period
from attain.domain.errors import InvalidInput
from attain.domain.plans.model import (
    Accumulation,
    CompiledPlan,
    CreditRole,
    Spiff,
)
from attain.domain.plans.rounding import as_decimal
from attain.engine.inputs import CalculationInput, PlanAssignmentRow
from attain.engine.relational.assemble import PeriodOutcome, measure_results
from attain.engine.relational.crediting import direct_sql
from attain.engine.relational.facts import FactTables, fx_table, load
from attain.engine.relational.plan_run import PlanRun
from attain.engine.relational.sums import (
    PayeeKey,
    PayeeSums,
    needs_history,
    payee_key,
    settle,
)
from attain.engine.relational.terms import Index, MeasureValues, PayeeTerms
from attain.engine.relational.workspace import Workspace
from attain.engine.results import EarningLine, PayeeResult


@dataclass
class Payee:
    terms: PayeeTerms
    values: MeasureValues | None = None
    outcome: PeriodOutcome | None = None
    notes: dict[int, str] = field(default_factory=dict)  # accelerator-withheld note per component id


def select_payees(facts: FactTables, period: Period, index: Index) -> list[PayeeTerms]:
    """The payees of `period` in the reference's order (person, start, plan); a later duplicate replaces."""
    inp = facts.inputs
    chosen: dict[tuple[str, str, date], PlanAssignmentRow] = {}
    for a in sorted(inp.assignments, key=attrgetter("person_id", "valid_from", "plan_key")):
        plan = inp.plans.get(a.plan_key)
        if plan is None:
            raise InvalidInput(
                f"{a.person_id} is assigned plan '{a.plan_key}', which is not given",
                hint="compile and pass every assigned plan",
            )
        overlaps = a.valid_from < period.end and (a.valid_to is None or a.valid_to >= period.start)
        if plan.period is period.kind and overlaps:
            chosen[(a.person_id, a.plan_key, a.valid_from)] = a
    return [
        PayeeTerms(index, number, inp.plans[a.plan_key], a, period)
        for number, a in enumerate(chosen.values())
    ]


# Rows of the lines table as `PeriodRun.explain` reads them, and the reference's order of per-credit lines
# within one payee's component.
LINE_COLUMNS = "payee, comp, kind, amount, day, ono, role, level, seq, share_src, basis, tier, rate_id"
LINE_ORDER = "day, ono, role, level, seq, CASE WHEN kind >= 2 THEN 1 ELSE 0 END, tier, tie"
RATE_NAMES = pa.schema([("comp", pa.int32()), ("rate_id", pa.int32()), ("rate", pa.string())])


@contextlib.contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a run builds its per-payee objects.

    A run makes tens of thousands of small objects (terms, sums, outcomes) and none of them form cycles,
    yet each generation-2 collection walks every live object of the process: with 10,000 payees that
    doubled the per-payee Python time (measured; see benchmarks/RESULTS.md). Reference counting still
    frees everything; the collector's state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class PeriodRun:
    """The outcome of one period's calculation: payee headers in Python, per-credit lines in DuckDB."""

    def __init__(self, facts: FactTables, period: Period, workspace: Workspace | None = None) -> None:
        self.facts, self.period = facts, period
        with cycle_collection_paused():
            self._calculate(workspace)

    def _calculate(self, workspace: Workspace | None) -> None:
        facts, period = self.facts, self.period
        inp = facts.inputs
        self.index = Index(inp)
        self.payees = [Payee(t) for t in select_payees(facts, period, self.index)]
        self._owned = workspace is None
        self.workspace = workspace or Workspace()
        self.con = self.workspace.con
        plans = {p.terms.plan.key: p.terms.plan for p in self.payees}
        levels = max((p.crediting.rollup_levels for p in plans.values()), default=0)
        self.loaded = load(self.con, facts, levels)
        self.workspace.create_lines()
        with_splits = facts.has_splits
        currencies = {r[0] for r in self.con.execute("SELECT DISTINCT currency FROM orders_src").fetchall()}
        self.components: list[tuple[CompiledPlan, int]] = []  # component id -> (plan, index in plan)
        self.runs: dict[str, PlanRun] = {}
        by_plan: dict[str, list[Payee]] = defaultdict(list)
        for p in self.payees:
            by_plan[p.terms.plan.key].append(p)
        runs: list[tuple[PlanRun, pa.Table | None]] = []
        for key in sorted(by_plan):
            plan = plans[key]
            fx, fx_den = fx_table(inp, plan.currency) if currencies - {plan.currency} else (None, None)
            first = len(self.components)
            self.components.extend((plan, i) for i in range(len(plan.components)))
            run = PlanRun(self.con, plan, period, by_plan[key], first, with_splits, fx_den, self.loaded)
            run.add_lines = self.workspace.add_lines
            run.credits_as_view = self.workspace.credits_as_views
            runs.append((run, fx))
            self.runs[key] = run
        self._share_direct_credits([run for run, _ in runs], with_splits)
        sharing = [run for run, _ in runs if run.program.shared is not None]
        for run, fx in runs:
            if fx is not None:
                self.con.register("fx_src", fx)
            # The shared direct credits go as soon as the last plan reading them has its own credits.
            run.execute(needs_history(run.plan), release="direct_src" if sharing[-1:] == [run] else None)
        self.con.execute("DROP TABLE IF EXISTS direct_src")
        self._sums: dict[PayeeKey, PayeeSums] = {}
        for p in self.payees:
            sums = _sums(p, self.runs[p.terms.plan.key])
            self._sums[payee_key(p.terms)] = sums
            p.values, p.outcome = settle(p.terms, sums)

    def _share_direct_credits(self, runs: list[PlanRun], with_splits: bool) -> None:
        """Direct credits feed every plan crediting sellers or their managers: compute them once."""
        needing = [r for r in runs if r.plan.crediting.roles & {CreditRole.DIRECT, CreditRole.ROLLUP}]
        if len(needing) < 2:
            return
        fields = sorted(set().union(*(r.program.fields for r in needing)))
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE direct_src AS {direct_sql(fields, with_splits)}")
        for r in needing:
            r.program.shared = "direct_src"

    # -- reading the outcome ------------------------------------------------------------------------

    def totals(self) -> dict[tuple[str, str, date], int]:
        """Each payee's total for the period, by (person, plan, assignment start)."""
        out = {}
        for p in self.payees:
            assert p.outcome is not None
            a = p.terms.assignment
            out[(a.person_id, a.plan_key, a.valid_from)] = p.outcome.total
        return out

    def sums(self) -> dict[PayeeKey, PayeeSums]:
        """Each payee's sums (by person, plan, assignment start): what its outcome was settled from."""
        return dict(self._sums)

    def line_count(self) -> int:
        # fetchall: a result left half-read would block the next run in a shared workspace.
        [(count,)] = self.con.execute(
            f"SELECT COUNT(*) FROM lines WHERE pno = {self.target_pno()} AND NOT early"
        ).fetchall()
        return int(count)

    def target_pno(self) -> int:
        if not self.payees:
            return 0
        return self.payees[0].terms.year.index(self.period)

    def lines_arrow(self) -> pa.Table:
        """The per-credit lines of the period (commission, SPIFF, per-order limits): payee, component,
        amount and explanation columns (share as a decimal, rate as the plan writes it)."""
        names = pa.table(
            {
                "payee": [p.terms.number for p in self.payees],
                "person_id": [p.terms.assignment.person_id for p in self.payees],
                "plan": [p.terms.plan.key for p in self.payees],
            }
        )
        comps = pa.table(
            {
                "comp": list(range(len(self.components))),
                "component": [plan.components[i].key for plan, i in self.components],
            }
        )
        rates: dict[str, list[object]] = {"comp": [], "rate_id": [], "rate": []}
        for cid, (plan, i) in enumerate(self.components):
            comp = plan.components[i]
            catalog = self.runs[plan.key].program.catalogs.get(i)
            known = catalog.rates if catalog else {0: comp.extra_rate if isinstance(comp, Spiff) else None}
            for rate_id, rate in known.items():
                if rate is not None:
                    rates["comp"].append(cid)
                    rates["rate_id"].append(rate_id)
                    rates["rate"].append(str(rate))
        self.con.register("payee_names", names)
        self.con.register("component_names", comps)
        self.con.register("rate_names", pa.table(rates, schema=RATE_NAMES))
        share = "CAST(1 AS DECIMAL(18, 9))"
        shares = ""
        if self.facts.has_splits:
            share = "COALESCE(CAST(s.share AS DECIMAL(18, 9)), 1)"
            shares = "LEFT JOIN splits_arrow s ON l.share_src = s.ord "
        return self.con.sql(
            "SELECT n.person_id, n.plan, c.component, CASE l.kind WHEN 0 THEN 'commission' WHEN 1 "
            "THEN 'spiff' WHEN 2 THEN 'order_min' ELSE 'order_max' END AS kind, l.amount, "
            "l.day AS credit_date, o.order_id, CASE l.role WHEN 0 THEN 'direct' WHEN 1 THEN 'overlay' "
            "WHEN 2 THEN 'rollup' ELSE 'territory' END AS credit_role, "
            "CAST(l.level AS INTEGER) AS rollup_level, "
            f"l.seq AS split_sequence, {share} AS share, l.basis, "
            "CAST(NULLIF(l.tier, 0) AS INTEGER) AS tier, r.rate "
            "FROM lines l JOIN payee_names n ON l.payee = n.payee JOIN component_names c ON l.comp = c.comp "
            "JOIN orders_src o ON l.ono = o.ono LEFT JOIN rate_names r ON l.comp = r.comp AND "
            f"l.rate_id = r.rate_id {shares}WHERE l.pno = {self.target_pno()} AND NOT l.early"
        ).to_arrow_table()

    def order_lines(self, order_id: str) -> list[EarningLine]:
        """The explained lines of one order, in payee and line order."""
        found = self.con.execute("SELECT ono FROM orders_src WHERE order_id = ?", [order_id]).fetchall()
        if not found:
            return []
        lines = self._credit_lines(f" AND ono = {int(found[0][0])}")
        return [
            line for payee in sorted(lines) for comp in sorted(lines[payee]) for line in lines[payee][comp]
        ]

    def _credit_lines(self, where: str) -> dict[int, dict[int, list[EarningLine]]]:
        detailed: dict[int, dict[int, list[EarningLine]]] = defaultdict(lambda: defaultdict(list))
        rows = self.con.execute(
            f"SELECT {LINE_COLUMNS} FROM lines WHERE pno = {self.target_pno()} AND NOT early{where} "
            f"ORDER BY payee, comp, {LINE_ORDER}"
        ).fetchall()
        ids = self.loaded.order_ids([r[5] for r in rows])
        lines = self.explain(rows, ids, self.shares([r[9] for r in rows]))
        for row, line in zip(rows, lines, strict=True):
            detailed[row[0]][row[1]].append(line)
        return detailed

    def shares(self, positions: list[int]) -> dict[int, Decimal]:
        """The shares of the splits at these input positions (negative ones, for no split, are left out)."""
        given = self.facts.inputs.splits
        wanted = sorted({i for i in positions if i >= 0})
        return {i: given[i].share for i in wanted} if given else self.loaded.shares(wanted)

    def explain(
        self, rows: list[tuple[Any, ...]], order_ids: list[str], shares: dict[int, Decimal]
    ) -> list[EarningLine]:
        """Rows of the lines table (LINE_COLUMNS) as explained lines, given their orders' ids and their
        splits' shares (see `shares`)."""
        by_number = {p.terms.number: p for p in self.payees}
        out = []
        for row, order_id in zip(rows, order_ids, strict=True):
            payee, comp, kind, amount, day, _, role, level, seq, share_src, basis, tier, rate_id = row
            plan, i = self.components[comp]
            share = shares[share_src] if share_src >= 0 else Decimal(1)
            line = self.runs[plan.key].line(
                by_number[payee],
                i,
                kind,
                amount,
                day,
                order_id,
                role,
                level,
                seq,
                share,
                basis,
                tier,
                rate_id,
            )
            out.append(line)
        return out

    def results(self) -> list[PayeeResult]:
        """Every payee's result with its explained lines, exactly as the reference evaluator gives them."""
        detailed = self._credit_lines("")
        out = []
        for p in self.payees:
            assert p.outcome is not None
            plan = p.terms.plan
            lines: list[EarningLine] = []
            first = self.runs[plan.key].first
            for i, part in enumerate(p.outcome.components):
                lines.extend(detailed[p.terms.number][first + i])
                lines.extend(part.lines)
            if p.outcome.plan_cap is not None:
                lines.append(p.outcome.plan_cap)
            out.append(_header(p, tuple(lines)))
        return out

    def close(self) -> None:
        if self._owned:
            self.workspace.close()


def _header(p: Payee, lines: tuple[EarningLine, ...]) -> PayeeResult:
    terms, target = p.terms, p.terms.target
    assert p.values is not None
    return PayeeResult(
        person_id=terms.assignment.person_id,
        plan_key=terms.plan.key,
        period_key=target.key,
        currency=terms.plan.currency,
        proration=as_decimal(terms.proration(target)),
        target_incentive=int(terms.target_incentive(target, Accumulation.PERIOD)),
        measures=measure_results(p.values, target),
        lines=lines,
    )


def _sums(p: Payee, run: PlanRun) -> PayeeSums:
    """A payee's sums as its plan's program aggregated them: of every period of the fiscal year up to the
    target when the plan reads earlier periods, else of the target period only (nothing else counts)."""
    terms = p.terms
    number = terms.number
    values = run.values[number].per_period
    every = run.reads_earlier
    target = terms.pno(terms.target)
    here = terms.target.start
    return PayeeSums(
        {(k, period.start): v for (k, period), v in values.items() if v and (every or period.start == here)},
        {k: v for k, v in run.totals.get(number, {}).items() if v != (0, 0) and (every or k[0] == target)},
        {k: v for k, v in run.lumps.get(number, {}).items() if v and (every or k[1] == target)},
    )


def run_period(facts: FactTables, period: Period, workspace: Workspace | None = None) -> PeriodRun:
    """Calculate `period` for every payee over `facts`; read the outcome with .results() or .lines_arrow()."""
    return PeriodRun(facts, period, workspace)


def evaluate_fast(inp: CalculationInput, period: Period) -> list[PayeeResult]:
    """The fast engine's `evaluate`: exactly the reference evaluator's rows, in its order."""
    run = run_period(FactTables.from_input(inp), period)
    try:
        return run.results()
    finally:
        run.close()
