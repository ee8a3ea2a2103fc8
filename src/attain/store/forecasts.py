"""The SQL side of submitted forecasts: submissions, overrides, reporting lines, snapshots and errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from attain.app.forecasts.ports import Call, ErrorRow, Override, ReportingLine, SnapshotRow, Submission
from attain.store import forecast_models as fm
from attain.store import models as m


class SqlForecasts:
    def __init__(self, session: Session) -> None:
        self._s = session

    def person_id(self, external_id: str) -> int | None:
        return self._s.scalar(select(m.Person.id).where(m.Person.external_id == external_id))

    def add_submission(self, submission: Submission) -> None:
        c = submission.call
        self._s.add(
            fm.ForecastSubmission(
                period_id=submission.period_id,
                person_id=submission.person_id,
                week=submission.week,
                commit_amount=c.commit,
                best_case_amount=c.best_case,
                pipeline_amount=c.pipeline,
                currency=submission.currency,
                note=submission.note,
                submitted_at=submission.at,
                submitted_by=submission.by,
            )
        )
        self._s.flush()

    def add_override(self, override: Override) -> None:
        c = override.call
        self._s.add(
            fm.ForecastOverride(
                period_id=override.period_id,
                manager_id=override.manager_id,
                subject_id=override.subject_id,
                week=override.week,
                commit_amount=c.commit,
                best_case_amount=c.best_case,
                pipeline_amount=c.pipeline,
                currency=override.currency,
                note=override.note,
                created_at=override.at,
                created_by=override.by,
            )
        )
        self._s.flush()

    def latest_submissions(self, period_id: int, week: int) -> dict[int, Submission]:
        t = fm.ForecastSubmission
        rows = self._s.scalars(
            select(t).where(t.period_id == period_id, t.week <= week).order_by(t.week, t.submitted_at, t.id)
        )
        out: dict[int, Submission] = {}
        for r in rows:  # later rows replace earlier ones
            out[r.person_id] = Submission(
                r.period_id,
                r.person_id,
                r.week,
                Call(r.commit_amount, r.best_case_amount, r.pipeline_amount),
                r.currency,
                r.note,
                r.submitted_at,
                r.submitted_by,
            )
        return out

    def latest_overrides(self, period_id: int, week: int) -> dict[tuple[int, int], Override]:
        t = fm.ForecastOverride
        rows = self._s.scalars(
            select(t).where(t.period_id == period_id, t.week <= week).order_by(t.week, t.created_at, t.id)
        )
        out: dict[tuple[int, int], Override] = {}
        for r in rows:
            out[(r.manager_id, r.subject_id)] = Override(
                r.period_id,
                r.manager_id,
                r.subject_id,
                r.week,
                Call(r.commit_amount, r.best_case_amount, r.pipeline_amount),
                r.currency,
                r.note,
                r.created_at,
                r.created_by,
            )
        return out

    def reporting_lines(self, day: date) -> list[ReportingLine]:
        a, p = m.Assignment, m.Person
        rows = self._s.execute(
            select(p.id, p.external_id, p.name, a.manager_id)
            .join(a, a.person_id == p.id)
            .where(a.valid_from <= day, (a.valid_to.is_(None)) | (a.valid_to >= day))
            .order_by(p.id, a.valid_from)
        )
        latest = {r.id: ReportingLine(r.id, r.external_id, r.name, r.manager_id) for r in rows}
        return list(latest.values())

    def snapshot_weeks(self, period_id: int) -> list[int]:
        t = fm.ForecastSnapshot
        return list(
            self._s.scalars(select(t.week).where(t.period_id == period_id).distinct().order_by(t.week))
        )

    def save_snapshot(
        self, period_id: int, week: int, rows: Sequence[SnapshotRow], currency: str, at: datetime, by: str
    ) -> int:
        self._s.add_all(
            fm.ForecastSnapshot(
                period_id=period_id,
                week=week,
                scope=r.scope,
                method=r.method,
                amount=r.amount,
                currency=currency,
                taken_at=at,
                taken_by=by,
            )
            for r in rows
        )
        self._s.flush()
        return len(rows)

    def snapshot(self, period_id: int, week: int) -> list[SnapshotRow]:
        t = fm.ForecastSnapshot
        rows = self._s.scalars(
            select(t).where(t.period_id == period_id, t.week == week).order_by(t.scope, t.method)
        )
        return [SnapshotRow(r.scope, r.method, r.amount) for r in rows]

    def record_errors(self, period_id: int, rows: Sequence[ErrorRow], currency: str, at: datetime) -> int:
        self._s.add_all(
            fm.ForecastError(
                period_id=period_id,
                week=r.week,
                scope=r.scope,
                method=r.method,
                forecast=r.forecast,
                actual=r.actual,
                currency=currency,
                recorded_at=at,
            )
            for r in rows
        )
        self._s.flush()
        return len(rows)

    def errors(self, period_id: int | None = None) -> list[tuple[int, ErrorRow]]:
        t = fm.ForecastError
        q = select(t).order_by(t.period_id, t.week, t.scope, t.method)
        if period_id is not None:
            q = q.where(t.period_id == period_id)
        return [
            (r.period_id, ErrorRow(r.week, r.scope, r.method, r.forecast, r.actual))
            for r in self._s.scalars(q)
        ]
