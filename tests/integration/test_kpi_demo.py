"""On the demo company: the '+10% over the same quarter last year' goal, allocated by last year's share,
sums exactly down the org, and its pace and status follow from the actuals (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from attain.analytics.allocation import AllocationMethod, Level, home_team
from attain.analytics.goal_setting import GoalSpec, set_goal
from attain.analytics.org import Org
from attain.analytics.pace import Thresholds, status
from attain.analytics.progress import goal_progress
from attain.analytics.queries import Window, metric_rows
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.store.unit_of_work import SqlStore

AS_OF = date(2025, 11, 3)
PERIOD = "FY2025-Q4"


@pytest.fixture
def demo(store: SqlStore) -> SqlStore:
    install_demo(store, DemoSpec(as_of=AS_OF, seed=3, reps=10), actor="test")
    return store


def test_growth_goal_allocated_to_teams_and_reps_sums_exactly(demo: SqlStore) -> None:
    with demo.transaction() as tx:
        [last_year] = metric_rows(tx.fact_reader, ["revenue"], [], Window(period="FY2024-Q4"), today=AS_OF)
    spec = GoalSpec(
        "revenue",
        PERIOD,
        growth=Decimal("0.10"),
        allocate=AllocationMethod.LAST_YEAR_SHARE,
        levels=(Level.TEAM, Level.PERSON),
    )
    out = set_goal(demo, spec, actor="test", today=AS_OF)
    company = out[0].goal
    assert company.scope_kind == "company"
    assert company.target == (last_year["revenue"] * Decimal("1.1")).quantize(Decimal("0.01"))
    children: dict[tuple[str, int | None], list[Decimal]] = defaultdict(list)
    for s in out[1:]:
        assert s.parent is not None
        children[(s.parent.scope_kind, s.parent.scope_id)].append(s.goal.target)
    targets = {(s.goal.scope_kind, s.goal.scope_id): s.goal.target for s in out}
    assert children, "the goal was split"
    for parent, parts in children.items():
        assert sum(parts) == targets[parent], parent
    leaves = [t for key, t in targets.items() if key not in children]
    assert sum(leaves) == company.target
    with demo.transaction() as tx:
        sellers = home_team(Org.read(tx.fact_reader), date(2025, 10, 1), date(2026, 1, 1))
    people = {s.goal.scope_id for s in out if s.goal.scope_kind == "person"}
    assert people == set(sellers["person_id"].to_list())  # every rep active in the quarter has a goal


def test_pace_and_status_of_the_company_goal(demo: SqlStore) -> None:
    set_goal(demo, GoalSpec("revenue", PERIOD, growth=Decimal("0.10")), actor="test", today=AS_OF)
    [progress] = [
        p
        for p in goal_progress(demo, PERIOD, today=AS_OF, metric="revenue", scope_kind="company")
        if p.goal.kind == "goal"
    ]
    with demo.transaction() as tx:
        [actual] = metric_rows(tx.fact_reader, ["revenue"], [], Window(period=PERIOD), today=AS_OF)
    days = (AS_OF - date(2025, 10, 1)).days + 1
    assert progress.actual == int(actual["revenue"] * 100)
    assert progress.elapsed == pytest.approx(days / 92)
    assert progress.linear == pytest.approx(progress.actual * 92 / days)
    assert progress.seasonal is not None  # two past years of the same quarter exist
    assert progress.projected == progress.seasonal
    assert progress.pace == pytest.approx(progress.seasonal / float(progress.goal.target * 100))
    assert progress.status == status(progress.pace, Thresholds())
    assert progress.status is not None
