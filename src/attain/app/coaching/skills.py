"""The skills framework (admin-defined skills and the metrics they drive), assessments over time, and
the skill-gap view: a person's assessed levels next to their figures on the metrics each skill drives.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from attain.app.coaching.access import Viewer, coaching_scope
from attain.app.coaching.ports import CoachingStore, CoachingTransaction, KpiSource, MetricLabel
from attain.app.coaching.records import Assessment, SkillInfo
from attain.domain.coaching import SKILL_SCALE, AssessmentSource, check_key, check_text
from attain.domain.errors import Forbidden, InvalidInput, NotFound

EXPECTED_LEVEL = 3  # "proficient": below it, a skill is a gap


@dataclass(frozen=True, slots=True)
class SkillSpec:
    key: str
    name: str
    description: str
    metrics: tuple[str, ...]


# A starting framework an admin can load and edit; each skill names the KPI metrics it moves.
DEFAULT_FRAMEWORK: tuple[SkillSpec, ...] = (
    SkillSpec(
        "prospecting",
        "Prospecting and lead generation",
        "Finding and opening new opportunities; keeping the pipeline full.",
        ("opportunities_created", "open_pipeline_value", "pipeline_coverage"),
    ),
    SkillSpec(
        "discovery",
        "Discovery and qualification",
        "Understanding the buyer's problem and qualifying out early; drives win rate and cycle length.",
        ("win_rate", "sales_cycle_median_days"),
    ),
    SkillSpec(
        "negotiation",
        "Negotiation",
        "Defending value and price; shows in deal size and in how many deals are won.",
        ("average_deal_size", "win_rate"),
    ),
    SkillSpec(
        "closing",
        "Closing",
        "Getting decisions made and deals signed on time.",
        ("win_rate", "number_of_sales", "sales_cycle_median_days"),
    ),
    SkillSpec(
        "relationships",
        "Relationship building",
        "Keeping customers buying: renewals and expansion.",
        ("retention_rate", "revenue"),
    ),
    SkillSpec(
        "product_knowledge",
        "Product knowledge",
        "Selling the whole platform, not one module.",
        ("average_deal_size", "revenue"),
    ),
)


def define_skill(
    store: CoachingStore,
    viewer: Viewer,
    kpis: KpiSource,
    *,
    key: str,
    name: str,
    description: str,
    metrics: Sequence[str],
) -> SkillInfo:
    """Create or update a skill of the framework (admins only); every metric must be a KPI-layer metric."""
    if not viewer.is_admin:
        raise Forbidden("only an admin defines the skills framework")
    clean = check_key(key, what="skill")
    for metric in metrics:
        kpis.describe(metric)  # raises InvalidInput naming the known metrics
    now = datetime.now(UTC)
    with store.transaction() as tx:
        skill, created = tx.skills.define(
            clean, check_text(name, what="skill name"), description.strip(), metrics
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create" if created else "update",
            entity="skill",
            entity_id=clean,
            detail={"name": skill.name, "metrics": list(skill.metrics)},
        )
    return skill


def load_default_framework(store: CoachingStore, viewer: Viewer, kpis: KpiSource) -> list[SkillInfo]:
    return [
        define_skill(
            store, viewer, kpis, key=s.key, name=s.name, description=s.description, metrics=s.metrics
        )
        for s in DEFAULT_FRAMEWORK
    ]


def list_skills(store: CoachingStore) -> list[SkillInfo]:
    with store.transaction() as tx:
        return tx.skills.all()


def _skill(tx: CoachingTransaction, key: str) -> SkillInfo:
    skill = tx.skills.by_key(key)
    if skill is None:
        known = ", ".join(s.key for s in tx.skills.all()) or "none defined yet"
        raise NotFound(f"skill '{key}' not found", hint=f"known skills: {known}")
    return skill


def assess_skill(
    store: CoachingStore,
    viewer: Viewer,
    *,
    person_id: int,
    skill: str,
    level: int,
    today: date,
    source: str | None = None,
    note: str = "",
) -> Assessment:
    """A self-assessment (about yourself) or a manager's assessment (about someone you manage)."""
    SKILL_SCALE.check(level, where=f"skill '{skill}'")
    now = datetime.now(UTC)
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        scope.require_person(person_id)
        if source is None:
            source = AssessmentSource.SELF if person_id == scope.me else AssessmentSource.MANAGER
        try:
            kind = AssessmentSource(source)
        except ValueError:
            raise InvalidInput(
                f"'{source}' is not an assessment source", hint="self, manager or peer"
            ) from None
        if kind is AssessmentSource.SELF and person_id != scope.me and not viewer.is_admin:
            raise Forbidden("a self-assessment is made by the person themself")
        if kind is not AssessmentSource.SELF:
            scope.require_coach_of(person_id)
        found = _skill(tx, skill)
        record = tx.skills.assess(
            person_id=person_id,
            skill_id=found.id,
            source=kind,
            assessor_id=scope.me,
            assessed_on=today,
            level=level,
            note=note.strip(),
            actor=viewer.username,
            at=now,
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create",
            entity="skill_assessment",
            entity_id=str(record.id),
            detail={"person_id": person_id, "skill": found.key, "source": str(kind), "level": level},
        )
    return record


