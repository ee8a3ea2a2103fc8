"""A person's dashboard as data: goals, attainment and pace, KPIs against their team's median, the trend,
earnings from the calculation runs and coaching action items. The page and the API both use it.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from attain.app.coaching.access import Viewer
from attain.app.coaching.followup import FollowUp, follow_up
from attain.app.ports import UserInfo
from attain.app.runs.ports import LineRecord
from attain.app.runs.statements import line_text, statement, statements_of
from attain.domain.calendar import Period
from attain.domain.errors import NotFound
from attain.domain.money import from_minor
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.web.figures import TEAM_METRICS, Figures, elapsed_share, first_of

HEADLINE_METRIC = "revenue"


@dataclass
class Earnings:
    """Payouts per period from the current run results (newest first), and the latest statement's lines."""

    periods: list[dict[str, Any]] = field(default_factory=list)  # period, final, currency, payout
    period: str | None = None
    final: bool = False
    currency: str | None = None
    earned: Decimal | None = None
    paid: Decimal | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)  # component, kind, amount, order, text


@dataclass
class RepView:
    person: Mapping[str, Any]
    period: Period
    currency: str
    kpis: dict[str, Any]
    median: dict[str, Any]  # the team median of each KPI (people with the same manager)
    peers: int
    goals: list[dict[str, Any]]
    headline: dict[str, Any] | None  # the revenue quota (or goal) of the period
    elapsed: float
    trend: list[dict[str, Any]]  # period, revenue, quota_attainment
    earnings: Earnings

    @property
    def external_id(self) -> str:
        return str(self.person["external_id"])


def rep_view(figures: Figures, person: Mapping[str, Any], period: Period) -> RepView:
    ext = str(person["external_id"])
    by_person = figures.kpis_by_person(period)
    mine = first_of(by_person, person=ext) or {}
    kpis = {m: mine.get(m) for m in TEAM_METRICS}
    peers = _peers(figures.people(), person)
    median = {m: _median([r.get(m) for r in by_person if r.get("person") in peers]) for m in TEAM_METRICS}
    goals = [g for g in figures.progress(period) if g["scope_kind"] == "person" and g["scope"] == ext]
    headline = next(
        (
            g
            for kind in ("quota", "goal")
            for g in goals
            if g["metric"] == HEADLINE_METRIC and g["kind"] == kind
        ),
        None,
    )
    trend = [
        {"period": r["period"], "revenue": r.get("revenue"), "quota_attainment": r.get("quota_attainment")}
        for r in figures.trend_by_person(period)
        if r.get("person") == ext
    ]
    trend.sort(key=lambda r: str(r["period"]))
    return RepView(
        person,
        period,
        figures.calendar().currency,
        kpis,
        median,
        len(peers),
        goals,
        headline,
        elapsed_share(period, figures.as_of(period)),
        trend,
        earnings_of(figures, person),
    )


def _peers(people: list[dict[str, Any]], person: Mapping[str, Any]) -> set[str]:
    """External ids of the people sharing this person's manager today (the person included)."""
    boss = person.get("manager_id")
    if boss is None:
        return {str(person["external_id"])}
    return {str(p["external_id"]) for p in people if p.get("manager_id") == boss}


def _median(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    if not present:
        return None
    if all(isinstance(v, Decimal) for v in present):
        return statistics.median(present)
    return statistics.median(float(v) for v in present)


def earnings_of(figures: Figures, person: Mapping[str, Any]) -> Earnings:
    """From the runs' current results; an empty `Earnings` when no period has been run for this person."""

    def read() -> Earnings:
        out = Earnings()
        for row in statements_of(figures.store, int(person["id"])):
            for currency, amount in sorted(row["payout"].items()):
                out.periods.append(
                    {
                        "period": row["period"],
                        "final": row["final"],
                        "currency": currency,
                        "payout": from_minor(amount, currency),
                    }
                )
        if not out.periods:
            return out
        latest = str(out.periods[0]["period"])
        try:
            found = statement(figures.store, str(person["external_id"]), latest)
        except NotFound:
            return out
        out.period, out.final = found.period_key, found.final
        for plan in found.plans:
            out.currency = plan.currency
            out.earned = (out.earned or Decimal(0)) + from_minor(plan.earnings, plan.currency)
            out.paid = (out.paid or Decimal(0)) + from_minor(plan.payout, plan.currency)
            for line in plan.earning_lines:
                out.lines.append(_line(plan.plan_key, line, plan.currency))
        return out

    return figures.cache.get(("earnings", int(person["id"])), read)


def _line(plan: str, line: LineRecord, currency: str) -> dict[str, Any]:
    return {
        "plan": plan,
        "component": line.component,
        "kind": line.kind,
        "amount": from_minor(line.amount, currency),
        "order": line.order_ref,
        "text": line_text(line, currency),
    }


def action_items(figures: Figures, user: UserInfo, person_id: int) -> list[FollowUp]:
    """The person's open coaching action items, as the coaching use cases scope them for `user`."""
    return follow_up(
        SqlCoachingStore(figures.store),
        AnalyticsKpis(figures.store),
        Viewer.of(user),
        today=figures.today,
        person_ids=[person_id],
    )
