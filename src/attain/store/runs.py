"""Runs and their results: run rows, payee rows with measures and lines, and the current pointer.

Result rows are written once and never changed, except the `current` flag a later run of the same period
(and people) moves to its own rows, in the transaction that writes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from attain.app.runs.ports import LineRecord, NewRun, PayeeRecord, RunInfo
from attain.engine.results import MeasureResult
from attain.store import models as m
from attain.store import pay_models as pm
from attain.store.bulk import bulk_insert, table_of

CHUNK = 5_000  # ids per IN list: well under SQLite's and PostgreSQL's bound-parameter limits
T = TypeVar("T")
MEASURE_COLUMNS = ("run_payee_id", "measure", "window_start", "window_end", "value", "quota", "attainment")
LINE_COLUMNS = ("run_payee_id", "seq", "section", "component", "kind", "amount", "order_ref", "explanation")


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _info(r: pm.Run) -> RunInfo:
    return RunInfo(
        id=r.id,
        period_id=r.period_id,
        period_key=r.period_key,
        scope=r.scope,
        plan_versions=dict(r.plan_versions or {}),
        as_of=r.as_of,
        engine=r.engine,
        status=r.status,
        fingerprint=r.fingerprint,
        inputs=dict(r.inputs or {}),
        reconciled=dict(r.reconciled or {}),
        results_hash=r.results_hash,
        payees=r.payees,
        total=r.total,
        error=r.error,
        started_at=r.started_at,
        finished_at=r.finished_at,
        actor=r.actor,
    )


class SqlRuns:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, run: NewRun) -> int:
        row = pm.Run(**asdict(run))
        self._s.add(row)
        self._s.flush()
        return row.id

    def add_payees(self, run_id: int, period_id: int, payees: Sequence[PayeeRecord]) -> None:
        """Payee rows in one batched INSERT (ids returned in order), then their measures and lines in batches
        (COPY on PostgreSQL); all inside the caller's transaction, so a run is written whole or not at all."""
        if not payees:
            return
        table = table_of(pm.RunPayee)
        ids = self._s.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [
                {
                    "run_id": run_id,
                    "period_id": period_id,
                    "person_id": p.person_id,
                    "plan_key": p.plan_key,
                    "plan_version_id": p.plan_version_id,
                    "currency": p.currency,
                    "proration": p.proration,
                    "target_incentive": p.target_incentive,
                    "earnings": p.earnings,
                    "payout": p.payout,
                    "balance": p.balance,
                    "current": False,
                }
                for p in payees
            ],
        ).all()
        measures = [
            (pid, x.measure, x.window_start, x.window_end, x.value, x.quota, x.attainment)
            for pid, p in zip(ids, payees, strict=True)
            for x in p.measures
        ]
        lines = [
            (pid, x.seq, x.section, x.component, x.kind, x.amount, x.order_ref, x.explanation)
            for pid, p in zip(ids, payees, strict=True)
            for x in p.lines
        ]
        bulk_insert(self._s, pm.RunMeasure, MEASURE_COLUMNS, measures)
        bulk_insert(self._s, pm.RunLine, LINE_COLUMNS, lines)

    def make_current(self, run_id: int, period_id: int, person_ids: Sequence[int] | None) -> None:
        rp = pm.RunPayee
        replaced = update(rp).where(rp.period_id == period_id, rp.current.is_(True))
        if person_ids is not None:
            replaced = replaced.where(rp.person_id.in_(person_ids))
        self._s.execute(replaced.values(current=False))
        self._s.execute(update(rp).where(rp.run_id == run_id).values(current=True))

    def get(self, run_id: int) -> RunInfo | None:
        row = self._s.get(pm.Run, run_id)
        return None if row is None else _info(row)

    def listing(self, period_id: int | None = None) -> list[RunInfo]:
        query = select(pm.Run).order_by(pm.Run.id)
        if period_id is not None:
            query = query.where(pm.Run.period_id == period_id)
        return [_info(r) for r in self._s.scalars(query)]

    def payees(
        self, *, run_id: int | None = None, period_ids: Sequence[int] = (), person_ids: Sequence[int] = ()
    ) -> list[PayeeRecord]:
        # Plain column reads, not ORM entities: a run's history reads every line of the year to date.
        rp, p, per = pm.RunPayee, m.Person, m.Period
        query = (
            select(
                rp.id,
                rp.run_id,
                rp.person_id,
                rp.plan_key,
                rp.plan_version_id,
                rp.currency,
                rp.proration,
                rp.target_incentive,
                rp.earnings,
                rp.payout,
                rp.balance,
                p.external_id,
                p.name,
                per.key,
            )
            .join(p, p.id == rp.person_id)
            .join(per, per.id == rp.period_id)
            .order_by(per.start_on, p.external_id, rp.plan_key)
        )
        if run_id is not None:
            query = query.where(rp.run_id == run_id)
        else:
            query = query.where(rp.current.is_(True), rp.period_id.in_(period_ids))
        if person_ids:
            query = query.where(rp.person_id.in_(person_ids))
        rows = list(self._s.execute(query))
        ids = [r.id for r in rows]
        measures: dict[int, list[MeasureResult]] = defaultdict(list)
        lines: dict[int, list[LineRecord]] = defaultdict(list)
        rm, rl = pm.RunMeasure, pm.RunLine
        for part in chunks(ids):
            for x in self._s.execute(
                select(
                    rm.run_payee_id,
                    rm.measure,
                    rm.window_start,
                    rm.window_end,
                    rm.value,
                    rm.quota,
                    rm.attainment,
                )
                .where(rm.run_payee_id.in_(part))
                .order_by(rm.id)
            ):
                measures[x.run_payee_id].append(
                    MeasureResult(
                        x.measure, x.window_start, x.window_end, x.value, _dec(x.quota), _dec(x.attainment)
                    )
                )
            for line in self._s.execute(
                select(
                    rl.run_payee_id,
                    rl.seq,
                    rl.section,
                    rl.component,
                    rl.kind,
                    rl.amount,
                    rl.order_ref,
                    rl.explanation,
                )
                .where(rl.run_payee_id.in_(part))
                .order_by(rl.run_payee_id, rl.seq)
            ):
                lines[line.run_payee_id].append(
                    LineRecord(
                        line.seq,
                        line.section,
                        line.component,
                        line.kind,
                        line.amount,
                        line.order_ref,
                        dict(line.explanation or {}),
                    )
                )
        return [
            PayeeRecord(
                person_id=r.person_id,
                person=r.external_id,
                name=r.name,
                period_key=r.key,
                plan_key=r.plan_key,
                plan_version_id=r.plan_version_id,
                currency=r.currency,
                proration=_dec(r.proration) or Decimal(0),
                target_incentive=r.target_incentive,
                earnings=r.earnings,
                payout=r.payout,
                balance=r.balance,
                measures=tuple(measures[r.id]),
                lines=tuple(lines[r.id]),
                run_id=r.run_id,
            )
            for r in rows
        ]


def _dec(value: Decimal | None) -> Decimal | None:
    """Decimals read back in a canonical form, so SQLite and PostgreSQL rows compare and hash alike."""
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.000001"))
