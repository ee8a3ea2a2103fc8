"""The forecast JSON API under /api/v1: the outlook per scope against goal, backtest accuracy, calibration
of win probabilities, the weekly calls (submit, override, roll-up), snapshots by week, recorded errors and
a rep's expected earnings. Every route is guarded; answers hold only the scopes in the caller's reach
(a rep their own, a manager their subtree and the teams inside it, org-wide roles everything).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from attain.analytics.forecast.backtest import BACKTEST_METHODS
from attain.analytics.forecast.methods import Method
from attain.analytics.forecast.outlook import ForecastRequest
from attain.analytics.forecast.series import Grain
from attain.app.forecasts.outlook import ScopeView
from attain.app.forecasts.snapshots import snapshot, take_snapshot
from attain.app.forecasts.submissions import find_period, override, rollup, submit, week_of, weeks_in
from attain.domain.calendar import PeriodKind
from attain.domain.errors import InvalidInput, NotFound
from attain.store.unit_of_work import SqlStore
from attain.web.authz import Caller, guard
from attain.web.deps import get_store
from attain.web.forecast_cache import ACCURACY_METHODS, Forecasts, forecasts_of
from attain.web.forecast_schemas import (
    AccuracyOut,
    CalibrationOut,
    CallOut,
    DecileOut,
    EarningsOut,
    ForecastErrorOut,
    MethodAccuracyOut,
    OutlookOut,
    OverrideIn,
    OverrideOut,
    PeriodPath,
    PersonForecastOut,
    RollupLineOut,
    RollupOut,
    ScopeOutlookOut,
    SnapshotIn,
    SnapshotOut,
    SnapshotRowOut,
    SnapshotWeeksOut,
    SubmissionIn,
    SubmissionOut,
    WeekPath,
)

router = APIRouter(prefix="/api/v1", tags=["forecasts"])
Store = Annotated[SqlStore, Depends(get_store)]
Cached = Annotated[Forecasts, Depends(forecasts_of)]
Anyone = Annotated[Caller, Depends(guard())]
PersonCaller = Annotated[Caller, Depends(guard(subject="person_id"))]
Caller_ = Annotated[Caller, Depends(guard("rep", "manager", "admin"))]
Manager = Annotated[Caller, Depends(guard("manager"))]
Snapshotter = Annotated[Caller, Depends(guard("admin", "comp_admin"))]
Analyst = Annotated[Caller, Depends(guard("admin", "comp_admin", "finance", "viewer", "manager"))]
PeriodQ = Annotated[str | None, Query(max_length=32, description="a period key (default: this quarter)")]
AsOfQ = Annotated[date | None, Query(description="facts after this day are ignored (default: today)")]


def current_period(store: SqlStore, day: date, key: str | None) -> str:
    """`key`, or the quarter of the default calendar that contains `day`."""
    if key:
        return key
    with store.transaction() as tx:
        cal = tx.calendars.default()
    if cal is None:
        raise NotFound("there is no calendar", hint="run `attain init` first")
    return cal.fiscal.period_of(PeriodKind.QUARTER, day).key


def _fit(cached: Forecasts) -> dict[str, object]:
    """The answer's `computed_at`, `data_version` and `stale`: how current the fits it used are."""
    f = cached.freshness()
    return {"computed_at": f.computed_at, "data_version": f.version, "stale": f.stale}


def _view(cached: Forecasts, caller: Caller) -> ScopeView:
    return cached.view(caller.scope(), caller.today)


def _currency(store: SqlStore) -> str:
    with store.transaction() as tx:
        cal = tx.calendars.default()
    return cal.currency if cal else "USD"


def _outlook(
    store: SqlStore, cached: Forecasts, caller: Caller, period: str | None, as_of: date | None
) -> OutlookOut:
    """The company-wide outlook (fitted once per data version), cut to the scopes in the caller's reach."""
    day = as_of or caller.today
    found = cached.outlook(ForecastRequest(current_period(store, day, period), day))
    view = _view(cached, caller)
    return OutlookOut(
        period=found.period,
        as_of=found.as_of,
        currency=found.currency,
        weights=found.weights,
        scopes=[ScopeOutlookOut(**r) for r in found.rows if view.sees(str(r["scope"]))],
        **_fit(cached),
    )


