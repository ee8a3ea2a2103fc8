"""Goal progress: actual to date, attainment, linear and seasonal projections, pace and status per goal.

Seasonality comes from the company's own history: the share of the same period's value reached by
the same day offset in up to three past years, applied to every goal of the metric.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from attain.analytics.compute import fact_scope
from attain.analytics.currency import to_reporting
from attain.analytics.definitions import Additivity, Unit, definition
from attain.analytics.facts import Facts, read_facts
from attain.analytics.goal_setting import (
    SCOPE_DIMENSION,
    elapsed_days,
    full_period,
    load_facts_for,
    partial,
    value_by,
)
from attain.analytics.org import Org
from attain.analytics.pace import (
    THRESHOLDS_SETTING,
    Status,
    Thresholds,
    linear_projection,
    pace_ratio,
    seasonal_projection,
    seasonal_share,
    status,
)
from attain.analytics.ports import AnalyticsStore, AnalyticsTransaction, FactReader, FactScope, GoalRecord
from attain.analytics.queries import id_of, require_calendar
from attain.analytics.rowsets import Query
from attain.analytics.timeframe import TimeFrame
from attain.domain.calendar import FiscalCalendar, Period
from attain.domain.money import from_minor, minor_exponent

HISTORY_YEARS = 3


@dataclass(frozen=True, slots=True)
class GoalProgress:
    goal: GoalRecord
    scope: str  # external id ('' for the company)
    scope_name: str
    actual: float | None  # minor units for money
    elapsed: float  # fraction of the period's days elapsed by the as-of date
    linear: float | None
    seasonal: float | None
    projected: float | None  # seasonal when history allows, else linear (rates: the actual)
    pace: float | None
    status: Status | None

    @property
    def target_units(self) -> float:
        return float(self.goal.target)


def _names(org: Org, kind: str) -> dict[int, tuple[str, str]]:
    frame = {"person": org.people, "team": org.teams, "territory": org.territories}[kind]
    return {int(i): (e, n) for i, e, n in zip(frame["id"], frame["external_id"], frame["name"], strict=True)}


def seasonal_share_of(
    facts: Facts, metric: str, calendar: FiscalCalendar, period: Period, days: int
) -> float | None:
    history = []
    for years in range(1, HISTORY_YEARS + 1):
        past = calendar.period(period.kind, period.fiscal_year - years, period.number)
        full = value_by(facts, metric, None, full_period(calendar, past))[None]
        upto = (
            value_by(facts, metric, None, TimeFrame.for_period(calendar, past, partial(past, days)))[None]
            if days > 0
            else 0.0
        )
        history.append((upto, full))
    return seasonal_share(history)


def progress_of(
    goals: Sequence[GoalRecord],
    facts: Facts,
    org: Org,
    calendar: FiscalCalendar,
    period: Period,
    as_of: date,
    thresholds: Thresholds,
    currency: str,
    shares: Mapping[str, float | None],
) -> list[GoalProgress]:
    """Pure: the progress of each goal of `period`, from facts covering the period and its history."""
    days = elapsed_days(period, as_of)
    frame = TimeFrame.for_period(calendar, period, as_of)
    out: list[GoalProgress] = []
    actuals: dict[tuple[str, str], dict[Any, float | None]] = {}
    # Built once per scope kind: a company has thousands of goals over thousands of people.
    names_by_kind: dict[str, dict[int, tuple[str, str]]] = {}
    for goal in goals:
        d = definition(goal.metric)
        scale = 10 ** minor_exponent(currency) if d.unit is Unit.MONEY else 1
        key = (goal.metric, goal.scope_kind)
        if key not in actuals:
            actuals[key] = (
                value_by(facts, goal.metric, SCOPE_DIMENSION.get(goal.scope_kind), frame) if days else {}
            )
        actual = (
            actuals[key].get(goal.scope_id, None if d.additivity is Additivity.RATE else 0.0)
            if days
            else None
        )
        if d.additivity is Additivity.SUM:
            linear = linear_projection(actual, days, period.days)
            seasonal = seasonal_projection(actual, shares.get(goal.metric))
            projected = seasonal if seasonal is not None else linear
        else:
            linear = seasonal = None
            projected = actual
        target = float(goal.target) * scale
        ratio = pace_ratio(projected, target, d.direction)
        if goal.scope_kind not in names_by_kind:
            names_by_kind[goal.scope_kind] = (
                _names(org, goal.scope_kind) if goal.scope_kind != "company" else {}
            )
        names = names_by_kind[goal.scope_kind]
        ext, name = names.get(goal.scope_id or -1, ("", "company"))
        out.append(
            GoalProgress(
                goal,
                ext,
                name,
                actual,
                days / period.days,
                linear,
                seasonal,
                projected,
                ratio,
                status(ratio, thresholds),
            )
        )
    return out


DAILY_VALUES: dict[str, tuple[str, str]] = {  # metric -> (daily total source, column)
    "revenue": ("orders", "amount"),
    "won_revenue": ("won", "amount"),
    "number_of_sales": ("won", "n"),
}


def seasonal_share_from_daily(
    daily: pl.DataFrame, column: str, calendar: FiscalCalendar, period: Period, days: int
) -> float | None:
    """The seasonal share from company daily totals (day, value column) of the past years' same period."""
    history = []
    for years in range(1, HISTORY_YEARS + 1):
        past = calendar.period(period.kind, period.fiscal_year - years, period.number)
        inside = daily.filter((pl.col("day") >= past.start) & (pl.col("day") < past.end))
        full = float(inside[column].sum()) if inside.height else None
        upto = float(inside.filter(pl.col("day") <= partial(past, days))[column].sum()) if days > 0 else 0.0
        history.append((upto, full))
    return seasonal_share(history)


