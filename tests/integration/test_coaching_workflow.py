"""The coaching loop end to end on both databases: a manager schedules a one-to-one for an at-risk rep
from the suggestion, records notes and two action items; the rep sees the items and the shared
feedback but not the private notes; another rep sees none of it; an overdue item surfaces with the
linked metric's movement.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from attain.app.coaching.feedback import feedback_about, feedback_item, feedback_visible, give_feedback
from attain.app.coaching.followup import ItemFilter, follow_up
from attain.app.coaching.recommendations import recommendations, schedule_from_recommendation
from attain.app.coaching.sessions import (
    add_action_item,
    record_session,
    schedule_session,
    session_view,
    sessions_for,
    set_action_status,
)
from attain.app.coaching.skills import load_default_framework
from attain.app.coaching.training import define_course
from attain.app.coaching.wording import format_value, short_name
from attain.domain.errors import Forbidden, NotFound
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.unit_of_work import SqlStore
from tests.coaching_company import TODAY, Company, build_company

PERIOD = "FY2025-Q2"


@pytest.fixture
def company(store: SqlStore) -> Company:
    return build_company(store, logins=False)


def test_manager_coaches_an_at_risk_rep_and_each_person_sees_only_what_they_may(
    store: SqlStore, company: Company
) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    suggested = recommendations(cs, kpis, company.manager, period=PERIOD, today=TODAY)
    assert [(r.person.external_id, r.pace.status) for r in suggested] == [
        ("ann", "off_track"),
        ("cat", "at_risk"),
    ]

    session, rec = schedule_from_recommendation(
        cs,
        kpis,
        company.manager,
        rep_id=company.ann,
        period=PERIOD,
        held_on=TODAY + timedelta(days=2),
        today=TODAY,
        kind="one_to_one",
    )
    assert (session.kind, session.status, session.coach_id, session.rep_id) == (
        "one_to_one",
        "planned",
        company.mia,
        company.ann,
    )
    assert session.metrics == tuple(d.metric for d in rec.lagging)
    assert session.origin == f"recommendation {PERIOD}: {rec.reason}"

    held = record_session(
        cs,
        company.manager,
        session.id,
        today=TODAY,
        notes="Agreed a prospecting plan.",
        private_notes="Ann seems discouraged; check in weekly.",
    )
    assert held.status == "held"
    first = add_action_item(
        cs,
        company.manager,
        kpis,
        owner_id=company.ann,
        session_id=session.id,
        title="Raise win rate",
        due_on=date(2025, 6, 30),
        today=TODAY,
        metric="win_rate",
        target=Decimal("0.30"),
    )
    second = add_action_item(
        cs,
        company.manager,
        kpis,
        owner_id=company.ann,
        session_id=session.id,
        title="Book ten discovery calls",
        due_on=date(2025, 5, 31),
        today=TODAY,
    )
    shared = give_feedback(
        cs,
        company.manager,
        subject_id=company.ann,
        visibility="shared",
        summary="Good energy on calls.",
        points=[(None, "Rapport", "Qualify earlier")],
        today=TODAY,
        session_id=session.id,
    )
    private = give_feedback(
        cs,
        company.manager,
        subject_id=company.ann,
        visibility="private",
        summary="Consider a performance plan if Q3 repeats this.",
        points=[],
        today=TODAY,
    )

    # The rep: both items, the shared feedback, the session without the private notes.
    mine = sessions_for(cs, company.rep, today=TODAY)
    assert [(s.id, s.notes, s.private_notes) for s in mine] == [
        (session.id, "Agreed a prospecting plan.", "")
    ]
    assert [f.item.id for f in follow_up(cs, kpis, company.rep, today=TODAY)] == [second.id, first.id]
    assert [f.id for f in feedback_about(cs, company.rep, company.ann, today=TODAY)] == [shared.id]
    with pytest.raises(NotFound):
        feedback_item(cs, company.rep, private.id, today=TODAY)
    view = session_view(cs, company.rep, session.id, today=TODAY)
    assert (view.session.private_notes, [i.id for i in view.items], [f.id for f in view.feedback]) == (
        "",
        [first.id, second.id],
        [shared.id],
    )

    # The manager who wrote them sees everything, private notes included.
    coach_view = session_view(cs, company.manager, session.id, today=TODAY)
    assert coach_view.session.private_notes == "Ann seems discouraged; check in weekly."
    assert {f.id for f in feedback_about(cs, company.manager, company.ann, today=TODAY)} == {
        shared.id,
        private.id,
    }

    # Another rep, and another team's manager, see none of it (and cannot probe by id).
    for outsider in (company.other_rep, company.other_manager):
        assert sessions_for(cs, outsider, today=TODAY) == []
        assert follow_up(cs, kpis, outsider, today=TODAY, which=ItemFilter.ALL) == []
        assert feedback_visible(cs, outsider, today=TODAY) == []
        with pytest.raises(NotFound):
            session_view(cs, outsider, session.id, today=TODAY)
        with pytest.raises(NotFound):
            feedback_item(cs, outsider, shared.id, today=TODAY)
        with pytest.raises(NotFound):
            feedback_about(cs, outsider, company.ann, today=TODAY)
        with pytest.raises(NotFound):
            set_action_status(cs, outsider, first.id, "done", today=TODAY)

    # Every write is in the audit log, without the private notes' text.
    with store.transaction() as tx:
        entries = tx.audit.recent(50)
    kinds = [
        (e["action"], e["entity"])
        for e in entries
        if e["entity"] in ("coaching_session", "action_item", "feedback")
    ]
    assert sorted(kinds) == sorted(
        [
            ("create", "coaching_session"),
            ("update", "coaching_session"),
            ("create", "action_item"),
            ("create", "action_item"),
            ("create", "feedback"),
            ("create", "feedback"),
        ]
    )
    assert all("discouraged" not in str(e["detail"]) for e in entries)


def test_an_overdue_item_surfaces_for_rep_and_manager_with_its_metric_movement(
    store: SqlStore, company: Company
) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    set_on = date(2025, 4, 1)
    item = add_action_item(
        cs,
        company.manager,
        kpis,
        owner_id=company.ann,
        title="Win rate from 20% to 28%",
        due_on=date(2025, 5, 1),
        today=set_on,
        metric="win_rate",
        target=Decimal("0.28"),
    )
    # Baseline: Ann's win rate over the 90 days before 2025-04-01 = 2 won of 10 closed.
    assert item.baseline == Decimal("0.2")
    for viewer in (company.rep, company.manager):
        overdue = follow_up(cs, kpis, viewer, today=TODAY, which=ItemFilter.OVERDUE)
        assert [(f.item.id, f.days_overdue) for f in overdue] == [(item.id, 14)]
        moved = overdue[0].movement
        assert moved is not None
        # Since 2025-04-01: 1 won of 4 closed.
        assert (moved.baseline, moved.current, moved.change, moved.progress) == (
            Decimal("0.2"),
            Decimal("0.25"),
            Decimal("0.05"),
            Decimal("0.625"),
        )
        assert (moved.baseline_from, moved.set_on, moved.through) == (date(2025, 1, 1), set_on, TODAY)
    assert follow_up(cs, kpis, company.other_manager, today=TODAY, which=ItemFilter.OVERDUE) == []
    done = set_action_status(cs, company.rep, item.id, "done", today=TODAY)
    assert (done.status, done.completed_on) == ("done", TODAY)
    assert follow_up(cs, kpis, company.manager, today=TODAY, which=ItemFilter.OVERDUE) == []


def test_recommendations_state_the_kpi_layers_figures(store: SqlStore, company: Company) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    load_default_framework(cs, company.admin, kpis)
    define_course(cs, company.admin, key="PROS-1", name="Pipeline generation", skills=["prospecting"])
    recs = recommendations(cs, kpis, company.manager, period=PERIOD, today=TODAY)
    assert [r.person.external_id for r in recs] == ["ann", "cat"]
    ann = recs[0]
    # The KPI layer ranks Ann's drivers: new opportunities and pipeline lag most (0 this quarter).
    assert [d.metric for d in ann.lagging] == ["opportunities_created", "open_pipeline_value"]
    assert [s.key for s in ann.focus] == ["prospecting"]
    assert [c.external_id for c in ann.courses] == ["PROS-1"]
    figures = {d.metric: d for d in kpis.drivers(company.ann, PERIOD, as_of=TODAY)}
    created, pipeline = figures["opportunities_created"], figures["open_pipeline_value"]
    usual_created = format_value(kpis.describe("opportunities_created"), created.own_history)
    usual_pipeline = format_value(kpis.describe("open_pipeline_value"), pipeline.own_history)
    normal = ", ".join(dict.fromkeys(short_name(kpis.describe(d.metric)) for d in ann.normal))
    assert ann.reason == (
        f"new opportunities 0 (full-period pace) vs own usual {usual_created}, "
        f"pipeline 0 vs own usual {usual_pipeline}, {normal} normal: "
        "focus on prospecting and lead generation; course Pipeline generation"
    )
    lags = [figures[d.metric].lag for d in ann.normal]
    assert all(lag is not None and lag < Decimal("0.1") for lag in lags)
    for rec in recs:
        figures = {d.metric: d for d in kpis.drivers(rec.person.id, PERIOD, as_of=TODAY)}
        for driver in rec.lagging:
            assert driver == figures[driver.metric]


def test_feedback_from_a_peer_is_shared_or_private_as_written(store: SqlStore, company: Company) -> None:
    cs = SqlCoachingStore(store)
    shared = give_feedback(
        cs,
        company.peer,
        subject_id=company.ann,
        visibility="shared",
        summary="Great demo",
        points=[],
        today=TODAY,
    )
    private = give_feedback(
        cs,
        company.peer,
        subject_id=company.ann,
        visibility="private",
        summary="Talks over the customer",
        points=[],
        today=TODAY,
    )
    assert [f.id for f in feedback_about(cs, company.rep, company.ann, today=TODAY)] == [shared.id]
    assert [f.id for f in feedback_about(cs, company.manager, company.ann, today=TODAY)] == [shared.id]
    assert {f.id for f in feedback_visible(cs, company.peer, today=TODAY)} == {shared.id, private.id}
    assert {f.id for f in feedback_about(cs, company.admin, company.ann, today=TODAY)} == {
        shared.id,
        private.id,
    }
    with pytest.raises(NotFound):
        give_feedback(
            cs,
            company.other_rep,
            subject_id=company.ann,
            visibility="shared",
            summary="x",
            points=[],
            today=TODAY,
        )


def test_a_rep_cannot_coach_themself_and_cannot_see_a_peer(store: SqlStore, company: Company) -> None:
    cs = SqlCoachingStore(store)
    with pytest.raises(Forbidden):
        schedule_session(
            cs, company.rep, rep_id=company.ann, kind="one_to_one", held_on=TODAY, topic="x", today=TODAY
        )
    with pytest.raises(NotFound):
        schedule_session(
            cs, company.rep, rep_id=company.bob, kind="one_to_one", held_on=TODAY, topic="x", today=TODAY
        )


def test_an_item_on_one_segment_measures_that_segments_deals_only(store: SqlStore, company: Company) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    set_on = date(2025, 4, 1)
    mid_market = add_action_item(
        cs,
        company.manager,
        kpis,
        owner_id=company.ann,
        title="Mid-market win rate",
        due_on=date(2025, 6, 30),
        today=set_on,
        metric="win_rate",
        target=Decimal("0.28"),
        segment="MM",
    )
    small = add_action_item(
        cs,
        company.manager,
        kpis,
        owner_id=company.ann,
        title="SMB win rate",
        due_on=date(2025, 6, 30),
        today=set_on,
        metric="win_rate",
        target=Decimal("0.28"),
        segment="SMB",
    )
    # Every deal of the company is with Acme, a mid-market account.
    assert (mid_market.baseline, small.baseline) == (Decimal("0.2"), None)
    moved = {f.item.id: f.movement for f in follow_up(cs, kpis, company.manager, today=TODAY)}
    currents = [
        m.current if m is not None else "no movement" for m in (moved[mid_market.id], moved[small.id])
    ]
    assert currents == [Decimal("0.25"), None]
