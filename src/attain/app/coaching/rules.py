"""The recommendation rules: from a rep's pace and the KPI layer's ranked drivers to a coaching focus,
the courses that address it, and the reason in words. Pure functions; every step can be explained.

1. A driver lags when the KPI layer's combined lag is at least `LAG_THRESHOLD` (10 % worse than the
   team median and the rep's own history, averaged); the others checked are "normal". When none
   does, the KPI layer's worst driver is taken if it lags at all.
2. The focus is the skills of the framework that drive the lagging metrics, worst driver first, and
   among them the lowest-assessed skill first; at most `MAX_FOCUS` skills.
3. The courses are those building a focus skill that the rep has not completed and is not enrolled
   in, covering most focus skills first; at most `MAX_COURSES`.
4. The session kind follows the worst driver (deal review for win rate and cycle, role-play for deal
   size, a one-to-one on pipeline planning for pipeline).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from attain.app.coaching.ports import DriverRecord, MetricLabel, PaceRecord
from attain.app.coaching.records import Assessment, CourseInfo, EnrollmentRecord, PersonName, SkillInfo
from attain.app.coaching.wording import format_value, short_name
from attain.domain.coaching import SessionKind

LAG_THRESHOLD = Decimal("0.10")
MAX_LAGGING = 2
MAX_FOCUS = 2
MAX_COURSES = 2
AT_RISK_STATUSES = frozenset({"at_risk", "off_track"})

SESSION_FOR_DRIVER: dict[str, SessionKind] = {
    "win_rate": SessionKind.DEAL_REVIEW,
    "number_of_sales": SessionKind.DEAL_REVIEW,
    "sales_cycle_median_days": SessionKind.DEAL_REVIEW,
    "sales_cycle_mean_days": SessionKind.DEAL_REVIEW,
    "average_deal_size": SessionKind.ROLE_PLAY,
    "opportunities_created": SessionKind.ONE_TO_ONE,
    "open_pipeline_value": SessionKind.ONE_TO_ONE,
}


@dataclass(frozen=True, slots=True)
class Recommendation:
    person: PersonName
    pace: PaceRecord
    lagging: tuple[DriverRecord, ...]
    normal: tuple[DriverRecord, ...]
    focus: tuple[SkillInfo, ...]
    courses: tuple[CourseInfo, ...]
    session_kind: SessionKind
    reason: str
    unmapped: tuple[str, ...] = ()  # lagging metrics no skill of the framework drives
    nudges: tuple[str, ...] = ()


def is_at_risk(pace: PaceRecord) -> bool:
    return pace.status in AT_RISK_STATUSES


def split_drivers(drivers: Sequence[DriverRecord]) -> tuple[list[DriverRecord], list[DriverRecord]]:
    """(lagging, normal) in the KPI layer's rank order; drivers without a lag figure are left out."""
    ranked = sorted((d for d in drivers if d.lag is not None), key=lambda d: (d.rank or 10**6, d.metric))
    lagging = [d for d in ranked if d.lag is not None and d.lag >= LAG_THRESHOLD]
    normal = [d for d in ranked if d.lag is not None and d.lag < LAG_THRESHOLD]
    if not lagging:
        # Nothing lags by the threshold: the KPI layer's worst driver, if it lags at all, is the focus.
        mild = [d for d in ranked if d.lag is not None and d.lag > 0][:1]
        return mild, [d for d in normal if d not in mild]
    return lagging[:MAX_LAGGING], normal


def _latest_level(assessments: Sequence[Assessment], skill_id: int) -> int:
    mine = [a for a in assessments if a.skill_id == skill_id]
    if not mine:
        return 10**6  # unassessed skills come after assessed weak ones, keeping framework order
    # A manager's view outranks a self-assessment of the same day.
    best = max(mine, key=lambda a: (a.assessed_on, a.source == "manager", a.id))
    return best.level


