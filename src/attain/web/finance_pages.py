"""Finance pages: payouts per period (with totals, final or provisional), the payroll export as CSV, and
the accrual report (earned, paid, held back, draw balance, accrued). Roles: finance and admin.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from attain.app.ports import UserInfo
from attain.app.runs.payouts import period_payouts
from attain.app.runs.periods import PeriodState, period_states
from attain.app.runs.reports import accrual_rows, payroll_rows
from attain.app.runs.statements import money
from attain.domain.errors import NotFound
from attain.store.unit_of_work import SqlStore
from attain.web.deps import get_store
from attain.web.layout import page, render
from attain.web.pay_pages import FINANCE, admit, context_of, major
from attain.web.tables import Column, Kind, Table, csv_response

router = APIRouter(prefix="/finance", include_in_schema=False)
PAYROLL_COLUMNS = ["person_id", "period", "amount", "currency", "cost_centre"]
NO_RESULTS = "no period has results yet"


def _paid_periods(store: SqlStore) -> list[PeriodState]:
    """Periods with results, the newest first: the ones finance can pay or accrue."""
    found = [s for s in period_states(store) if s.last_success is not None]
    return sorted(found, key=lambda s: (s.stored.period.start, s.stored.period.end), reverse=True)


def _chosen(request: Request, periods: list[PeriodState]) -> PeriodState:
    asked = (request.query_params.get("period") or "").strip().upper()
    if not periods:
        raise NotFound(NO_RESULTS, hint="a comp admin runs a period first (Pay admin, Runs)")
    if not asked:
        return periods[0]
    found = next((s for s in periods if s.key == asked), None)
    if found is None:
        raise NotFound(f"{asked} has no results", hint="choose one of the periods listed")
    return found


def payouts_table(request: Request, period: str) -> tuple[Table, dict[str, tuple[int, int]], bool]:
    result = period_payouts(get_store(request), period)
    rows = [
        {
            "person": p.person,
            "person_id": p.person_id,
            "name": p.name,
            "plan": p.plan_key,
            "currency": p.currency,
            "earnings": major(p.earnings, p.currency),
            "payout": major(p.payout, p.currency),
            "balance": major(p.balance, p.currency),
        }
        for p in result.payees
    ]
    columns = [
        Column("person", "Person"),
        Column("name", "Name", link=lambda r: f"/statements/{r['person_id']}/{period}"),
        Column("plan", "Plan"),
        Column("currency", "Currency"),
        Column("earnings", "Earnings", Kind.MONEY),
        Column("payout", "Payout", Kind.MONEY),
        Column("balance", "Draw balance", Kind.MONEY),
    ]
    table = Table(
        "payouts", f"Payouts {period}", columns, rows, request.query_params, empty="Nobody is paid."
    )
    return table, result.totals(), result.final


def _payouts_view(request: Request) -> tuple[dict[str, Any], Table]:
    periods = _paid_periods(get_store(request))
    if not periods:
        empty = f"Nothing to pay: {NO_RESULTS}. A comp admin runs a period first (Pay admin, Runs)."
        table = Table(
            "payouts", "Payouts", [Column("person", "Person")], [], request.query_params, empty=empty
        )
        return {"periods": [], "period": "", "totals": {}, "final": False}, table
    chosen = _chosen(request, periods)
    table, totals, final = payouts_table(request, chosen.key)
    context = {"periods": [s.key for s in periods], "period": chosen.key, "totals": totals, "final": final}
    return context, table


@router.get("", response_class=HTMLResponse)
def payouts_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, FINANCE)
        context, table = _payouts_view(request)
        return render(
            request, "finance.html", user, **context_of(request, table=table, money=money, **context)
        )

    return page(request, build)


@router.get(".csv")
def payouts_csv(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, FINANCE)
        _, table = _payouts_view(request)
        return csv_response([table], request.query_params, "payouts")

    return page(request, build)


@router.get("/payroll.csv")
def payroll_csv(request: Request) -> Response:
    """The payroll export of the period: person_id (external id), period, amount, currency, cost_centre."""

    def build(user: UserInfo) -> Response:
        admit(request, user, FINANCE)
        chosen = _chosen(request, _paid_periods(get_store(request)))
        final, rows = payroll_rows(get_store(request), chosen.key)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=PAYROLL_COLUMNS, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        name = f"payroll-{chosen.key}{'' if final else '-provisional'}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return page(request, build)


def _accruals_view(request: Request) -> tuple[dict[str, Any], Table]:
    periods = _paid_periods(get_store(request))
    chosen = _chosen(request, periods)
    money_keys = ("earned", "paid", "held_back", "draw_balance", "accrued")
    rows = [
        {k: Decimal(v) if k in money_keys else v for k, v in r.items()}
        for r in accrual_rows(get_store(request), chosen.key)
    ]
    columns = [
        Column("person_id", "Person"),
        Column("name", "Name"),
        Column("plan", "Plan"),
        Column("currency", "Currency"),
        Column("earned", "Earned", Kind.MONEY),
        Column("paid", "Paid", Kind.MONEY),
        Column("held_back", "Held back", Kind.MONEY),
        Column("draw_balance", "Draw balance", Kind.MONEY),
        Column("accrued", "Accrued", Kind.MONEY),
    ]
    title = f"Accruals {chosen.key}"
    table = Table("accruals", title, columns, rows, request.query_params, empty="Nothing to accrue.")
    return {"periods": [s.key for s in periods], "period": chosen.key, "final": chosen.closed}, table


@router.get("/accruals", response_class=HTMLResponse)
def accruals_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, FINANCE)
        context, table = _accruals_view(request)
        return render(request, "finance_accruals.html", user, **context_of(request, table=table, **context))

    return page(request, build)


@router.get("/accruals.csv")
def accruals_csv(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, FINANCE)
        _, table = _accruals_view(request)
        return csv_response([table], request.query_params, "accruals")

    return page(request, build)
