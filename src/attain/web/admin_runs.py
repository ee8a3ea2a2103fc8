"""Comp admin pages for runs: start a run of a period (calculated in the background, progress polled with
HTMX), the list of runs, one run's results per payee, and the comparison with the previous run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from attain.app.ports import UserInfo
from attain.app.runs.engines import EngineKind
from attain.app.runs.payouts import run_payees
from attain.app.runs.periods import PeriodState, period_states, previous_run, run_info
from attain.app.runs.ports import RunInfo
from attain.app.runs.reports import compare_runs
from attain.domain.errors import InvalidInput, NotFound
from attain.web.deps import get_store
from attain.web.layout import page, render
from attain.web.pay_pages import PAY_ADMIN, admit, context_of, form_post, major, see_other
from attain.web.pay_schemas import RowId
from attain.web.run_jobs import RunJob, run_jobs
from attain.web.tables import Column, Kind, Table, csv_response

router = APIRouter(prefix="/admin", include_in_schema=False)
ENGINES = ("", *(e.value for e in EngineKind))


def runs_table(params: Any, runs: list[RunInfo]) -> Table:
    rows = [
        {
            "id": r.id,
            "period": r.period_key,
            "status": r.status,
            "engine": r.engine,
            "scope": "everyone" if r.scope is None else ", ".join(r.scope),
            "payees": r.payees,
            "total": major(r.total, "USD"),
            "as_of": r.as_of,
            "started": r.started_at.strftime("%Y-%m-%d %H:%M"),
            "actor": r.actor,
            "results": r.results_hash[:12],
            "error": r.error or "",
        }
        for r in runs
    ]
    columns = [
        Column("id", "Run", Kind.COUNT, link=lambda row: f"/admin/runs/{row['id']}"),
        Column("period", "Period"),
        Column("status", "Status", Kind.STATUS),
        Column("engine", "Engine"),
        Column("scope", "People"),
        Column("payees", "Payees", Kind.COUNT),
        Column("total", "Payout", Kind.MONEY),
        Column("as_of", "As of", Kind.DATE),
        Column("started", "Started"),
        Column("actor", "By"),
        Column("results", "Results hash"),
        Column("error", "Error"),
    ]
    return Table(
        "runs",
        "Runs",
        columns,
        rows,
        params,
        empty="No runs yet: start one above.",
        default_sort="id",
        default_descending=True,
    )


def _default_period(states: list[PeriodState], asked: str | None) -> str | None:
    if asked:
        return asked.upper()
    open_quarters = [s for s in states if not s.closed and s.stored.period.kind == "quarter"]
    return open_quarters[0].key if open_quarters else None


def _runs_page(request: Request, user: UserInfo, code: int = 200, **extra: Any) -> Response:
    store = get_store(request)
    states = period_states(store)
    params = request.query_params
    wanted = (params.get("period") or "").upper() or None
    with store.transaction() as tx:
        runs = [r for r in tx.runs.listing() if wanted is None or r.period_key == wanted]
    table = runs_table(params, runs)
    context = context_of(
        request,
        table=table,
        open_periods=[s.key for s in states if not s.closed],
        chosen=extra.pop("chosen", None) or _default_period(states, params.get("period")),
        engines=ENGINES,
        jobs=run_jobs(request).active(),
        wanted=wanted,
        **extra,
    )
    return render(request, "admin_runs.html", user, code, **context)


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        return _runs_page(request, user)

    return page(request, build)


@router.get("/runs.csv")
def runs_csv(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        with get_store(request).transaction() as tx:
            runs = tx.runs.listing()
        wanted = (request.query_params.get("period") or "").upper()
        chosen = [r for r in runs if not wanted or r.period_key == wanted]
        return csv_response([runs_table(request.query_params, chosen)], request.query_params, "runs")

    return page(request, build)


def _people(text: str) -> list[str] | None:
    found = [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]
    return found or None


@router.post("/runs")
def start_run(
    request: Request,
    csrf: Annotated[str, Form()],
    period: Annotated[str, Form()] = "",
    people: Annotated[str, Form()] = "",
    engine: Annotated[str, Form()] = "",
    as_of: Annotated[str, Form()] = "",
) -> Response:
    def write(user: UserInfo) -> Response:
        try:
            if not period.strip():
                raise InvalidInput("choose a period to run")
            if engine not in ENGINES:
                raise InvalidInput(f"unknown engine '{engine}'", hint="reference or fast")
            day = date.fromisoformat(as_of) if as_of.strip() else None
        except ValueError:
            error = InvalidInput(f"'{as_of}' is not a date", hint="write it as 2025-03-31")
            return _runs_page(request, user, 422, error=error, chosen=period)
        except InvalidInput as exc:
            return _runs_page(request, user, 422, error=exc, chosen=period)
        job = run_jobs(request).start(
            period,
            actor=user.username,
            people=_people(people),
            engine=EngineKind(engine) if engine else None,
            as_of=day,
        )
        return see_other(f"/admin/runs/jobs/{job.id}")

    return form_post(request, csrf, PAY_ADMIN, write)


def _job(request: Request, job_id: str) -> RunJob:
    job = run_jobs(request).get(job_id)
    if job is None:
        raise NotFound(
            "this run is not running any more (the app restarted)", hint="the runs page lists every run"
        )
    return job


@router.get("/runs/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        job = _job(request, job_id)
        if job.done and job.summary is not None:
            return see_other(f"/admin/runs/{job.summary.run_id}")
        now = datetime.now(UTC)
        return render(request, "admin_run_job.html", user, job=job, now=now, fragment=False)

    return page(request, build)


@router.get("/runs/jobs/{job_id}/status", response_class=HTMLResponse)
def job_status(request: Request, job_id: str) -> Response:
    """The progress fragment the job page polls; a finished run sends the browser to its results."""

    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        job = _job(request, job_id)
        response = render(request, "admin_run_job.html", user, job=job, now=datetime.now(UTC), fragment=True)
        if job.done and job.summary is not None:
            response.headers["HX-Redirect"] = f"/admin/runs/{job.summary.run_id}"
        return response

    return page(request, build)


def payees_table(params: Any, run: RunInfo, request: Request) -> Table:
    payees = run_payees(get_store(request), run.id)
    rows = [
        {
            "person": p.person,
            "name": p.name,
            "person_id": p.person_id,
            "plan": p.plan_key,
            "currency": p.currency,
            "earnings": major(p.earnings, p.currency),
            "payout": major(p.payout, p.currency),
            "balance": major(p.balance, p.currency),
            "lines": len(p.lines),
        }
        for p in payees
    ]
    statement = f"/statements/{{}}/{run.period_key}"
    columns = [
        Column("person", "Person"),
        Column("name", "Name", link=lambda row: statement.format(row["person_id"])),
        Column("plan", "Plan"),
        Column("currency", "Currency"),
        Column("earnings", "Earnings", Kind.MONEY),
        Column("payout", "Payout", Kind.MONEY),
        Column("balance", "Draw balance", Kind.MONEY),
        Column("lines", "Lines", Kind.COUNT),
    ]
    return Table("payees", f"Results of run {run.id}", columns, rows, params, empty="This run paid nobody.")


@router.get("/runs/{run_id}.csv")
def run_csv(request: Request, run_id: RowId) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        run = run_info(get_store(request), run_id)
        return csv_response([payees_table(request.query_params, run, request)], request.query_params, "run")

    return page(request, build)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: RowId) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        store = get_store(request)
        run = run_info(store, run_id)
        context = context_of(
            request,
            run=run,
            table=payees_table(request.query_params, run, request),
            previous=previous_run(store, run),
        )
        return render(request, "admin_run.html", user, **context)

    return page(request, build)


def _compare_view(request: Request, run_id: int) -> dict[str, Any]:
    """This run against another (`?with=`, by default the previous run of the period): per person and plan."""
    store = get_store(request)
    run = run_info(store, run_id)
    other_text = request.query_params.get("with", "")
    if other_text.isdigit():
        other = run_info(store, int(other_text))
    else:
        found = previous_run(store, run)
        if found is None:
            raise NotFound(f"run {run_id} has no earlier successful run of {run.period_key}")
        other = found
    summary, rows = compare_runs(store, other.id, run.id)
    columns = [
        Column("person_id", "Person"),
        Column("plan", "Plan"),
        Column("currency", "Currency"),
        Column("earnings_a", f"Earnings run {other.id}"),
        Column("earnings_b", f"Earnings run {run.id}"),
        Column("payout_a", f"Payout run {other.id}"),
        Column("payout_b", f"Payout run {run.id}"),
        Column("delta", "Payout delta"),
        Column("changed", "Lines changed"),
    ]
    shown = [{**r, "changed": "yes" if r["lines_changed"] else "no"} for r in rows]
    table = Table("compare", "Per person and plan", columns, shown, request.query_params)
    return {"run": run, "other": other, "summary": summary, "table": table}


@router.get("/runs/{run_id}/compare", response_class=HTMLResponse)
def compare_page(request: Request, run_id: RowId) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        return render(
            request, "admin_compare.html", user, **context_of(request, **_compare_view(request, run_id))
        )

    return page(request, build)


@router.get("/runs/{run_id}/compare.csv")
def compare_csv(request: Request, run_id: RowId) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        table = _compare_view(request, run_id)["table"]
        return csv_response([table], request.query_params, f"run-{run_id}-compare")

    return page(request, build)
