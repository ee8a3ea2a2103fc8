"""Pydantic models of the pay API: periods, runs, payees, adjustments, statements, inquiries and payouts.

Amounts are integers in minor units of their `currency` (cents for USD), exact like the ledger; the
statement lines also carry their explanation as data and as text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field

from attain.app.runs.periods import PeriodState
from attain.app.runs.ports import InquiryRecord, PayeeRecord, RunInfo

MINOR = "minor units of the currency (cents for USD)"
# Runs and inquiries are numbered with 32-bit integers on PostgreSQL: larger ids name nothing.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="an id as listed by the API")]


class PeriodOut(BaseModel):
    key: str
    kind: str
    start: date
    end: date = Field(description="the day after the period's last day")
    status: Literal["open", "closed"]
    runs: int
    current_run: int | None = Field(description="the last successful run, whose results are current")

    @classmethod
    def of(cls, s: PeriodState) -> PeriodOut:
        p = s.stored.period
        last = s.last_success
        return cls(
            key=p.key,
            kind=str(p.kind),
            start=p.start,
            end=p.end,
            status="closed" if s.closed else "open",
            runs=len(s.runs),
            current_run=None if last is None else last.id,
        )


class RunIn(BaseModel):
    period: str = Field(min_length=1, max_length=32, examples=["FY2025-Q1"])
    people: list[str] | None = Field(default=None, description="only these people (external ids)")
    engine: Literal["reference", "fast"] | None = None
    as_of: date | None = Field(default=None, description="ignore facts dated after this day")


class RunOut(BaseModel):
    id: int
    period: str
    status: Literal["succeeded", "failed"]
    engine: str
    scope: list[str] | None
    as_of: date
    payees: int
    total: int = Field(description=f"the payouts of the run, in {MINOR}")
    results_hash: str
    fingerprint: str
    plan_versions: list[str]
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    actor: str

    @classmethod
    def of(cls, r: RunInfo) -> RunOut:
        return cls(
            id=r.id,
            period=r.period_key,
            status="succeeded" if r.status == "succeeded" else "failed",
            engine=r.engine,
            scope=r.scope,
            as_of=r.as_of,
            payees=r.payees,
            total=r.total,
            results_hash=r.results_hash,
            fingerprint=r.fingerprint,
            plan_versions=sorted(r.plan_versions),
            error=r.error,
            started_at=r.started_at,
            finished_at=r.finished_at,
            actor=r.actor,
        )


class PayeeOut(BaseModel):
    person_id: int
    person: str = Field(description="external id")
    name: str
    period: str
    plan: str
    currency: str
    earnings: int = Field(description=MINOR)
    payout: int = Field(description=MINOR)
    balance: int = Field(description=f"draw balance carried, {MINOR}")
    run_id: int
    lines: int

    @classmethod
    def of(cls, p: PayeeRecord) -> PayeeOut:
        return cls(
            person_id=p.person_id,
            person=p.person,
            name=p.name,
            period=p.period_key,
            plan=p.plan_key,
            currency=p.currency,
            earnings=p.earnings,
            payout=p.payout,
            balance=p.balance,
            run_id=p.run_id,
            lines=len(p.lines),
        )


class ComparisonRow(BaseModel):
    person: str
    plan: str
    currency: str
    earnings_a: str
    earnings_b: str
    payout_a: str
    payout_b: str
    delta: str = Field(description="payout of run b minus run a, in major units")
    lines_changed: bool


class ComparisonOut(BaseModel):
    run_a: int
    run_b: int
    same_results: bool
    changed_inputs: list[str]
    rows: list[ComparisonRow]


class CloseOut(BaseModel):
    period: str
    already_closed: bool
    run_id: int | None
    entries: int
    payout: int = Field(description=MINOR)


class AdjustmentIn(BaseModel):
    person_id: int
    period: str = Field(min_length=1, max_length=32)
    amount: str = Field(min_length=1, max_length=32, description="major units, e.g. -250.00")
    reason: str = Field(min_length=1, max_length=2000)
    approver: str = Field(min_length=1, max_length=128)
    plan: str | None = Field(default=None, description="plan key (default: the person's plan)")


class LedgerEntryOut(BaseModel):
    id: int
    person_id: int
    person: str
    period: str
    plan: str
    kind: str
    component: str | None
    amount: int = Field(description=MINOR)
    currency: str
    reason: str | None
    approver: str | None
    posted_at: datetime
    posted_by: str


class LineOut(BaseModel):
    seq: int
    component: str
    kind: str
    amount: int = Field(description=MINOR)
    order: str | None
    explanation: dict[str, Any]
    text: str


class MeasureOut(BaseModel):
    measure: str
    window_start: date
    window_end: date
    value: int
    quota: str | None
    attainment: str | None = Field(description="a fraction: 1.05 is 105%")


class PlanStatementOut(BaseModel):
    plan: str
    run: int
    currency: str
    proration: str
    target_incentive: int
    measures: list[MeasureOut]
    earnings: list[LineOut]
    payout_lines: list[LineOut]
    earnings_total: int
    payout: int
    balance: int


class StatementOut(BaseModel):
    person_id: int
    person: str
    name: str
    period: str
    final: bool = Field(description="the period is closed: these are the posted results")
    plans: list[PlanStatementOut]
    totals: dict[str, dict[str, int]]


class StatementSummaryOut(BaseModel):
    period: str
    final: bool
    payout: dict[str, int] = Field(description=f"per currency, {MINOR}")


class InquiryIn(BaseModel):
    period: str = Field(min_length=1, max_length=32)
    line: int | None = Field(default=None, description="the statement line (#); none for the whole")
    question: str = Field(min_length=1, max_length=4000)


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class ResolveIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    adjustment: str | None = Field(default=None, description="major units; appended to the ledger")
    period: str | None = Field(default=None, description="open period of the adjustment")
    approver: str | None = Field(default=None, max_length=128)


class InquiryEventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    text: str


class InquiryOut(BaseModel):
    id: int
    person_id: int
    person: str
    period: str
    line: dict[str, Any]
    question: str
    status: Literal["open", "answered", "resolved"]
    raised_by: str
    raised_at: datetime
    adjustment_entry: int | None
    history: list[InquiryEventOut]

    @classmethod
    def of(cls, r: InquiryRecord) -> InquiryOut:
        status: Literal["open", "answered", "resolved"] = (
            "resolved" if r.status == "resolved" else "answered" if r.status == "answered" else "open"
        )
        return cls(
            id=r.id,
            person_id=r.person_id,
            person=r.person,
            period=r.period_key,
            line=r.line,
            question=r.question,
            status=status,
            raised_by=r.raised_by,
            raised_at=r.raised_at,
            adjustment_entry=r.adjustment_id,
            history=[InquiryEventOut(at=a, actor=b, action=c, text=d) for a, b, c, d in r.history],
        )


class AccrualOut(BaseModel):
    person: str
    name: str
    plan: str
    period: str
    currency: str
    earned: str
    paid: str
    held_back: str
    draw_balance: str
    accrued: str = Field(description="earned minus paid, in major units")
