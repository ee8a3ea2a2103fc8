"""The tables of the dashboard pages: their columns, where each figure drills down to, and their empty
states (which say what to do). Rows come from the rep, team and company views.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attain.web.company_view import COMPANY_METRICS, PRIOR, CompanyView
from attain.web.figures import TEAM_METRICS
from attain.web.layout import columns_for, metric_kind, metric_label
from attain.web.reach import drill_url, person_url
from attain.web.rep_view import RepView
from attain.web.tables import Column, Kind, Table
from attain.web.team_view import TeamView

Params = Mapping[str, str]
NO_GOALS = "No goals for this period yet: a comp admin sets them with `attain goals set` (or the demo does)."


def _person_link(row: Mapping[str, Any]) -> str | None:
    return person_url(row.get("person_id"))


def _drill_person(metric: str, period: str) -> Any:
    return lambda row: drill_url(metric, period, person=row.get("person"))


def goal_columns(period: str, drill_key: str = "scope") -> list[Column]:
    def actual_link(row: Mapping[str, Any]) -> str | None:
        group = {"company": {}, "person": {"person": row.get("scope")}, "team": {"team": row.get("scope")}}
        territory = {"territory": row.get("scope")}
        chosen = group.get(str(row.get("scope_kind")), territory)
        return drill_url(str(row["metric"]), period, **chosen)

    return [
        Column("metric", "Metric"),
        Column("kind", "Kind"),
        Column("target", "Target", Kind.MONEY),
        Column("actual", "Actual", Kind.MONEY, link=actual_link),
        Column("attainment", "Attainment", Kind.PERCENT),
        Column("projected", "Projected", Kind.MONEY),
        Column("pace", "Pace", Kind.PERCENT),
        Column("status", "Status", Kind.STATUS),
    ]


def rep_tables(params: Params, view: RepView) -> list[Table]:
    period = view.period.key
    ext = view.external_id
    kpi_rows = [
        {
            "metric": metric_label(m),
            "key": m,
            "kind": metric_kind(m),
            "mine": view.kpis.get(m),
            "median": view.median.get(m),
        }
        for m in TEAM_METRICS
    ]

    def kpi_link(row: Mapping[str, Any]) -> str | None:
        return drill_url(str(row["key"]), period, person=ext)

    kpis = Table(
        "kpis",
        "My KPIs against my team's median",
        [
            Column("metric", "Metric"),
            Column("mine", "Mine", Kind.NUMBER, link=kpi_link, row_kind="kind"),
            Column("median", f"Team median ({view.peers} people)", Kind.NUMBER, row_kind="kind"),
        ],
        kpi_rows,
        params,
        empty="No figures yet.",
    )
    goals = Table(
        "goals",
        "Goals, attainment and pace",
        goal_columns(period),
        view.goals,
        params,
        empty=NO_GOALS,
        default_sort="metric",
    )
    trend = Table(
        "trend",
        "Quarter by quarter",
        [
            Column("period", "Quarter"),
            Column(
                "revenue",
                "Revenue",
                Kind.MONEY,
                link=lambda r: drill_url("revenue", str(r["period"]), person=ext),
            ),
            Column("quota_attainment", "Quota attainment", Kind.PERCENT),
        ],
        view.trend,
        params,
        empty="No history yet for this person.",
    )
    lines = Table(
        "earnings",
        "Earnings lines of the latest statement",
        [
            Column("plan", "Plan"),
            Column("component", "Component"),
            Column("kind", "Kind"),
            Column("order", "Order", link=lambda r: _order_link(r, period, ext)),
            Column("amount", "Amount", Kind.MONEY),
            Column("text", "How it was computed"),
        ],
        view.earnings.lines,
        params,
        empty="No calculation run covers this person yet: a comp admin runs the period (attain run).",
    )
    payouts = Table(
        "payouts",
        "Payouts by period",
        [
            Column("period", "Period"),
            Column("final", "Final"),
            Column("currency", "Currency"),
            Column("payout", "Payout", Kind.MONEY),
        ],
        view.earnings.periods,
        params,
        empty="No calculation run covers this person yet: a comp admin runs the period (attain run).",
    )
    return [goals, kpis, trend, payouts, lines]


def _order_link(row: Mapping[str, Any], period: str, person: str) -> str | None:
    return None if not row.get("order") else drill_url("revenue", period, person=person)


def team_tables(params: Params, view: TeamView, leader: Mapping[str, Any] | None) -> list[Table]:
    period = view.period.key
    board = Table(
        "leaderboard",
        f"Leaderboard: {metric_label(view.metric)}",
        [
            Column("rank", "Rank", Kind.COUNT),
            Column("person_name", "Rep", link=_person_link),
            Column(
                "value",
                metric_label(view.metric),
                metric_kind(view.metric),
                link=_drill_person(view.metric, period),
            ),
            Column("change", "Change vs prior quarter", metric_kind(view.metric)),
            Column("company_rank", "Company rank", Kind.COUNT),
            Column("percentile", "Company percentile", Kind.PERCENT),
        ],
        view.board,
        params,
        empty="No reps in this team this quarter: assignments give a manager their reps (attain import).",
    )
    kpis = Table(
        "kpis",
        "KPIs per rep (arrows: against the same point of the prior quarter)",
        [
            Column("person_name", "Rep", link=_person_link),
            *columns_for(TEAM_METRICS, link=lambda m: _drill_person(m, period), compare_suffix="__prior"),
        ],
        view.kpis,
        params,
        empty="No reps in this team this quarter.",
        default_sort="person_name",
    )
    at_risk = Table(
        "at_risk",
        "Reps at risk, with the driver metrics that lag most",
        [
            Column("person_name", "Rep", link=_person_link),
            Column("status", "Status", Kind.STATUS),
            Column("attainment", "Attainment", Kind.PERCENT, link=_drill_person("revenue", period)),
            Column("pace", "Pace", Kind.PERCENT),
            Column("lagging", "Lagging drivers"),
        ],
        view.at_risk,
        params,
        empty="Nobody is at risk or off track on a goal this quarter.",
    )
    pace = Table(
        "pace",
        "Team goal pace (the reps' goals added up)",
        [
            Column("metric", "Metric"),
            Column("kind", "Kind"),
            Column("people", "People", Kind.COUNT),
            Column("target", "Target", Kind.MONEY),
            Column(
                "actual",
                "Actual",
                Kind.MONEY,
                link=lambda r: drill_url(
                    str(r["metric"]), period, lead=None if leader is None else leader["external_id"]
                ),
            ),
            Column("attainment", "Attainment", Kind.PERCENT),
            Column("projected", "Projected", Kind.MONEY),
            Column("pace", "Pace", Kind.PERCENT),
            Column("status", "Status", Kind.STATUS),
        ],
        view.pace,
        params,
        empty=NO_GOALS,
    )
    return [board, kpis, at_risk, pace]


def company_tables(params: Params, view: CompanyView) -> list[Table]:
    period = view.period.key
    by = view.by
    goals = Table(
        "goals",
        "Company goals: target, actual and pace",
        goal_columns(period),
        view.goals,
        params,
        empty=NO_GOALS,
    )

    def by_link(metric: str) -> Any:
        return lambda row: drill_url(metric, period, **{by: row.get(by)})

    kpis = Table(
        "kpis",
        f"KPIs by {by} (arrows: against the same point of the prior quarter)",
        [
            Column(f"{by}_name" if by != "region" else "region", by.title()),
            *columns_for(COMPANY_METRICS, link=by_link, compare_suffix=PRIOR),
        ],
        view.kpis,
        params,
        empty=f"No {by} has figures this quarter: import opportunities and orders (attain import).",
        default_sort="revenue",
        default_descending=True,
    )
    top = Table(
        "top",
        "Top performers by revenue",
        [
            Column("rank", "Rank", Kind.COUNT),
            Column("person_name", "Rep", link=_person_link),
            Column("team_name", "Team"),
            Column("value", "Revenue", Kind.MONEY, link=_drill_person("revenue", period)),
            Column("quota_attainment", "Quota attainment", Kind.PERCENT),
            Column("change", "Change vs prior quarter", Kind.MONEY),
        ],
        view.top,
        params,
        empty="Nobody has sold this quarter yet.",
    )
    return [goals, kpis, top]
