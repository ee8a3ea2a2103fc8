"""The coaching use cases' `KpiSource`, implemented over the KPI layer (`attain.analytics`) on a SqlStore.

Nothing is recomputed here: metrics come from `metric_frame`, pace from `goal_progress`, drivers from
`why_off_pace`, ranks from `rank_people`. Values are converted once: money to Decimal currency units,
everything else to Decimal rounded to 6 places (the precision reviews store). Pace and drivers are
computed for everyone in a period at once, so they are cached per (period, as-of date).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import select

from attain.analytics.definitions import Additivity, Direction, Unit, definition
from attain.analytics.leaderboard import rank_people
from attain.analytics.measures import MEASURES
from attain.analytics.org import Dimension
from attain.analytics.ports import AnalyticsStore
from attain.analytics.progress import GoalProgress, goal_progress
from attain.analytics.queries import EVERYONE, Scope, Window, metric_frame
from attain.analytics.standings import why_off_pace
from attain.app.coaching.ports import DriverRecord, MetricLabel, PaceRecord, RankRecord
from attain.app.ports import StoredPeriod
from attain.domain.calendar import FiscalCalendar, Period, PeriodKind
from attain.domain.errors import NotFound
from attain.domain.money import from_minor, minor_exponent
from attain.store import models as m
from attain.store.unit_of_work import SqlStore

SIX = Decimal("0.000001")


def as_decimal(value: Any) -> Decimal | None:
    """A KPI figure as an exact Decimal of 6 places (None stays None)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):  # nothing to report
        return None
    return Decimal(str(value)).quantize(SIX)


