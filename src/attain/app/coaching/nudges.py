"""Plan-driven nudges beside a recommendation: how far a rep is from the accelerator tier or the gate of
their commission plan, a SPIFF about to end, a contest about to end. Read from the plan versions
assigned to the rep (compiled by the plan language) and from the contests; nothing is paid here.

The distance uses the KPI layer's quota attainment for the period, which is what the rep sees on the
coaching pages; the plan's own measure may credit differently, so the nudge says "of quota".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from attain.app.coaching.ports import CoachingStore, PaceRecord
from attain.app.coaching.records import ContestInfo
from attain.domain.plans.model import Commission, CompiledPlan, Spiff, TierBasis
from attain.domain.plans.source import PlanError
from attain.engine.plan_source import compile_text

NUDGE_DISTANCE = Decimal("0.10")  # within 10 points of quota attainment
ENDING_WITHIN_DAYS = 7

NudgeSource = Callable[[PaceRecord, date], Sequence[str]]


def no_nudges(_pace: PaceRecord, _today: date) -> Sequence[str]:
    return ()


def _points(gap: Decimal) -> str:
    return f"{(gap * 100).quantize(Decimal(1)):f}%"


def _accelerator_start(commission: Commission) -> Decimal | None:
    table = commission.table
    if table is None or table.basis is not TierBasis.ATTAINMENT:
        return None
    faster = [
        t.lower for t in table.tiers if t.accelerator or (t.multiplier is not None and t.multiplier > 1)
    ]
    return min(faster) if faster else None


def commission_nudges(plan: CompiledPlan, attainment: Decimal | None) -> list[str]:
    """Accelerator tiers and gates within NUDGE_DISTANCE above the rep's attainment."""
    if attainment is None:
        return []
    out: list[str] = []
    for component in plan.components:
        if not isinstance(component, Commission):
            continue
        start = _accelerator_start(component)
        if start is not None and attainment < start <= attainment + NUDGE_DISTANCE:
            out.append(
                f"{_points(start - attainment)} from the accelerator tier of {plan.name} "
                f"({_points(start)} of quota)"
            )
        for gate in component.gates:
            if attainment < gate.minimum <= attainment + NUDGE_DISTANCE:
                out.append(
                    f"{_points(gate.minimum - attainment)} from the {plan.name} commission gate "
                    f"({_points(gate.minimum)} of quota)"
                )
    return out


def spiff_nudges(plan: CompiledPlan, today: date) -> list[str]:
    out = []
    for component in plan.components:
        if isinstance(component, Spiff) and component.first_day <= today <= component.last_day:
            left = (component.last_day - today).days
            if left <= ENDING_WITHIN_DAYS:
                out.append(
                    f"SPIFF {component.key} ends {component.last_day:%A} {component.last_day.isoformat()}"
                )
    return out


def plan_nudges(store: CoachingStore) -> NudgeSource:
    """The nudges of the plans and contests that apply to a rep on a day.

    A page asks for every at-risk rep in turn, and most reps share a few plan versions: each document is
    compiled once, and the contests, the reps and the contests' teams are read once per day asked.
    """
    compiled: dict[str, CompiledPlan | PlanError] = {}
    days: dict[date, tuple[list[ContestInfo], set[int]]] = {}
    members: dict[tuple[int, date], set[int]] = {}

    def compile_once(text: str) -> CompiledPlan | PlanError:
        if text not in compiled:
            try:
                compiled[text] = compile_text(text)
            except PlanError as exc:
                compiled[text] = exc
        return compiled[text]

    def nudges(pace: PaceRecord, today: date) -> Sequence[str]:
        with store.transaction() as tx:
            documents = tx.org.plan_documents(pace.person_id, today)
            if today not in days:
                ending = [
                    c
                    for c in tx.recognition.contests()
                    if c.starts_on <= today <= c.ends_on and (c.ends_on - today).days <= ENDING_WITHIN_DAYS
                ]
                days[today] = (ending, set(tx.org.with_role("rep", today)))
            contests, reps = days[today]
            for c in contests:
                if c.team_id is not None and (c.team_id, today) not in members:
                    members[(c.team_id, today)] = tx.org.team_members(c.team_id, today)
        mine = [
            c
            for c in contests
            if pace.person_id in reps and (c.team_id is None or pace.person_id in members[(c.team_id, today)])
        ]
        out: list[str] = []
        for text in documents:
            plan = compile_once(text)
            if isinstance(plan, PlanError):
                out.append(f"an assigned plan does not compile ({plan.message}); run `attain plan check`")
                continue
            out += commission_nudges(plan, pace.attainment)
            out += spiff_nudges(plan, today)
        out += [f"Contest {c.name} ends {c.ends_on:%A} {c.ends_on.isoformat()}" for c in mine]
        return list(dict.fromkeys(out))

    return nudges