# Company seasonality is the same for every goal of a metric and period on a given day; it is kept per
# data version (which changes with every import), so a page of rep dashboards reads it once.
_SHARES: dict[tuple[str, str, str, int, str], float | None] = {}


def _shares(
    reader: FactReader,
    org: Org,
    metric: str,
    calendar: FiscalCalendar,
    period: Period,
    days: int,
    currency: str,
) -> float | None:
    """Company seasonality of `metric`: from SQL daily totals where the metric has them, else from facts."""
    key = (reader.data_version(), metric, period.key, days, currency)
    if key not in _SHARES:
        if len(_SHARES) > 10_000:
            _SHARES.clear()
        _SHARES[key] = _compute_share(reader, org, metric, calendar, period, days, currency)
    return _SHARES[key]


def _compute_share(
    reader: FactReader,
    org: Org,
    metric: str,
    calendar: FiscalCalendar,
    period: Period,
    days: int,
    currency: str,
) -> float | None:
    past = [
        calendar.period(period.kind, period.fiscal_year - y, period.number)
        for y in range(1, HISTORY_YEARS + 1)
    ]
    if metric in DAILY_VALUES:
        source, column = DAILY_VALUES[metric]
        daily = pl.concat([reader.daily_totals(source, FactScope(p.start, p.end)) for p in past])
        foreign = daily.filter(pl.col("currency").is_not_null() & (pl.col("currency") != currency)).height
        daily = to_reporting(
            daily.with_columns(external_id=pl.lit("daily total")),
            "day",
            currency,
            reader.exchange_rates() if foreign else None,
            source,
        )
        totals = daily.group_by("day").agg(pl.col("amount").sum(), pl.col("n").sum())
        return seasonal_share_from_daily(totals, column, calendar, period, days)
    history = load_facts_for(reader, org, metric, past[-1].start, period.start, currency)
    return seasonal_share_of(history, metric, calendar, period, days)


