"""The pay API under /api/v1: periods and their close, runs (start, results, comparison), adjustments,
payouts per period, accruals and the payroll export. Comp admins and admins run and close; finance and
admins read payouts and exports; every route is guarded (see authz.py).
"""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response

from attain.app.runs.calculate import run_period
from attain.app.runs.close import adjust, close_period
from attain.app.runs.engines import EngineKind
from attain.app.runs.payouts import external_id, period_payouts, run_payees
from attain.app.runs.periods import period_states, previous_run, run_info
from attain.app.runs.reports import accrual_rows, compare_runs, payroll_rows
from attain.domain.errors import NotFound
from attain.store.unit_of_work import SqlStore
from attain.web.authz import Caller, guard
from attain.web.deps import get_store
from attain.web.pay_schemas import (
    AccrualOut,
    AdjustmentIn,
    CloseOut,
    ComparisonOut,
    ComparisonRow,
    LedgerEntryOut,
    PayeeOut,
    PeriodOut,
    RowId,
    RunIn,
    RunOut,
)

router = APIRouter(prefix="/api/v1", tags=["pay"])
Store = Annotated[SqlStore, Depends(get_store)]
PAY_ADMIN = ("admin", "comp_admin")
FINANCE = ("admin", "finance")
PAY_READERS = ("admin", "comp_admin", "finance")
Admin = Annotated[Caller, Depends(guard(*PAY_ADMIN))]
Finance = Annotated[Caller, Depends(guard(*FINANCE))]
Reader = Annotated[Caller, Depends(guard(*PAY_READERS))]
PAYROLL_COLUMNS = ["person_id", "period", "amount", "currency", "cost_centre"]
ACCRUAL_COLUMNS = list(AccrualOut.model_fields)


@router.get("/periods")
def periods(caller: Annotated[Caller, Depends(guard())], store: Store) -> list[PeriodOut]:
    """Every period of the fiscal calendar: open or closed, its runs and the current one."""
    return [PeriodOut.of(s) for s in period_states(store)]


@router.post("/periods/{period}/close")
def close(period: str, caller: Admin, store: Store) -> CloseOut:
    """Post the period's current results to the ledger and freeze it (409 when the facts changed since
    the last run; closing a closed period changes nothing)."""
    done = close_period(store, period, actor=caller.user.username)
    return CloseOut(
        period=done.period_key,
        already_closed=done.already_closed,
        run_id=done.run_id,
        entries=done.entries,
        payout=done.payout,
    )


@router.get("/runs")
def runs(caller: Reader, store: Store, period: str | None = None) -> list[RunOut]:
    """Runs, oldest first (of one period with `?period=`)."""
    with store.transaction() as tx:
        found = tx.runs.listing()
    wanted = None if period is None else period.strip().upper()
    return [RunOut.of(r) for r in found if wanted is None or r.period_key == wanted]


@router.post("/runs", status_code=status.HTTP_201_CREATED)
def start_run(body: RunIn, caller: Admin, store: Store) -> RunOut:
    """Calculate a period (for everyone, or `people`) and make its results current; a failed run is
    recorded and answers with its error, the previous results staying current."""
    summary = run_period(
        store,
        body.period,
        people=body.people,
        engine=None if body.engine is None else EngineKind(body.engine),
        as_of=body.as_of,
        actor=caller.user.username,
    )
    return RunOut.of(run_info(store, summary.run_id))


@router.get("/runs/{run_id}")
def run(run_id: RowId, caller: Reader, store: Store) -> RunOut:
    return RunOut.of(run_info(store, run_id))


@router.get("/runs/{run_id}/payees")
def payees(run_id: RowId, caller: Reader, store: Store) -> list[PayeeOut]:
    """The run's results per person and plan."""
    return [PayeeOut.of(p) for p in run_payees(store, run_id)]


@router.get("/runs/{run_id}/compare")
def compare(
    run_id: RowId,
    caller: Reader,
    store: Store,
    with_run: Annotated[
        int | None,
        Query(alias="with", ge=1, le=2**31 - 1, description="the other run (default: the previous run)"),
    ] = None,
) -> ComparisonOut:
    """Per person and plan: earnings and payout in the other run (a) and in this one (b)."""
    this = run_info(store, run_id)
    other = with_run
    if other is None:
        before = previous_run(store, this)
        if before is None:
            raise NotFound(f"run {run_id} has no earlier successful run of {this.period_key}")
        other = before.id
    summary, rows = compare_runs(store, other, run_id)
    return ComparisonOut(
        run_a=other,
        run_b=run_id,
        same_results=summary["same_results"],
        changed_inputs=summary["changed_inputs"],
        rows=[ComparisonRow(**{**r, "person": r["person_id"]}) for r in rows],
    )


@router.get("/adjustments")
def adjustments(caller: Reader, store: Store, period: str | None = None) -> list[LedgerEntryOut]:
    """Manual adjustments in the ledger, oldest first (of one period with `?period=`)."""
    with store.transaction() as tx:
        entries = tx.ledger.entries(kinds=["adjustment"])
    wanted = None if period is None else period.strip().upper()
    return [
        LedgerEntryOut(
            id=e.id,
            person_id=e.person_id,
            person=e.person,
            period=e.period_key,
            plan=e.plan_key,
            kind=e.kind,
            component=e.component,
            amount=e.amount,
            currency=e.currency,
            reason=e.reason,
            approver=e.approver,
            posted_at=e.posted_at,
            posted_by=e.posted_by,
        )
        for e in entries
        if wanted is None or e.period_key == wanted
    ]


@router.post("/adjustments", status_code=status.HTTP_201_CREATED)
def add_adjustment(body: AdjustmentIn, caller: Admin, store: Store) -> LedgerEntryOut:
    """Append a manual adjustment (with reason and approver) for a person in an open period; the next run
    of the period pays it."""
    entry_id = adjust(
        store,
        external_id(store, body.person_id),
        body.period,
        body.amount,
        reason=body.reason,
        approver=body.approver,
        plan_key=body.plan,
        actor=caller.user.username,
    )
    found = [e for e in adjustments(caller, store) if e.id == entry_id]
    return found[0]


@router.get("/periods/{period}/payouts")
def payouts(period: str, caller: Finance, store: Store) -> list[PayeeOut]:
    """The current results of the period per person and plan: earnings, payout and draw balance."""
    return [PayeeOut.of(p) for p in period_payouts(store, period).payees]


@router.get("/periods/{period}/accruals")
def accruals(period: str, caller: Finance, store: Store) -> list[AccrualOut]:
    """Per person and plan: earned (the expense), paid, held back, draw balance and accrued."""
    return [AccrualOut(**{**r, "person": r["person_id"]}) for r in accrual_rows(store, period)]


def _csv(rows: list[dict[str, object]], columns: list[str], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/periods/{period}/payroll.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per person and currency"}},
)
def payroll_csv(period: str, caller: Finance, store: Store) -> Response:
    """Payroll export: person_id (external id), period, amount, currency, cost_centre. The header
    `X-Attain-Final` says whether the period is closed (else the payouts are provisional)."""
    final, rows = payroll_rows(store, period)
    response = _csv(rows, PAYROLL_COLUMNS, f"payroll-{period.upper()}.csv")
    response.headers["X-Attain-Final"] = "true" if final else "false"
    return response


@router.get(
    "/periods/{period}/accruals.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per person and plan"}},
)
def accruals_csv(period: str, caller: Finance, store: Store) -> Response:
    rows = [{**r, "person": r["person_id"]} for r in accrual_rows(store, period)]
    return _csv(rows, ACCRUAL_COLUMNS, f"accruals-{period.upper()}.csv")
