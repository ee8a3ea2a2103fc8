"""Forecast pages: the forecast of a period per scope against goal (methods side by side, interval chart,
accuracy with the best method, calibration), the weekly calls (a form to submit one's own call, the team's
roll-up and a manager's override with a note) and the snapshot history week by week.

Each page's tables come as CSV from the same route with `.csv` (`?table=<id>`). What a page shows is cut to
the caller's reach like the API: a rep their own scope, a manager their subtree, org-wide roles everything.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from attain.analytics.forecast.outlook import ForecastRequest
from attain.analytics.forecast.series import Grain
from attain.app.forecasts.ports import Call
from attain.app.forecasts.snapshots import snapshot
from attain.app.forecasts.submissions import find_period, override, rollup, submit, weeks_in
from attain.app.ports import UserInfo
from attain.app.runs.statements import money
from attain.domain.errors import AttainError, InvalidInput
from attain.domain.money import to_minor
from attain.web.deps import get_store
from attain.web.errors import STATUS
from attain.web.forecast_api import current_period, default_week
from attain.web.forecast_cache import ACCURACY_METHODS, PAGE_FOLDS, PAGE_HORIZON, Forecasts
from attain.web.forecast_tables import (
    accuracy_table,
    calibration_table,
    calls_table,
    history_table,
    interval_chart,
    outlook_table,
)
from attain.web.layout import page, render
from attain.web.pay_pages import admit, context_of, form_post, notify, see_other, today
from attain.web.tables import Table, csv_response

router = APIRouter(include_in_schema=False)
LEADS = ("admin", "comp_admin", "finance", "viewer", "manager")
CALLERS = ("rep", "manager", "admin")


def _currency(request: Request) -> str:
    with get_store(request).transaction() as tx:
        cal = tx.calendars.default()
    return cal.currency if cal else "USD"


# --- the forecast page ---------------------------------------------------------------------------------


def _forecast(request: Request, user: UserInfo) -> tuple[dict[str, Any], list[Table]]:
    people = admit(request, user, LEADS)
    store = get_store(request)
    day = today(request)
    params = request.query_params
    period = current_period(store, day, params.get("period") or None)
    cached = Forecasts.of(request)  # company-wide fits, once per data version; cut to `view` below
    view = cached.view(people, day)
    found = cached.outlook(ForecastRequest(period, day))
    rows = [r for r in found.rows if view.sees(str(r["scope"]))]
    scopes = [(str(r["scope"]), str(r["name"])) for r in rows]
    wanted = params.get("scope") or (scopes[0][0] if scopes else "")
    chosen = next((r for r in rows if r["scope"] == wanted), None)
    result = cached.backtest(
        as_of=day, grain=Grain.MONTH, horizon=PAGE_HORIZON, folds=PAGE_FOLDS, methods=ACCURACY_METHODS
    )
    best = dict(zip(result.best["scope"], result.best["method"], strict=True))
    accuracy = [
        {**r, "best": "best" if best.get(r["scope"]) == r["method"] else ""}
        for r in result.summary.iter_rows(named=True)
        if view.sees(str(r["scope"])) and (chosen is None or r["scope"] == chosen["scope"])
    ]
    cal = cached.calibration(day) if people.everyone or "manager" in user.roles else None
    tables = [
        outlook_table(params, rows, found.currency),
        accuracy_table(params, accuracy),
        calibration_table(params, [] if cal is None else list(cal.table.iter_rows(named=True))),
    ]
    context = {
        "title": "Forecast",
        "charts": True,
        "period": found.period,
        "as_of": found.as_of,
        "currency": found.currency,
        "scopes": scopes,
        "chosen": chosen,
        "chart": None if chosen is None else interval_chart(chosen, found.currency),
        "calibration": cal,
        "weights": found.weights,
        "money": money,
        "fit": cached.freshness(),
        # Asked by the stale note's poll: once fresh, it links to the new figures instead of going quiet.
        "refreshed": request.headers.get("HX-Request") == "true",
    }
    return context, tables


@router.get("/forecasts", response_class=HTMLResponse)
def forecast_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        context, tables = _forecast(request, user)
        tabs = {t.id: t for t in tables}
        return render(request, "forecast.html", user, tables=tabs, path="/forecasts", **context)

    return page(request, build)


@router.get("/forecasts.csv")
def forecast_csv(request: Request) -> Response:
    return page(
        request, lambda user: csv_response(_forecast(request, user)[1], request.query_params, "forecast")
    )


# --- weekly calls ---------------------------------------------------------------------------------------


def _calls(request: Request, user: UserInfo, code: int = 200, **extra: Any) -> Response:
    people = admit(request, user, CALLERS)
    store = get_store(request)
    day = today(request)
    params = request.query_params
    period = current_period(store, day, params.get("period") or None)
    with store.transaction() as tx:
        stored = find_period(tx, period)
    week_text = params.get("week", "")
    week = int(week_text) if week_text.isdigit() else default_week(store, period, day)
    roll = rollup(store, period=stored.period.key, week=week)
    lines = [line for line in roll.lines if people.allows(line.person_id)]
    currency = _currency(request)
    reports = [line for line in lines if line.manager_id == user.person_id]
    own = next((line for line in lines if line.person_id == user.person_id), None)
    context = context_of(
        request,
        title="Weekly calls",
        period=stored.period.key,
        week=week,
        weeks=range(1, weeks_in(stored.period) + 1),
        as_of=roll.as_of,
        own=own,
        reports=reports if "manager" in user.roles else [],
        company=roll.company if people.everyone else None,
        currency=currency,
        tables={"calls": calls_table(params, lines, currency)},
        path="/forecasts/calls",
        money=money,
        values=extra.pop("values", {}),
        **extra,
    )
    return render(request, "forecast_calls.html", user, code, **context)


@router.get("/forecasts/calls", response_class=HTMLResponse)
def calls_page(request: Request) -> Response:
    return page(request, lambda user: _calls(request, user))


@router.get("/forecasts/calls.csv")
def calls_csv(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        people = admit(request, user, CALLERS)
        store = get_store(request)
        period = current_period(store, today(request), request.query_params.get("period") or None)
        week_text = request.query_params.get("week", "")
        week = int(week_text) if week_text.isdigit() else default_week(store, period, today(request))
        roll = rollup(store, period=period, week=week)
        lines = [line for line in roll.lines if people.allows(line.person_id)]
        table = calls_table(request.query_params, lines, _currency(request))
        return csv_response([table], request.query_params, "calls")

    return page(request, build)


def _amounts(currency: str, commit: str, best_case: str, pipeline: str) -> Call:
    try:
        return Call(*(to_minor(v.strip() or "0", currency) for v in (commit, best_case, pipeline)))
    except (ValueError, ArithmeticError):
        raise InvalidInput(
            "commit, best case and pipeline must be amounts", hint="write them in major units, e.g. 120000.00"
        ) from None


def _external(request: Request, user: UserInfo, person_id: int) -> str:
    admit(request, user, CALLERS, person_id)
    with get_store(request).transaction() as tx:
        rows = tx.people.listing(today(request), {person_id})
    if not rows:
        raise InvalidInput(f"person {person_id} not found")
    return str(rows[0]["external_id"])


@router.post("/forecasts/calls/submit")
def submit_form(
    request: Request,
    csrf: Annotated[str, Form()],
    period: Annotated[str, Form()] = "",
    week: Annotated[int, Form()] = 1,
    commit: Annotated[str, Form()] = "",
    best_case: Annotated[str, Form()] = "",
    pipeline: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    values = {"commit": commit, "best_case": best_case, "pipeline": pipeline, "note": note}

    def write(user: UserInfo) -> Response:
        try:
            if user.person_id is None:
                raise InvalidInput("your login is not linked to a person", hint="ask an admin to link it")
            currency = _currency(request)
            submit(
                get_store(request),
                person=_external(request, user, user.person_id),
                period=period,
                week=week,
                call=_amounts(currency, commit, best_case, pipeline),
                currency=currency,
                note=note.strip() or None,
                actor=user.username,
                at=datetime.now(UTC),
            )
        except AttainError as exc:
            return _calls(request, user, STATUS[exc.kind], error=exc, values=values)
        notify(request, f"Your call for {period}, week {week} is submitted.")
        return see_other(f"/forecasts/calls?period={period}&week={week}")

    return form_post(request, csrf, CALLERS, write)


@router.post("/forecasts/calls/override")
def override_form(
    request: Request,
    csrf: Annotated[str, Form()],
    subject_id: Annotated[int, Form()],
    period: Annotated[str, Form()] = "",
    week: Annotated[int, Form()] = 1,
    commit: Annotated[str, Form()] = "",
    best_case: Annotated[str, Form()] = "",
    pipeline: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    def write(user: UserInfo) -> Response:
        try:
            if user.person_id is None:
                raise InvalidInput("your login is not linked to a person", hint="ask an admin to link it")
            currency = _currency(request)
            override(
                get_store(request),
                manager=_external(request, user, user.person_id),
                subject=_external(request, user, subject_id),
                period=period,
                week=week,
                call=_amounts(currency, commit, best_case, pipeline),
                currency=currency,
                note=note,
                actor=user.username,
                at=datetime.now(UTC),
            )
        except AttainError as exc:
            return _calls(request, user, STATUS[exc.kind], error=exc, values={"override_note": note})
        notify(request, f"Overrode the call of person {subject_id} for {period}, week {week}.")
        return see_other(f"/forecasts/calls?period={period}&week={week}")

    return form_post(request, csrf, ("manager",), write)


# --- snapshot history -------------------------------------------------------------------------------------


def _history(request: Request, user: UserInfo) -> tuple[dict[str, Any], list[Table]]:
    people = admit(request, user, LEADS)
    store = get_store(request)
    day = today(request)
    params = request.query_params
    period = current_period(store, day, params.get("period") or None)
    with store.transaction() as tx:
        stored = find_period(tx, period)
        weeks = tx.forecasts.snapshot_weeks(stored.id)
    view = Forecasts.of(request).view(people, day)
    rows: list[dict[str, Any]] = []
    for week in weeks:
        for r in snapshot(store, period=stored.period.key, week=week):
            if view.sees(r.scope):
                rows.append({"week": week, "scope": r.scope, "method": r.method, "amount": r.amount})
    currency = _currency(request)
    context = {"title": "Forecast history", "period": stored.period.key, "weeks": weeks}
    return context, [history_table(params, rows, currency)]


@router.get("/forecasts/history", response_class=HTMLResponse)
def history_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        context, tables = _history(request, user)
        tabs = {t.id: t for t in tables}
        return render(
            request, "forecast_history.html", user, tables=tabs, path="/forecasts/history", **context
        )

    return page(request, build)


@router.get("/forecasts/history.csv")
def history_csv(request: Request) -> Response:
    return page(
        request, lambda user: csv_response(_history(request, user)[1], request.query_params, "history")
    )
