"""Forecasts of a period for every scope, read through the analytics ports: statistical, pipeline-weighted
and blended, with the actual to date; the functions the CLI and the web pages call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN

import numpy as np
import polars as pl

from attain.analytics.facts import Source, read_facts
from attain.analytics.forecast.backtest import HierarchyBacktest, backtest_hierarchy
from attain.analytics.forecast.blend import Z80
from attain.analytics.forecast.hierarchy import Reconciliation, allocate_rounded, round_coherent
from attain.analytics.forecast.methods import Method
from attain.analytics.forecast.pipeline import PipelineForecast, Valuation, pipeline_forecast
from attain.analytics.forecast.series import Grain, ScopeSeries, periods_between, person_node, scope_series
from attain.analytics.forecast.statistical import forecast_hierarchy
from attain.analytics.ports import AnalyticsStore, FactReader, FactScope
from attain.domain.calendar import FiscalCalendar, Period
from attain.domain.errors import InvalidInput, NotFound
from attain.domain.money import to_minor

HISTORY_YEARS = 3


@dataclass(frozen=True, slots=True)
class ForecastRequest:
    period: str  # a period key, e.g. FY2025-Q3
    as_of: date  # facts after this day are ignored, as if it were today
    grain: Grain = Grain.MONTH
    method: Method = Method.AUTO
    reconciliation: Reconciliation = Reconciliation.WLS_STRUCTURAL


@dataclass(frozen=True, slots=True)
class PeriodOutlook:
    """Per scope: actual to date, statistical and pipeline-weighted totals for the period (minor units,
    coherent through the hierarchy) and the statistical 80 % interval of the total."""

    period: Period
    as_of: date
    currency: str
    frame: pl.DataFrame
    pipeline: PipelineForecast | None


def _calendar(reader: FactReader) -> tuple[FiscalCalendar, str]:
    cal = reader.calendar()
    if cal is None:
        raise NotFound("there is no calendar", hint="run `attain init` first")
    return FiscalCalendar(cal.start_month), cal.currency


def read_series(
    reader: FactReader,
    calendar: FiscalCalendar,
    currency: str,
    grain: Grain,
    start: date,
    end: date,
    as_of: date,
) -> ScopeSeries:
    """Net bookings (orders by booked_on) per scope and period in [start, end)."""
    facts = read_facts(reader, FactScope(start=start, end=end), {Source.ORDERS}, currency=currency)
    orders = facts.orders.select("owner_id", pl.col("booked_on").alias("day"), "amount")
    return scope_series(
        orders,
        assignments=reader.assignments(),
        teams=reader.teams(),
        people=reader.people(),
        calendar=calendar,
        grain=grain,
        start=start,
        end=end,
        as_of=as_of,
    )


def _history_window(calendar: FiscalCalendar, grain: Grain, as_of: date) -> tuple[date, date]:
    """From HISTORY_YEARS before to the start of the grain period containing the day after `as_of`."""
    end = calendar.period_of(grain.kind, as_of + timedelta(days=1)).start
    start = calendar.period_of(grain.kind, date(end.year - HISTORY_YEARS, end.month, 1)).start
    return start, end


def period_outlook(store: AnalyticsStore, request: ForecastRequest) -> PeriodOutlook:
    """The statistical and pipeline-weighted forecast of `request.period` for every scope."""
    with store.transaction() as tx:
        reader = tx.fact_reader
        calendar, currency = _calendar(reader)
        target = calendar.parse_key(request.period)
        if target.end <= request.as_of:
            raise InvalidInput(
                f"{target.key} ended before {request.as_of}", hint="forecast a current or future period"
            )
        start, end = _history_window(calendar, request.grain, request.as_of)
        series = read_series(reader, calendar, currency, request.grain, start, end, request.as_of)
        facts = read_facts(
            reader,
            FactScope(end=request.as_of + timedelta(days=1)),
            {Source.OPPORTUNITIES, Source.STAGES},
            currency=currency,
        )
        in_target = read_facts(
            reader,
            FactScope(start=target.start, end=request.as_of + timedelta(days=1)),
            {Source.ORDERS},
            currency=currency,
        ).orders
    steps = periods_between(calendar, request.grain, end, target.end)
    fc = forecast_hierarchy(
        series, len(steps), request.grain.season_length, request.method, request.reconciliation
    )
    inside = {p.key for p in steps if p.start >= target.start}
    part = fc.frame.filter(pl.col("period").is_in(sorted(inside)))
    sigma = ((pl.col("hi_80") - pl.col("lo_80")) / (2 * Z80)) ** 2
    totals = part.group_by("scope", maintain_order=True).agg(
        pl.col("name").first(),
        pl.col("method").first(),
        pl.col("forecast").sum().alias("rest"),
        sigma.sum().sqrt().alias("sigma"),
    )
    h = series.hierarchy
    s = h.summing_matrix()
    to_date_leaf = np.zeros(len(h.bottom))
    by_owner = in_target.group_by("owner_id").agg(pl.col("amount").sum())
    leaf_index = {leaf: j for j, leaf in enumerate(h.bottom)}
    for owner, amount in by_owner.iter_rows():
        j = leaf_index.get(person_node(int(owner))) if owner is not None else None
        if j is not None:
            to_date_leaf[j] += amount
    to_date = (s @ to_date_leaf).astype(np.int64)
    rest = np.array([int(totals.filter(pl.col("scope") == n)["rest"].sum()) for n in h.nodes])
    pipe = _pipeline_by_node(
        facts.opportunities, facts.stages, request.as_of, target, calendar, series, rest, to_date
    )
    rows = []
    for i, node in enumerate(h.nodes):
        t = totals.filter(pl.col("scope") == node)
        sd = float(t["sigma"][0]) if t.height else 0.0
        stat = int(to_date[i] + rest[i])
        rows.append(
            {
                "scope": node,
                "name": series.labels.get(node, node),
                "method": t["method"][0] if t.height else None,
                "actual_to_date": int(to_date[i]),
                "statistical": stat,
                "statistical_lo_80": round(stat - Z80 * sd),
                "statistical_hi_80": round(stat + Z80 * sd),
                "pipeline_weighted": None if pipe[0] is None else int(pipe[0][i]),
            }
        )
    return PeriodOutlook(target, request.as_of, currency, pl.DataFrame(rows), pipe[1])


def _pipeline_by_node(
    opportunities: pl.DataFrame,
    stages: pl.DataFrame,
    as_of: date,
    target: Period,
    calendar: FiscalCalendar,
    series: ScopeSeries,
    rest: np.ndarray,
    to_date: np.ndarray,
) -> tuple[np.ndarray | None, PipelineForecast | None]:
    """Won to date + open deals' expected value + new business, per node; new business is split over
    the reps in proportion to their statistical forecast of the rest of the period (where the run rate is)."""
    if opportunities.is_empty():
        return None, None
    following = calendar.period_of(target.kind, target.end)
    try:
        pf = pipeline_forecast(opportunities, stages, as_of, [target, following], Valuation.AMOUNT)
    except ValueError:
        return None, None  # too little closed history to learn win rates from
    h = series.hierarchy
    leaf_index = {leaf: j for j, leaf in enumerate(h.bottom)}
    leaves = np.zeros(len(h.bottom))
    for owner, period, expected in pf.by_owner.iter_rows():
        j = leaf_index.get(person_node(int(owner)))
        if period == target.key and j is not None:
            leaves[j] += expected
    weights = np.array([max(float(rest[h.index(leaf)]), 0.0) for leaf in h.bottom])
    if weights.sum() > 0:
        leaves += allocate_rounded(
            pf.new_business[target.key], weights * pf.new_business[target.key] / weights.sum()
        )
    s = h.summing_matrix()
    values = s @ leaves + to_date
    return round_coherent(values, h), pf


def backtest(
    store: AnalyticsStore, *, as_of: date, grain: Grain, horizon: int, folds: int, methods: tuple[Method, ...]
) -> HierarchyBacktest:
    """Rolling-origin backtest of `methods` on the history up to `as_of`, for every scope."""
    with store.transaction() as tx:
        reader = tx.fact_reader
        calendar, currency = _calendar(reader)
        start, end = _history_window(calendar, grain, as_of)
        series = read_series(reader, calendar, currency, grain, start, end, as_of)
    return backtest_hierarchy(series, horizon, methods, folds=folds, min_train=max(6, horizon))


def revenue_goals(store: AnalyticsStore, period: Period) -> dict[str, int]:
    """Revenue targets of `period` by scope node (company, team:<id>, person:<id>), in minor units;
    a quota wins over a goal for the same scope."""
    with store.transaction() as tx:
        cal = tx.fact_reader.calendar()
        records = tx.goals.find(periods=[period.key], metric="revenue")
    currency = cal.currency if cal is not None else "USD"
    out: dict[str, int] = {}
    for g in sorted(records, key=lambda r: r.kind != "quota", reverse=True):
        node = "company" if g.scope_kind == "company" else f"{g.scope_kind}:{g.scope_id}"
        if g.scope_kind in ("company", "team", "person"):
            out[node] = to_minor(g.target, g.currency or currency, rounding=ROUND_HALF_EVEN)
    return out
