"""The comp admin's plan pages: the plans, a plan's version history, an editor that checks the text like
`attain plan check` (the error shown inline at its line:col) and saves a new version, and the diff of two
versions: their text, and each person's earnings under both on a chosen period.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from attain.app.ports import UserInfo
from attain.app.runs.periods import period_states
from attain.app.runs.plan_tools import PlanText, diff_plans
from attain.domain.errors import AttainError, InvalidInput, NotFound
from attain.domain.plans.model import CompiledPlan
from attain.domain.plans.source import PlanError
from attain.engine.plan_source import compile_text
from attain.store.unit_of_work import SqlStore
from attain.web.deps import get_store
from attain.web.errors import STATUS
from attain.web.layout import page, render
from attain.web.pay_pages import PAY_ADMIN, admit, context_of, form_post, notify, see_other
from attain.web.tables import Column, Table, csv_response

router = APIRouter(prefix="/admin", include_in_schema=False)
NEW_PLAN = """\
plan: my_plan
name: My plan
currency: USD
period: quarter
crediting:
  roles: [direct]
measures:
  bookings:
    sum: amount
components:
  - commission: core
    measure: bookings
    rate: 5%
"""


class EditorAction(StrEnum):
    CHECK = "check"
    SAVE = "save"


def _plans(store: SqlStore) -> list[dict[str, Any]]:
    with store.transaction() as tx:
        found = tx.plans.listing()
    return [
        {
            "key": key,
            "name": name,
            "version": info.version,
            "saved": info.created_at.strftime("%Y-%m-%d %H:%M"),
            "by": info.created_by,
            "comment": info.comment,
        }
        for key, name, info in found
    ]


def plans_table(request: Request) -> Table:
    columns = [
        Column("key", "Plan", link=lambda r: f"/admin/plans/{r['key']}"),
        Column("name", "Name"),
        Column("version", "Latest version"),
        Column("saved", "Saved"),
        Column("by", "By"),
        Column("comment", "Comment"),
    ]
    rows = _plans(get_store(request))
    empty = "No plans yet: write one with “New plan”."
    return Table("plans", "Plans", columns, rows, request.query_params, empty=empty)


@router.get("/plans", response_class=HTMLResponse)
def plans_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        table = plans_table(request)
        return render(request, "admin_plans.html", user, **context_of(request, table=table))

    return page(request, build)


@router.get("/plans.csv")
def plans_csv(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        return csv_response([plans_table(request)], request.query_params, "plans")

    return page(request, build)


def _versions(store: SqlStore, key: str) -> list[Any]:
    with store.transaction() as tx:
        found = tx.plans.versions(key)
    if not found:
        raise NotFound(f"no plan '{key}' is stored", hint="the plans page lists them; “New plan” starts one")
    return found


def _document(store: SqlStore, key: str, version: int | None) -> str:
    with store.transaction() as tx:
        text = tx.plans.document(key, version)
    if text is None:
        raise NotFound(f"plan {key} has no version {version}")
    return text


def _editor(
    request: Request,
    user: UserInfo,
    key: str | None,
    text: str,
    *,
    code: int = 200,
    version: int | None = None,
    **extra: Any,
) -> Response:
    store = get_store(request)
    versions = _versions(store, key) if key else []
    quarters = [s.key for s in period_states(store) if str(s.stored.period.kind) == "quarter"]
    error = extra.get("error")
    mark = error.mark if isinstance(error, PlanError) else None
    context = context_of(
        request,
        key=key,
        text=text,
        lines=text.splitlines() or [""],
        mark=mark,
        version=version,
        versions=list(reversed(versions)),
        periods=quarters,
        **extra,
    )
    return render(request, "admin_plan.html", user, code, **context)


@router.get("/plans/new", response_class=HTMLResponse)
def new_plan_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        return _editor(request, user, None, NEW_PLAN)

    return page(request, build)


@router.get("/plans/{key}", response_class=HTMLResponse)
def plan_page(request: Request, key: str) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        asked = request.query_params.get("version", "")
        version = int(asked) if asked.isdigit() else None
        store = get_store(request)
        versions = _versions(store, key)
        shown = version or versions[-1].version
        return _editor(request, user, key, _document(store, key, shown), version=shown)

    return page(request, build)


def _check(text: str, key: str | None) -> CompiledPlan:
    plan = compile_text(text)
    if key is not None and plan.key != key:
        raise InvalidInput(
            f"the document is plan '{plan.key}', not '{key}'",
            hint=f"keep 'plan: {key}' to save a version of {key}, or start a new plan",
        )
    return plan


def _save(request: Request, user: UserInfo, plan: CompiledPlan, text: str, comment: str) -> tuple[int, bool]:
    at = datetime.now(UTC)
    with get_store(request).transaction() as tx:
        saved = tx.plans.save(plan.key, plan.name, text, comment=comment.strip(), actor=user.username, at=at)
        if saved.created:
            tx.audit.record(
                at=at,
                actor=user.username,
                action="plan.save",
                entity="plan",
                entity_id=plan.key,
                reason=comment.strip() or None,
                detail={"version": saved.version.version, "checksum": saved.version.checksum},
            )
    return saved.version.version, saved.created


def _edit(request: Request, key: str | None, csrf: str, text: str, comment: str, action: str) -> Response:
    def write(user: UserInfo) -> Response:
        document = text.replace("\r\n", "\n")
        try:
            chosen = EditorAction(action)
            plan = _check(document, key)
        except ValueError:
            error = InvalidInput(f"unknown action '{action}'", hint="check or save")
            return _editor(request, user, key, document, code=422, error=error, comment=comment)
        except AttainError as exc:
            return _editor(request, user, key, document, code=STATUS[exc.kind], error=exc, comment=comment)
        if chosen is EditorAction.CHECK:
            kinds = ", ".join(f"{type(c).__name__.lower()} {c.key}" for c in plan.components)
            ok = f"ok: plan '{plan.key}' ({plan.currency}, paid per {plan.period}); components: {kinds}"
            return _editor(request, user, key, document, checked=ok, comment=comment)
        version, created = _save(request, user, plan, document, comment)
        notify(
            request,
            f"Saved plan {plan.key} version {version}."
            if created
            else f"Unchanged: version {version} has the same text.",
        )
        return see_other(f"/admin/plans/{plan.key}?version={version}")

    return form_post(request, csrf, PAY_ADMIN, write)


@router.post("/plans/new")
def new_plan(
    request: Request,
    csrf: Annotated[str, Form()],
    text: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = EditorAction.CHECK.value,
) -> Response:
    return _edit(request, None, csrf, text, comment, action)


@router.post("/plans/{key}")
def edit_plan(
    request: Request,
    key: str,
    csrf: Annotated[str, Form()],
    text: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = EditorAction.CHECK.value,
) -> Response:
    return _edit(request, key, csrf, text, comment, action)


def _diff_view(request: Request, key: str) -> dict[str, Any]:
    """Two versions (`a`, `b`; default the last two): the text diff, and with `period` each person's
    earnings under both on that period's facts."""
    store = get_store(request)
    versions = [v.version for v in _versions(store, key)]
    params = request.query_params
    a = int(params["a"]) if params.get("a", "").isdigit() else versions[max(0, len(versions) - 2)]
    b = int(params["b"]) if params.get("b", "").isdigit() else versions[-1]
    left, right = _document(store, key, a), _document(store, key, b)
    text_diff = list(
        difflib.unified_diff(left.splitlines(), right.splitlines(), f"{key}@{a}", f"{key}@{b}", lineterm="")
    )
    period = params.get("period", "").strip().upper()
    table = None
    if period:
        rows = diff_plans(store, PlanText(f"{key}@{a}", left), PlanText(f"{key}@{b}", right), period)
        columns = [
            Column("person_id", "Person"),
            Column("name", "Name"),
            Column(f"{key}@{a}", f"Earnings v{a}"),
            Column(f"{key}@{b}", f"Earnings v{b}"),
            Column("delta", "Delta"),
        ]
        title = f"Earnings in {period}: version {a} and version {b}"
        empty = f"Nobody is assigned plan {key} in {period}."
        table = Table("delta", title, columns, rows, params, empty=empty)
    quarters = [s.key for s in period_states(store) if str(s.stored.period.kind) == "quarter"]
    return {
        "key": key,
        "a": a,
        "b": b,
        "versions": versions,
        "text_diff": text_diff,
        "period": period,
        "periods": quarters,
        "table": table,
    }


@router.get("/plans/{key}/diff", response_class=HTMLResponse)
def diff_page(request: Request, key: str) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        return render(
            request, "admin_plan_diff.html", user, **context_of(request, **_diff_view(request, key))
        )

    return page(request, build)


@router.get("/plans/{key}/diff.csv")
def diff_csv(request: Request, key: str) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        table = _diff_view(request, key)["table"]
        if table is None:
            raise InvalidInput("choose a period for the earnings delta", hint="add ?period=FY2025-Q1")
        return csv_response([table], request.query_params, f"{key}-diff")

    return page(request, build)