class AnalyticsKpis:
    """KpiSource over the KPI layer; one instance per request or command (its caches are not shared)."""

    def __init__(self, store: SqlStore, *, analytics: AnalyticsStore | None = None) -> None:
        self.store = store
        # Where goal progress and drivers read their facts: the store, or a SharingStore whose facts a
        # page has read already (the same figures, fewer reads).
        self.analytics: AnalyticsStore = analytics if analytics is not None else store
        self._pace: dict[tuple[str, date], list[GoalProgress]] = {}
        self._drivers: dict[tuple[str, date], dict[str, list[dict[str, Any]]]] = {}
        self._externals: dict[int, str] | None = None  # every person's external id, read once
        self._calendar: tuple[FiscalCalendar, str] | None = None
        # Reviews of one team ask for the same peers' figures once per member: read them once.
        self._values: dict[tuple[Any, ...], dict[int, dict[str, Decimal | None]]] = {}

    # -- calendar -------------------------------------------------------------------------------

    def _fiscal(self) -> tuple[FiscalCalendar, str]:
        if self._calendar is None:
            with self.store.transaction() as tx:
                info = tx.calendars.default()
            if info is None:
                raise NotFound("there is no fiscal calendar", hint="run `attain init` first")
            self._calendar = (info.fiscal, info.currency)
        return self._calendar

    def _period(self, key: str) -> Period:
        return self._fiscal()[0].parse_key(key)

    def current_period(self, kind: str, day: date) -> StoredPeriod | None:
        wanted = self._fiscal()[0].period_of(PeriodKind(kind), day)
        with self.store.transaction() as tx:
            row = tx.session.query(m.Period).filter(m.Period.key == wanted.key).first()
            return None if row is None else StoredPeriod(row.id, wanted, row.status)

    # -- figures --------------------------------------------------------------------------------

    def describe(self, metric: str) -> MetricLabel:
        d = definition(metric)
        return MetricLabel(d.key, d.name, str(d.unit), d.direction is Direction.UP)

    def _convert(self, metric: str, value: Any) -> Decimal | None:
        if value is None:
            return None
        if definition(metric).unit is Unit.MONEY:
            currency = self._fiscal()[1]
            # Driver figures of money metrics are floats of minor units (medians, pace-adjusted sums).
            minor = round(float(value))
            return from_minor(minor, currency).quantize(SIX)
        return as_decimal(value)

    def values(
        self,
        metrics: Sequence[str],
        person_ids: Sequence[int],
        start: date,
        end: date,
        *,
        as_of: date,
        segment: str | None = None,
    ) -> dict[int, dict[str, Decimal | None]]:
        key = (tuple(metrics), tuple(sorted(set(person_ids))), start, end, as_of, segment)
        if key not in self._values:
            self._values[key] = self._read_values(
                metrics, person_ids, start, end, as_of=as_of, segment=segment
            )
        return {p: dict(row) for p, row in self._values[key].items()}

    def _read_values(
        self,
        metrics: Sequence[str],
        person_ids: Sequence[int],
        start: date,
        end: date,
        *,
        as_of: date,
        segment: str | None,
    ) -> dict[int, dict[str, Decimal | None]]:
        ids = sorted(set(person_ids))
        empty: dict[int, dict[str, Decimal | None]] = {p: dict.fromkeys(metrics) for p in ids}
        if not ids or not metrics or start >= end or as_of < start:
            return empty
        filters: tuple[tuple[Dimension, int | str], ...] = ((Dimension.SEGMENT, segment),) if segment else ()
        scope = Scope(filters=filters) if filters else EVERYONE
        if len(ids) == 1:
            with self.store.transaction() as tx:
                ext = tx.session.get(m.Person, ids[0])
            if ext is None:
                return empty
            scope = Scope(person=ext.external_id, filters=filters)
        window, bucket = self._window(start, end, min(as_of, end - timedelta(days=1)))
        with self.store.transaction() as tx:
            frame, _org, _currency = metric_frame(
                tx.fact_reader,
                list(metrics),
                [Dimension.PERSON],
                window,
                scope,
                today=as_of,
                goal_reader=tx.goals,
            )
        # Only the window's own bucket: a goal-based metric can add rows keyed by another period.
        rows = {
            int(r["person_id"]): r
            for r in frame.to_dicts()
            if r.get("person_id") is not None and r.get("period", bucket) == bucket
        }
        out = {}
        for pid in ids:
            row = rows.get(pid, {})
            out[pid] = {
                k: self._convert(k, row.get(k)) if row.get(k) is not None else self._empty(k) for k in metrics
            }
        return out

    def _window(self, start: date, end: date, as_of: date) -> tuple[Window, str]:
        """The KPI window for [start, end): the fiscal period when it is exactly one (so goals and quotas
        of that period apply), else a date range; and the label of its bucket."""
        calendar = self._fiscal()[0]
        for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
            period = calendar.period_of(kind, start)
            if (period.start, period.end) == (start, end):
                return Window(period=period.key, as_of=as_of), period.key
        last = end - timedelta(days=1)
        return Window(start=start, last_day=last, as_of=as_of), f"{start.isoformat()}..{last.isoformat()}"

    @staticmethod
    def _empty(metric: str) -> Decimal | None:
        # A seller with nothing booked has a real 0 for a sum or count, as the KPI layer's leaderboard says.
        spec = MEASURES.get(metric)
        return Decimal(0).quantize(SIX) if spec is not None and spec.zero_when_empty else None

    def ranking(
        self, metric: str, person_ids: Sequence[int], start: date, end: date, *, as_of: date
    ) -> list[RankRecord]:
        ids = sorted(set(person_ids))
        if not ids:
            return []
        found = self.values([metric], ids, start, end, as_of=as_of)
        frame = pl.DataFrame(
            {
                "person_id": ids,
                "team_id": [0] * len(ids),
                "value": [None if found[p][metric] is None else float(found[p][metric] or 0) for p in ids],
                "prior": [None] * len(ids),
            },
            schema={"person_id": pl.Int64, "team_id": pl.Int64, "value": pl.Float64, "prior": pl.Float64},
        )
        ranked = rank_people(frame, definition(metric).direction)
        return [
            RankRecord(
                int(r["person_id"]),
                found[int(r["person_id"])][metric],
                None if r["rank"] is None else int(r["rank"]),
            )
            for r in ranked.to_dicts()
        ]

    # -- pace and drivers -----------------------------------------------------------------------

    def _clamped(self, period_key: str, as_of: date) -> tuple[Period, date]:
        period = self._period(period_key)
        return period, max(min(as_of, period.last_day), period.start)

    def _progress(self, period_key: str, as_of: date) -> list[GoalProgress]:
        period, when = self._clamped(period_key, as_of)
        key = (period.key, when)
        if key not in self._pace:
            self._pace[key] = goal_progress(
                self.analytics, period.key, today=when, as_of=when, scope_kind="person"
            )
        return self._pace[key]

    def pace(self, person_ids: Sequence[int], period_key: str, *, as_of: date) -> list[PaceRecord]:
        wanted = set(person_ids)
        chosen: dict[int, GoalProgress] = {}
        for p in self._progress(period_key, as_of):
            pid = p.goal.scope_id
            if pid is None or pid not in wanted:
                continue
            if pid not in chosen or _preference(p) < _preference(chosen[pid]):
                chosen[pid] = p
        currency = self._fiscal()[1]
        out = []
        for pid, p in sorted(chosen.items()):
            d = definition(p.goal.metric)
            scale = 10 ** minor_exponent(currency) if d.unit is Unit.MONEY else 1
            attainment = None
            if p.goal.target and p.actual is not None:
                attainment = as_decimal(p.actual / scale / float(p.goal.target))
            out.append(
                PaceRecord(
                    pid,
                    p.goal.period,
                    None if p.status is None else str(p.status),
                    attainment,
                    as_decimal(p.pace),
                )
            )
        return out

    def driver_rows(self, period_key: str, as_of: date) -> dict[str, list[dict[str, Any]]]:
        """The KPI layer's driver rows of everyone behind in the period, by person external id: computed
        once per (period, as-of date) from the same goal progress as `pace`."""
        period, when = self._clamped(period_key, as_of)
        key = (period.key, when)
        if key not in self._drivers:
            rows = why_off_pace(
                self.analytics, period.key, today=when, as_of=when, progress=self._progress(period_key, as_of)
            )
            by_person: dict[str, list[dict[str, Any]]] = {}
            for row in rows:
                if row.get("person") is not None:
                    by_person.setdefault(str(row["person"]), []).append(row)
            self._drivers[key] = by_person
        return self._drivers[key]

    def _external_id(self, person_id: int) -> str | None:
        if self._externals is None:
            with self.store.transaction() as tx:
                rows = tx.session.execute(select(m.Person.id, m.Person.external_id)).all()
                self._externals = {int(pid): str(ext) for pid, ext in rows}
        return self._externals.get(person_id)

    def drivers(self, person_id: int, period_key: str, *, as_of: date) -> list[DriverRecord]:
        rows = self.driver_rows(period_key, as_of)
        external = self._external_id(person_id)
        if external is None:
            return []
        out = []
        for row in rows.get(external, []):
            metric = str(row["metric"])
            out.append(
                DriverRecord(
                    metric=metric,
                    value=self._convert(metric, row.get("current")),
                    team_median=self._convert(metric, row.get("team_median")),
                    own_history=self._convert(metric, row.get("own_baseline")),
                    lag_vs_team=as_decimal(row.get("lag_vs_team")),
                    lag_vs_own=as_decimal(row.get("lag_vs_own")),
                    lag=as_decimal(row.get("lag")),
                    rank=None if row.get("rank") is None else int(row["rank"]),
                    pace_adjusted=definition(metric).additivity is Additivity.SUM,
                )
            )
        return sorted(out, key=lambda d: (d.rank is None, d.rank or 0, d.metric))


def _preference(p: GoalProgress) -> tuple[int, int]:
    """Which of a person's goals speaks for their pace: a revenue quota, then a revenue goal, then any."""
    return (0 if p.goal.metric == "revenue" else 1, 0 if p.goal.kind == "quota" else 1)
