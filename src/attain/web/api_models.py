"""Response models of the KPI API (/api/v1): what each figure is, so the OpenAPI schema is complete.

Money is exact: decimal amounts in the reporting currency, serialised as strings ("1234.50"); ratios are
fractions (0.25 is 25%); counts are integers; a null means the figure cannot be computed (e.g. a win
rate without closed deals), never zero.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

Value = Decimal | int | float | None


class MetricRow(BaseModel):
    period: str | None = Field(description="the period key (or date range) of this row")
    group: dict[str, str | None] = Field(description="dimension -> external id or value, e.g. team -> T-NA")
    names: dict[str, str | None] = Field(description="dimension -> display name")
    values: dict[str, Value] = Field(description="metric key -> value")


class GoalOut(BaseModel):
    metric: str
    period: str
    kind: str = Field(description="goal, or quota (what attainment is measured against)")
    scope_kind: str = Field(description="company, team, territory or person")
    scope: str = Field(description="external id of the team, territory or person ('' for the company)")
    scope_name: str
    target: Decimal
    actual: Value
    attainment: float | None = Field(description="actual / target")
    elapsed: float = Field(description="share of the period's days gone by the as-of date")
    projected_linear: float | None
    projected_seasonal: float | None
    projected: float | None = Field(description="seasonal projection when history allows, else linear")
    pace: float | None = Field(description="projected / target (1.0 = exactly on target)")
    status: str | None = Field(description="on_track, at_risk or off_track")


class BoardRow(BaseModel):
    person: str
    person_name: str | None
    person_id: int | None
    team: str | None
    team_name: str | None
    metric: str
    period: str
    rank: int | None = Field(description="company rank; ties share a rank")
    value: Value
    prior: Value = Field(description="the same metric over the previous period")
    change: Value
    percentile: float | None = Field(description="share of the other ranked people with a worse value")
    team_rank: int | None
    team_percentile: float | None
    improvement_rank: int | None


class Driver(BaseModel):
    metric: str
    current: float | None = Field(description="sums and counts as full-period equivalents")
    team_median: float | None
    own_baseline: float | None = Field(description="the person's mean over past periods")
    lag: float = Field(description="how far it falls short, as a fraction of the baselines")


class AtRiskRow(BaseModel):
    person: str
    person_name: str | None
    person_id: int
    status: str | None
    pace: float | None
    attainment: float | None
    drivers: list[Driver] = Field(description="the lagging driver metrics, the worst first")


class DrillRow(BaseModel):
    row_set: str = Field(description="which rows: orders, won, closed, created, pipeline, ...")
    id: int
    external_id: str | None = None
    person: str | None = None
    person_name: str | None = None
    account_id: int | None = None
    product: str | None = None
    product_name: str | None = None
    status: str | None = None
    stage: str | None = None
    kind: str | None = None
    created_on: date | None = None
    close_on: date | None = None
    booked_on: date | None = None
    snapshot_on: date | None = None
    cycle_days: int | None = None
    amount: Decimal | None = None
    currency: str | None = None
    period: str | None = None
    compared: str | None = Field(default=None, description="the comparison period a row belongs to")


class PersonRef(BaseModel):
    id: int
    external_id: str
    name: str
    team: str | None
    role: str | None


class TrendPoint(BaseModel):
    period: str
    revenue: Decimal | None
    quota_attainment: float | None


class EarningsPeriod(BaseModel):
    period: str
    final: bool = Field(description="the period is closed: these are the posted results")
    currency: str
    payout: Decimal


class EarningsLine(BaseModel):
    plan: str
    component: str
    kind: str
    amount: Decimal
    order: str | None
    text: str = Field(description="how the line was computed: order, credit, tier and rate")


class EarningsOut(BaseModel):
    periods: list[EarningsPeriod]
    statement_period: str | None
    final: bool
    currency: str | None
    earned: Decimal | None
    paid: Decimal | None
    lines: list[EarningsLine]


class Dashboard(BaseModel):
    person: PersonRef
    period: str
    as_of: date
    currency: str
    kpis: dict[str, Value]
    team_median: dict[str, Value] = Field(description="the median over the people sharing a manager")
    goals: list[GoalOut]
    trend: list[TrendPoint]
    earnings: EarningsOut
