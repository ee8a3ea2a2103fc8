"""Comp admin pages for closing periods and for manual adjustments.

Closing shows the refusals as they are (no successful run; the facts changed since the last run: run
again), and which open periods have a stale run. Adjustments are appended to the ledger with a reason and
an approver, for an open period; the next run of that period pays them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from attain.app.ports import UserInfo
from attain.app.runs.close import adjust, close_period
from attain.app.runs.periods import PeriodState, period_states, stale_since
from attain.app.runs.ports import LedgerRecord
from attain.app.runs.statements import money
from attain.domain.errors import AttainError
from attain.web.deps import get_store
from attain.web.errors import STATUS
from attain.web.layout import page, render
from attain.web.pay_pages import PAY_ADMIN, admit, context_of, form_post, major, notify, see_other, today
from attain.web.tables import Column, Kind, Table, csv_response

router = APIRouter(prefix="/admin", include_in_schema=False)
KINDS = ("quarter", "month", "year")


def _rows(request: Request, states: list[PeriodState], kind: str) -> list[dict[str, Any]]:
    store = get_store(request)
    rows = []
    for s in states:
        if str(s.stored.period.kind) != kind:
            continue
        last = s.last_success
        # Only open periods with a run can be stale; reading their facts is what closing would do.
        stale = stale_since(store, s) if last is not None and not s.closed else None
        rows.append(
            {
                "state": s,
                "key": s.key,
                "start": s.stored.period.start,
                "last_day": s.stored.period.last_day,
                "status": s.stored.status,
                "runs": len(s.runs),
                "last": last,
                "stale": stale,
                "future": s.stored.period.start > today(request),
            }
        )
    return rows


def _periods_page(request: Request, user: UserInfo, code: int = 200, **extra: Any) -> Response:
    kind = request.query_params.get("kind", "quarter")
    kind = kind if kind in KINDS else "quarter"
    states = period_states(get_store(request))
    rows = _rows(request, states, kind)
    context = context_of(request, rows=rows, kind=kind, kinds=KINDS, **extra)
    return render(request, "admin_periods.html", user, code, **context)


@router.get("/periods", response_class=HTMLResponse)
def periods_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        return _periods_page(request, user)

    return page(request, build)


@router.post("/periods/{period}/close")
def close_form(request: Request, period: str, csrf: Annotated[str, Form()]) -> Response:
    def write(user: UserInfo) -> Response:
        try:
            done = close_period(get_store(request), period, actor=user.username)
        except AttainError as exc:
            return _periods_page(request, user, STATUS[exc.kind], error=exc, failed=period.upper())
        if done.already_closed:
            notify(request, f"{done.period_key} was already closed; nothing changed.")
        else:
            notify(
                request,
                f"Closed {done.period_key} from run {done.run_id}: {done.entries} ledger entries posted.",
            )
        return see_other(f"/admin/periods#period-{done.period_key}")

    return form_post(request, csrf, PAY_ADMIN, write)


# --- adjustments -----------------------------------------------------------------------------------


def adjustments_table(params: Any, entries: list[LedgerRecord]) -> Table:
    rows = [
        {
            "id": e.id,
            "person": e.person,
            "person_id": e.person_id,
            "period": e.period_key,
            "plan": e.plan_key,
            "amount": major(e.amount, e.currency),
            "currency": e.currency,
            "reason": e.reason or "",
            "approver": e.approver or "",
            "posted": e.posted_at.strftime("%Y-%m-%d %H:%M"),
            "by": e.posted_by,
        }
        for e in entries
    ]
    columns = [
        Column("id", "Entry", Kind.COUNT),
        Column("person", "Person", link=lambda r: f"/statements/{r['person_id']}/{r['period']}"),
        Column("period", "Period"),
        Column("plan", "Plan"),
        Column("amount", "Amount", Kind.MONEY),
        Column("currency", "Currency"),
        Column("reason", "Reason"),
        Column("approver", "Approver"),
        Column("posted", "Posted"),
        Column("by", "By"),
    ]
    return Table(
        "adjustments",
        "Adjustments in the ledger",
        columns,
        rows,
        params,
        empty="No adjustments yet.",
        default_sort="id",
        default_descending=True,
    )


def _adjustments(request: Request) -> list[LedgerRecord]:
    with get_store(request).transaction() as tx:
        return tx.ledger.entries(kinds=["adjustment"])


def _adjustments_page(request: Request, user: UserInfo, code: int = 200, **extra: Any) -> Response:
    store = get_store(request)
    with store.transaction() as tx:
        people = tx.people.listing(today(request))
    open_periods = [s.key for s in period_states(store) if not s.closed]
    context = context_of(
        request,
        table=adjustments_table(request.query_params, _adjustments(request)),
        people=people,
        open_periods=open_periods,
        values=extra.pop("values", {}),
        money=money,
        **extra,
    )
    return render(request, "admin_adjustments.html", user, code, **context)


@router.get("/adjustments", response_class=HTMLResponse)
def adjustments_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        return _adjustments_page(request, user)

    return page(request, build)


@router.get("/adjustments.csv")
def adjustments_csv(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        table = adjustments_table(request.query_params, _adjustments(request))
        return csv_response([table], request.query_params, "adjustments")

    return page(request, build)


@router.post("/adjustments")
def adjustment_form(
    request: Request,
    csrf: Annotated[str, Form()],
    person: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    approver: Annotated[str, Form()] = "",
    plan: Annotated[str, Form()] = "",
) -> Response:
    values = {"person": person, "period": period, "amount": amount, "reason": reason, "approver": approver}

    def write(user: UserInfo) -> Response:
        try:
            entry = adjust(
                get_store(request),
                person,
                period,
                amount,
                reason=reason,
                approver=approver,
                plan_key=plan.strip() or None,
                actor=user.username,
            )
        except AttainError as exc:
            return _adjustments_page(request, user, STATUS[exc.kind], error=exc, values=values)
        notify(request, f"Adjustment entry {entry} appended: run {period.upper()} again to pay it.")
        return see_other("/admin/adjustments")

    return form_post(request, csrf, PAY_ADMIN, write)
