"""Statements and inquiries under /api/v1: a person's statements (JSON with every line explained, and PDF),
inquiries raised on statement lines, answered or resolved by comp admins.

Scoping: a rep sees their own, a manager their subtree, the org-wide roles everyone; a person or inquiry out
of reach answers 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from fastapi.responses import Response

from attain.app.runs.documents import statement_pdf
from attain.app.runs.inquiries import answer_inquiry, inquiries, raise_inquiry, resolve_inquiry
from attain.app.runs.payouts import external_id
from attain.app.runs.ports import InquiryRecord
from attain.app.runs.statements import as_data, statement, statements_of
from attain.domain.errors import InvalidInput, NotFound
from attain.store.unit_of_work import SqlStore
from attain.web.authz import Caller, guard
from attain.web.deps import get_store
from attain.web.pay_schemas import (
    AnswerIn,
    InquiryIn,
    InquiryOut,
    ResolveIn,
    RowId,
    StatementOut,
    StatementSummaryOut,
)

router = APIRouter(prefix="/api/v1", tags=["statements"])
Store = Annotated[SqlStore, Depends(get_store)]
INQUIRY_STATUSES = ("open", "answered", "resolved")
# Who may raise an inquiry: the person themself, their managers, and those who administer pay.
RAISERS = ("rep", "manager", "admin", "comp_admin")
Subject = Annotated[Caller, Depends(guard(subject="person_id"))]
Raiser = Annotated[Caller, Depends(guard(*RAISERS, subject="person_id"))]
Handler = Annotated[Caller, Depends(guard("admin", "comp_admin"))]


@router.get("/people/{person_id}/statements")
def statements(person_id: int, caller: Subject, store: Store) -> list[StatementSummaryOut]:
    """The periods with results for the person, newest first: final or provisional, payout per currency."""
    external_id(store, person_id)
    return [StatementSummaryOut(**row) for row in statements_of(store, person_id)]


@router.get("/people/{person_id}/statements/{period}")
def person_statement(person_id: int, period: str, caller: Subject, store: Store) -> StatementOut:
    """The person's statement of the period: measures, every earning and payout line with its explanation."""
    s = statement(store, external_id(store, person_id), period)
    data: dict[str, Any] = as_data(s)
    data["person_id"] = s.person_id
    return StatementOut.model_validate(data)


@router.get(
    "/people/{person_id}/statements/{period}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the statement as PDF"}},
)
def person_statement_pdf(person_id: int, period: str, caller: Subject, store: Store) -> Response:
    s = statement(store, external_id(store, person_id), period)
    return Response(
        statement_pdf(s),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="statement-{s.person}-{s.period_key}.pdf"'},
    )


@router.get("/people/{person_id}/inquiries")
def person_inquiries(person_id: int, caller: Subject, store: Store) -> list[InquiryOut]:
    """The person's inquiries with their status and history."""
    external_id(store, person_id)
    return [InquiryOut.of(r) for r in inquiries(store, [person_id])]


@router.post("/people/{person_id}/inquiries", status_code=status.HTTP_201_CREATED)
def raise_on_statement(person_id: int, body: InquiryIn, caller: Raiser, store: Store) -> InquiryOut:
    """Raise an inquiry on the person's statement of a period (on line `line`, when given)."""
    external_id(store, person_id)
    record = raise_inquiry(
        store, person_id, body.period, body.question, line=body.line, actor=caller.user.username
    )
    return InquiryOut.of(record)


def _visible(caller: Caller, records: list[InquiryRecord]) -> list[InquiryRecord]:
    scope = caller.scope()
    return [r for r in records if scope.allows(r.person_id)]


@router.get("/inquiries")
def inquiry_queue(
    caller: Annotated[Caller, Depends(guard())], store: Store, status: str | None = None
) -> list[InquiryOut]:
    """The inquiries the caller may see (a rep: their own; a manager: their team's; comp admins: all),
    oldest first, optionally of one status (open, answered, resolved)."""
    if status is not None and status not in INQUIRY_STATUSES:
        raise InvalidInput(f"unknown status '{status}'", hint=f"one of: {', '.join(INQUIRY_STATUSES)}")
    scope = caller.scope()
    people = None if scope.everyone else sorted(scope.person_ids)
    return [InquiryOut.of(r) for r in _visible(caller, inquiries(store, people, status))]


def _inquiry(caller: Caller, store: SqlStore, inquiry_id: int) -> InquiryRecord:
    with store.transaction() as tx:
        found = tx.inquiries.get(inquiry_id)
    if found is None or not caller.scope().allows(found.person_id):
        raise NotFound(f"inquiry {inquiry_id} not found")
    return found


@router.get("/inquiries/{inquiry_id}")
def inquiry(inquiry_id: RowId, caller: Annotated[Caller, Depends(guard())], store: Store) -> InquiryOut:
    return InquiryOut.of(_inquiry(caller, store, inquiry_id))


@router.post("/inquiries/{inquiry_id}/answer")
def answer(inquiry_id: RowId, body: AnswerIn, caller: Handler, store: Store) -> InquiryOut:
    """Answer an open inquiry; it stays open to a resolution."""
    _inquiry(caller, store, inquiry_id)
    return InquiryOut.of(answer_inquiry(store, inquiry_id, body.text, actor=caller.user.username))


@router.post("/inquiries/{inquiry_id}/resolve")
def resolve(inquiry_id: RowId, body: ResolveIn, caller: Handler, store: Store) -> InquiryOut:
    """Resolve an inquiry; with `adjustment`, append it to the ledger (in `period`, by default the
    inquiry's) with `approver` (by default the caller) and link it to the inquiry."""
    _inquiry(caller, store, inquiry_id)
    record = resolve_inquiry(
        store,
        inquiry_id,
        body.text,
        actor=caller.user.username,
        adjustment=body.adjustment,
        period_key=body.period,
        approver=body.approver,
    )
    return InquiryOut.of(record)
