"""A rep's dashboard figures in one call: this quarter's KPIs and goal pace, reading only their facts."""

from __future__ import annotations

from datetime import date
from typing import Any

from attain.analytics.ports import AnalyticsStore
from attain.analytics.progress import goal_progress, progress_rows
from attain.analytics.queries import Scope, Window, metric_rows, require_calendar
from attain.domain.calendar import PeriodKind

REP_METRICS = (
    "revenue",
    "won_revenue",
    "number_of_sales",
    "win_rate",
    "average_deal_size",
    "sales_cycle_median_days",
    "opportunities_created",
    "open_pipeline_value",
    "pipeline_coverage",
    "quota_attainment",
)


def rep_dashboard(
    store: AnalyticsStore, person: str, *, today: date, as_of: date | None = None
) -> dict[str, Any]:
    """{"period", "kpis": one row of REP_METRICS, "goals": that person's goal progress rows}."""
    with store.transaction() as tx:
        reader = tx.fact_reader
        info, calendar = require_calendar(reader)
        day = as_of or today
        quarter = calendar.period_of(PeriodKind.QUARTER, day)
        window = Window(period=quarter.key, as_of=day)
        rows = metric_rows(
            reader, REP_METRICS, [], window, Scope(person=person), today=today, goal_reader=tx.goals
        )
    kpis = rows[0] if rows else {"period": quarter.key, **dict.fromkeys(REP_METRICS)}
    goals = progress_rows(
        goal_progress(store, quarter.key, today=today, as_of=day, person=person), info.currency
    )
    return {"person": person, "period": quarter.key, "as_of": day, "kpis": kpis, "goals": goals}
