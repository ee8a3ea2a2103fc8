"""Following action items up: which are open or overdue for a rep or a manager's people, and how each
item's linked metric has moved since it was set (figures from the KPI layer).

Movement compares the baseline (the metric over the `window_days` before the item was set, stored
when it was set) with the metric over the days since it was set, up to and including today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from attain.app.coaching.access import Viewer, coaching_scope
from attain.app.coaching.ports import CoachingStore, KpiSource, MetricLabel
from attain.app.coaching.records import ActionItemRecord, PersonName
from attain.domain.coaching import ActionStatus, MetricTarget


class ItemFilter(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Movement:
    metric: MetricLabel
    segment: str | None
    baseline: Decimal | None  # over [baseline_from, set_on)
    current: Decimal | None  # over [set_on, today]
    target: Decimal
    baseline_from: date
    set_on: date
    through: date

    @property
    def change(self) -> Decimal | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline

    @property
    def progress(self) -> Decimal | None:
        """The share of the way from baseline to target covered (1 means reached)."""
        plan = MetricTarget(self.metric.key, self.baseline, self.target, self.set_on)
        return plan.progress(self.current)


@dataclass(frozen=True, slots=True)
class FollowUp:
    item: ActionItemRecord
    owner: PersonName
    days_overdue: int  # 0 when not overdue
    movement: Movement | None


def movement_of(kpis: KpiSource, item: ActionItemRecord, today: date) -> Movement | None:
    if item.metric is None or item.target is None:
        return None
    through = today if item.status == ActionStatus.OPEN or item.completed_on is None else item.completed_on
    values = kpis.values(
        [item.metric],
        [item.owner_id],
        item.set_on,
        through + timedelta(days=1),
        as_of=today,
        segment=item.segment,
    )
    current = values.get(item.owner_id, {}).get(item.metric)
    return Movement(
        kpis.describe(item.metric),
        item.segment,
        item.baseline,
        current,
        item.target,
        item.set_on - timedelta(days=item.window_days),
        item.set_on,
        through,
    )


def follow_up(
    store: CoachingStore,
    kpis: KpiSource,
    viewer: Viewer,
    *,
    today: date,
    which: ItemFilter = ItemFilter.OPEN,
    person_ids: Sequence[int] | None = None,
) -> list[FollowUp]:
    """Action items of the viewer's people (or of `person_ids` within them), most overdue first."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        visible = scope.visible_people()
        if person_ids is not None:
            for pid in person_ids:
                scope.require_person(pid)
            owners: Sequence[int] | None = list(person_ids)
        else:
            owners = None if visible is None else sorted(visible)
        statuses = None if which is ItemFilter.ALL else [ActionStatus.OPEN.value]
        items = tx.action_items.for_owners(owners, statuses=statuses)
        if which is ItemFilter.OVERDUE:
            items = [i for i in items if i.overdue_on(today)]
        names = tx.org.names([i.owner_id for i in items])
    out = [
        FollowUp(
            i,
            names[i.owner_id],
            max((today - i.due_on).days, 0) if i.overdue_on(today) else 0,
            movement_of(kpis, i, today),
        )
        for i in items
    ]
    return sorted(out, key=lambda f: (-f.days_overdue, f.item.due_on, f.item.id))


def in_reach(
    store: CoachingStore, viewer: Viewer, everyone: Sequence[FollowUp], *, today: date
) -> list[FollowUp]:
    """The follow-ups of `everyone` (all owners', as `follow_up` gives an admin for the same filter) whose
    owner `viewer` may see: what `follow_up` gives them, as an item's movement depends only on the item."""
    with store.transaction() as tx:
        visible = coaching_scope(tx, viewer, today).visible_people()
    return [f for f in everyone if visible is None or f.item.owner_id in visible]
