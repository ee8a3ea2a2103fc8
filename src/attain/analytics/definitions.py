"""Every metric's published definition, as data: one place each, rendered into docs/metrics.md.

The computations live in `measures` and `derived`; a test checks each definition has exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from attain.domain.errors import InvalidInput


class Unit(StrEnum):
    MONEY = "money"  # integer minor units of the reporting currency in frames; decimals when shown
    COUNT = "count"
    RATIO = "ratio"  # a fraction: 0.25 is 25 %
    DAYS = "days"
    MONTHS = "months"


class Direction(StrEnum):
    UP = "up"  # higher is better
    DOWN = "down"


class Additivity(StrEnum):
    """How a metric behaves when a period or a group is split: sums split and project, rates do not."""

    SUM = "sum"
    RATE = "rate"


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    key: str
    name: str
    unit: Unit
    direction: Direction
    additivity: Additivity
    formula: str
    counts: str  # which facts, dated how
    edge_cases: tuple[str, ...]
    null_means: str


_D = MetricDefinition
U, C, R, DY, MO = Unit.MONEY, Unit.COUNT, Unit.RATIO, Unit.DAYS, Unit.MONTHS
UP, DOWN = Direction.UP, Direction.DOWN
SUM, RATE = Additivity.SUM, Additivity.RATE

DEFINITIONS: tuple[MetricDefinition, ...] = (
    _D(
        "revenue",
        "Revenue (net bookings)",
        U,
        UP,
        SUM,
        "sum(order.amount)",
        "orders booked in the period (by booked_on); cancellations and returns are negative orders and "
        "are counted on their own booking date",
        (
            "no orders in the period: 0, a real zero (nothing was booked)",
            "a cancellation booked in a later period lowers that later period and leaves the earlier one",
        ),
        "never null",
    ),
    _D(
        "won_revenue",
        "Won revenue",
        U,
        UP,
        SUM,
        "sum(opportunity.amount) over won opportunities",
        "opportunities with status won whose close_on falls in the period",
        ("no won deals: 0", "won deals without an amount add nothing"),
        "never null",
    ),
    _D(
        "number_of_sales",
        "Number of sales",
        C,
        UP,
        SUM,
        "count(won opportunities)",
        "opportunities with status won whose close_on falls in the period",
        ("no won deals: 0",),
        "never null",
    ),
    _D(
        "win_rate",
        "Win rate",
        R,
        UP,
        RATE,
        "won / (won + lost)",
        "opportunities closed (won or lost) with close_on in the period; open deals are not counted",
        ("no deal closed in the period: null",),
        "no deal was won or lost in the period, so there is no rate to report",
    ),
    _D(
        "average_deal_size",
        "Average deal size",
        U,
        UP,
        RATE,
        "sum(amount) / count(amount), rounded half-even to the minor unit",
        "won opportunities with an amount, closed in the period",
        ("no won deal with an amount: null",),
        "no won deal with an amount closed in the period",
    ),
    _D(
        "median_deal_size",
        "Median deal size",
        U,
        UP,
        RATE,
        "median(amount); with an even count, the mean of the two middle amounts rounded half-even",
        "won opportunities with an amount, closed in the period",
        ("no won deal with an amount: null",),
        "no won deal with an amount closed in the period",
    ),
    _D(
        "sales_cycle_mean_days",
        "Sales cycle, mean days",
        DY,
        DOWN,
        RATE,
        "mean(close_on - created_on) in days",
        "won opportunities closed in the period; created_on is the creation or first-engagement date",
        ("won deals without created_on are left out", "no such deal: null"),
        "no won deal with both dates closed in the period",
    ),
    _D(
        "sales_cycle_median_days",
        "Sales cycle, median days",
        DY,
        DOWN,
        RATE,
        "median(close_on - created_on) in days",
        "won opportunities closed in the period that have created_on",
        ("won deals without created_on are left out", "no such deal: null"),
        "no won deal with both dates closed in the period",
    ),
    _D(
        "opportunities_created",
        "Opportunities created",
        C,
        UP,
        SUM,
        "count(opportunities)",
        "opportunities whose created_on falls in the period (pipeline generation)",
        ("none created: 0", "opportunities without created_on are never counted"),
        "never null",
    ),
    _D(
        "open_pipeline_value",
        "Open pipeline value",
        U,
        UP,
        RATE,
        "sum(amount) of opportunities open on the snapshot date",
        "snapshot on the period's last day, or on the as-of date when that is earlier; open means created "
        "on or before the snapshot and either still open or closed after it",
        ("nothing open: 0", "a period that starts after the as-of date: null"),
        "the period has not started by the as-of date, so there is no snapshot",
    ),
    _D(
        "open_pipeline_count",
        "Open opportunities",
        C,
        UP,
        RATE,
        "count of opportunities open on the snapshot date",
        "as open_pipeline_value",
        ("nothing open: 0", "a period that starts after the as-of date: null"),
        "the period has not started by the as-of date",
    ),
    _D(
        "rep_months",
        "Active rep-months",
        MO,
        UP,
        SUM,
        "sum over reps and months of (days with a rep assignment / days in the month)",
        "assignments with role rep, effective-dated, clipped to the period and to the as-of date; a rep "
        "is counted in the team, territory and region of the assignment",
        (
            "a rep hired mid-month counts the fraction of the month employed",
            "by product or segment: null (reps are not assigned to products)",
        ),
        "the grouping has no meaning for people (product, segment)",
    ),
    _D(
        "revenue_per_rep_month",
        "Revenue per active rep-month",
        U,
        UP,
        RATE,
        "revenue / rep_months, rounded half-even to the minor unit",
        "revenue and rep_months of the same group and period",
        (
            "part-year reps count only the months they were active, so they do not dilute the figure",
            "no active rep-months: null",
            "by product or segment: null",
        ),
        "no rep was active in the group and period",
    ),
    _D(
        "pipeline_coverage",
        "Pipeline coverage",
        R,
        UP,
        RATE,
        "open_pipeline_value / (revenue goal target - revenue to date)",
        "the group's revenue goal for the period (a quota if there is one, else a goal), matched by scope",
        (
            "no revenue goal for the group and period: null",
            "goal already met (nothing remains): null",
            "zero goal: null",
        ),
        "there is no remaining goal to cover",
    ),
    _D(
        "quota_attainment",
        "Quota attainment",
        R,
        UP,
        RATE,
        "revenue to date / revenue quota target",
        "the group's revenue quota (goal of kind quota) for the period",
        ("no quota: null", "zero quota: null"),
        "there is no (non-zero) quota to measure against",
    ),
    _D(
        "new_customers",
        "New customers",
        C,
        UP,
        SUM,
        "count(accounts whose first positive order ever falls in the period)",
        "accounts, by the date of their first order with a positive amount over all history",
        ("none: 0",),
        "never null",
    ),
    _D(
        "cac",
        "Customer acquisition cost",
        U,
        DOWN,
        RATE,
        "(sales cost + marketing cost) / new_customers, rounded half-even to the minor unit",
        "costs imported for periods lying inside the period; new customers as new_customers",
        (
            "no cost imported for the period: null (no data is not a zero cost)",
            "a cost whose period straddles the period's bounds: null",
            "no new customers: null",
            "grouped by anything but company and time: null (costs are company-wide)",
        ),
        "the cost or the customer count needed is missing, or zero customers",
    ),
    _D(
        "retention_rate",
        "Customer retention",
        R,
        UP,
        RATE,
        "customers of the period who buy again in the next period / customers of the period",
        "a customer of a period is an account with a positive order booked in it; the next period has the "
        "same length and follows directly",
        ("no customers in the period: null", "the next period has not ended by the as-of date: null"),
        "there is no cohort, or its next period is not over yet",
    ),
    _D(
        "churn_rate",
        "Customer churn",
        R,
        DOWN,
        RATE,
        "1 - retention_rate",
        "as retention_rate",
        ("same as retention_rate",),
        "as retention_rate",
    ),
    _D(
        "revenue_growth",
        "Revenue growth vs prior period",
        R,
        UP,
        RATE,
        "(revenue - revenue of the previous period) / |revenue of the previous period|",
        "revenue of the period and of the period just before it, of the same length",
        (
            "previous revenue zero: null",
            "the period has not ended by the as-of date: null "
            "(compare finished periods; use pace for the current one)",
        ),
        "there is nothing to compare with, or the period is still running",
    ),
    _D(
        "revenue_growth_yoy",
        "Revenue growth vs same period last year",
        R,
        UP,
        RATE,
        "(revenue - revenue a year earlier) / |revenue a year earlier|",
        "revenue of the period and of the same period of the previous fiscal year",
        ("last year's revenue zero: null", "the period has not ended by the as-of date: null"),
        "there is nothing to compare with, or the period is still running",
    ),
    _D(
        "stage_conversion",
        "Stage-to-stage conversion",
        R,
        UP,
        RATE,
        "opportunities that reached the next stage / opportunities that reached this stage",
        "opportunities created in the period; reaching a stage means a stage-history entry for it or a "
        "current stage at or after it in the funnel order (won deals passed every open stage); shown "
        "per stage pair by `attain funnel`",
        ("no opportunity reached the stage: null",),
        "nobody reached the stage, so there is no rate",
    ),
)

BY_KEY: dict[str, MetricDefinition] = {d.key: d for d in DEFINITIONS}


def definition(key: str) -> MetricDefinition:
    try:
        return BY_KEY[key]
    except KeyError:
        raise InvalidInput(f"unknown metric '{key}'", hint=f"one of: {', '.join(BY_KEY)}") from None


def as_rows() -> list[dict[str, str]]:
    """The definitions as rows of the metric_definitions table."""
    return [
        {
            "key": d.key,
            "name": d.name,
            "unit": str(d.unit),
            "direction": str(d.direction),
            "formula": d.formula,
            "description": _description(d),
        }
        for d in DEFINITIONS
    ]


def _description(d: MetricDefinition) -> str:
    edges = "; ".join(d.edge_cases)
    return f"Counts: {d.counts}. Edge cases: {edges}. Null means: {d.null_means}."


_BETTER = {Direction.UP: "better", Direction.DOWN: "worse"}
_BEHAVES = {Additivity.SUM: "splits and projects as a sum", Additivity.RATE: "a rate: not split or projected"}


def render_markdown() -> str:
    """docs/metrics.md, generated from DEFINITIONS."""
    lines = [
        "# Metrics",
        "",
        "Generated from `src/attain/analytics/definitions.py` (a test keeps the two in sync): edit the code,",
        "then run `attain metric-definitions --write-doc docs/metrics.md`.",
        "",
        "Every metric can be grouped by person, team (the subtree, as of each fact's date), territory and",
        "region (of the owner's assignment on the fact's date), product, product family, account segment and",
        "company,",
        "and by fiscal month, quarter or year of the default calendar, or any date range, as of any date.",
        "Money is exact: integer minor units of the reporting currency, rounded half-even only where a",
        "division makes it necessary. A metric that cannot be computed is null, never a silent 0.",
        "",
        "| key | name | unit | better |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{d.key}` | {d.name} | {d.unit} | {d.direction} |" for d in DEFINITIONS]
    for d in DEFINITIONS:
        lines += [
            "",
            f"## `{d.key}`: {d.name}",
            "",
            f"- **Formula**: {d.formula}",
            f"- **Counts**: {d.counts}",
            f"- **Unit**: {d.unit}; higher is {_BETTER[d.direction]}; {_BEHAVES[d.additivity]}",
            "- **Edge cases**:",
            *[f"  - {e}" for e in d.edge_cases],
            f"- **Null means**: {d.null_means}",
        ]
    return "\n".join(lines) + "\n"
