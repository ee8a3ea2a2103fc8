"""Submitting calls, overriding a report's call, and rolling calls up the reporting lines as of a week.

A week is counted from the period's first day (week 1 is days 1-7). The reporting lines are those of
the week's last day (inside the period), so a rep who changed managers rolls up to the one they had then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from attain.app.forecasts.ports import (
    ZERO,
    Call,
    ForecastStore,
    ForecastTransaction,
    Override,
    ReportingLine,
    Submission,
)
from attain.app.ports import StoredPeriod
from attain.domain.calendar import Period
from attain.domain.errors import Conflict, InvalidInput, NotFound


def week_of(period: Period, day: date) -> int:
    """The week of `period` that contains `day` (1-based)."""
    if not period.contains(day):
        raise InvalidInput(f"{day} is outside {period.key} ({period.start} to {period.last_day})")
    return (day - period.start).days // 7 + 1


def weeks_in(period: Period) -> int:
    return (period.days - 1) // 7 + 1


def week_end(period: Period, week: int) -> date:
    return min(period.start + timedelta(days=7 * week - 1), period.last_day)


def find_period(tx: ForecastTransaction, key: str) -> StoredPeriod:
    cal = tx.calendars.default()
    if cal is None:
        raise NotFound("there is no calendar", hint="run `attain init` first")
    wanted = cal.fiscal.parse_key(key)
    for stored in tx.calendars.periods(cal.id):
        if stored.period.key == wanted.key:
            return stored
    raise NotFound(f"period {wanted.key} does not exist", hint="create it with `attain init --last-year ...`")


def check_week(stored: StoredPeriod, week: int) -> None:
    top = weeks_in(stored.period)
    if not 1 <= week <= top:
        raise InvalidInput(f"week {week} is outside {stored.period.key}, which has weeks 1 to {top}")


def _person(tx: ForecastTransaction, external_id: str) -> int:
    pid = tx.forecasts.person_id(external_id)
    if pid is None:
        raise NotFound(f"no person has the id '{external_id}'", hint="use the person's external id")
    return pid


def _check_call(call: Call) -> None:
    if min(call.commit, call.best_case, call.pipeline) < 0:
        raise InvalidInput("forecast amounts cannot be negative")
    if not call.commit <= call.best_case <= call.pipeline:
        raise InvalidInput(
            "a call needs commit <= best case <= pipeline",
            hint="commit is what will surely close, best case adds what could, pipeline is everything open",
        )


def submit(
    store: ForecastStore,
    *,
    person: str,
    period: str,
    week: int,
    call: Call,
    currency: str,
    note: str | None,
    actor: str,
    at: datetime,
) -> Submission:
    """Record `person`'s call for a week of a period; an earlier call of the same week stays in history."""
    _check_call(call)
    with store.transaction() as tx:
        stored = find_period(tx, period)
        check_week(stored, week)
        sub = Submission(stored.id, _person(tx, person), week, call, currency, note, at, actor)
        tx.forecasts.add_submission(sub)
        tx.audit.record(
            at=at,
            actor=actor,
            action="forecast.submit",
            entity="forecast_submission",
            entity_id=f"{person}/{stored.period.key}/W{week}",
            reason=note,
            detail={"commit": call.commit, "best_case": call.best_case, "pipeline": call.pipeline},
        )
        return sub


def override(
    store: ForecastStore,
    *,
    manager: str,
    subject: str,
    period: str,
    week: int,
    call: Call,
    currency: str,
    note: str,
    actor: str,
    at: datetime,
) -> Override:
    """A manager replaces a direct report's call in their roll-up; the note (why) is required."""
    _check_call(call)
    if not note.strip():
        raise InvalidInput("an override needs a note saying why", hint="add --note '...'")
    with store.transaction() as tx:
        stored = find_period(tx, period)
        check_week(stored, week)
        manager_id, subject_id = _person(tx, manager), _person(tx, subject)
        day = week_end(stored.period, week)
        lines = {r.person_id: r for r in tx.forecasts.reporting_lines(day)}
        line = lines.get(subject_id)
        if line is None or line.manager_id != manager_id:
            raise Conflict(
                f"{subject} does not report to {manager} on {day}",
                hint="a manager can override only their direct reports' calls",
            )
        ov = Override(stored.id, manager_id, subject_id, week, call, currency, note, at, actor)
        tx.forecasts.add_override(ov)
        tx.audit.record(
            at=at,
            actor=actor,
            action="forecast.override",
            entity="forecast_override",
            entity_id=f"{manager}>{subject}/{stored.period.key}/W{week}",
            reason=note,
            detail={"commit": call.commit, "best_case": call.best_case, "pipeline": call.pipeline},
        )
        return ov


