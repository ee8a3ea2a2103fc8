"""Statement pages: a person's statements (`/statements/{person_id}`), one period's statement with every
line explained and its PDF (`/statements/{person_id}/{period}`), and raising an inquiry on a line.

Admission follows `guard(subject="person_id")`: a rep sees their own, a manager their subtree, the
org-wide roles everyone; any other id answers 404 like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from attain.app.ports import UserInfo
from attain.app.runs.documents import statement_pdf
from attain.app.runs.inquiries import inquiries, raise_inquiry
from attain.app.runs.payouts import external_id
from attain.app.runs.ports import InquiryRecord
from attain.app.runs.statements import Statement, line_text, money, statement, statements_of
from attain.domain.errors import AttainError, NotFound
from attain.web import page_cache
from attain.web.deps import get_store
from attain.web.errors import STATUS
from attain.web.layout import page, render
from attain.web.pay_pages import admit, context_of, form_post, notify, see_other

router = APIRouter(include_in_schema=False)
RAISERS = ("rep", "manager", "admin", "comp_admin")


@router.get("/statements", response_class=HTMLResponse)
def my_statements(request: Request) -> Response:
    """The signed-in person's statements; people without one go to the pay pages of their role."""

    def build(user: UserInfo) -> Response:
        if user.person_id is None:
            if {"admin", "comp_admin"} & set(user.roles):
                return see_other("/admin/runs")
            if "finance" in user.roles:
                return see_other("/finance")
            raise NotFound(
                "your login is not linked to a person, so you have no statements",
                hint="ask an admin to link it (attain user add --person)",
            )
        return see_other(f"/statements/{user.person_id}")

    return page(request, build)


@router.get("/statements/{person_id}", response_class=HTMLResponse)
def statements_page(request: Request, person_id: int) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, person_id=person_id)
        store = get_store(request)
        person = external_id(store, person_id)
        rows = statements_of(store, person_id)
        asked = inquiries(store, [person_id])
        return render(
            request,
            "pay_statements.html",
            user,
            **context_of(
                request,
                person_id=person_id,
                person=person,
                own=user.person_id == person_id,
                rows=rows,
                inquiries=list(reversed(asked)),
                money=money,
            ),
        )

    return page(request, build)


def _statement_page(
    request: Request, user: UserInfo, person_id: int, period: str, *, code: int = 200, **extra: object
) -> Response:
    store = get_store(request)
    s = statement(store, external_id(store, person_id), period)
    asked = [r for r in inquiries(store, [person_id]) if r.period_key == s.period_key]
    periods = [row["period"] for row in statements_of(store, person_id)]
    return render(
        request,
        "pay_statement.html",
        user,
        code,
        **context_of(
            request,
            s=s,
            person_id=person_id,
            periods=periods,
            own=user.person_id == person_id,
            may_raise=bool(set(RAISERS) & set(user.roles)),
            inquiries=list(reversed(asked)),
            asked_lines=_asked_lines(asked),
            money=money,
            text=line_text,
            **extra,
        ),
    )


def _asked_lines(asked: list[InquiryRecord]) -> dict[int, str]:
    """Statement line -> the status of the latest inquiry on it."""
    return {int(r.line["seq"]): r.status for r in asked if "seq" in r.line}


@router.get("/statements/{person_id}/{period}", response_class=HTMLResponse)
async def statement_page(request: Request, person_id: int, period: str) -> Response:
    """The statement from memory when this session has it for the current data version, else rendered on a
    worker thread (and kept)."""
    fast = page_cache.from_memory(request)
    if fast is not None:
        return fast
    return await run_in_threadpool(_statement_get, request, person_id, period)


def _statement_get(request: Request, person_id: int, period: str) -> Response:
    def render(user: UserInfo) -> Response:
        admit(request, user, person_id=person_id)
        return _statement_page(request, user, person_id, period)

    # Admission is part of rendering: a page is kept only once admitted, and its key holds all that
    # admission depends on (user, roles, day, data version), so a kept page needs no new check.
    return page(request, lambda user: page_cache.cached(request, user, lambda: render(user)))


@router.get("/statements/{person_id}/{period}/pdf")
def statement_pdf_page(request: Request, person_id: int, period: str) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, person_id=person_id)
        store = get_store(request)
        s: Statement = statement(store, external_id(store, person_id), period)
        return Response(
            statement_pdf(s),
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="statement-{s.person}-{s.period_key}.pdf"'
            },
        )

    return page(request, build)


@router.post("/statements/{person_id}/{period}/inquiries")
def raise_form(
    request: Request,
    person_id: int,
    period: str,
    csrf: Annotated[str, Form()],
    question: Annotated[str, Form()] = "",
    line: Annotated[int | None, Form()] = None,
) -> Response:
    """Raise an inquiry on a statement line; back to the statement with the inquiry listed."""

    def write(user: UserInfo) -> Response:
        admit(request, user, person_id=person_id)
        try:
            found = raise_inquiry(
                get_store(request), person_id, period, question, line=line, actor=user.username
            )
        except AttainError as exc:
            return _statement_page(
                request, user, person_id, period, code=STATUS[exc.kind], error=exc, error_line=line
            )
        notify(request, f"Inquiry {found.id} raised: a comp admin will answer it here.")
        return see_other(f"/statements/{person_id}/{found.period_key}#inquiry-{found.id}")

    return form_post(request, csrf, RAISERS, write)
