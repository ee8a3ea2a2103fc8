"""Coaching data for the demo company, made through the same use cases a manager would use: the skills
framework, a course catalogue, badges, and for each manager's at-risk reps a one-to-one scheduled from
the recommendation with notes, action items, feedback and assessments; last quarter's reviews;
enrollments and completions; a contest on this month's revenue. Deterministic: no randomness, choices
follow person ids, so the same demo company always gets the same coaching history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from attain.app.coaching.access import Viewer
from attain.app.coaching.appraisals import open_review, rate_review
from attain.app.coaching.contests import award_badges, create_contest, define_badge
from attain.app.coaching.feedback import give_feedback
from attain.app.coaching.ports import CoachingStore, KpiSource
from attain.app.coaching.recommendations import recommendations
from attain.app.coaching.records import Prize
from attain.app.coaching.sessions import add_action_item, baseline_of, record_session, schedule_session
from attain.app.coaching.skills import DEFAULT_FRAMEWORK, assess_skill, load_default_framework
from attain.app.coaching.training import complete, define_course, enroll
from attain.domain.calendar import PeriodKind
from attain.domain.coaching import MetricTarget
from attain.domain.errors import Conflict, NotFound

# (external id, name, hours, skills it builds)
CATALOGUE: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("PRO-101", "Pipeline generation sprint", "4", ("prospecting",)),
    ("DIS-201", "Discovery that qualifies", "6", ("discovery",)),
    ("NEG-301", "Negotiating on value", "8", ("negotiation",)),
    ("CLO-201", "Closing with mutual action plans", "5", ("closing",)),
    ("REL-101", "Account planning and renewals", "4", ("relationships",)),
    ("PRD-101", "Beacon platform deep dive", "10", ("product_knowledge",)),
)
PROGRAMME = ("ACAD-1", "Sales academy", ("DIS-201", "NEG-301", "CLO-201"))


@dataclass
class SeedResult:
    skills: int = 0
    courses: int = 0
    sessions: int = 0
    action_items: int = 0
    feedback: int = 0
    assessments: int = 0
    enrollments: int = 0
    completions: int = 0
    reviews: int = 0
    contests: int = 0
    badges_awarded: int = 0
    notes: list[str] = field(default_factory=list)

    def as_rows(self) -> list[dict[str, object]]:
        return [
            {"what": k.replace("_", " "), "count": v} for k, v in vars(self).items() if isinstance(v, int)
        ]


RATING_FLOORS = ((Decimal("1.2"), 5), (Decimal(1), 4), (Decimal("0.8"), 3), (Decimal("0.5"), 2))


def _rating(attainment: Decimal | None, person_id: int) -> int:
    """A plausible rating from attainment, with a deliberate disagreement now and then for calibration."""
    if attainment is None:
        return 3
    base = next((rating for floor, rating in RATING_FLOORS if attainment >= floor), 1)
    return min(5, base + 2) if person_id % 7 == 0 else base


def seed_demo_coaching(
    store: CoachingStore, kpis: KpiSource, *, today: date, managers: Sequence[int] | None = None
) -> SeedResult:
    """Seed coaching data as of `today` into a company that has people, goals and facts."""
    admin = Viewer.operator("demo")
    out = SeedResult()
    with store.transaction() as tx:
        if tx.sessions.for_people(None, limit=1):
            raise Conflict("the database already holds coaching sessions", hint="seed an empty demo only")
        bosses = list(managers) if managers is not None else tx.org.with_role("manager", today)
    out.skills = len(load_default_framework(store, admin, kpis))
    for key, name, hours, skills in CATALOGUE:
        define_course(
            store, admin, key=key, name=name, hours=Decimal(hours), skills=skills, provider="Brightwater LMS"
        )
    define_course(
        store,
        admin,
        key=PROGRAMME[0],
        name=PROGRAMME[1],
        kind="programme",
        courses=PROGRAMME[2],
        skills=("discovery", "negotiation", "closing"),
    )
    out.courses = len(CATALOGUE) + 1
    define_badge(
        store,
        kpis,
        admin,
        key="quota-crusher",
        name="Quota crusher",
        metric="quota_attainment",
        threshold=Decimal(1),
        period_kind="quarter",
        description="100% of quota in a quarter",
    )
    define_badge(
        store,
        kpis,
        admin,
        key="sharp-closer",
        name="Sharp closer",
        metric="win_rate",
        threshold=Decimal("0.5"),
        period_kind="quarter",
        description="Won half the deals closed",
    )
    define_badge(store, kpis, admin, key="academy-grad", name="Academy graduate", course="CLO-201")

    quarter = kpis.current_period(PeriodKind.QUARTER, today)
    if quarter is None:
        raise NotFound(f"no fiscal quarter holds {today}", hint="run `attain init` first")
    period = quarter.period
    previous = kpis.current_period(PeriodKind.QUARTER, period.start - timedelta(days=1))
    for boss in bosses:
        manager = Viewer("demo", ("manager",), boss)
        _coach_team(store, kpis, manager, period.key, today, out)
        if previous is not None:
            _review_team(store, kpis, manager, previous.period.key, today, out)
    _train_everyone(store, admin, today, out)
    month = kpis.current_period(PeriodKind.MONTH, today)
    if month is not None:
        create_contest(
            store,
            kpis,
            Viewer("demo", ("admin",), None),
            key=f"sprint-{month.period.key.lower()}",
            name=f"{month.period.key} revenue sprint",
            metric="revenue",
            starts_on=month.period.start,
            ends_on=month.period.last_day,
            today=today,
            prizes=[Prize(1, 1_000_00, "USD", "Team dinner"), Prize(2, 500_00, "USD", "Gift card")],
        )
        out.contests = 1
    out.badges_awarded = len(award_badges(store, kpis, admin, today=today))
    return out


def _coach_team(
    store: CoachingStore, kpis: KpiSource, manager: Viewer, period: str, today: date, out: SeedResult
) -> None:
    held = today - timedelta(days=7)
    for rec in recommendations(store, kpis, manager, period=period, today=held)[:3]:
        rep = rec.person.id
        topic = "Focus: " + (", ".join(s.name.lower() for s in rec.focus) or "pipeline and pace review")
        session = schedule_session(
            store,
            manager,
            rep_id=rep,
            kind=rec.session_kind,
            held_on=held,
            topic=topic[:200],
            today=held,
            metrics=[d.metric for d in rec.lagging],
            origin=f"recommendation {period}: {rec.reason}",
        )
        record_session(
            store,
            manager,
            session.id,
            today=held,
            notes=f"Walked through the numbers: {rec.reason}.",
            private_notes="Check confidence and workload next week.",
        )
        out.sessions += 1
        # Only rates get a measured target: a sum since the item was set is not comparable to a
        # full-period pace. The target is the team median, or 10% better than the baseline when the
        # rep was already above the median before this quarter.
        worst = next((d for d in rec.lagging if not d.pace_adjusted), None)
        if worst is not None:
            label = kpis.describe(worst.metric)
            window = MetricTarget(worst.metric, None, Decimal(0), held)
            baseline = baseline_of(kpis, window, rep)
            if baseline is not None and baseline != 0:
                step = Decimal("1.1") if label.higher_is_better else Decimal("0.9")
                median = worst.team_median
                better = median is not None and (
                    median > baseline if label.higher_is_better else median < baseline
                )
                target = (median if better and median is not None else baseline * step).quantize(
                    Decimal("0.0001")
                )
                add_action_item(
                    store,
                    manager,
                    kpis,
                    owner_id=rep,
                    session_id=session.id,
                    metric=worst.metric,
                    target=target,
                    baseline=baseline,
                    title=f"Improve {label.name.lower()}",
                    due_on=period_end(kpis, period, today),
                    today=held,
                )
                out.action_items += 1
        due = held + timedelta(days=3 if rep % 2 else 21)  # some are overdue by today, some not
        add_action_item(
            store,
            manager,
            kpis,
            owner_id=rep,
            session_id=session.id,
            due_on=due,
            today=held,
            title="Review every open deal's next step with the customer",
        )
        out.action_items += 1
        focus = rec.focus[0].key if rec.focus else None
        give_feedback(
            store,
            manager,
            subject_id=rep,
            visibility="shared",
            session_id=session.id,
            today=held,
            summary="Thanks for an open conversation about the quarter.",
            points=[(focus, "Knows the accounts well", "Tighten the plan for the focus area")],
        )
        give_feedback(
            store,
            manager,
            subject_id=rep,
            visibility="private",
            today=held,
            summary="Private: consider pairing with a top performer if the next month repeats.",
            points=[],
        )
        out.feedback += 2
        for skill in rec.focus:
            assess_skill(
                store,
                manager,
                person_id=rep,
                skill=skill.key,
                level=2,
                today=held,
                note="From the coaching session",
            )
            out.assessments += 1
        for course in rec.courses[:1]:
            enroll(
                store,
                manager,
                person_id=rep,
                course=course.external_id,
                today=held,
                due_on=held + timedelta(days=30),
            )
            out.enrollments += 1


def period_end(kpis: KpiSource, period: str, today: date) -> date:
    found = kpis.current_period(PeriodKind.QUARTER, today)
    return (
        found.period.last_day
        if found is not None and found.period.key == period
        else today + timedelta(days=30)
    )


def _review_team(
    store: CoachingStore, kpis: KpiSource, manager: Viewer, period: str, today: date, out: SeedResult
) -> None:
    assert manager.person_id is not None
    with store.transaction() as tx:
        reps = sorted(set(tx.org.with_role("rep", today)) & tx.org.reports_of(manager.person_id, today))
    for rep in reps:
        try:
            review = open_review(store, kpis, manager, person_id=rep, period=period, today=today)
        except Conflict:
            continue
        rate_review(
            store,
            manager,
            review.id,
            today=today,
            rating=_rating(review.attainment, rep),
            comments="Quarter reviewed against the frozen figures.",
            next_goals="Hold pace from week one; keep pipeline at three times the quota.",
            status="final",
        )
        out.reviews += 1


def _train_everyone(store: CoachingStore, admin: Viewer, today: date, out: SeedResult) -> None:
    """A third of the reps completed a course four months ago (for the effect view), with scores."""
    with store.transaction() as tx:
        reps = tx.org.with_role("rep", today)
    done_on = today - timedelta(days=120)
    skills = [s.key for s in DEFAULT_FRAMEWORK]
    for rep in reps:
        if rep % 3:
            continue
        course = "CLO-201" if rep % 2 else CATALOGUE[skills.index("discovery")][0]
        complete(
            store,
            admin,
            person_id=rep,
            course=course,
            completed_on=done_on,
            today=today,
            score=Decimal(70 + rep % 30),
        )
        out.completions += 1
