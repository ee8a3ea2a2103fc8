"""The effect view of a course: the metrics of a rep, or of everyone who completed it, over the window
before completion and the same window after, beside the change among reps who had not taken it over
the same dates. Observational, and labelled so: it is not an experiment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from attain.app.coaching.access import Viewer, coaching_scope
from attain.app.coaching.ports import CoachingStore, KpiSource, MetricLabel
from attain.app.coaching.records import CourseInfo, PersonName
from attain.app.coaching.skills import median
from attain.domain.errors import InvalidInput, NotFound

CAVEAT = (
    "Observational: these are the figures of people who completed the course, before and after, not an "
    "experiment. Seasonality, territory changes, deal timing and who chose to take the course move them "
    "too; the comparison group (reps who had not taken it, same dates) narrows that but does not remove it."
)
DEFAULT_METRICS = ("win_rate", "average_deal_size", "sales_cycle_median_days", "revenue")


@dataclass(frozen=True, slots=True)
class PersonEffect:
    person: PersonName
    completed_on: date
    before: dict[str, Decimal | None]
    after: dict[str, Decimal | None]
    after_complete: bool  # False while the after-window has not fully passed


@dataclass(frozen=True, slots=True)
class MetricEffect:
    metric: MetricLabel
    people: int  # with a figure both before and after
    before_median: Decimal | None
    after_median: Decimal | None
    change_median: Decimal | None
    comparison_change_median: Decimal | None  # reps without the course, over the same windows


@dataclass(frozen=True, slots=True)
class EffectView:
    course: CourseInfo
    window_days: int
    people: tuple[PersonEffect, ...]
    metrics: tuple[MetricEffect, ...]
    caveat: str = CAVEAT


def _change(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    return None if before is None or after is None else after - before


def course_effect(
    store: CoachingStore,
    kpis: KpiSource,
    viewer: Viewer,
    *,
    course: str,
    today: date,
    metrics: Sequence[str] = DEFAULT_METRICS,
    window_days: int = 90,
    person_id: int | None = None,
) -> EffectView:
    if window_days < 14:
        raise InvalidInput(f"a {window_days}-day window is too short to compare", hint="use at least 14 days")
    labels = {m: kpis.describe(m) for m in metrics}
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        found = tx.training.course(course)
        if found is None:
            raise NotFound(f"course '{course}' not found")
        if person_id is not None:
            scope.require_person(person_id)
        done = [
            e
            for e in tx.training.enrollments(None, found.id)
            if e.completed_on is not None
            and scope.sees_person(e.person_id)
            and (person_id is None or e.person_id == person_id)
        ]
        completed_by = {
            e.person_id: e.completed_on
            for e in tx.training.enrollments(None, found.id)
            if e.completed_on is not None
        }
        reps_on = {e.completed_on: tx.org.with_role("rep", e.completed_on) for e in done if e.completed_on}
        names = tx.org.names([e.person_id for e in done])
    window = timedelta(days=window_days)
    people: list[PersonEffect] = []
    comparison: dict[str, list[Decimal]] = {m: [] for m in metrics}
    for day in sorted(reps_on):
        # Everyone completing on `day` and the comparison reps share the same two windows.
        cohort = [e.person_id for e in done if e.completed_on == day]
        others = [p for p in reps_on[day] if p not in completed_by or completed_by[p] > day + window]
        group = sorted(set(cohort) | set(others))
        before = kpis.values(metrics, group, day - window, day, as_of=today)
        after_end = day + window
        after = kpis.values(metrics, group, day, after_end, as_of=today)
        for pid in cohort:
            people.append(
                PersonEffect(names[pid], day, before.get(pid, {}), after.get(pid, {}), after_end <= today)
            )
        for m in metrics:
            changes = [_change(before.get(p, {}).get(m), after.get(p, {}).get(m)) for p in others]
            comparison[m] += [c for c in changes if c is not None]
    effects = []
    for m in metrics:
        pairs = [(p.before.get(m), p.after.get(m)) for p in people]
        both = [(b, a) for b, a in pairs if b is not None and a is not None]
        effects.append(
            MetricEffect(
                labels[m],
                len(both),
                median([b for b, _ in both]),
                median([a for _, a in both]),
                median([a - b for b, a in both]),
                median(list(comparison[m])),
            )
        )
    return EffectView(
        found,
        window_days,
        tuple(sorted(people, key=lambda p: (p.completed_on, p.person.name))),
        tuple(effects),
    )
