"""Metric queries as the web layer and the CLI call them: resolve the window, read, compute, label.

`metric_rows` returns JSON-ready records: the dimension keys (external ids and names), `period`,
and one key per metric (money as Decimal in currency units, null where the definition says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from attain.analytics.compute import check_metrics, fact_scope, measure
from attain.analytics.definitions import Unit, definition
from attain.analytics.facts import Facts, read_facts
from attain.analytics.org import Dimension, Org
from attain.analytics.ports import CalendarView, FactReader, GoalRecord, GoalRepository
from attain.analytics.rowsets import Query
from attain.analytics.timeframe import TimeFrame
from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.domain.errors import InvalidInput, NotFound
from attain.domain.money import from_minor

_LABELS: dict[str, tuple[str, str]] = {  # key column -> (org frame attribute, output prefix)
    "person_id": ("people", "person"),
    "team_id": ("teams", "team"),
    "territory_id": ("territories", "territory"),
    "product_id": ("products", "product"),
}


@dataclass(frozen=True, slots=True)
class Window:
    """Which dates: a period key, or a date range (both ends inclusive), else the fiscal year of `today`."""

    period: str | None = None
    start: date | None = None
    last_day: date | None = None
    grain: PeriodKind | None = None
    as_of: date | None = None

    def resolve(self, calendar: FiscalCalendar, today: date) -> TimeFrame:
        if self.period is not None and (self.start or self.last_day):
            raise InvalidInput("give a period or a date range, not both")
        if self.period is not None:
            period = calendar.parse_key(self.period)
            start, end, label = period.start, period.end, period.key
        elif self.start is not None or self.last_day is not None:
            if self.start is None or self.last_day is None:
                raise InvalidInput("a date range needs both --from and --to")
            start, end, label = self.start, self.last_day + timedelta(days=1), None
        else:
            period = calendar.period_of(PeriodKind.YEAR, today)
            start, end, label = period.start, period.end, period.key
        as_of = self.as_of or min(today, end - timedelta(days=1))
        return TimeFrame(calendar, start, end, as_of, self.grain, label)


@dataclass(frozen=True, slots=True)
class Scope:
    """Restrict figures to one person's or one team's (subtree's) facts, by external id."""

    person: str | None = None
    team: str | None = None
    filters: tuple[tuple[Dimension, int | str], ...] = field(default=())


EVERYONE = Scope()


def require_calendar(reader: FactReader) -> tuple[CalendarView, FiscalCalendar]:
    info = reader.calendar()
    if info is None:
        raise NotFound("there is no fiscal calendar", hint="run `attain init` first")
    return info, FiscalCalendar(info.start_month)


def id_of(org: Org, kind: str, external_id: str) -> int:
    frame: pl.DataFrame = getattr(
        org, {"person": "people", "team": "teams", "territory": "territories"}[kind]
    )
    hit = frame.filter(pl.col("external_id") == external_id)
    if hit.is_empty():
        raise NotFound(
            f"no {kind} with id '{external_id}'", hint=f"list them with `attain metrics --by {kind}`"
        )
    return int(hit["id"][0])


def scope_filters(
    org: Org, scope: Scope
) -> tuple[tuple[tuple[Dimension, int | str], ...], tuple[int, ...] | None]:
    """The dimension filters of a scope and the owners whose facts are enough to read."""
    filters = list(scope.filters)
    owners: tuple[int, ...] | None = None
    if scope.person is not None:
        pid = id_of(org, "person", scope.person)
        filters.append((Dimension.PERSON, pid))
        owners = (pid,)
    if scope.team is not None:
        tid = id_of(org, "team", scope.team)
        filters.append((Dimension.TEAM, tid))
        teams = org.subtree(tid)
        members = org.assignments.filter(pl.col("team_id").is_in(teams))["person_id"].unique().to_list()
        owners = tuple(sorted(set(members) & set(owners))) if owners is not None else tuple(sorted(members))
    return tuple(filters), owners


def metric_frame(
    reader: FactReader,
    metrics: Sequence[str],
    by: Sequence[Dimension],
    window: Window,
    scope: Scope,
    *,
    today: date,
    goals: Sequence[GoalRecord] | None = None,
    goal_reader: GoalRepository | None = None,
    org: Org | None = None,
) -> tuple[pl.DataFrame, Org, str]:
    """Compute the metrics; returns the raw frame (ids, minor units), the org used, and the currency."""
    info, calendar = require_calendar(reader)
    frame = window.resolve(calendar, today)
    org = org or Org.read(reader)
    filters, owners = scope_filters(org, scope)
    query = Query(check_metrics(metrics), tuple(by), frame, filters)
    fscope, sources = fact_scope(query, owners)
    facts = read_facts(reader, fscope, sources, org, currency=info.currency)
    check_currency(facts, info.currency)
    if goals is None and goal_reader is not None and {"quota_attainment", "pipeline_coverage"} & set(metrics):
        person = [int(v) for d, v in filters if d is Dimension.PERSON]
        goals = goal_reader.find(
            periods=[b.key for b in frame.buckets()],
            metric="revenue",
            scope_kind="person" if person else None,
            scope_ids=person or None,
        )
    return measure(facts, query, goals or (), info.currency), org, info.currency


def check_currency(facts: Facts, currency: str) -> None:
    for name, frame in (("opportunities", facts.opportunities), ("orders", facts.orders)):
        others = sorted(c for c in frame["currency"].unique().to_list() if c is not None and c != currency)
        if others:
            raise InvalidInput(
                f"{name} in {', '.join(others)} cannot be added to {currency} figures",
                hint="KPIs are reported in the calendar's currency; convert the facts before importing them",
            )


def label(frame: pl.DataFrame, org: Org) -> pl.DataFrame:
    """Replace id key columns by the external id and name of what they point at."""
    out = frame
    for column, (attr, prefix) in _LABELS.items():
        if column not in out.columns:
            continue
        names: pl.DataFrame = getattr(org, attr).select(
            pl.col("id").alias(column),
            pl.col("external_id").alias(prefix),
            pl.col("name").alias(f"{prefix}_name"),
        )
        at = out.columns.index(column)
        out = out.join(names, on=column, how="left")
        cols = [c for c in out.columns if c not in (column, prefix, f"{prefix}_name")]
        out = out.select(*cols[:at], prefix, f"{prefix}_name", *cols[at:])
    return out


def records(frame: pl.DataFrame, currency: str) -> list[dict[str, Any]]:
    """JSON-ready rows: money metrics become Decimal amounts; other values pass through."""
    money = [c for c in frame.columns if _is_money(c)]
    rows = frame.to_dicts()
    for row in rows:
        for c in money:
            if row[c] is not None:
                row[c] = from_minor(int(row[c]), currency)
    return rows


def _is_money(column: str) -> bool:
    try:
        return definition(column).unit is Unit.MONEY
    except InvalidInput:
        return False


def metric_rows(
    reader: FactReader,
    metrics: Sequence[str],
    by: Sequence[Dimension],
    window: Window,
    scope: Scope = EVERYONE,
    *,
    today: date,
    goal_reader: GoalRepository | None = None,
) -> list[dict[str, Any]]:
    frame, org, currency = metric_frame(
        reader, metrics, by, window, scope, today=today, goal_reader=goal_reader
    )
    return records(label(frame, org), currency)
