"""The what-if page (`/people/{person_id}/whatif?opportunity=...&amount=...`): what a person earns if one of
their open opportunities closes at an amount. The rep page lists the open opportunities, each with a form
that asks this route: with HTMX it answers the result alone, swapped in beside the form; without
JavaScript the same form loads the full page.

Admission follows `guard(subject="person_id")` (a rep themself, a manager their subtree, the org-wide roles
everyone), and the opportunity must be owned by someone in reach; anything else answers 404.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from attain.app.ports import UserInfo
from attain.app.runs.payouts import external_id
from attain.app.runs.statements import money
from attain.app.runs.whatif import WhatIfResult, open_opportunities
from attain.domain.errors import AttainError, InvalidInput
from attain.domain.money import from_minor
from attain.store.unit_of_work import SqlStore
from attain.web.deps import get_store
from attain.web.errors import STATUS
from attain.web.layout import page, render
from attain.web.pay_pages import admit
from attain.web.whatif_api import estimate_for

router = APIRouter(include_in_schema=False)
PATH = "/people/{person_id}/whatif"
LISTED = 25  # open opportunities on the rep page, closing soonest first


def deal_rows(store: SqlStore, person: str, currency: str) -> tuple[list[dict[str, Any]], int]:
    """The rep page's open opportunities of `person` (the first LISTED), ready for the what-if forms, and how
    many more there are; amounts without a currency are in the company's `currency`."""
    found = open_opportunities(store, person)
    rows = []
    for o in found[:LISTED]:
        unit = o.currency or currency
        rows.append(
            {
                "id": o.external_id,
                "name": o.name or o.external_id,
                "stage": o.stage,
                "close_on": o.close_on,
                "currency": unit,
                "amount": "" if o.amount is None else str(from_minor(o.amount, unit)),
                "amount_text": "no amount" if o.amount is None else money(o.amount, unit),
            }
        )
    return rows, max(len(found) - LISTED, 0)


def signed(amount: int, currency: str) -> str:
    """A change of money with its sign: +1,234.00, -50.00, 0.00."""
    return ("+" if amount > 0 else "") + money(amount, currency)


def _amount(text: str | None) -> Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        return Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"'{text}' is not an amount", where="amount", hint="e.g. 125000.50") from None


def _page(
    request: Request, person_id: int, opportunity: str, amount: str | None, period: str | None
) -> Response:
    def build(user: UserInfo) -> Response:
        scope = admit(request, user, person_id=person_id)
        store = get_store(request)
        fragment = request.headers.get("hx-request") == "true"
        result: WhatIfResult | None = None
        error: AttainError | None = None
        try:
            if not opportunity.strip():
                raise InvalidInput("choose an open opportunity", where="opportunity")
            result = estimate_for(
                request, store, scope.allows, person_id, opportunity, _amount(amount), period, []
            )
        except AttainError as exc:
            error = exc
        context: dict[str, Any] = {
            "r": result,
            "error": error,
            "person_id": person_id,
            "own": user.person_id == person_id,
            "money": money,
            "signed": signed,
        }
        if fragment:
            # HTMX swaps only successful answers: an error comes with 200, to be shown where results go.
            return render(request, "_whatif_result.html", user, **context)
        code = 200 if error is None else STATUS[error.kind]
        return render(
            request,
            "whatif.html",
            user,
            code,
            **context,
            person=external_id(store, person_id),
            opportunity=opportunity,
            amount=amount or "",
            period=period or "",
        )

    return page(request, build)


@router.get(PATH, response_class=HTMLResponse)
async def whatif_page(
    request: Request,
    person_id: int,
    opportunity: str = "",
    amount: str | None = None,
    period: str | None = None,
) -> Response:
    return await run_in_threadpool(_page, request, person_id, opportunity, amount, period)
