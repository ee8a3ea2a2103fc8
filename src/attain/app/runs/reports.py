"""Reports over runs and the ledger: payroll export, accruals for finance, and the comparison of two runs.

Payroll: one row per person and currency with the period's payout and the person's cost centre (their team
on the period's last day). Accruals: per person and plan, what was earned (the expense), what is paid, what
is held back (released later) and the draw balance carried.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from attain.app.runs.calculate import calendar_and_periods
from attain.app.runs.inputs import find_period
from attain.app.runs.ports import PayStore
from attain.app.runs.statements import money
from attain.domain.errors import NotFound


def payroll_rows(store: PayStore, period_key: str) -> tuple[bool, list[dict[str, Any]]]:
    """(is the period closed, rows: person_id, period, amount, currency, cost_centre)."""
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        payees = tx.runs.payees(period_ids=[target.id])
        centres = tx.pay_inputs.cost_centres(sorted({p.person_id for p in payees}), target.period.last_day)
    totals: dict[tuple[str, int, str], int] = defaultdict(int)
    for p in payees:
        totals[(p.person, p.person_id, p.currency)] += p.payout
    rows = [
        {
            "person_id": person,
            "period": target.period.key,
            "amount": money(amount, currency).replace(",", ""),
            "currency": currency,
            "cost_centre": centres.get(pid, ""),
        }
        for (person, pid, currency), amount in sorted(totals.items())
    ]
    return target.status == "closed", rows


def accrual_rows(store: PayStore, period_key: str) -> list[dict[str, Any]]:
    """Per person and plan: earned, paid, held back (outstanding after the period), balance, accrued."""
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        payees = tx.runs.payees(period_ids=[target.id])
        upto = [p.id for p in periods if p.period.start <= target.period.start]
        held_before: dict[tuple[str, str], int] = defaultdict(int)
        for e in tx.ledger.entries(
            person_ids=sorted({p.person_id for p in payees}),
            period_ids=[i for i in upto if i != target.id],
            kinds=["holdback", "holdback_release"],
        ):
            held_before[(e.person, e.plan_key)] -= e.amount
    rows = []
    for p in payees:
        held_now = -sum(x.amount for x in p.lines if x.kind in ("holdback", "holdback_release"))
        rows.append(
            {
                "person_id": p.person,
                "name": p.name,
                "plan": p.plan_key,
                "period": p.period_key,
                "currency": p.currency,
                "earned": money(p.earnings, p.currency).replace(",", ""),
                "paid": money(p.payout, p.currency).replace(",", ""),
                "held_back": money(held_before[(p.person, p.plan_key)] + held_now, p.currency).replace(
                    ",", ""
                ),
                "draw_balance": money(p.balance, p.currency).replace(",", ""),
                "accrued": money(p.earnings - p.payout, p.currency).replace(",", ""),
            }
        )
    return rows


def compare_runs(store: PayStore, run_a: int, run_b: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(what differs in the runs' inputs, per person and plan: earnings and payout in each, and delta)."""
    with store.transaction() as tx:
        a, b = tx.runs.get(run_a), tx.runs.get(run_b)
        if a is None or b is None:
            raise NotFound(
                f"run {run_a if a is None else run_b} not found", hint="`attain run list` shows runs"
            )
        left = {(p.person, p.plan_key): p for p in tx.runs.payees(run_id=run_a)}
        right = {(p.person, p.plan_key): p for p in tx.runs.payees(run_id=run_b)}
    summary = {
        "periods": [a.period_key, b.period_key],
        "same_results": a.results_hash == b.results_hash,
        "changed_inputs": sorted(
            k for k in set(a.inputs) | set(b.inputs) if a.inputs.get(k) != b.inputs.get(k)
        ),
        "plan_versions": [sorted(a.plan_versions), sorted(b.plan_versions)],
    }
    rows = []
    for key in sorted(set(left) | set(right)):
        x, y = left.get(key), right.get(key)
        currency = (x or y).currency  # type: ignore[union-attr]
        ea, eb = (x.earnings if x else 0), (y.earnings if y else 0)
        pa, pb = (x.payout if x else 0), (y.payout if y else 0)
        rows.append(
            {
                "person_id": key[0],
                "plan": key[1],
                "currency": currency,
                "earnings_a": money(ea, currency),
                "earnings_b": money(eb, currency),
                "payout_a": money(pa, currency),
                "payout_b": money(pb, currency),
                "delta": money(pb - pa, currency),
                "lines_changed": (x.lines if x else ()) != (y.lines if y else ()),
            }
        )
    return summary, rows
