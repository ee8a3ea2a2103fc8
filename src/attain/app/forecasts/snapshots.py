"""Weekly snapshots of every scope's numbers per method, and each method's error once a period closes.

A snapshot freezes the roll-up of submitted calls (commit, best case, pipeline per person and for the
company) with any model forecasts the caller adds (statistical, pipeline-weighted, blended), so
"what did we call in week 6" is a read, not a recomputation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from attain.app.forecasts.ports import ErrorRow, ForecastRepository, ForecastStore, SnapshotRow
from attain.app.forecasts.submissions import check_week, find_period, rollup_in
from attain.domain.errors import Conflict, InvalidInput

COMPANY = "company"
CALL_METHODS = ("commit", "best_case", "pipeline_call")


def person_scope(person_id: int) -> str:
    return f"person:{person_id}"


def take_snapshot(
    store: ForecastStore,
    *,
    period: str,
    week: int,
    currency: str,
    model_forecasts: Mapping[tuple[str, str], int],
    actor: str,
    at: datetime,
) -> list[SnapshotRow]:
    """Freeze week `week` of `period`: the rolled-up calls plus `model_forecasts` {(scope, method): amount}.

    A week is frozen once; taking it again is a conflict (snapshots are history, never rewritten).
    """
    with store.transaction() as tx:
        stored = find_period(tx, period)
        check_week(stored, week)
        if week in tx.forecasts.snapshot_weeks(stored.id):
            raise Conflict(
                f"week {week} of {stored.period.key} is already snapshotted",
                hint="snapshots are never rewritten; take the next week",
            )
        roll = rollup_in(tx, stored, week)
        rows: list[SnapshotRow] = []
        for line in roll.lines:
            scope = person_scope(line.person_id)
            c = line.effective
            rows += [
                SnapshotRow(scope, "commit", c.commit),
                SnapshotRow(scope, "best_case", c.best_case),
                SnapshotRow(scope, "pipeline_call", c.pipeline),
            ]
        c = roll.company
        rows += [
            SnapshotRow(COMPANY, "commit", c.commit),
            SnapshotRow(COMPANY, "best_case", c.best_case),
            SnapshotRow(COMPANY, "pipeline_call", c.pipeline),
        ]
        clash = {(scope, method) for scope, method in model_forecasts if method in CALL_METHODS}
        if clash:
            raise InvalidInput(f"model forecasts cannot use the call methods {sorted(clash)}")
        rows += [
            SnapshotRow(scope, method, amount) for (scope, method), amount in sorted(model_forecasts.items())
        ]
        tx.forecasts.save_snapshot(stored.id, week, rows, currency, at, actor)
        tx.audit.record(
            at=at,
            actor=actor,
            action="forecast.snapshot",
            entity="forecast_snapshot",
            entity_id=f"{stored.period.key}/W{week}",
            detail={"rows": len(rows)},
        )
        return rows


def snapshot(store: ForecastStore, *, period: str, week: int) -> list[SnapshotRow]:
    """What was called and forecast for `period` as frozen at `week`."""
    with store.transaction() as tx:
        stored = find_period(tx, period)
        check_week(stored, week)
        return tx.forecasts.snapshot(stored.id, week)


def record_errors(
    store: ForecastStore, *, period: str, actuals: Mapping[str, int], currency: str, at: datetime
) -> list[ErrorRow]:
    """For a closed period, each snapshotted forecast of a scope in `actuals` against that actual."""
    with store.transaction() as tx:
        stored = find_period(tx, period)
        if stored.status != "closed":
            raise InvalidInput(
                f"{stored.period.key} is still open", hint="errors are recorded once it is closed"
            )
        return record_errors_in(tx.forecasts, stored.id, actuals, currency, at)


def record_errors_in(
    forecasts: ForecastRepository, period_id: int, actuals: Mapping[str, int], currency: str, at: datetime
) -> list[ErrorRow]:
    """Every snapshotted forecast of a scope in `actuals` against it; rows already recorded are kept as
    they are (recording twice adds nothing), and all rows are returned."""
    rows: list[ErrorRow] = []
    for week in forecasts.snapshot_weeks(period_id):
        for snap in forecasts.snapshot(period_id, week):
            if snap.scope in actuals:
                rows.append(ErrorRow(week, snap.scope, snap.method, snap.amount, actuals[snap.scope]))
    recorded = {(r.week, r.scope, r.method) for _, r in forecasts.errors(period_id)}
    fresh = [r for r in rows if (r.week, r.scope, r.method) not in recorded]
    forecasts.record_errors(period_id, fresh, currency, at)
    return rows
