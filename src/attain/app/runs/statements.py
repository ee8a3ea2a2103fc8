"""Statements and explanations: a person's period, line by line, from the current results of the period.

A statement lists each plan's measures, earning lines (with what each came from) and payout lines; its
earnings equal the sum of its earning lines and its payout the sum of its payout lines. `explain_text`
renders the same data as plain text; `as_data` as JSON-ready data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from attain.app.runs.calculate import calendar_and_periods
from attain.app.runs.inputs import compile_version, find_period
from attain.app.runs.ports import LineRecord, PayeeRecord, PayStore, PayTransaction
from attain.app.runs.records import EARNING, PAYOUT
from attain.domain.errors import NotFound
from attain.domain.money import from_minor, minor_exponent
from attain.domain.plans.model import MeasureKind
from attain.engine.results import MeasureResult


@dataclass(frozen=True, slots=True)
class PlanStatement:
    plan_key: str
    run_id: int
    currency: str
    proration: Decimal
    target_incentive: int
    measures: tuple[MeasureResult, ...]
    earning_lines: tuple[LineRecord, ...]
    payout_lines: tuple[LineRecord, ...]
    earnings: int
    payout: int
    balance: int
    counts: frozenset[str] = frozenset()  # measures that count orders; the others are amounts

    def measure_value(self, m: MeasureResult) -> tuple[str, str]:
        """(value, quota) as text: amounts in the plan currency, counts as numbers."""
        if m.measure in self.counts:
            return str(m.value), "" if m.quota is None else f"{m.quota.normalize():f}"
        quota = "" if m.quota is None else money(int(m.quota), self.currency)
        return money(m.value, self.currency), quota


@dataclass(frozen=True, slots=True)
class Statement:
    person: str
    name: str
    person_id: int
    period_key: str
    final: bool  # the period is closed: these are the posted results
    plans: tuple[PlanStatement, ...]

    @property
    def totals(self) -> dict[str, tuple[int, int]]:
        """Per currency: (earnings, payout)."""
        out: dict[str, tuple[int, int]] = {}
        for p in self.plans:
            e, pay = out.get(p.currency, (0, 0))
            out[p.currency] = (e + p.earnings, pay + p.payout)
        return out


def plan_statement(p: PayeeRecord, counts: frozenset[str] = frozenset()) -> PlanStatement:
    return PlanStatement(
        counts=counts,
        plan_key=p.plan_key,
        run_id=p.run_id,
        currency=p.currency,
        proration=p.proration,
        target_incentive=p.target_incentive,
        measures=p.measures,
        earning_lines=tuple(line for line in p.lines if line.section == EARNING),
        payout_lines=tuple(line for line in p.lines if line.section == PAYOUT),
        earnings=p.earnings,
        payout=p.payout,
        balance=p.balance,
    )


def statement(store: PayStore, person: str, period_key: str) -> Statement:
    """`person`'s statement for `period_key` from the current results (NotFound when there are none)."""
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        ids = tx.pay_inputs.person_ids()
        if person not in ids:
            raise NotFound(f"person {person} not found", hint="name people by their external id")
        payees = tx.runs.payees(period_ids=[target.id], person_ids=[ids[person]])
        counts = count_measures(tx, payees)
    if not payees:
        raise NotFound(
            f"{person} has no results in {target.period.key}",
            hint=f"run `attain run {target.period.key}`, or check {person}'s plan assignments",
        )
    return Statement(
        person=person,
        name=payees[0].name,
        person_id=ids[person],
        period_key=target.period.key,
        final=target.status == "closed",
        plans=tuple(plan_statement(p, counts.get(p.plan_version_id or 0, frozenset())) for p in payees),
    )


def count_measures(tx: PayTransaction, payees: Sequence[PayeeRecord]) -> dict[int, frozenset[str]]:
    """Per plan version: the measures that count orders (read from the compiled plan)."""
    ids = sorted({p.plan_version_id for p in payees if p.plan_version_id is not None})
    out = {}
    for v in tx.pay_inputs.plan_versions(ids):
        plan = compile_version(v)
        out[v.id] = frozenset(k for k, m in plan.measures.items() if m.kind is MeasureKind.COUNT)
    return out


def statements_of(store: PayStore, person_id: int) -> list[dict[str, Any]]:
    """Every period with current results for a person: key, status, payout per currency (newest first)."""
    with store.transaction() as tx:
        _, periods = calendar_and_periods(tx)
        by_id = {p.id: p for p in periods}
        payees = tx.runs.payees(period_ids=list(by_id), person_ids=[person_id])
    out: dict[str, dict[str, Any]] = {}
    for p in payees:
        period = next(x for x in by_id.values() if x.period.key == p.period_key)
        row = out.setdefault(
            p.period_key, {"period": p.period_key, "final": period.status == "closed", "payout": {}}
        )
        row["payout"][p.currency] = row["payout"].get(p.currency, 0) + p.payout
    return sorted(out.values(), key=lambda r: str(r["period"]), reverse=True)


def money(amount: int, currency: str) -> str:
    return f"{from_minor(amount, currency):,.{minor_exponent(currency)}f}"