@router.get("/forecasts/outlook")
def outlook(
    caller: Anyone,
    store: Store,
    cached: Cached,
    period: PeriodQ = None,
    as_of: AsOfQ = None,
    scope: Annotated[
        str | None, Query(max_length=64, description="company, team:<id> or person:<id>")
    ] = None,
) -> OutlookOut:
    """Statistical, pipeline-weighted, commit and blended forecasts of a period per scope in reach, with
    the goal, the gap and the probability of reaching it."""
    out = _outlook(store, cached, caller, period, as_of)
    if scope is not None:
        out.scopes = [s for s in out.scopes if s.scope == scope]
        if not out.scopes:
            raise NotFound(f"scope {scope} not found", hint="list the scopes without ?scope=")
    return out


@router.get("/people/{person_id}/forecast")
def person_forecast(
    person_id: int,
    caller: PersonCaller,
    store: Store,
    cached: Cached,
    period: PeriodQ = None,
    as_of: AsOfQ = None,
) -> PersonForecastOut:
    """One person's forecast of a period against their goal."""
    out = _outlook(store, cached, caller, period, as_of)
    mine = [s for s in out.scopes if s.scope == f"person:{person_id}"]
    if not mine:
        raise NotFound(
            f"person {person_id} has no forecast of {out.period}",
            hint="a person is forecast once they have booked an order",
        )
    return PersonForecastOut(**mine[0].model_dump(), **_fit(cached))


@router.get("/people/{person_id}/forecast/earnings")
def person_earnings(
    person_id: int,
    caller: PersonCaller,
    store: Store,
    cached: Cached,
    period: PeriodQ = None,
    as_of: AsOfQ = None,
    scenarios: Annotated[int, Query(ge=1, le=2000)] = 200,
) -> EarningsOut:
    """A rep's expected payout for a period: open deals x win probability x their comp plan, with the
    10-90 % range over simulated outcomes."""
    day = as_of or caller.today
    key = current_period(store, day, period)
    found = cached.earnings(person_id, key, day, scenarios)
    o = found.outlook
    return EarningsOut(
        person_id=person_id,
        period=o.period,
        currency=found.currency,
        open_deals=found.open_deals,
        earned_so_far=o.base,
        expected=o.expected,
        low_10=o.low,
        high_90=o.high,
        scenarios=o.scenarios,
        **_fit(cached),
    )


@router.get("/forecasts/accuracy")
def accuracy(
    caller: Anyone,
    cached: Cached,
    as_of: AsOfQ = None,
    grain: Grain = Grain.MONTH,
    horizon: Annotated[int, Query(ge=1, le=12)] = 3,
    folds: Annotated[int, Query(ge=1, le=6)] = 3,
    method: Annotated[list[Method] | None, Query(description="repeatable; default: a cheap set")] = None,
) -> AccuracyOut:
    """Rolling-origin backtest: WAPE, MASE, sMAPE and bias per method and scope in reach, and the best."""
    day = as_of or caller.today
    methods = tuple(method) if method else ACCURACY_METHODS
    unknown = [m for m in methods if m not in BACKTEST_METHODS]
    if unknown:
        raise InvalidInput(f"methods {unknown} cannot be backtested", hint="use the statistical methods")
    result = cached.backtest(as_of=day, grain=grain, horizon=horizon, folds=folds, methods=methods)
    view = _view(cached, caller)
    best = {
        str(s): str(m)
        for s, m in zip(result.best["scope"], result.best["method"], strict=True)
        if view.sees(str(s))
    }
    rows = [
        MethodAccuracyOut(**r, best=best.get(str(r["scope"])) == r["method"])
        for r in result.summary.sort(["scope", "method"]).iter_rows(named=True)
        if view.sees(str(r["scope"]))
    ]
    return AccuracyOut(
        as_of=day, grain=str(grain), horizon=horizon, folds=folds, methods=rows, best=best, **_fit(cached)
    )


