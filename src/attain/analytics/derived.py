"""Metrics computed from other metrics, goals, costs or shifted periods (growth, retention, coverage, CAC)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl

from attain.analytics.exact import div_half_even, float_to_minor_half_even
from attain.analytics.measures import MEASURES, aggregate
from attain.analytics.org import PEOPLE_DIMENSIONS, Dimension
from attain.analytics.ports import GoalRecord
from attain.analytics.rowsets import Measurement, RowSet, next_period_ended, snapshot_buckets
from attain.analytics.timeframe import Shift, period_type
from attain.domain.money import minor_exponent

GOAL_SCOPE: dict[tuple[Dimension, ...], str] = {
    (): "company",
    (Dimension.PERSON,): "person",
    (Dimension.TEAM,): "team",
    (Dimension.TERRITORY,): "territory",
}


def base(m: Measurement, metric: str, shift: Shift | None = None) -> pl.DataFrame:
    spec = MEASURES[metric]
    return aggregate(m.rows(spec.row_set, shift), m.query.keys, [metric], m.facts.org)


def _outer(left: pl.DataFrame, right: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return left.join(right, on=keys, how="full", coalesce=True, nulls_equal=True)


def _null(m: Measurement, metric: str, dtype: pl.DataType) -> pl.DataFrame:
    return pl.DataFrame(schema={**{k: _key_type(m, k) for k in m.query.keys}, metric: dtype})


def _key_type(m: Measurement, key: str) -> pl.DataType:
    if key == "period":
        return period_type(m.buckets())
    return pl.Int64() if key.endswith("_id") else pl.Utf8()


def revenue_per_rep_month(m: Measurement) -> pl.DataFrame:
    keys = m.query.keys
    if not m.query.dims <= PEOPLE_DIMENSIONS:
        return _null(m, "revenue_per_rep_month", pl.Int64())
    both = _outer(base(m, "revenue"), base(m, "rep_months"), keys)
    value = pl.when(pl.col("rep_months") > 0).then(
        float_to_minor_half_even(pl.col("revenue").fill_null(0).cast(pl.Float64) / pl.col("rep_months"))
    )
    return both.select(*keys, value.alias("revenue_per_rep_month"))


def goal_targets(
    m: Measurement, goals: Sequence[GoalRecord], metric: str, currency: str
) -> pl.DataFrame | None:
    """The revenue-goal target (minor units) per group, quota before goal; None when goals cannot match.

    Groups match goals of their own scope: by person, team or territory, or the company when not
    grouped; ungrouped figures restricted to one person, team or territory match that one's goals.
    """
    dims = tuple(d for d in m.query.by if d is not Dimension.COMPANY)
    scope = GOAL_SCOPE.get(dims)
    only: int | str | None = None
    if not dims and len(m.query.filters) == 1 and GOAL_SCOPE.get((m.query.filters[0][0],)):
        scope, only = GOAL_SCOPE[(m.query.filters[0][0],)], m.query.filters[0][1]
    if scope is None:
        return None
    scale = Decimal(10) ** minor_exponent(currency)
    rows = [
        {
            "scope_id": g.scope_id,
            "period": g.period,
            "kind": g.kind,
            "_target": int((g.target * scale).to_integral_value(ROUND_HALF_EVEN)),
        }
        for g in goals
        if g.metric == metric and g.scope_kind == scope and (only is None or g.scope_id == only)
    ]
    frame = pl.DataFrame(
        rows, schema={"scope_id": pl.Int64, "period": pl.Utf8, "kind": pl.Utf8, "_target": pl.Int64}
    )
    # A quota is what attainment is measured against; where a group has both, the quota wins.
    frame = frame.sort(pl.col("kind") != "quota").unique(["scope_id", "period"], keep="first")
    # Goals of periods outside the query's buckets match nothing.
    frame = frame.filter(pl.col("period").is_in([b.key for b in m.buckets()])).with_columns(
        pl.col("period").cast(period_type(m.buckets()))
    )
    keys = m.query.keys
    if not dims:
        return frame.select("period", "kind", "_target")
    return frame.rename({"scope_id": keys[0]}).select(keys[0], "period", "kind", "_target")


def quota_attainment(m: Measurement, goals: Sequence[GoalRecord], currency: str) -> pl.DataFrame:
    targets = goal_targets(m, goals, "revenue", currency)
    if targets is None:
        return _null(m, "quota_attainment", pl.Float64())
    keys = m.query.keys
    quotas = targets.filter(pl.col("kind") == "quota").drop("kind")
    both = quotas.join(base(m, "revenue"), on=keys, how="left")
    value = pl.when(pl.col("_target") != 0).then(
        pl.col("revenue").fill_null(0).cast(pl.Float64) / pl.col("_target")
    )
    return both.select(*keys, value.alias("quota_attainment"))


def pipeline_coverage(m: Measurement, goals: Sequence[GoalRecord], currency: str) -> pl.DataFrame:
    targets = goal_targets(m, goals, "revenue", currency)
    if targets is None:
        return _null(m, "pipeline_coverage", pl.Float64())
    keys = m.query.keys
    rows = (
        targets.drop("kind")
        .join(base(m, "revenue"), on=keys, how="left")
        .join(base(m, "open_pipeline_value"), on=keys, how="left")
    )
    remaining = pl.col("_target") - pl.col("revenue").fill_null(0)
    snapped = [k for k, day in snapshot_buckets(m.frame).items() if day is not None]
    value = pl.when((remaining > 0) & pl.col("period").is_in(snapped)).then(
        pl.col("open_pipeline_value").fill_null(0).cast(pl.Float64) / remaining
    )
    return rows.select(*keys, value.alias("pipeline_coverage"))


def cac(m: Measurement) -> pl.DataFrame:
    keys = m.query.keys
    if m.query.dims:
        return _null(m, "cac", pl.Int64())
    costs = (
        m.rows(RowSet.COSTS)
        .group_by("period")
        .agg(pl.col("amount").sum().alias("_cost"), pl.col("_straddles").any().alias("_straddles"))
    )
    both = costs.join(base(m, "new_customers"), on="period", how="left")
    value = pl.when(~pl.col("_straddles") & (pl.col("new_customers").fill_null(0) > 0)).then(
        div_half_even(pl.col("_cost"), pl.col("new_customers").fill_null(0))
    )
    return both.select(*keys, value.alias("cac"))


def retention(m: Measurement) -> pl.DataFrame:
    """retention_rate and churn_rate per group; null where the next period is not over by the as-of date.

    Periods are numbered while accounts are matched and de-duplicated: integer keys keep the
    distinct-account work on half a million rows cheap.
    """
    keys = m.query.keys
    buckets = m.buckets()
    number = {b.key: i for i, b in enumerate(buckets)}

    def numbered() -> pl.Expr:
        return pl.col("period").to_physical().cast(pl.UInt32).alias("_p")

    nxt = m.rows(RowSet.CUSTOMERS, Shift.NEXT)
    again = nxt.select(numbered(), "account_id").unique().with_columns(_again=pl.lit(value=True))
    rows = m.rows(RowSet.CUSTOMERS)
    own = [("_team" if k == "team_id" else k) for k in keys if k != "period"]
    team = "team_id" in keys and "team_id" not in rows.columns
    if not team:
        own = [k for k in keys if k != "period"]
    cohort = rows.select(*own, numbered(), "account_id").unique()
    cohort = cohort.join(again, on=["_p", "account_id"], how="left")
    groups = [k for k in keys if k != "period"]
    if team:
        cohort = m.facts.org.explode_teams(cohort).select(*groups, "_p", "account_id", "_again").unique()
    counts = cohort.group_by([*groups, "_p"]).agg(
        pl.len().alias("_n"), pl.col("_again").fill_null(False).sum().alias("_k")
    )
    ended = [number[b.key] for b in buckets if next_period_ended(b, m.frame)]
    rate = pl.when(pl.col("_p").is_in(ended) & (pl.col("_n") > 0)).then(
        pl.col("_k").cast(pl.Float64) / pl.col("_n")
    )
    period = (
        pl.col("_p")
        .replace_strict(dict(enumerate(number)), return_dtype=pl.Utf8)
        .cast(period_type(buckets))
        .alias("period")
    )
    return counts.select(
        *groups, period, rate.alias("retention_rate"), (1 - rate).alias("churn_rate")
    ).select(*keys, "retention_rate", "churn_rate")


def growth(m: Measurement, shift: Shift, metric: str) -> pl.DataFrame:
    keys = m.query.keys
    now = base(m, "revenue")
    before = base(m, "revenue", shift).rename({"revenue": "_before"})
    both = _outer(now, before, keys)
    ended = [b.key for b in m.buckets() if b.last_day <= m.frame.as_of]
    prev = pl.col("_before").fill_null(0)
    value = pl.when(pl.col("period").is_in(ended) & (prev != 0)).then(
        (pl.col("revenue").fill_null(0) - prev).cast(pl.Float64) / prev.abs()
    )
    return both.select(*keys, value.alias(metric))


Derived = Callable[[Measurement, Sequence[GoalRecord], str], pl.DataFrame]

DERIVED: dict[str, tuple[Derived, tuple[str, ...]]] = {
    "revenue_per_rep_month": (lambda m, g, c: revenue_per_rep_month(m), ("revenue_per_rep_month",)),
    "quota_attainment": (quota_attainment, ("quota_attainment",)),
    "pipeline_coverage": (pipeline_coverage, ("pipeline_coverage",)),
    "cac": (lambda m, g, c: cac(m), ("cac",)),
    "retention_rate": (lambda m, g, c: retention(m), ("retention_rate", "churn_rate")),
    "churn_rate": (lambda m, g, c: retention(m), ("retention_rate", "churn_rate")),
    "revenue_growth": (lambda m, g, c: growth(m, Shift.PREVIOUS, "revenue_growth"), ("revenue_growth",)),
    "revenue_growth_yoy": (
        lambda m, g, c: growth(m, Shift.YEAR_AGO, "revenue_growth_yoy"),
        ("revenue_growth_yoy",),
    ),
}

# What each derived metric reads, so only those sources and dates are loaded.
DERIVED_ROW_SETS: dict[str, tuple[tuple[RowSet, Shift | None], ...]] = {
    "revenue_per_rep_month": ((RowSet.ORDERS, None), (RowSet.REP_MONTHS, None)),
    "quota_attainment": ((RowSet.ORDERS, None),),
    "pipeline_coverage": ((RowSet.ORDERS, None), (RowSet.PIPELINE, None)),
    "cac": ((RowSet.COSTS, None), (RowSet.NEW_CUSTOMERS, None)),
    "retention_rate": ((RowSet.CUSTOMERS, None), (RowSet.CUSTOMERS, Shift.NEXT)),
    "churn_rate": ((RowSet.CUSTOMERS, None), (RowSet.CUSTOMERS, Shift.NEXT)),
    "revenue_growth": ((RowSet.ORDERS, None), (RowSet.ORDERS, Shift.PREVIOUS)),
    "revenue_growth_yoy": ((RowSet.ORDERS, None), (RowSet.ORDERS, Shift.YEAR_AGO)),
}
