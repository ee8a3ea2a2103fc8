"""Gamification, carefully: contests on any KPI metric over a date range with a leaderboard (ranks, or
rank bands so the bottom of the list is not shamed), optional prizes, and badges for milestones.

Figures come from the KPI layer's ranking; badges are awarded once per person and period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from attain.app.coaching.access import Viewer, coaching_scope
from attain.app.coaching.ports import CoachingStore, KpiSource, MetricLabel
from attain.app.coaching.records import BadgeAward, BadgeInfo, ContestInfo, PersonName, Prize
from attain.domain.calendar import PeriodKind
from attain.domain.coaching import LeaderboardDisplay, check_key, check_span, check_text
from attain.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from attain.domain.money import check_currency

# Rank bands, best first: (label, share of participants from the top, inclusive).
RANK_BANDS: tuple[tuple[str, float], ...] = (("top 10%", 0.10), ("top 25%", 0.25), ("top 50%", 0.50))
TAKING_PART = "taking part"


def create_contest(
    store: CoachingStore,
    kpis: KpiSource,
    viewer: Viewer,
    *,
    key: str,
    name: str,
    metric: str,
    starts_on: date,
    ends_on: date,
    today: date,
    team_id: int | None = None,
    display: str = LeaderboardDisplay.BANDS,
    prizes: Sequence[Prize] = (),
) -> ContestInfo:
    if not ({"admin", "manager"} & set(viewer.roles)):
        raise Forbidden("only admins and managers run contests")
    check_span(starts_on, ends_on, what="contest")
    kpis.describe(metric)
    try:
        shown = LeaderboardDisplay(display)
    except ValueError:
        raise InvalidInput(f"'{display}' is not a leaderboard display", hint="ranks or bands") from None
    ranks = [p.rank for p in prizes]
    if len(set(ranks)) != len(ranks) or any(r < 1 for r in ranks) or any(p.amount <= 0 for p in prizes):
        raise InvalidInput("prizes need distinct ranks from 1 and positive amounts")
    clean = check_key(key, what="contest")
    now = datetime.now(UTC)
    with store.transaction() as tx:
        if tx.recognition.contest(clean) is not None:
            raise Conflict(f"contest '{clean}' already exists", hint="choose another key")
        info = tx.recognition.add_contest(
            key=clean,
            name=check_text(name, what="contest name"),
            metric=metric,
            starts_on=starts_on,
            ends_on=ends_on,
            team_id=team_id,
            display=shown,
            prizes=[Prize(p.rank, p.amount, check_currency(p.currency), p.description) for p in prizes],
            actor=viewer.username,
            at=now,
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create",
            entity="contest",
            entity_id=clean,
            detail={
                "metric": metric,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
                "team_id": team_id,
                "display": str(shown),
                "prizes": len(prizes),
            },
        )
    return info


@dataclass(frozen=True, slots=True)
class Standing:
    person: PersonName
    value: Decimal | None  # None on a banded board below the named bands
    rank: int | None  # None on a banded board
    band: str | None
    prize: Prize | None = None


@dataclass(frozen=True, slots=True)
class Leaderboard:
    contest: ContestInfo
    metric: MetricLabel
    as_of: date
    finished: bool
    display: LeaderboardDisplay
    standings: tuple[Standing, ...]


def band_for(rank: int, participants: int) -> str:
    for label, share in RANK_BANDS:
        if rank <= max(1, math.ceil(participants * share)):
            return label
    return TAKING_PART


def leaderboard(
    store: CoachingStore, kpis: KpiSource, viewer: Viewer, key: str, *, today: date
) -> Leaderboard:
    """The contest's standings as of today (or its last day). Reps see the contest's display; managers
    and admins always see full ranks (they pay the prizes)."""
    with store.transaction() as tx:
        contest = tx.recognition.contest(key)
        if contest is None:
            raise NotFound(f"contest '{key}' not found")
        as_of = min(today, contest.ends_on)
        reps = set(tx.org.with_role("rep", as_of))
        people = sorted(reps & tx.org.team_members(contest.team_id, as_of) if contest.team_id else reps)
        scope = coaching_scope(tx, viewer, today)
        if not scope.everyone and scope.me not in people and not scope.reports & set(people):
            raise NotFound(f"contest '{key}' not found")
        names = tx.org.names(people)
    ranking = kpis.ranking(
        contest.metric, people, contest.starts_on, contest.ends_on + timedelta(days=1), as_of=as_of
    )
    display = LeaderboardDisplay(contest.display)
    if {"admin", "manager"} & set(viewer.roles):
        display = LeaderboardDisplay.RANKS
    prizes = {p.rank: p for p in contest.prizes}
    count = sum(1 for r in ranking if r.rank is not None)
    standings = []
    for r in ranking:
        prize = prizes.get(r.rank) if r.rank is not None else None
        if display is LeaderboardDisplay.RANKS:
            standings.append(Standing(names[r.person_id], r.value, r.rank, None, prize))
            continue
        band = band_for(r.rank, count) if r.rank is not None else TAKING_PART
        shown = band != TAKING_PART
        standings.append(Standing(names[r.person_id], r.value if shown else None, None, band, prize))
    if display is LeaderboardDisplay.BANDS:
        order = {label: i for i, (label, _) in enumerate(RANK_BANDS)} | {TAKING_PART: len(RANK_BANDS)}
        # Within a band, names in alphabetical order: the band is the message, not the position in it.
        standings.sort(key=lambda s: (order[s.band or TAKING_PART], s.person.name))
    return Leaderboard(
        contest, kpis.describe(contest.metric), as_of, today > contest.ends_on, display, tuple(standings)
    )


def define_badge(
    store: CoachingStore,
    kpis: KpiSource,
    viewer: Viewer,
    *,
    key: str,
    name: str,
    description: str = "",
    metric: str | None = None,
    threshold: Decimal | None = None,
    period_kind: str | None = None,
    course: str | None = None,
) -> BadgeInfo:
    """A milestone badge: `metric` reaching `threshold` in one `period_kind` period, or `course` done."""
    if not viewer.is_admin:
        raise Forbidden("only an admin defines badges")
    if (metric is None) == (course is None):
        raise InvalidInput("a badge is earned on a metric or on a course", hint="give --metric or --course")
    if metric is not None:
        kpis.describe(metric)
        if threshold is None or period_kind is None:
            raise InvalidInput("a metric badge needs --threshold and --period-kind")
        PeriodKind(period_kind)
    clean = check_key(key, what="badge")
    now = datetime.now(UTC)
    with store.transaction() as tx:
        course_id = None
        if course is not None:
            found = tx.training.course(course)
            if found is None:
                raise NotFound(f"course '{course}' not found")
            course_id = found.id
        badge, created = tx.recognition.define_badge(
            key=clean,
            name=check_text(name, what="badge name"),
            description=description.strip(),
            metric=metric,
            threshold=threshold,
            period_kind=period_kind,
            course_id=course_id,
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create" if created else "update",
            entity="badge",
            entity_id=clean,
            detail={
                "metric": metric,
                "threshold": str(threshold) if threshold else None,
                "period_kind": period_kind,
                "course": course,
            },
        )
    return badge


def _meets(label: MetricLabel, value: Decimal | None, threshold: Decimal) -> bool:
    if value is None:
        return False
    return value >= threshold if label.higher_is_better else value <= threshold


def award_badges(store: CoachingStore, kpis: KpiSource, viewer: Viewer, *, today: date) -> list[BadgeAward]:
    """Award every badge earned in periods that are over by `today`; already held ones are skipped."""
    if not viewer.is_admin:
        raise Forbidden("only an admin awards badges")
    with store.transaction() as tx:
        badges = tx.recognition.badges()
        periods = {b.period_kind: tx.org.periods_of_kind(b.period_kind) for b in badges if b.period_kind}
        completions = tx.training.enrollments()
        reps_on = {
            p.period.key: tx.org.with_role("rep", p.period.last_day)
            for ps in periods.values()
            for p in ps
            if p.period.end <= today
        }
    earned: list[tuple[BadgeInfo, int, str, date, dict[str, str]]] = []
    for badge in badges:
        if badge.course_id is not None:
            earned += [
                (badge, e.person_id, "", e.completed_on, {"course_id": str(badge.course_id)})
                for e in completions
                if e.course_id == badge.course_id and e.completed_on is not None and e.completed_on <= today
            ]
            continue
        assert badge.metric is not None
        assert badge.threshold is not None
        assert badge.period_kind is not None
        label = kpis.describe(badge.metric)
        for stored in periods[badge.period_kind]:
            period = stored.period
            if period.end > today or not reps_on[period.key]:
                continue
            values = kpis.values(
                [badge.metric], reps_on[period.key], period.start, period.end, as_of=period.last_day
            )
            for pid, row in values.items():
                value = row.get(badge.metric)
                if _meets(label, value, badge.threshold):
                    earned.append(
                        (
                            badge,
                            pid,
                            period.key,
                            period.last_day,
                            {"metric": badge.metric, "value": str(value), "threshold": str(badge.threshold)},
                        )
                    )
    now = datetime.now(UTC)
    new: list[BadgeAward] = []
    with store.transaction() as tx:
        for badge, pid, key, on, evidence in earned:
            if tx.recognition.award(badge.id, pid, key, on, evidence):
                new.append(BadgeAward(badge.key, badge.name, pid, key, on, evidence))
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="award",
            entity="badge",
            entity_id=None,
            detail={"awarded": len(new)},
        )
    return new


def badges_of(
    store: CoachingStore, viewer: Viewer, *, today: date, person_id: int | None = None
) -> list[BadgeAward]:
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        if person_id is not None:
            scope.require_person(person_id)
            return tx.recognition.awards([person_id])
        visible = scope.visible_people()
        return tx.recognition.awards(None if visible is None else sorted(visible))
