"""The company as data for executives: goals against actuals and pace, KPIs by team, territory or region
against the prior period, top performers, and the monthly trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from attain.analytics.org import Dimension
from attain.domain.calendar import Period, PeriodKind
from attain.web.figures import Figures, first_of

BY_CHOICES = ("team", "territory", "region")
COMPANY_METRICS = (
    "revenue",
    "number_of_sales",
    "win_rate",
    "average_deal_size",
    "sales_cycle_median_days",
    "open_pipeline_value",
)
TOP = 10
PRIOR = "__prior"


@dataclass
class CompanyView:
    period: Period
    by: str
    goals: list[dict[str, Any]]
    kpis: list[dict[str, Any]]
    top: list[dict[str, Any]]
    trend: dict[str, Any]  # chart data: labels and series


def company_view(figures: Figures, period: Period, by: str) -> CompanyView:
    dimension = Dimension(by)
    goals = [g for g in figures.progress(period) if g["scope_kind"] == "company"]
    before = figures.kpis_before(dimension, period)
    kpis = []
    for row in figures.kpis_by(dimension, period):
        prior = first_of(before, **{by: row.get(by)}) or {}
        kpis.append(dict(row, **{f"{m}{PRIOR}": prior.get(m) for m in COMPANY_METRICS}))
    people = {str(p["external_id"]): p for p in figures.people()}
    attainment = {r["person"]: r.get("quota_attainment") for r in figures.kpis_by_person(period)}
    top = []
    for row in figures.board("revenue", period):
        if row.get("rank") is None or int(row["rank"]) > TOP:
            continue
        who = people.get(str(row["person"]), {})
        top.append(dict(row, person_id=who.get("id"), quota_attainment=attainment.get(row["person"])))
    return CompanyView(period, by, goals, kpis, top, _trend(figures, period))


def _trend(figures: Figures, period: Period) -> dict[str, Any]:
    """Monthly revenue of this fiscal year against last year's same months, and deals won per month."""
    rows = sorted(figures.company_trend(period), key=lambda r: str(r["period"]))
    fiscal = figures.calendar().fiscal
    year = fiscal.fiscal_year_of(period.start)
    by_key = {str(r["period"]): r for r in rows}
    labels, this_year, last_year, deals = [], [], [], []
    for month in range(1, 13):
        key = f"FY{year}-M{month:02d}"
        old = by_key.get(f"FY{year - 1}-M{month:02d}", {})
        now = by_key.get(key, {})
        labels.append(key)
        started = fiscal.period(PeriodKind.MONTH, year, month).start <= figures.today
        this_year.append(_number(now.get("revenue")) if started else None)
        last_year.append(_number(old.get("revenue")))
        deals.append(now.get("number_of_sales") if started else None)
    return {
        "type": "line",
        "labels": labels,
        "series": [
            {"label": f"Revenue FY{year}", "data": this_year},
            {"label": f"Revenue FY{year - 1}", "data": last_year},
        ],
        "deals": deals,
    }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
