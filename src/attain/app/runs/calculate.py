"""`attain run PERIOD`: read the facts, evaluate, reconcile closed periods, settle, and store the run.

The calculation happens before anything is written; the run row, its results and the switch of the
current pointer are then written in one transaction, so a failed run leaves the previous results in place
(it is recorded as failed, with its error, in a transaction of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from attain.app.ports import StoredPeriod
from attain.app.runs.engines import EngineKind, evaluator
from attain.app.runs.inputs import (
    calculation_input,
    check_plan_currency,
    find_period,
    fingerprint,
    read_facts,
    window_of,
)
from attain.app.runs.ports import NewRun, PayeeRecord, PayStore, PayTransaction
from attain.app.runs.prior import periods_to_reconcile, prior_deltas
from attain.app.runs.records import PRIOR_PERIOD, results_hash
from attain.app.runs.settling import read_history, settle_payees
from attain.domain.calendar import FiscalCalendar
from attain.domain.errors import AttainError, InvalidInput, NotFound, PeriodClosed

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: int
    period_key: str
    engine: str
    payees: int
    earnings: int
    payouts: dict[str, int]  # per currency
    prior_period_lines: int
    fingerprint: str
    results_hash: str


@dataclass(frozen=True, slots=True)
class _Outcome:
    payees: list[PayeeRecord]
    fingerprint: str
    inputs: dict[str, str]
    reconciled: dict[str, str]
    versions: dict[str, str]


def calendar_and_periods(tx: PayTransaction) -> tuple[FiscalCalendar, list[StoredPeriod]]:
    info = tx.calendars.default()
    if info is None:
        raise NotFound("there is no fiscal calendar yet", hint="run `attain init` first")
    return info.fiscal, tx.calendars.periods(info.id)


def run_period(
    store: PayStore,
    period_key: str,
    *,
    people: Sequence[str] | None = None,
    engine: EngineKind | None = None,
    as_of: date | None = None,
    actor: str = "system",
    now: Clock = utc_now,
) -> RunSummary:
    """Calculate `period_key` for everyone (or `people`, by external id) and make it current."""
    started = now()
    kind, evaluate = evaluator(engine)
    scope = sorted(set(people)) if people else None
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        if target.status == "closed":
            raise PeriodClosed(
                f"{target.period.key} is closed",
                hint="late changes land as prior-period lines in the next open period",
            )
        day = as_of or target.period.last_day
        try:
            outcome = _calculate(tx, calendar, periods, target, evaluate, scope, day)
            failure: AttainError | None = None
        except AttainError as exc:
            failure = exc
    base = {
        "period_id": target.id,
        "period_key": target.period.key,
        "purpose": "run",
        "scope": scope,
        "as_of": day,
        "engine": kind.value,
        "started_at": started,
        "actor": actor,
    }
    if failure is not None:
        with store.transaction() as tx:
            failed = NewRun(
                **base,
                plan_versions={},
                status="failed",
                fingerprint="",
                inputs={},
                reconciled={},
                results_hash="",
                payees=0,
                total=0,
                error=failure.render(),
                finished_at=now(),
            )
            run_id = tx.runs.add(failed)
            tx.audit.record(
                at=now(),
                actor=actor,
                action="run_failed",
                entity="run",
                entity_id=str(run_id),
                reason=failure.render(),
            )
        raise failure
    payees = outcome.payees
    digest = results_hash(payees)
    with store.transaction() as tx:
        _, fresh = calendar_and_periods(tx)
        if next(p for p in fresh if p.id == target.id).status == "closed":
            raise PeriodClosed(
                f"{target.period.key} was closed while the run calculated", hint="nothing was written"
            )
        run_id = tx.runs.add(
            NewRun(
                **base,
                plan_versions=outcome.versions,
                status="succeeded",
                fingerprint=outcome.fingerprint,
                inputs=outcome.inputs,
                reconciled=outcome.reconciled,
                results_hash=digest,
                payees=len(payees),
                total=sum(p.payout for p in payees),
                error=None,
                finished_at=now(),
            )
        )
        tx.runs.add_payees(run_id, target.id, payees)
        tx.runs.make_current(run_id, target.id, None if scope is None else _scope_ids(tx, scope))
        tx.audit.record(
            at=now(),
            actor=actor,
            action="run",
            entity="period",
            entity_id=target.period.key,
            detail={"run": run_id, "payees": len(payees), "engine": kind.value, "results_hash": digest},
        )
    return RunSummary(
        run_id=run_id,
        period_key=target.period.key,
        engine=kind.value,
        payees=len(payees),
        earnings=sum(p.earnings for p in payees),
        payouts={
            c: sum(p.payout for p in payees if p.currency == c) for c in sorted({p.currency for p in payees})
        },
        prior_period_lines=sum(1 for p in payees for line in p.lines if line.kind == PRIOR_PERIOD),
        fingerprint=outcome.fingerprint,
        results_hash=digest,
    )


def _scope_ids(tx: PayTransaction, scope: Sequence[str]) -> list[int]:
    ids = tx.pay_inputs.person_ids()
    return [ids[p] for p in scope if p in ids]


def _calculate(
    tx: PayTransaction,
    calendar: FiscalCalendar,
    periods: list[StoredPeriod],
    target: StoredPeriod,
    evaluate: object,
    scope: list[str] | None,
    as_of: date,
) -> _Outcome:
    assert callable(evaluate)
    closed = periods_to_reconcile(periods, target)
    start = min([window_of(calendar, p.period)[0] for p in [*closed, target]])
    facts = read_facts(tx, calendar, start, target.period.end)
    check_plan_currency(facts)
    unknown = sorted(set(scope or ()) - set(facts.person_ids))
    if unknown:
        raise InvalidInput(f"unknown people {', '.join(unknown)}", hint="name people by their external id")
    inp = calculation_input(facts, target.period, as_of)
    digest, parts = fingerprint(inp, facts.versions.values())
    wanted = None if scope is None else frozenset(scope)
    results = [r for r in evaluate(inp, target.period) if wanted is None or r.person_id in wanted]
    deltas, reconciled = prior_deltas(tx, facts, closed, evaluate, scope)
    people = {facts.person_ids[r.person_id] for r in results} | {facts.person_ids[d.person] for d in deltas}
    history = read_history(tx, periods, target, people)
    payees = settle_payees(facts, inp, periods, target, results, deltas, history)
    return _Outcome(
        payees=payees,
        fingerprint=digest,
        inputs=parts,
        reconciled=reconciled,
        versions={v.label: v.checksum for v in facts.versions.values() if v.label in inp.plans},
    )


def current_fingerprint(store: PayStore, period_key: str) -> tuple[StoredPeriod, str]:
    """The fingerprint of the facts `period_key` would read now (to tell whether a run is stale)."""
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        start, end = window_of(calendar, target.period)
        facts = read_facts(tx, calendar, start, end)
        digest, _ = fingerprint(calculation_input(facts, target.period), facts.versions.values())
    return target, digest