@router.get("/forecasts/calibration")
def calibration(
    caller: Analyst,
    cached: Cached,
    as_of: AsOfQ = None,
    horizon_days: Annotated[int, Query(ge=7, le=366)] = 91,
) -> CalibrationOut:
    """Win probabilities predicted `horizon_days` before `as_of`, by decile, against what was won by then."""
    found = cached.calibration(as_of or caller.today, horizon_days)
    return CalibrationOut(
        cutoff=found.cutoff,
        as_of=found.as_of,
        deals=found.deals,
        predicted=found.predicted,
        observed=found.observed,
        calibration_error=found.error,
        deciles=[DecileOut(**r) for r in found.table.iter_rows(named=True)],
        **_fit(cached),
    )


@router.get("/forecasts/errors")
def errors(caller: Anyone, store: Store, cached: Cached, period: PeriodQ = None) -> list[ForecastErrorOut]:
    """Each method's recorded error in closed periods (of one period with `?period=`), in reach."""
    view = _view(cached, caller)
    with store.transaction() as tx:
        wanted = None if period is None else find_period(tx, period)
        cal = tx.calendars.default()
        keys = {p.id: p.period.key for p in tx.calendars.periods(cal.id)} if cal else {}
        found = tx.forecasts.errors(None if wanted is None else wanted.id)
    return [
        ForecastErrorOut(
            period=keys.get(pid, str(pid)),
            week=r.week,
            scope=r.scope,
            method=r.method,
            forecast=r.forecast,
            actual=r.actual,
            error=r.forecast - r.actual,
            abs_pct_error=None if r.actual == 0 else round(abs(r.forecast - r.actual) / abs(r.actual), 4),
        )
        for pid, r in found
        if view.sees(r.scope)
    ]


def default_week(store: SqlStore, period: str, day: date) -> int:
    """The week of `period` containing `day`; its last week once it is over, its first before it starts."""
    with store.transaction() as tx:
        p = find_period(tx, period).period
    if p.contains(day):
        return week_of(p, day)
    return weeks_in(p) if day >= p.end else 1


@router.get("/forecasts/{period}/calls")
def calls(
    period: PeriodPath,
    caller: Anyone,
    store: Store,
    week: Annotated[int | None, Query(ge=1, le=60, description="default: this week")] = None,
) -> RollupOut:
    """Every call in reach as it stood at the end of a week, rolled up the reporting lines."""
    chosen = week or default_week(store, period, caller.today)
    roll = rollup(store, period=period, week=chosen)
    people = caller.scope()
    lines = [
        RollupLineOut(
            person_id=line.person_id,
            external_id=line.external_id,
            name=line.name,
            manager_id=line.manager_id,
            depth=line.depth,
            submitted=CallOut.of(line.submitted),
            overridden=CallOut.of(line.overridden),
            override_note=line.override_note,
            team=CallOut.of(line.team),
            effective=CallOut(**_call(line.effective)),
            missing=line.missing,
        )
        for line in roll.lines
        if people.allows(line.person_id)
    ]
    return RollupOut(
        period=roll.period,
        week=roll.week,
        as_of=roll.as_of,
        currency=_currency(store),
        lines=lines,
        company=CallOut.of(roll.company) if people.everyone else None,
    )


def _call(c: object) -> dict[str, int]:
    return {k: int(getattr(c, k)) for k in ("commit", "best_case", "pipeline")}


def _external_id(store: SqlStore, caller: Caller, person_id: int) -> str:
    if not caller.scope().allows(person_id):
        raise NotFound(f"person {person_id} not found")
    with store.transaction() as tx:
        rows = tx.people.listing(caller.today, {person_id})
    if not rows:
        raise NotFound(f"person {person_id} not found")
    return str(rows[0]["external_id"])


