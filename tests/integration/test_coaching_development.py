"""Skills, training, contests, badges and reminders on both databases, on the hand-built company."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from attain.app.coaching.contests import award_badges, create_contest, define_badge, leaderboard
from attain.app.coaching.effect import CAVEAT, course_effect
from attain.app.coaching.lms import import_completions
from attain.app.coaching.prizes import pay_prizes
from attain.app.coaching.records import Prize
from attain.app.coaching.reminders import mark_sent, outbox, queue_reminders
from attain.app.coaching.sessions import add_action_item
from attain.app.coaching.skills import assess_skill, load_default_framework, skill_gap
from attain.app.coaching.training import (
    certifications_expiring,
    certify,
    complete,
    define_course,
    enroll,
    training_of,
)
from attain.app.imports.batch import ImportRejected
from attain.domain.errors import Conflict, Forbidden, NotFound
from attain.store import models as m
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.unit_of_work import SqlStore
from tests.coaching_company import TODAY, Company, build_company, now

D = Decimal
LMS = """learner_id,course_id,course_title,status,enrolled_on,due_on,completed_on,score
ann,NEG-101,Negotiation fundamentals,Completed,2025-03-01,2025-04-30,2025-04-01,88
bob,NEG-101,Negotiation fundamentals,In Progress,2025-03-01,2025-04-30,,
"""


@pytest.fixture
def company(store: SqlStore) -> Company:
    return build_company(store, logins=False)


def _lms(tmp_path: Path, text: str = LMS) -> Path:
    path = tmp_path / "lms.csv"
    path.write_text(text)
    return path


def test_lms_completions_import_idempotently_and_reject_unknown_learners(
    store: SqlStore, company: Company, tmp_path: Path
) -> None:
    cs = SqlCoachingStore(store)
    report = import_completions(store, [_lms(tmp_path)], actor="test")
    assert {k: v.as_dict() for k, v in report.counts.items()} == {
        "course": {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0},
        "enrollment": {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0},
    }
    again = import_completions(store, [_lms(tmp_path)], actor="test")
    assert again.counts["enrollment"].as_dict()["unchanged"] == 2
    lines = training_of(cs, company.manager, today=TODAY)
    assert [
        (x.person.external_id, x.course.external_id, x.enrollment.status, x.enrollment.score, x.overdue)
        for x in lines
    ] == [("ann", "NEG-101", "completed", D(88), False), ("bob", "NEG-101", "enrolled", None, True)]
    assert [x.person.external_id for x in training_of(cs, company.rep, today=TODAY)] == ["ann"]
    bad = _lms(tmp_path, LMS + "zed,NEG-101,Negotiation fundamentals,Completed,2025-03-01,,2025-04-02,70\n")
    with pytest.raises(ImportRejected, match="row 4"):
        import_completions(store, [bad], actor="test")


def test_effect_view_compares_before_and_after_with_reps_who_had_not_taken_the_course(
    store: SqlStore, company: Company, tmp_path: Path
) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    import_completions(store, [_lms(tmp_path)], actor="test")
    view = course_effect(
        cs,
        kpis,
        company.manager,
        course="NEG-101",
        today=TODAY,
        window_days=60,
        metrics=["win_rate", "revenue"],
    )
    assert view.caveat == CAVEAT
    assert "Observational" in view.caveat
    [ann] = view.people
    assert (ann.person.external_id, ann.completed_on, ann.after_complete) == ("ann", date(2025, 4, 1), False)
    assert (ann.before, ann.after) == (
        {"win_rate": D("0.2"), "revenue": D(50_000)},
        {"win_rate": D("0.25"), "revenue": D(30_000)},
    )
    win, revenue = view.metrics
    # Comparison: Bob 0.5 -> 0.75, Cat 0.4 -> 0.5, Dan 0.5 -> 0.5 over the same windows.
    assert (
        win.people,
        win.before_median,
        win.after_median,
        win.change_median,
        win.comparison_change_median,
    ) == (1, D("0.2"), D("0.25"), D("0.05"), D("0.1"))
    assert (revenue.change_median, revenue.comparison_change_median) == (D(-20_000), D(-35_000))


def test_enrollments_completions_and_certifications_by_hand(store: SqlStore, company: Company) -> None:
    cs = SqlCoachingStore(store)
    define_course(cs, company.admin, key="C-1", name="Closing", hours=D("3.5"))
    define_course(cs, company.admin, key="C-2", name="Discovery")
    define_course(
        cs, company.admin, key="P-1", name="Sales academy", kind="programme", courses=["C-1", "C-2"]
    )
    enroll(cs, company.manager, person_id=company.ann, course="P-1", today=TODAY, due_on=date(2025, 6, 30))
    complete(
        cs, company.rep, person_id=company.ann, course="C-1", completed_on=TODAY, today=TODAY, score=D(91)
    )
    assert sorted(
        (x.course.external_id, x.enrollment.status) for x in training_of(cs, company.rep, today=TODAY)
    ) == [("C-1", "completed"), ("C-2", "enrolled"), ("P-1", "enrolled")]
    with pytest.raises(Forbidden):
        define_course(cs, company.manager, key="C-3", name="Nope")
    with pytest.raises(NotFound):
        enroll(cs, company.other_manager, person_id=company.ann, course="C-2", today=TODAY)
    certify(
        cs,
        company.manager,
        person_id=company.ann,
        name="Product expert",
        certified_on=date(2024, 6, 1),
        expires_on=date(2025, 6, 1),
        today=TODAY,
    )
    soon = certifications_expiring(cs, company.manager, today=TODAY, within_days=30)
    assert [(x.person.external_id, x.certification.name, x.days_left) for x in soon] == [
        ("ann", "Product expert", 17)
    ]
    assert certifications_expiring(cs, company.other_manager, today=TODAY) == []


def test_skill_gap_puts_assessed_levels_beside_the_metrics_the_skill_drives(
    store: SqlStore, company: Company
) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    load_default_framework(cs, company.admin, kpis)
    assess_skill(cs, company.rep, person_id=company.ann, skill="negotiation", level=4, today=date(2025, 5, 1))
    assess_skill(
        cs,
        company.manager,
        person_id=company.ann,
        skill="negotiation",
        level=2,
        today=TODAY,
        note="Concedes on price early",
    )
    with pytest.raises(Forbidden):
        assess_skill(
            cs, company.rep, person_id=company.ann, skill="closing", level=5, today=TODAY, source="manager"
        )
    gaps = {
        g.skill.key: g for g in skill_gap(cs, kpis, company.manager, company.ann, today=TODAY, window_days=45)
    }
    negotiation = gaps["negotiation"]
    assert (negotiation.self_level, negotiation.manager_level, negotiation.gap, negotiation.assessed_on) == (
        4,
        2,
        1,
        TODAY,
    )
    # Since 2025-04-01: Ann's deal size 30,000 and win rate 25% against team medians 22,500 and 50%.
    assert [(f.metric.key, f.value, f.team_median) for f in negotiation.figures] == [
        ("average_deal_size", D(30_000), D(22_500)),
        ("win_rate", D("0.25"), D("0.5")),
    ]
    assert gaps["closing"].gap is None
    with pytest.raises(NotFound):
        skill_gap(cs, kpis, company.other_rep, company.ann, today=TODAY)


def test_contest_leaderboard_shows_ranks_to_managers_and_bands_to_reps(
    store: SqlStore, company: Company
) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    with store.transaction() as tx:
        team = tx.session.query(m.Team).filter(m.Team.external_id == "north").one().id
    create_contest(
        cs,
        kpis,
        company.manager,
        key="q2-sprint",
        name="Q2 revenue sprint",
        metric="revenue",
        starts_on=date(2025, 4, 1),
        ends_on=date(2025, 5, 31),
        today=TODAY,
        team_id=team,
        prizes=[Prize(1, 500_00, "USD", "Dinner for two")],
    )
    full = leaderboard(cs, kpis, company.manager, "q2-sprint", today=TODAY)
    assert [
        (s.person.external_id, s.rank, s.value, s.prize.amount if s.prize else None) for s in full.standings
    ] == [("bob", 1, D(60_000), 500_00), ("cat", 2, D(45_000), None), ("ann", 3, D(30_000), None)]
    banded = leaderboard(cs, kpis, company.rep, "q2-sprint", today=TODAY)
    assert [(s.person.external_id, s.band, s.rank, s.value) for s in banded.standings] == [
        ("bob", "top 10%", None, D(60_000)),
        ("cat", "top 50%", None, D(45_000)),
        ("ann", "taking part", None, None),
    ]
    assert not banded.finished
    with pytest.raises(NotFound):
        leaderboard(cs, kpis, company.other_rep, "q2-sprint", today=TODAY)


def test_badges_are_awarded_once_per_person_and_period(
    store: SqlStore, company: Company, tmp_path: Path
) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    import_completions(store, [_lms(tmp_path)], actor="test")
    define_badge(
        cs,
        kpis,
        company.admin,
        key="win-half",
        name="Wins half",
        metric="win_rate",
        threshold=D("0.5"),
        period_kind="quarter",
    )
    define_badge(cs, kpis, company.admin, key="negotiator", name="Negotiator", course="NEG-101")
    new = award_badges(cs, kpis, company.admin, today=TODAY)
    names = {company.ann: "ann", company.bob: "bob", company.dan: "dan"}
    assert sorted((a.badge_key, names[a.person_id], a.period_key) for a in new) == [
        ("negotiator", "ann", ""),
        ("win-half", "bob", "FY2025-Q1"),
        ("win-half", "dan", "FY2025-Q1"),
    ]
    assert award_badges(cs, kpis, company.admin, today=TODAY) == []


def test_reminders_queue_each_notice_once_for_the_owner_and_the_manager(
    store: SqlStore, company: Company, tmp_path: Path
) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    import_completions(store, [_lms(tmp_path)], actor="test")
    add_action_item(
        cs,
        company.manager,
        kpis,
        owner_id=company.ann,
        title="Call Acme",
        due_on=date(2025, 5, 1),
        today=date(2025, 4, 1),
    )
    assert queue_reminders(cs, company.admin, today=TODAY) == 3
    assert queue_reminders(cs, company.admin, today=TODAY) == 0
    queued = outbox(cs)
    assert sorted((q.notice.kind, q.notice.recipient_id) for q in queued) == sorted(
        [
            ("action_item_overdue", company.ann),
            ("report_item_overdue", company.mia),
            ("enrollment_overdue", company.bob),
        ]
    )
    mark_sent(cs, company.admin, [q.notice_id for q in queued])
    assert outbox(cs) == []


def test_contest_prizes_are_paid_once_as_ledger_adjustments(store: SqlStore, company: Company) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    document = (Path(__file__).resolve().parents[2] / "src/attain/engine/plans/examples/ae.yaml").read_text()
    with store.transaction() as tx:
        plan = m.Plan(key="ae", name="Account Executive", created_at=now())
        tx.session.add(plan)
        tx.session.flush()
        version = m.PlanVersion(
            plan_id=plan.id,
            version=1,
            document=document,
            checksum="test",
            comment="",
            created_at=now(),
            created_by="test",
        )
        tx.session.add(version)
        tx.session.flush()
        tx.session.add_all(
            [
                m.PlanAssignment(
                    person_id=p,
                    plan_version_id=version.id,
                    target_incentive=20_000_00,
                    currency="USD",
                    valid_from=date(2025, 1, 1),
                )
                for p in (company.ann, company.bob, company.cat)
            ]
        )
        north = tx.session.query(m.Team).filter(m.Team.external_id == "north").one().id
    create_contest(
        cs,
        kpis,
        company.manager,
        key="april",
        name="April revenue",
        metric="revenue",
        starts_on=date(2025, 4, 1),
        ends_on=date(2025, 4, 30),
        today=TODAY,
        team_id=north,
        prizes=[Prize(1, 500_00, "USD", "Dinner"), Prize(2, 250_00, "USD", "Voucher")],
    )
    with pytest.raises(Conflict):
        pay_prizes(cs, store, kpis, company.admin, "april", today=date(2025, 4, 30))
    with pytest.raises(Forbidden):
        pay_prizes(cs, store, kpis, company.manager, "april", today=TODAY)
    paid = pay_prizes(cs, store, kpis, company.admin, "april", today=TODAY)
    # April: Bob 60,000 (3 wins), Cat 45,000, Ann 30,000.
    assert [(p.person, p.rank, p.amount) for p in paid] == [("bob", 1, 500_00), ("cat", 2, 250_00)]
    assert all(p.ledger_entry_id is not None for p in paid)
    with store.transaction() as tx:
        entries = tx.ledger.entries(person_ids=[company.bob, company.cat], kinds=["adjustment"])
    assert sorted((e.person, e.amount, e.period_key, e.reason, e.approver) for e in entries) == [
        ("bob", 500_00, "FY2025-Q2", "contest april: prize for rank 1", "admin"),
        ("cat", 250_00, "FY2025-Q2", "contest april: prize for rank 2", "admin"),
    ]
    again = AnalyticsKpis(store)
    assert [p.ledger_entry_id for p in pay_prizes(cs, store, again, company.admin, "april", today=TODAY)] == [
        None,
        None,
    ]