def focus_skills(
    lagging: Sequence[DriverRecord], skills: Sequence[SkillInfo], assessments: Sequence[Assessment]
) -> tuple[list[SkillInfo], list[str]]:
    """The skills to work on and the lagging metrics that no skill drives."""
    chosen: list[SkillInfo] = []
    unmapped: list[str] = []
    for driver in lagging:
        driving = [s for s in skills if s.is_active and driver.metric in s.metrics]
        if not driving:
            unmapped.append(driver.metric)
        order = sorted(enumerate(driving), key=lambda p: (_latest_level(assessments, p[1].id), p[0]))
        chosen += [s for _, s in order if s not in chosen]
    return chosen[:MAX_FOCUS], unmapped


def pick_courses(
    focus: Sequence[SkillInfo], courses: Sequence[CourseInfo], enrollments: Sequence[EnrollmentRecord]
) -> list[CourseInfo]:
    taken = {e.course_id for e in enrollments if e.status in ("completed", "enrolled")}
    keys = [s.key for s in focus]

    def fit(course: CourseInfo) -> tuple[int, int, str]:
        covered = [k for k in keys if k in course.skills]
        return (-len(covered), min(keys.index(k) for k in covered), course.name)

    useful = [c for c in courses if c.id not in taken and any(k in c.skills for k in keys)]
    return sorted(useful, key=fit)[:MAX_COURSES]


def _driver_words(driver: DriverRecord, label: MetricLabel) -> str:
    shown = f"{short_name(label)} {format_value(label, driver.value)}"
    if driver.pace_adjusted:
        shown += " (full-period pace)"
    team, own = driver.lag_vs_team, driver.lag_vs_own
    if driver.team_median is not None and (own is None or (team is not None and team >= own)):
        return f"{shown} vs team median {format_value(label, driver.team_median)}"
    return f"{shown} vs own usual {format_value(label, driver.own_history)}"


def focus_words(focus: Sequence[SkillInfo]) -> str:
    names = [s.name.lower() for s in focus]
    # Skill names may contain "and" themselves ("discovery and qualification"): then list them.
    return ", ".join(names) if any(" and " in n for n in names) else " and ".join(names)


def explain(
    lagging: Sequence[DriverRecord],
    normal: Sequence[DriverRecord],
    focus: Sequence[SkillInfo],
    courses: Sequence[CourseInfo],
    unmapped: Sequence[str],
    describe: Callable[[str], MetricLabel],
) -> str:
    parts = [_driver_words(d, describe(d.metric)) for d in lagging]
    ok = list(dict.fromkeys(short_name(describe(d.metric)) for d in normal))
    head = ", ".join(parts) if parts else "no driver lags its team or own history"
    if ok:
        head += f", {', '.join(ok)} normal"
    text = head
    if focus:
        text += f": focus on {focus_words(focus)}"
    if unmapped:
        names = ", ".join(short_name(describe(m)) for m in unmapped)
        text += f" (no skill in the framework drives {names})"
    if courses:
        text += "; " + ("course " if len(courses) == 1 else "courses ") + ", ".join(c.name for c in courses)
    return text


def recommend(
    person: PersonName,
    pace: PaceRecord,
    drivers: Sequence[DriverRecord],
    *,
    skills: Sequence[SkillInfo],
    courses: Sequence[CourseInfo],
    enrollments: Sequence[EnrollmentRecord],
    assessments: Sequence[Assessment],
    describe: Callable[[str], MetricLabel],
    nudges: Sequence[str] = (),
) -> Recommendation:
    lagging, normal = split_drivers(drivers)
    focus, unmapped = focus_skills(lagging, skills, assessments)
    picked = pick_courses(focus, courses, enrollments)
    kind = (
        SESSION_FOR_DRIVER.get(lagging[0].metric, SessionKind.ONE_TO_ONE)
        if lagging
        else SessionKind.ONE_TO_ONE
    )
    reason = explain(lagging, normal, focus, picked, unmapped, describe)
    return Recommendation(
        person,
        pace,
        tuple(lagging),
        tuple(normal),
        tuple(focus),
        tuple(picked),
        kind,
        reason,
        tuple(unmapped),
        tuple(nudges),
    )
