"""Where each period stands for pay: open or closed, its runs, the current one, and whether the facts
changed since (a stale run cannot be closed). Read side for the admin pages and the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from attain.app.ports import StoredPeriod
from attain.app.runs.calculate import calendar_and_periods, current_fingerprint
from attain.app.runs.inputs import find_period
from attain.app.runs.ports import PayStore, RunInfo
from attain.domain.errors import NotFound


@dataclass(frozen=True, slots=True)
class PeriodState:
    stored: StoredPeriod
    runs: tuple[RunInfo, ...]  # oldest first, failed ones included

    @property
    def key(self) -> str:
        return self.stored.period.key

    @property
    def closed(self) -> bool:
        return self.stored.status == "closed"

    @property
    def last_success(self) -> RunInfo | None:
        done = [r for r in self.runs if r.status == "succeeded"]
        return done[-1] if done else None


def period_states(store: PayStore) -> list[PeriodState]:
    """Every period of the default calendar (by start, then length) with its runs."""
    with store.transaction() as tx:
        _, periods = calendar_and_periods(tx)
        runs = tx.runs.listing()
    by_period: dict[int, list[RunInfo]] = {}
    for r in runs:
        by_period.setdefault(r.period_id, []).append(r)
    ordered = sorted(periods, key=lambda p: (p.period.start, -p.period.end.toordinal()))
    return [PeriodState(p, tuple(by_period.get(p.id, ()))) for p in ordered]


def period_state(store: PayStore, period_key: str) -> PeriodState:
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        runs = tx.runs.listing(target.id)
    return PeriodState(target, tuple(runs))


def stale_since(store: PayStore, state: PeriodState) -> str | None:
    """Why closing would be refused because of the last run (its facts are not the facts now), else None."""
    last = state.last_success
    if last is None or state.closed:
        return None
    _, digest = current_fingerprint(store, state.key)
    if digest == last.fingerprint:
        return None
    if last.as_of < state.stored.period.last_day:
        return f"run {last.id} counted the facts up to {last.as_of} only: run the whole period before closing"
    return f"facts changed since run {last.id}: run again before closing"


def run_info(store: PayStore, run_id: int) -> RunInfo:
    with store.transaction() as tx:
        found = tx.runs.get(run_id)
    if found is None:
        raise NotFound(f"run {run_id} not found", hint="the runs page lists every run")
    return found


def previous_run(store: PayStore, run: RunInfo) -> RunInfo | None:
    """The successful run of the same period before `run`: what a run is compared with by default."""
    with store.transaction() as tx:
        earlier = [r for r in tx.runs.listing(run.period_id) if r.id < run.id and r.status == "succeeded"]
    return earlier[-1] if earlier else None