@router.post("/forecasts/{period}/submissions", status_code=status.HTTP_201_CREATED)
def submit_call(period: PeriodPath, body: SubmissionIn, caller: Caller_, store: Store) -> SubmissionOut:
    """Submit the caller's call (commit <= best case <= pipeline) for a week; an admin may submit another
    person's. Earlier calls stay in history; the latest counts."""
    own = caller.user.person_id
    person_id = body.person_id or own
    if person_id is None:
        raise InvalidInput("your login is not linked to a person", hint="give person_id")
    if person_id != own and not caller.has_role("admin"):
        raise NotFound(f"person {person_id} not found", hint="submit your own call")
    sub = submit(
        store,
        person=_external_id(store, caller, person_id),
        period=period,
        week=body.week,
        call=body.call(),
        currency=_currency(store),
        note=body.note,
        actor=caller.user.username,
        at=datetime.now(UTC),
    )
    return SubmissionOut(
        period=period.strip().upper(),
        person_id=sub.person_id,
        week=sub.week,
        call=CallOut(**_call(sub.call)),
        currency=sub.currency,
        note=sub.note,
        at=sub.at,
        by=sub.by,
    )


@router.post("/forecasts/{period}/overrides", status_code=status.HTTP_201_CREATED)
def override_call(period: PeriodPath, body: OverrideIn, caller: Manager, store: Store) -> OverrideOut:
    """Replace a direct report's call in the caller's roll-up, with a note saying why."""
    if caller.user.person_id is None:
        raise InvalidInput("your login is not linked to a person", hint="ask an admin to link it")
    manager = _external_id(store, caller, caller.user.person_id)
    ov = override(
        store,
        manager=manager,
        subject=_external_id(store, caller, body.subject_id),
        period=period,
        week=body.week,
        call=body.call(),
        currency=_currency(store),
        note=body.note,
        actor=caller.user.username,
        at=datetime.now(UTC),
    )
    return OverrideOut(
        period=period.strip().upper(),
        manager_id=ov.manager_id,
        subject_id=ov.subject_id,
        week=ov.week,
        call=CallOut(**_call(ov.call)),
        currency=ov.currency,
        note=ov.note,
        at=ov.at,
        by=ov.by,
    )


@router.get("/forecasts/{period}/snapshots")
def snapshot_weeks(period: PeriodPath, caller: Anyone, store: Store) -> SnapshotWeeksOut:
    """The weeks of a period that were frozen, and the current week while it runs."""
    with store.transaction() as tx:
        stored = find_period(tx, period)
        weeks = tx.forecasts.snapshot_weeks(stored.id)
    p = stored.period
    return SnapshotWeeksOut(
        period=p.key, weeks=weeks, current_week=week_of(p, caller.today) if p.contains(caller.today) else None
    )


@router.post("/forecasts/{period}/snapshots", status_code=status.HTTP_201_CREATED)
def take(
    period: PeriodPath, body: SnapshotIn, caller: Snapshotter, store: Store, cached: Cached
) -> SnapshotOut:
    """Freeze a week of a running period: every rolled-up call plus the statistical, pipeline-weighted and
    blended forecast of every scope, as of today. A week is frozen once."""
    found = cached.outlook(ForecastRequest(period, caller.today), fresh=True)  # what is frozen is current
    models = {
        (str(r["scope"]), m): int(r[m])
        for r in found.rows
        for m in ("statistical", "pipeline_weighted", "blended")
        if r[m] is not None
    }
    rows = take_snapshot(
        store,
        period=period,
        week=body.week,
        currency=found.currency,
        model_forecasts=models,
        actor=caller.user.username,
        at=datetime.now(UTC),
    )
    return SnapshotOut(
        period=found.period,
        week=body.week,
        currency=found.currency,
        rows=[SnapshotRowOut(scope=r.scope, method=r.method, amount=r.amount) for r in rows],
    )


@router.get("/forecasts/{period}/snapshots/{week}")
def snapshot_of(
    period: PeriodPath, week: WeekPath, caller: Anyone, store: Store, cached: Cached
) -> SnapshotOut:
    """What was called and forecast for a period as frozen at a week ("what did we call in week 6")."""
    view = _view(cached, caller)
    rows = snapshot(store, period=period, week=week)
    if not rows:
        raise NotFound(f"week {week} of {period.upper()} was not snapshotted", hint="list the weeks first")
    return SnapshotOut(
        period=period.strip().upper(),
        week=week,
        currency=_currency(store),
        rows=[
            SnapshotRowOut(scope=r.scope, method=r.method, amount=r.amount)
            for r in rows
            if view.sees(r.scope)
        ],
    )
