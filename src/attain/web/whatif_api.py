"""The what-if under /api/v1: a person's open opportunities, and what the person earns if one closes at an
amount (before, after, delta in the plan currency, and every line that makes the delta).

Scoping: a rep asks about themself, a manager about their subtree, the org-wide roles about anyone; a person
out of reach answers 404. The opportunity must be owned by someone in the caller's reach too, so its
amount and stage cannot be read through another person's what-if.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from attain.app.runs.payouts import external_id
from attain.app.runs.ports import OpportunityRecord
from attain.app.runs.whatif import (
    SplitShare,
    WhatIfResult,
    estimate_opportunity,
    find_opportunity,
    open_opportunities,
)
from attain.app.runs.whatif_cache import WhatIfCache
from attain.app.runs.whatif_report import as_data
from attain.domain.errors import NotFound
from attain.store.unit_of_work import SqlStore
from attain.web.authz import Caller, guard
from attain.web.deps import get_store
from attain.web.figures import today_of

router = APIRouter(prefix="/api/v1", tags=["what-if"])
Store = Annotated[SqlStore, Depends(get_store)]
Subject = Annotated[Caller, Depends(guard(subject="person_id"))]
MINOR = "minor units of the currency (cents for USD)"
_CACHE_LOCK = threading.Lock()


class OpportunityOut(BaseModel):
    id: str
    name: str | None
    owner: str = Field(description="the owner's external id")
    owner_name: str
    account: str | None
    product: str | None
    product_family: str | None
    stage: str
    status: str
    amount: int | None = Field(description=MINOR)
    currency: str | None
    created_on: date | None
    close_on: date | None = Field(description="the expected close date while open")

    @classmethod
    def of(cls, o: OpportunityRecord) -> OpportunityOut:
        return cls(
            id=o.external_id,
            name=o.name,
            owner=o.owner,
            owner_name=o.owner_name,
            account=o.account,
            product=o.product,
            product_family=o.product_family,
            stage=o.stage,
            status=o.status,
            amount=o.amount,
            currency=o.currency,
            created_on=o.created_on,
            close_on=o.close_on,
        )


class WhatIfLineOut(BaseModel):
    plan: str
    component: str
    kind: str = Field(description="commission, spiff, order_min, order_max, gate, cap, plan_cap, bonus, ...")
    order: str | None
    before: int = Field(description="without the deal, in minor units of the plan currency")
    after: int = Field(description="with the deal booked")
    delta: int
    explanation: dict[str, Any] = Field(description="credit, share, basis, tier, rate, attainment, note")
    text: str


class SplitOut(BaseModel):
    person: str
    share: str
    role: str


class WhatIfOut(BaseModel):
    person_id: int
    person: str
    name: str
    period: str
    booked_on: date = Field(description="the day the deal is booked (and taken as invoiced and paid)")
    opportunity: OpportunityOut
    amount: int = Field(description=f"the deal's amount in {MINOR} of `currency`")
    currency: str
    plan_currency: str
    plans: list[str]
    before: int = Field(description="the person's earnings in the period without the deal, plan currency")
    after: int
    delta: int
    lines: list[WhatIfLineOut] = Field(description="the deal's own lines")
    changes: list[WhatIfLineOut] = Field(description="the other lines the deal changes (tiers, gates, caps)")
    splits: list[SplitOut]

    @classmethod
    def of(cls, person_id: int, r: WhatIfResult) -> WhatIfOut:
        data = as_data(r)
        data["opportunity"] = OpportunityOut.of(r.opportunity)
        return cls.model_validate({**data, "person_id": person_id})


def whatif_cache(request: Request) -> WhatIfCache:
    """The app's what-if cache (one per app, made on first use)."""
    with _CACHE_LOCK:
        found = getattr(request.app.state, "whatif_cache", None)
        if not isinstance(found, WhatIfCache):
            found = WhatIfCache()
            request.app.state.whatif_cache = found
    return found


def reachable_opportunity(
    store: SqlStore, caller_allows: Callable[[int], bool], opportunity: str
) -> OpportunityRecord:
    """The opportunity if its owner is in the caller's reach; otherwise the 404 of one that does not exist."""
    found = find_opportunity(store, opportunity)
    if not caller_allows(found.owner_id):
        raise NotFound(f"opportunity {opportunity} not found", hint="name opportunities by their external id")
    return found


def estimate_for(
    request: Request,
    store: SqlStore,
    caller_allows: Callable[[int], bool],
    person_id: int,
    opportunity: str,
    amount: Decimal | None,
    period: str | None,
    splits: list[str],
) -> WhatIfResult:
    """The what-if the pages and the API both answer, through the app's cache."""
    person = external_id(store, person_id)
    reachable_opportunity(store, caller_allows, opportunity)
    return estimate_opportunity(
        store,
        person,
        opportunity,
        today=today_of(request),
        amount=amount,
        period_key=period or None,
        splits=[SplitShare.parse(s) for s in splits],
        cache=whatif_cache(request),
    )


@router.get("/people/{person_id}/open-opportunities")
def person_open_opportunities(person_id: int, caller: Subject, store: Store) -> list[OpportunityOut]:
    """The open opportunities the person owns, by expected close date: what a what-if can be asked on."""
    return [OpportunityOut.of(o) for o in open_opportunities(store, external_id(store, person_id))]


@router.get("/people/{person_id}/whatif")
def person_whatif(
    request: Request,
    person_id: int,
    caller: Subject,
    store: Store,
    opportunity: Annotated[
        str, Query(min_length=1, max_length=200, description="open opportunity (external id)")
    ],
    amount: Annotated[
        Decimal | None,
        Query(
            gt=0, max_digits=20, description="the amount it closes at, in its currency (default: its amount)"
        ),
    ] = None,
    period: Annotated[
        str | None,
        Query(max_length=32, description="period to estimate (default: the open one of the expected close)"),
    ] = None,
    split: Annotated[
        list[str] | None,
        Query(
            max_length=20, description="credit split PERSON:SHARE[:overlay], repeated; direct shares sum to 1"
        ),
    ] = None,
) -> WhatIfOut:
    """What the person earns in the period if the opportunity closes at `amount`: before, after and delta in
    the plan currency (minor units), the deal's explained lines and the other lines it changes."""
    scope = caller.scope()
    result = estimate_for(request, store, scope.allows, person_id, opportunity, amount, period, split or [])
    return WhatIfOut.of(person_id, result)