@dataclass(frozen=True, slots=True)
class MetricFigure:
    metric: MetricLabel
    value: Decimal | None
    team_median: Decimal | None


@dataclass(frozen=True, slots=True)
class SkillGap:
    skill: SkillInfo
    self_level: int | None
    manager_level: int | None
    assessed_on: date | None  # the latest assessment of either kind
    figures: tuple[MetricFigure, ...]

    @property
    def gap(self) -> int | None:
        """Levels below "proficient" by the manager's (else the self) assessment; 0 when at or above."""
        level = self.manager_level if self.manager_level is not None else self.self_level
        return None if level is None else max(EXPECTED_LEVEL - level, 0)


def median(values: Sequence[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def peers_of(tx: CoachingTransaction, person_id: int, day: date) -> list[int]:
    """The reps under the person's manager on `day` (the person included), for team medians."""
    reps = set(tx.org.with_role("rep", day))
    boss = tx.org.manager_of(person_id, day)
    group = tx.org.reports_of(boss, day) & reps if boss is not None else reps
    return sorted(group | {person_id})


def latest(assessments: Sequence[Assessment], skill_id: int, source: AssessmentSource) -> Assessment | None:
    mine = [a for a in assessments if a.skill_id == skill_id and a.source == source]
    return max(mine, key=lambda a: (a.assessed_on, a.id)) if mine else None


def skill_gap(
    store: CoachingStore,
    kpis: KpiSource,
    viewer: Viewer,
    person_id: int,
    *,
    today: date,
    window_days: int = 90,
) -> list[SkillGap]:
    """Each skill's latest self and manager levels beside the person's metrics it drives (last
    `window_days` up to today) and the team median of the same metrics."""
    if window_days < 7:
        raise InvalidInput(f"a {window_days}-day window is too short", hint="use at least 7 days")
    with store.transaction() as tx:
        coaching_scope(tx, viewer, today).require_person(person_id)
        skills = [s for s in tx.skills.all() if s.is_active]
        assessments = tx.skills.assessments([person_id])
        peers = peers_of(tx, person_id, today)
    metrics = list(dict.fromkeys(m for s in skills for m in s.metrics))
    start, end = today - timedelta(days=window_days - 1), today + timedelta(days=1)
    values = kpis.values(metrics, peers, start, end, as_of=today) if metrics else {}
    out = []
    for skill in skills:
        mine, boss = (
            latest(assessments, skill.id, AssessmentSource.SELF),
            latest(assessments, skill.id, AssessmentSource.MANAGER),
        )
        dates = [a.assessed_on for a in (mine, boss) if a is not None]
        figures = tuple(
            MetricFigure(
                kpis.describe(m),
                values.get(person_id, {}).get(m),
                median([values.get(p, {}).get(m) for p in peers]),
            )
            for m in skill.metrics
        )
        out.append(
            SkillGap(
                skill,
                mine.level if mine else None,
                boss.level if boss else None,
                max(dates) if dates else None,
                figures,
            )
        )
    return out
