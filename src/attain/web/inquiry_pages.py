"""The comp admin's inquiry queue (`/admin/inquiries`) and one inquiry (`/admin/inquiries/{id}`): the line
it is about, its status and history, and the forms to answer it or to resolve it (maybe with an adjustment).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from attain.app.ports import UserInfo
from attain.app.runs.inquiries import answer_inquiry, inquiries, resolve_inquiry
from attain.app.runs.periods import period_states
from attain.app.runs.ports import InquiryRecord
from attain.app.runs.statements import money
from attain.domain.errors import AttainError, NotFound
from attain.web.deps import get_store
from attain.web.errors import STATUS
from attain.web.layout import page, render
from attain.web.pay_pages import PAY_ADMIN, admit, context_of, form_post, notify, see_other
from attain.web.pay_schemas import RowId
from attain.web.tables import Column, Kind, Table, csv_response

router = APIRouter(prefix="/admin", include_in_schema=False)
STATUSES = ("open", "answered", "resolved")


def queue_table(params: Any, records: list[InquiryRecord]) -> Table:
    rows = [
        {
            "id": r.id,
            "person": r.person,
            "person_id": r.person_id,
            "period": r.period_key,
            "line": r.line.get("seq"),
            "kind": r.line.get("kind", ""),
            "status": r.status,
            "question": r.question,
            "raised_by": r.raised_by,
            "raised_at": r.raised_at.strftime("%Y-%m-%d %H:%M"),
            "last": f"{r.history[-1][2]} by {r.history[-1][1]}" if r.history else "",
        }
        for r in records
    ]
    columns = [
        Column("id", "Inquiry", Kind.COUNT, link=lambda row: f"/admin/inquiries/{row['id']}"),
        Column("status", "Status", Kind.STATUS),
        Column("person", "Person", link=lambda row: f"/statements/{row['person_id']}/{row['period']}"),
        Column("period", "Period"),
        Column("line", "Line", Kind.COUNT),
        Column("kind", "Line kind"),
        Column("question", "Question"),
        Column("raised_by", "Raised by"),
        Column("raised_at", "Raised"),
        Column("last", "Last step"),
    ]
    return Table(
        "inquiries",
        "Inquiries",
        columns,
        rows,
        params,
        empty="No inquiries: reps raise them from their statement lines.",
        default_sort="id",
    )


def _queue(request: Request) -> tuple[str | None, list[InquiryRecord]]:
    wanted = request.query_params.get("status")
    status = wanted if wanted in STATUSES else None
    return status, inquiries(get_store(request), None, status)


@router.get("/inquiries", response_class=HTMLResponse)
def queue_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        status, records = _queue(request)
        counts = dict.fromkeys(STATUSES, 0)
        for r in inquiries(get_store(request)):
            counts[r.status] = counts.get(r.status, 0) + 1
        table = queue_table(request.query_params, records)
        context = context_of(request, table=table, status=status, statuses=STATUSES, counts=counts)
        return render(request, "admin_inquiries.html", user, **context)

    return page(request, build)


@router.get("/inquiries.csv")
def queue_csv(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        _, records = _queue(request)
        return csv_response([queue_table(request.query_params, records)], request.query_params, "inquiries")

    return page(request, build)


def _record(request: Request, inquiry_id: int) -> InquiryRecord:
    with get_store(request).transaction() as tx:
        found = tx.inquiries.get(inquiry_id)
    if found is None:
        raise NotFound(f"inquiry {inquiry_id} not found", hint="the inquiries page lists them all")
    return found


def _inquiry_page(
    request: Request, user: UserInfo, inquiry_id: int, code: int = 200, **extra: Any
) -> Response:
    record = _record(request, inquiry_id)
    open_periods = [s.key for s in period_states(get_store(request)) if not s.closed]
    context = context_of(
        request,
        q=record,
        open_periods=open_periods,
        money=money,
        values=extra.pop("values", {}),
        **extra,
    )
    return render(request, "admin_inquiry.html", user, code, **context)


@router.get("/inquiries/{inquiry_id}", response_class=HTMLResponse)
def inquiry_page(request: Request, inquiry_id: RowId) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        return _inquiry_page(request, user, inquiry_id)

    return page(request, build)


@router.post("/inquiries/{inquiry_id}/answer")
def answer_form(
    request: Request, inquiry_id: RowId, csrf: Annotated[str, Form()], text: Annotated[str, Form()] = ""
) -> Response:
    def write(user: UserInfo) -> Response:
        try:
            answer_inquiry(get_store(request), inquiry_id, text, actor=user.username)
        except AttainError as exc:
            values = {"answer": text}
            return _inquiry_page(request, user, inquiry_id, STATUS[exc.kind], error=exc, values=values)
        notify(request, f"Inquiry {inquiry_id} answered.")
        return see_other(f"/admin/inquiries/{inquiry_id}")

    return form_post(request, csrf, PAY_ADMIN, write)


@router.post("/inquiries/{inquiry_id}/resolve")
def resolve_form(
    request: Request,
    inquiry_id: RowId,
    csrf: Annotated[str, Form()],
    text: Annotated[str, Form()] = "",
    adjustment: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    approver: Annotated[str, Form()] = "",
) -> Response:
    values = {"resolution": text, "adjustment": adjustment, "period": period, "approver": approver}

    def write(user: UserInfo) -> Response:
        try:
            done = resolve_inquiry(
                get_store(request),
                inquiry_id,
                text,
                actor=user.username,
                adjustment=adjustment.strip() or None,
                period_key=period.strip() or None,
                approver=approver.strip() or None,
            )
        except AttainError as exc:
            return _inquiry_page(request, user, inquiry_id, STATUS[exc.kind], error=exc, values=values)
        paid = ""
        if done.adjustment_id:
            again = period or done.period_key
            paid = f" with adjustment entry {done.adjustment_id}: run {again} again to pay it"
        notify(request, f"Inquiry {inquiry_id} resolved{paid}.")
        return see_other(f"/admin/inquiries/{inquiry_id}")

    return form_post(request, csrf, PAY_ADMIN, write)
