"""A rep's dashboard figures in one call: this quarter's KPIs and goal pace, reading only their facts."""

from __future__ import annotations

from datetime import date
from typing import Any

from attain.analytics.org import Org
from attain.analytics.ports import AnalyticsStore
from attain.analytics.progress import progress_in, progress_rows
from attain.analytics.queries import Scope, Window, id_of, metric_frame, records, require_calendar
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
    """{"person", "period", "as_of", "kpis": one row of REP_METRICS, "goals": their goal progress rows}.

    One transaction and one read of the org; facts are read for this person only.
    """
    with store.transaction() as tx:
        reader = tx.fact_reader
        _, calendar = require_calendar(reader)
        day = as_of or today
        quarter = calendar.period_of(PeriodKind.QUARTER, day)
        org = Org.read(reader)
        frame, _, currency = metric_frame(
            reader,
            REP_METRICS,
            [],
            Window(period=quarter.key, as_of=day),
            Scope(person=person),
            today=today,
            goal_reader=tx.goals,
            org=org,
        )
        progress = progress_in(tx, org, currency, calendar, quarter, day, owner=id_of(org, "person", person))
    rows = records(frame, currency)
    kpis = rows[0] if rows else {"period": quarter.key, **dict.fromkeys(REP_METRICS)}
    return {
        "person": person,
        "period": quarter.key,
        "as_of": day,
        "kpis": kpis,
        "goals": progress_rows(progress, currency),
    }