@dataclass(frozen=True, slots=True)
class RollupLine:
    """One person's place in the roll-up: their own call, their manager's override, the team under them,
    and the effective number that rolls up to their manager."""

    person_id: int
    external_id: str
    name: str
    manager_id: int | None
    depth: int
    submitted: Call | None
    overridden: Call | None
    override_note: str | None
    team: Call | None  # the sum of the direct reports' effective calls; None for someone with no reports
    effective: Call

    @property
    def missing(self) -> bool:
        """Nobody called this number: no submission, no override, and no team to sum."""
        return self.submitted is None and self.overridden is None and self.team is None


@dataclass(frozen=True, slots=True)
class Rollup:
    period: str
    week: int
    as_of: date
    lines: tuple[RollupLine, ...]
    company: Call


def _order(lines: Sequence[ReportingLine]) -> list[tuple[ReportingLine, int]]:
    """Managers before their reports (depth-first, by name), cycles broken at the first repeat."""
    ids = {r.person_id for r in lines}
    kids: dict[int | None, list[ReportingLine]] = {}
    for r in lines:
        kids.setdefault(r.manager_id if r.manager_id in ids else None, []).append(r)
    out: list[tuple[ReportingLine, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for r in sorted(kids.get(parent, []), key=lambda x: (x.name, x.person_id)):
            if r.person_id not in seen:
                seen.add(r.person_id)
                out.append((r, depth))
                walk(r.person_id, depth + 1)

    walk(None, 0)
    return out


def rollup_in(tx: ForecastTransaction, stored: StoredPeriod, week: int) -> Rollup:
    day = week_end(stored.period, week)
    ordered = _order(tx.forecasts.reporting_lines(day))
    subs = tx.forecasts.latest_submissions(stored.id, week)
    overrides = tx.forecasts.latest_overrides(stored.id, week)
    reports: dict[int, list[int]] = {}
    for r, _ in ordered:
        if r.manager_id is not None:
            reports.setdefault(r.manager_id, []).append(r.person_id)
    effective: dict[int, Call] = {}
    team: dict[int, Call] = {}
    for r, _ in reversed(ordered):  # reports before their managers
        under = reports.get(r.person_id)
        if under:
            total = ZERO
            for p in under:
                total = total + effective[p]
            team[r.person_id] = total
        ov = overrides.get((r.manager_id, r.person_id)) if r.manager_id is not None else None
        sub = subs.get(r.person_id)
        if ov is not None:
            effective[r.person_id] = ov.call
        elif sub is not None:
            effective[r.person_id] = sub.call
        else:
            effective[r.person_id] = team.get(r.person_id, ZERO)
    lines = []
    company = ZERO
    for r, depth in ordered:
        ov = overrides.get((r.manager_id, r.person_id)) if r.manager_id is not None else None
        sub = subs.get(r.person_id)
        lines.append(
            RollupLine(
                r.person_id,
                r.external_id,
                r.name,
                r.manager_id,
                depth,
                sub.call if sub else None,
                ov.call if ov else None,
                ov.note if ov else None,
                team.get(r.person_id),
                effective[r.person_id],
            )
        )
        if depth == 0:
            company = company + effective[r.person_id]
    return Rollup(stored.period.key, week, day, tuple(lines), company)


def rollup(store: ForecastStore, *, period: str, week: int) -> Rollup:
    """Every call as it stood at the end of `week`, rolled up the reporting lines of that day."""
    with store.transaction() as tx:
        stored = find_period(tx, period)
        check_week(stored, week)
        return rollup_in(tx, stored, week)
