"""Pydantic models of the forecast API: the outlook per scope against goal, backtest accuracy, weekly
calls (submissions, overrides, roll-up), snapshots, recorded errors, calibration and expected earnings.

Amounts are integers in minor units of the response's `currency` (cents for USD). A scope is `company`,
`team:<id>` or `person:<id>`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, Field, model_validator

from attain.app.forecasts.ports import Call

MINOR = "minor units of the currency (cents for USD)"
Money = Annotated[int, Field(ge=0, le=10**15, description=MINOR)]
Week = Annotated[int, Field(ge=1, le=60, description="week of the period; week 1 is its first 7 days")]
WeekPath = Annotated[int, Path(ge=1, le=60, description="week of the period")]
PeriodPath = Annotated[str, Path(min_length=1, max_length=32, description="a period key, e.g. FY2026-Q2")]


class FitOut(BaseModel):
    """How current the fitted figures of an answer are (the oldest fit it used)."""

    computed_at: datetime | None = Field(
        default=None, description="when the models behind these figures were fitted"
    )
    data_version: int | None = Field(
        default=None, description="the facts version (newest audit id of a fact change) they were fitted on"
    )
    stale: bool = Field(
        default=False, description="the facts changed since: a refit is under way; ask again shortly"
    )


class ScopeOutlookOut(BaseModel):
    scope: str
    name: str
    method: str | None = Field(description="the statistical method used")
    actual_to_date: int
    statistical: int
    statistical_lo_80: int
    statistical_hi_80: int
    pipeline_weighted: int | None
    commit: int | None = Field(description="the submitted commit call, when the whole roll-up called")
    blended: int
    goal: int | None
    gap: int | None = Field(description="goal - blended: what is still missing (negative: ahead)")
    p_goal: float | None = Field(description="probability of reaching the goal")


class PersonForecastOut(ScopeOutlookOut, FitOut):
    """One person's outlook with how current its fit is."""


class OutlookOut(FitOut):
    period: str
    as_of: date
    currency: str
    weights: dict[str, float] = Field(description="the blend's weight per method, from recorded errors")
    scopes: list[ScopeOutlookOut]


class MethodAccuracyOut(BaseModel):
    scope: str
    method: str
    points: int
    wape: float | None
    mase: float | None
    smape: float | None
    bias: float | None = Field(description="sum(forecast - actual) / sum|actual|; positive: over-forecast")
    best: bool = Field(description="the lowest WAPE of the scope")


class AccuracyOut(FitOut):
    as_of: date
    grain: str
    horizon: int
    folds: int
    methods: list[MethodAccuracyOut]
    best: dict[str, str] = Field(description="per scope, the method with the lowest WAPE")


class CallIn(BaseModel):
    week: Week
    commit: Money
    best_case: Money
    pipeline: Money

    @model_validator(mode="after")
    def ordered(self) -> CallIn:
        if not self.commit <= self.best_case <= self.pipeline:
            raise ValueError("a call needs commit <= best_case <= pipeline")
        return self

    def call(self) -> Call:
        return Call(self.commit, self.best_case, self.pipeline)


class SubmissionIn(CallIn):
    person_id: int | None = Field(
        default=None, ge=1, le=2**62, description="whose call (default: the caller's own; others: admin only)"
    )
    note: str | None = Field(default=None, max_length=2000)


class OverrideIn(CallIn):
    subject_id: int = Field(ge=1, le=2**62, description="the direct report whose call is replaced")
    note: str = Field(min_length=1, max_length=2000, description="why (required)")


class CallOut(BaseModel):
    commit: int
    best_case: int
    pipeline: int

    @classmethod
    def of(cls, call: Call | None) -> CallOut | None:
        return (
            None
            if call is None
            else cls(commit=call.commit, best_case=call.best_case, pipeline=call.pipeline)
        )


class SubmissionOut(BaseModel):
    period: str
    person_id: int
    week: int
    call: CallOut
    currency: str
    note: str | None
    at: datetime
    by: str


class OverrideOut(BaseModel):
    period: str
    manager_id: int
    subject_id: int
    week: int
    call: CallOut
    currency: str
    note: str
    at: datetime
    by: str


class RollupLineOut(BaseModel):
    person_id: int
    external_id: str
    name: str
    manager_id: int | None
    depth: int
    submitted: CallOut | None
    overridden: CallOut | None
    override_note: str | None
    team: CallOut | None = Field(description="the sum of the direct reports' effective calls")
    effective: CallOut = Field(description="what rolls up to the manager")
    missing: bool = Field(description="nobody called this number")


class RollupOut(BaseModel):
    period: str
    week: int
    as_of: date
    currency: str
    lines: list[RollupLineOut]
    company: CallOut | None = Field(description="only for callers who see the whole company")


class SnapshotIn(BaseModel):
    week: Week


class SnapshotRowOut(BaseModel):
    scope: str
    method: str
    amount: int


class SnapshotOut(BaseModel):
    period: str
    week: int
    currency: str
    rows: list[SnapshotRowOut]


class SnapshotWeeksOut(BaseModel):
    period: str
    weeks: list[int]
    current_week: int | None = Field(description="the week containing today, while the period runs")


class ForecastErrorOut(BaseModel):
    period: str
    week: int
    scope: str
    method: str
    forecast: int
    actual: int
    error: int = Field(description="forecast - actual")
    abs_pct_error: float | None


class DecileOut(BaseModel):
    decile: int
    deals: int
    predicted: float
    observed: float


class CalibrationOut(FitOut):
    cutoff: date = Field(description="the day the probabilities were predicted as of")
    as_of: date = Field(description="outcomes are counted up to this day")
    deals: int
    predicted: float = Field(description="mean predicted win probability")
    observed: float = Field(description="share of those deals won")
    calibration_error: float = Field(description="deal-weighted mean |predicted - observed| over deciles")
    deciles: list[DecileOut]


class EarningsOut(FitOut):
    person_id: int
    period: str
    currency: str
    open_deals: int
    earned_so_far: int
    expected: int
    low_10: int = Field(description="10th percentile of the simulated payouts")
    high_90: int = Field(description="90th percentile of the simulated payouts")
    scenarios: int
