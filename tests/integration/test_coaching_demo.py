"""Recommendations on the demo company, on both databases: every at-risk rep gets a focus whose stated
reason carries the KPI layer's own figures; and the demo coaching seed runs through the use cases."""

from __future__ import annotations

from datetime import date

import pytest

from attain.app.coaching.access import Viewer
from attain.app.coaching.recommendations import recommendations
from attain.app.coaching.rules import LAG_THRESHOLD
from attain.app.coaching.seed import seed_demo_coaching
from attain.app.coaching.skills import load_default_framework
from attain.app.coaching.wording import format_value, short_name
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.domain.errors import Conflict
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.unit_of_work import SqlStore

AS_OF = date(2025, 11, 3)
PERIOD = "FY2025-Q4"


@pytest.fixture
def demo(store: SqlStore) -> SqlStore:
    install_demo(store, DemoSpec(as_of=AS_OF, seed=3, reps=10), actor="test")
    return store


def test_every_at_risk_rep_gets_a_focus_stated_with_the_kpi_layers_figures(demo: SqlStore) -> None:
    cs, kpis, admin = SqlCoachingStore(demo), AnalyticsKpis(demo), Viewer.operator("test")
    load_default_framework(cs, admin, kpis)
    with cs.transaction() as tx:
        reps = tx.org.with_role("rep", AS_OF)
    at_risk = {
        p.person_id for p in kpis.pace(reps, PERIOD, as_of=AS_OF) if p.status in ("at_risk", "off_track")
    }
    recs = recommendations(cs, kpis, admin, period=PERIOD, today=AS_OF)
    assert at_risk, "the demo company should have reps behind pace in its current quarter"
    assert {r.person.id for r in recs} == at_risk
    for rec in recs:
        figures = {d.metric: d for d in kpis.drivers(rec.person.id, PERIOD, as_of=AS_OF)}
        assert rec.focus, f"{rec.person.name} got no focus: {rec.reason}"
        assert rec.lagging
        for driver in rec.lagging:
            assert driver == figures[driver.metric]
            label = kpis.describe(driver.metric)
            stated = f"{short_name(label)} {format_value(label, driver.value)}"
            if driver.pace_adjusted:
                stated += " (full-period pace)"
            by_team = driver.team_median is not None and (
                driver.lag_vs_own is None
                or (driver.lag_vs_team is not None and driver.lag_vs_team >= driver.lag_vs_own)
            )
            benchmark = (
                f"vs team median {format_value(label, driver.team_median)}"
                if by_team
                else f"vs own usual {format_value(label, driver.own_history)}"
            )
            assert f"{stated} {benchmark}" in rec.reason
        for driver in rec.normal:
            lag = figures[driver.metric].lag
            assert lag is not None
            assert lag < LAG_THRESHOLD
        drivers_of_focus = {m for s in rec.focus for m in s.metrics}
        assert drivers_of_focus & {d.metric for d in rec.lagging}


def test_the_demo_coaching_seed_runs_through_the_use_cases_once(demo: SqlStore) -> None:
    cs, kpis = SqlCoachingStore(demo), AnalyticsKpis(demo)
    result = seed_demo_coaching(cs, kpis, today=AS_OF)
    assert result.skills == 6
    assert result.courses == 7
    assert result.sessions > 0
    assert result.reviews > 0
    assert result.contests == 1
    with demo.transaction() as tx:
        entries = [e for e in tx.audit.recent(2000) if e["actor"] == "demo"]
    assert (
        sum(1 for e in entries if e["entity"] == "coaching_session" and e["action"] == "create")
        == result.sessions
    )
    with pytest.raises(Conflict):
        seed_demo_coaching(cs, AnalyticsKpis(demo), today=AS_OF)