def goal_progress(
    store: AnalyticsStore,
    period_key: str,
    *,
    today: date,
    as_of: date | None = None,
    metric: str | None = None,
    scope_kind: str | None = None,
    person: str | None = None,
) -> list[GoalProgress]:
    """Progress of the period's goals; with `person` (external id), only theirs, reading only their facts."""
    with store.transaction() as tx:
        reader = tx.fact_reader
        info, calendar = require_calendar(reader)
        period = calendar.parse_key(period_key)
        org = Org.read(reader)
        owner = id_of(org, "person", person) if person is not None else None
        return progress_in(
            tx,
            org,
            info.currency,
            calendar,
            period,
            as_of or min(today, period.last_day),
            metric=metric,
            scope_kind=scope_kind,
            owner=owner,
        )


def progress_in(
    tx: AnalyticsTransaction,
    org: Org,
    currency: str,
    calendar: FiscalCalendar,
    period: Period,
    when: date,
    *,
    metric: str | None = None,
    scope_kind: str | None = None,
    owner: int | None = None,
) -> list[GoalProgress]:
    """goal_progress inside an open transaction, with the org already read (a dashboard shares both)."""
    reader = tx.fact_reader
    owners = (owner,) if owner is not None else None
    if owners is not None:
        goals = tx.goals.find(periods=[period.key], metric=metric, scope_kind="person", scope_ids=owners)
    else:
        goals = tx.goals.find(periods=[period.key], metric=metric, scope_kind=scope_kind)
    thresholds = Thresholds.from_setting(tx.settings.get(THRESHOLDS_SETTING)) if goals else Thresholds()
    days = elapsed_days(period, when)
    out: list[GoalProgress] = []
    for name in sorted({g.metric for g in goals}):
        query = Query((name,), (), TimeFrame.for_period(calendar, period, when))
        scope, sources = fact_scope(query, owners)
        facts = read_facts(reader, scope, sources, org, currency=currency)
        shares = {}
        if definition(name).additivity is Additivity.SUM:
            shares[name] = _shares(reader, org, name, calendar, period, days, currency)
        out += progress_of(
            [g for g in goals if g.metric == name],
            facts,
            org,
            calendar,
            period,
            when,
            thresholds,
            currency,
            shares,
        )
    return out


def progress_rows(items: Sequence[GoalProgress], currency: str) -> list[dict[str, Any]]:
    """JSON-ready rows: money targets and actuals exact in currency units, projections to the cent."""
    rows = []
    for p in items:
        money = definition(p.goal.metric).unit is Unit.MONEY
        exp = minor_exponent(currency) if money else 0

        digits = exp if money else 6

        def shown(v: float | None, exp: int = exp, digits: int = digits) -> float | None:
            return None if v is None else round(v / 10**exp, digits)

        actual: Any = p.actual
        if money and p.actual is not None:
            actual = from_minor(int(p.actual), currency)
        target = p.goal.target.quantize(Decimal(1).scaleb(-exp)) if money else p.goal.target
        attainment = (
            None
            if not p.goal.target or p.actual is None
            else round(p.actual / 10**exp / float(p.goal.target), 6)
        )
        rows.append(
            {
                "metric": p.goal.metric,
                "period": p.goal.period,
                "kind": p.goal.kind,
                "scope_kind": p.goal.scope_kind,
                "scope": p.scope,
                "scope_name": p.scope_name,
                "target": target,
                "actual": actual,
                "attainment": attainment,
                "elapsed": round(p.elapsed, 6),
                "projected_linear": shown(p.linear),
                "projected_seasonal": shown(p.seasonal),
                "projected": shown(p.projected),
                "pace": None if p.pace is None else round(p.pace, 6),
                "status": None if p.status is None else str(p.status),
            }
        )
    return rows


def thresholds_of(store: AnalyticsStore) -> Thresholds:
    with store.transaction() as tx:
        return Thresholds.from_setting(tx.settings.get(THRESHOLDS_SETTING))


def set_thresholds(store: AnalyticsStore, thresholds: Thresholds, *, actor: str, at: Any) -> None:
    with store.transaction() as tx:
        tx.settings.put(THRESHOLDS_SETTING, thresholds.as_setting(), actor=actor, at=at)
        tx.audit.record(
            at=at,
            actor=actor,
            action="settings.set",
            entity="setting",
            entity_id=THRESHOLDS_SETTING,
            detail=thresholds.as_setting(),
        )