def line_text(line: LineRecord, currency: str) -> str:
    """One line's explanation in words: what it came from and how it was computed."""
    x = line.explanation
    parts: list[str] = []
    order = x.get("order")
    if isinstance(order, dict):
        what = [f"order {order.get('id')}", f"booked {order.get('booked_on')}"]
        if order.get("product"):
            what.append(f"{order.get('product')} ({order.get('product_family') or '-'})")
        unit = str(order.get("currency", currency))
        what.append(f"{money(int(order.get('amount', 0)), unit)} {unit}")
        parts.append(", ".join(what))
    if "credit_role" in x:
        role = str(x["credit_role"])
        if x.get("rollup_level"):
            role += f" level {x['rollup_level']}"
        parts.append(
            f"credit {role} share {Decimal(str(x.get('share', '1'))) * 100:g}% on {x.get('credit_date')}"
        )
    if "basis" in x:
        parts.append(f"on {money(int(x['basis']), currency)}")
    if "tier" in x:
        parts.append(f"tier {x['tier']}")
    if "rate" in x:
        parts.append(f"rate {Decimal(str(x['rate'])) * 100:g}%")
    if "attainment" in x:
        parts.append(f"attainment {Decimal(str(x['attainment'])) * 100:.2f}%")
    if x.get("note"):
        parts.append(str(x["note"]))
    if line.section == PAYOUT:
        parts.extend(f"{k} {v}" for k, v in x.items() if k != "note")
    return "; ".join(parts)


def explain_text(s: Statement) -> str:
    """The statement as plain text: every line with its explanation, and the totals that add them up."""
    status = "final (period closed)" if s.final else "provisional (period open)"
    out = [f"{s.name} ({s.person}), {s.period_key}: {status}"]
    for p in s.plans:
        out.append("")
        out.append(
            f"Plan {p.plan_key} (run {p.run_id}), {p.currency}; proration {p.proration:.6f}; "
            f"target incentive {money(p.target_incentive, p.currency)}"
        )
        for m in p.measures:
            value, quota = p.measure_value(m)
            quota = f" of quota {quota}" if quota else ""
            att = "" if m.attainment is None else f" = {m.attainment * 100:.2f}%"
            out.append(f"  measure {m.measure} {m.window_start}..{m.window_end}: {value}{quota}{att}")
        out.append("  Earnings")
        for line in p.earning_lines:
            out.append(
                f"  {line.seq:>4} {line.component:<16} {line.kind:<13} {money(line.amount, p.currency):>14}  "
                f"{line_text(line, p.currency)}"
            )
        out.append(f"  {'':>4} {'earnings':<30} {money(p.earnings, p.currency):>14}")
        out.append("  Payout")
        for line in p.payout_lines:
            amount = money(line.amount, p.currency)
            out.append(f"  {line.seq:>4} {line.kind:<30} {amount:>14}  {line_text(line, p.currency)}")
        paid, balance = money(p.payout, p.currency), money(p.balance, p.currency)
        out.append(f"  {'':>4} {'payout':<30} {paid:>14}  balance {balance}")
    out.append("")
    for currency, (earned, total) in sorted(s.totals.items()):
        out.append(f"Total {currency}: earnings {money(earned, currency)}, payout {money(total, currency)}")
    return "\n".join(out) + "\n"


def as_data(s: Statement) -> dict[str, Any]:
    def line(x: LineRecord, currency: str) -> dict[str, Any]:
        return {
            "seq": x.seq,
            "component": x.component,
            "kind": x.kind,
            "amount": x.amount,
            "order": x.order_ref,
            "explanation": x.explanation,
            "text": line_text(x, currency),
        }

    return {
        "person": s.person,
        "name": s.name,
        "period": s.period_key,
        "final": s.final,
        "plans": [
            {
                "plan": p.plan_key,
                "run": p.run_id,
                "currency": p.currency,
                "proration": str(p.proration),
                "target_incentive": p.target_incentive,
                "measures": [
                    {
                        "measure": m.measure,
                        "window_start": m.window_start.isoformat(),
                        "window_end": m.window_end.isoformat(),
                        "value": m.value,
                        "quota": None if m.quota is None else str(m.quota),
                        "attainment": None if m.attainment is None else str(m.attainment),
                    }
                    for m in p.measures
                ],
                "earnings": [line(x, p.currency) for x in p.earning_lines],
                "payout_lines": [line(x, p.currency) for x in p.payout_lines],
                "earnings_total": p.earnings,
                "payout": p.payout,
                "balance": p.balance,
            }
            for p in s.plans
        ],
        "totals": {c: {"earnings": e, "payout": pay} for c, (e, pay) in sorted(s.totals.items())},
    }


def lines_add_up(s: Statement) -> bool:
    return all(
        sum(x.amount for x in p.earning_lines) == p.earnings
        and sum(x.amount for x in p.payout_lines) == p.payout
        for p in s.plans
    )


def period_statements(store: PayStore, period_key: str, people: Sequence[int] = ()) -> list[Statement]:
    """The statement of everyone (or `people`) with current results in the period."""
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        payees = tx.runs.payees(period_ids=[target.id], person_ids=list(people))
        counts = count_measures(tx, payees)
    grouped: dict[int, list[PayeeRecord]] = {}
    for p in payees:
        grouped.setdefault(p.person_id, []).append(p)
    return [
        Statement(
            ps[0].person,
            ps[0].name,
            pid,
            target.period.key,
            target.status == "closed",
            tuple(plan_statement(p, counts.get(p.plan_version_id or 0, frozenset())) for p in ps),
        )
        for pid, ps in sorted(grouped.items(), key=lambda kv: kv[1][0].person)
    ]
