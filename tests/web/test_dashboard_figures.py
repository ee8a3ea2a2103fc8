"""The dashboards' figures, computed the fast way (facts read once per period and shared, goal progress
reused by the reps-behind drivers), equal the KPI layer's direct answers on a generated company, for the
current quarter and an earlier one (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from attain.analytics.facts import Source, read_facts
from attain.analytics.org import Dimension, Org
from attain.analytics.ports import FactScope
from attain.analytics.progress import goal_progress, progress_rows
from attain.analytics.queries import Window, metric_rows
from attain.analytics.shared_facts import SharedFactReader, SharedFacts
from attain.analytics.standings import leaderboard, why_off_pace
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.domain.calendar import Period, PeriodKind
from attain.store.unit_of_work import SqlStore
from attain.web.figures import TEAM_METRICS, FigureCache, Figures
from tests.integration.kpi_company import load_company

AS_OF = date(2026, 11, 28)


@pytest.fixture
def demo(store: SqlStore) -> SqlStore:
    install_demo(store, DemoSpec(as_of=AS_OF, seed=5, reps=12), actor="test")
    return store


def _direct_kpis(
    store: SqlStore, metrics: tuple[str, ...], by: tuple[Dimension, ...], window: Window
) -> list[dict[str, Any]]:
    with store.transaction() as tx:
        return metric_rows(tx.fact_reader, metrics, by, window, today=AS_OF, goal_reader=tx.goals)


def _check_period(demo: SqlStore, figures: Figures, period: Period) -> None:
    as_of = figures.as_of(period)
    window = Window(period=period.key, as_of=as_of)
    currency = figures.calendar().currency

    direct = goal_progress(demo, period.key, today=AS_OF, as_of=as_of)
    assert figures.progress(period) == progress_rows(direct, currency)
    behind = why_off_pace(demo, period.key, today=AS_OF, as_of=as_of)
    assert behind, "some reps are behind, so their drivers are compared"
    assert figures.at_risk(period) == behind
    for metric in ("revenue", "win_rate", "average_deal_size"):
        assert figures.board(metric, period) == leaderboard(demo, metric, window, today=AS_OF)
    for dim in (Dimension.PERSON, Dimension.TEAM):
        assert figures.kpis_by(dim, period) == _direct_kpis(demo, TEAM_METRICS, (dim,), window)
    before = figures.previous(period)
    reached = as_of - period.start
    prior = Window(period=before.key, as_of=min(before.last_day, before.start + reached))
    assert figures.kpis_before(Dimension.PERSON, period) == _direct_kpis(
        demo, TEAM_METRICS, (Dimension.PERSON,), prior
    )
    trend = figures.trend_by_person(period)
    first = period
    for _ in range(5):
        first = figures.previous(first)
    trend_window = Window(start=first.start, last_day=period.last_day, grain=PeriodKind.QUARTER, as_of=as_of)
    assert trend == _direct_kpis(demo, ("revenue", "quota_attainment"), (Dimension.PERSON,), trend_window)
    # The figures above were answered from the shared read, not from separate reads of the store.
    shared = figures.shared(period)
    assert set(shared._frames) == {Source.OPPORTUNITIES, Source.ORDERS}


def test_dashboard_figures_equal_the_direct_kpi_answers(demo: SqlStore) -> None:
    figures = Figures(demo, FigureCache(demo), AS_OF)
    current = figures.quarter(None)
    _check_period(demo, figures, current)
    _check_period(demo, figures, figures.previous(figures.previous(current)))


def test_shared_reads_return_the_rows_the_store_reads(demo: SqlStore) -> None:
    start, end = date(2025, 10, 1), date(2027, 1, 1)
    shared = SharedFacts(start, end)
    scopes = [
        FactScope(start, end),
        FactScope(date(2026, 10, 1), date(2027, 1, 1)),
        FactScope(date(2026, 7, 1), date(2026, 10, 1)),
        FactScope(date(2026, 11, 28), date(2026, 11, 29)),
        FactScope(date(2024, 1, 1), date(2026, 1, 1)),  # outside the span: read from the store
        FactScope(date(2026, 10, 1), date(2027, 1, 1), owners=(1, 2, 3)),  # owners: from the store
    ]
    with demo.transaction() as tx:
        reader = tx.fact_reader
        org = Org.read(reader)
        currency = Figures(demo, FigureCache(demo), AS_OF).calendar().currency
        stored = reader.orders(FactScope(start, end))["currency"].unique().to_list()
        assert len(stored) > 1, "the company books orders in more than one currency"
        sources = {Source.OPPORTUNITIES, Source.ORDERS}
        for scope in scopes:
            plain = read_facts(reader, scope, sources, org, currency=currency)
            fast = read_facts(SharedFactReader(reader, shared), scope, sources, org, currency=currency)
            assert fast.opportunities.height > 0 or scope.owners is not None
            assert fast.opportunities.sort("id").equals(plain.opportunities.sort("id")), scope
            assert fast.orders.sort("id").equals(plain.orders.sort("id")), scope
    converted = shared._frames[Source.ORDERS]["currency"].unique().to_list()
    assert converted == [currency], "money is converted once for the span"


def test_shared_reads_keep_open_deals_past_their_expected_close(store: SqlStore) -> None:
    """An open deal whose expected close date has passed still touches later windows, as in the store's
    read (the small company's o5 is open with a close date of 2024-12-01)."""
    load_company(store)
    shared = SharedFacts(date(2024, 1, 1), date(2026, 1, 1))
    with store.transaction() as tx:
        reader = tx.fact_reader
        for scope in (
            FactScope(date(2025, 1, 1), date(2025, 4, 1)),
            FactScope(date(2024, 4, 1), date(2024, 7, 1)),
        ):
            plain = reader.opportunities(scope).sort("id")
            fast = SharedFactReader(reader, shared).opportunities(scope).sort("id")
            assert fast.equals(plain), scope
        late = reader.opportunities(FactScope(date(2025, 1, 1), date(2025, 4, 1)))
        assert late["status"].to_list() == ["open"], "the open deal past its expected close is read"
