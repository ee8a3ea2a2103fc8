"""People views the web layer and the CLI call: the leaderboard and 'why off pace'."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import polars as pl

from attain.analytics.allocation import home_team
from attain.analytics.compute import check_metrics, fact_scope, measure
from attain.analytics.definitions import Unit, definition
from attain.analytics.drivers import DRIVERS, rank_drivers
from attain.analytics.facts import read_facts
from attain.analytics.leaderboard import rank_people
from attain.analytics.measures import MEASURES
from attain.analytics.org import Dimension, Org
from attain.analytics.pace import Status
from attain.analytics.ports import AnalyticsStore
from attain.analytics.progress import GoalProgress, goal_progress
from attain.analytics.queries import (
    EVERYONE,
    Scope,
    Window,
    check_currency,
    label,
    records,
    require_calendar,
    scope_filters,
)
from attain.analytics.rowsets import Query
from attain.analytics.timeframe import Shift, TimeFrame
from attain.domain.calendar import Period
from attain.domain.money import from_minor, minor_exponent


def leaderboard(
    store: AnalyticsStore,
    metric: str,
    window: Window,
    scope: Scope = EVERYONE,
    *,
    today: date,
    top: int | None = None,
) -> list[dict[str, Any]]:
    """Sellers active in the window ranked by `metric`, with percentiles and change vs the prior window."""
    check_metrics([metric])
    with store.transaction() as tx:
        reader = tx.fact_reader
        info, calendar = require_calendar(reader)
        frame = window.resolve(calendar, today)
        org = Org.read(reader)
        filters, owners = scope_filters(org, scope)
        before = frame.shifted(Shift.PREVIOUS)[0] if frame.grain is None else None
        prior_frame = (
            TimeFrame(calendar, before.start, before.end, min(before.last_day, frame.as_of))
            if before is not None
            else None
        )
        query = Query(
            (metric,),
            (Dimension.PERSON,),
            TimeFrame(calendar, frame.start, frame.end, frame.as_of, None, frame.label),
            filters,
        )
        fscope, sources = fact_scope(query, owners)
        if prior_frame is not None:
            fscope = type(fscope)(prior_frame.start, fscope.end, fscope.owners)
        facts = read_facts(reader, fscope, sources, org, currency=info.currency)
        check_currency(facts, info.currency)
    now = measure(facts, query).select("person_id", pl.col(metric).alias("value"))
    prior = (
        measure(facts, Query((metric,), (Dimension.PERSON,), prior_frame, filters)).select(
            "person_id", pl.col(metric).alias("prior")
        )
        if prior_frame is not None
        else pl.DataFrame(schema={"person_id": pl.Int64, "prior": pl.Float64})
    )
    sellers = home_team(org, frame.start, frame.end).select("person_id", "team_id")
    if owners is not None:
        sellers = sellers.filter(pl.col("person_id").is_in(owners))
    values = sellers.join(now, on="person_id", how="left").join(prior, on="person_id", how="left")
    if (
        metric in MEASURES and MEASURES[metric].zero_when_empty
    ):  # a seller with nothing booked has a real 0 for a sum, not a missing value
        values = values.with_columns(pl.col("value").fill_null(0), pl.col("prior").fill_null(0))
    board = rank_people(
        values.with_columns(pl.col("value").cast(pl.Float64), pl.col("prior").cast(pl.Float64)),
        definition(metric).direction,
    )
    if top is not None:
        board = board.filter(pl.col("rank") <= top)
    board = board.with_columns(metric=pl.lit(metric), period=pl.lit(query.frame.buckets()[0].key))
    shown = label(
        board.select(
            "person_id",
            "team_id",
            "metric",
            "period",
            "rank",
            "value",
            "prior",
            "change",
            "percentile",
            "team_rank",
            "team_percentile",
            "improvement_rank",
        ),
        org,
    )
    return _money(records(shown, info.currency), metric, info.currency)


def _money(rows: list[dict[str, Any]], metric: str, currency: str) -> list[dict[str, Any]]:
    if definition(metric).unit is not Unit.MONEY:
        return rows
    for row in rows:
        for key in ("value", "prior", "change"):
            if row[key] is not None:
                row[key] = from_minor(int(row[key]), currency)
    return rows


def why_off_pace(
    store: AnalyticsStore,
    period_key: str,
    *,
    today: date,
    as_of: date | None = None,
    history_periods: int = 4,
    progress: Sequence[GoalProgress] | None = None,
) -> list[dict[str, Any]]:
    """For each person at risk or off track on a goal of the period, the driver metrics ranked by lag.

    `progress` is the period's goal progress as of the same day when the caller has it already (a
    dashboard computes it for every goal); only its person goals are used.
    """
    if progress is None:
        progress = goal_progress(store, period_key, today=today, as_of=as_of, scope_kind="person")
    else:
        progress = [p for p in progress if p.goal.scope_kind == "person"]
    behind = sorted(
        {
            int(p.goal.scope_id)
            for p in progress
            if p.status in (Status.AT_RISK, Status.OFF_TRACK) and p.goal.scope_id is not None
        }
    )
    if not behind:
        return []
    with store.transaction() as tx:
        reader = tx.fact_reader
        info, calendar = require_calendar(reader)
        period = calendar.parse_key(period_key)
        when = as_of or min(today, period.last_day)
        org = Org.read(reader)
        first = _periods_back(calendar, period, history_periods)
        query = Query(DRIVERS, (Dimension.PERSON,), TimeFrame.for_period(calendar, period, when))
        fscope, sources = fact_scope(query)
        facts = read_facts(
            reader, type(fscope)(first.start, period.end, None), sources, org, currency=info.currency
        )
        check_currency(facts, info.currency)
    homes = home_team(org, period.start, period.end).select("person_id", "team_id")
    current = _zero_sums(homes.join(measure(facts, query).drop("period"), on="person_id", how="left"))
    past = TimeFrame(calendar, first.start, period.start, period.start - timedelta(days=1), period.kind)
    # Every person has a row for every past period, so a quarter without a sale counts as 0 sales.
    grid = homes.select("person_id").join(
        pl.DataFrame({"period": [b.key for b in past.buckets()]}), how="cross"
    )
    history = _zero_sums(
        grid.join(
            measure(facts, Query(DRIVERS, (Dimension.PERSON,), past)), on=["person_id", "period"], how="left"
        )
    )
    elapsed = max(0, min((when - period.start).days + 1, period.days)) / period.days
    ranked = rank_drivers(current, history, behind, elapsed)
    # Money drivers are compared in minor units; they are shown in currency units like every other figure.
    money = [k for k in DRIVERS if definition(k).unit is Unit.MONEY]
    scale = 10 ** minor_exponent(info.currency)
    ranked = ranked.with_columns(
        [
            pl.when(pl.col("metric").is_in(money)).then(pl.col(c) / scale).otherwise(pl.col(c)).alias(c)
            for c in ("current", "own_baseline", "team_median")
        ]
    )
    status = {
        int(p.goal.scope_id): str(p.status) for p in progress if p.goal.scope_id is not None and p.status
    }
    ranked = ranked.with_columns(
        status=pl.col("person_id").replace_strict(status, default=None), period=pl.lit(period.key)
    )
    return records(label(ranked, org), info.currency)


def _zero_sums(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns([pl.col(k).fill_null(0) for k in DRIVERS if MEASURES[k].zero_when_empty])


def _periods_back(calendar: Any, period: Period, count: int) -> Period:
    first = period
    for _ in range(count):
        first = calendar.previous(first)
    return first
