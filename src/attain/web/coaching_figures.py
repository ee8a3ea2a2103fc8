"""The coaching team page's expensive figures, computed company-wide once per data version and cut to each
viewer's reach on every request, through the dashboards' figures cache (`figures.FigureCache`).

The recommendations (pace, the KPI layer's drivers, skills, courses and plan nudges of every at-risk rep)
and the overdue action items with their metric movement depend only on the data, the day and the period,
never on who asks: each is computed for everyone (as an admin sees it) and kept under the data version,
so the next write (every write is audited) makes the next request recompute. A viewer gets the entries
about the people they may see, decided per request by the same scope rules as the use cases; the cached
lists are never handed out, only filtered copies of them.

A write made through a coaching form reads the data version again at once (`saw_write`), so the page it
redirects to shows the change rather than the figures of a moment before.
"""

from __future__ import annotations

from datetime import date

from fastapi import Request

from attain.app.coaching.access import Viewer
from attain.app.coaching.followup import FollowUp, ItemFilter, follow_up, in_reach
from attain.app.coaching.nudges import plan_nudges
from attain.app.coaching.recommendations import recommendations, recommendations_in_reach
from attain.app.coaching.rules import Recommendation
from attain.domain.errors import AttainError
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.web.figures import Figures, cache_of

# The viewer the company-wide figures are computed for: admins see every person.
EVERYONE = Viewer.operator("coaching figures")


def kpis_for(request: Request, period: str | None) -> AnalyticsKpis:
    """A KPI adapter whose goal progress and drivers read the period's facts from the figures' shared read
    (the dashboards' one read of six quarters), so coaching and dashboards read them once between them."""
    figures = Figures.of(request)
    if period is None:
        return AnalyticsKpis(figures.store)
    try:
        shared = figures.analytics(figures.quarter(period))
    except AttainError:  # no calendar, or a key that is not a period: the use case says what is wrong
        return AnalyticsKpis(figures.store)
    return AnalyticsKpis(figures.store, analytics=shared)


def team_recommendations(
    request: Request, viewer: Viewer, *, period: str, today: date
) -> list[Recommendation]:
    """`recommendations(...)` for `viewer` on the team page: the company's, cut to the reps they manage."""
    figures = Figures.of(request)
    cs = SqlCoachingStore(figures.store)

    def everyone() -> list[Recommendation]:
        kpis = kpis_for(request, period)
        return recommendations(cs, kpis, EVERYONE, period=period, today=today, nudges=plan_nudges(cs))

    company = figures.cache.get(("coaching", "recommendations", period, today), everyone)
    return recommendations_in_reach(cs, viewer, company, today=today)


def overdue_items(request: Request, viewer: Viewer, *, today: date) -> list[FollowUp]:
    """`follow_up(..., which=OVERDUE)` for `viewer`: the company's overdue items, cut to their people."""
    figures = Figures.of(request)
    cs = SqlCoachingStore(figures.store)

    def everyone() -> list[FollowUp]:
        kpis = AnalyticsKpis(figures.store)
        return follow_up(cs, kpis, EVERYONE, today=today, which=ItemFilter.OVERDUE)

    company = figures.cache.get(("coaching", "overdue", today), everyone)
    return in_reach(cs, viewer, company, today=today)


def saw_write(request: Request) -> None:
    """Read the data version now: this process has just written, and its next page must show it."""
    cache_of(request).refresh_stamp()
