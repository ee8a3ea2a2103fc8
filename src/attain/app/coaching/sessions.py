"""Coaching sessions and their action items: schedule, record notes, set and close items.

Each use case opens one transaction, checks the viewer's scope, writes, and records the write in the
audit log. An action item linked to a metric gets its baseline from the KPI layer when none is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from attain.app.coaching.access import CoachingScope, Viewer, coaching_scope, redact
from attain.app.coaching.ports import CoachingStore, CoachingTransaction, KpiSource, MetricLabel
from attain.app.coaching.records import (
    ActionItemRecord,
    FeedbackRecord,
    NewActionItem,
    NewSession,
    SessionRecord,
)
from attain.domain.coaching import (
    ActionStatus,
    MetricTarget,
    SessionKind,
    SessionStatus,
    check_text,
)
from attain.domain.errors import InvalidInput, NotFound


@dataclass(frozen=True, slots=True)
class SessionView:
    """A session as the viewer may read it, with its action items and the feedback they may see."""

    session: SessionRecord
    items: tuple[ActionItemRecord, ...]
    feedback: tuple[FeedbackRecord, ...]


def _now() -> datetime:
    return datetime.now(UTC)


def _parse(enum: type[SessionKind] | type[SessionStatus] | type[ActionStatus], value: str, what: str) -> str:
    try:
        return str(enum(value))
    except ValueError:
        raise InvalidInput(
            f"'{value}' is not a {what}", hint=f"one of: {', '.join(e.value for e in enum)}"
        ) from None


def _coach(scope: CoachingScope, coach_id: int | None) -> int:
    chosen = coach_id if coach_id is not None else scope.me
    if chosen is None:
        raise InvalidInput("who coaches this session is not known", hint="give the coach's person id")
    return chosen


def schedule_session(
    store: CoachingStore,
    viewer: Viewer,
    *,
    rep_id: int,
    kind: str,
    held_on: date,
    topic: str,
    today: date,
    status: str = SessionStatus.PLANNED,
    coach_id: int | None = None,
    notes: str = "",
    private_notes: str = "",
    metrics: Sequence[str] = (),
    opportunities: Sequence[str] = (),
    participants: Sequence[int] = (),
    origin: str | None = None,
) -> SessionRecord:
    """Plan (or record as held) a session with a rep the viewer manages; opportunities by external id."""
    new = NewSession(
        kind=_parse(SessionKind, kind, "session kind"),
        status=_parse(SessionStatus, status, "session status"),
        held_on=held_on,
        coach_id=0,
        rep_id=rep_id,
        topic=check_text(topic, what="topic"),
        notes=notes.strip(),
        private_notes=private_notes.strip(),
        origin=origin,
        participants=tuple(participants),
        metrics=tuple(metrics),
    )
    now = _now()
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        scope.require_coach_of(rep_id)
        found = tx.org.opportunity_ids(opportunities)
        missing = [o for o in opportunities if o not in found]
        if missing:
            raise NotFound(f"opportunities {missing} not found", hint="give the CRM ids (external ids)")
        new = replace(
            new, coach_id=_coach(scope, coach_id), opportunity_ids=tuple(found[o] for o in opportunities)
        )
        record = tx.sessions.add(new, actor=viewer.username, at=now)
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create",
            entity="coaching_session",
            entity_id=str(record.id),
            detail={
                "kind": new.kind,
                "status": new.status,
                "rep_id": rep_id,
                "held_on": held_on.isoformat(),
                "origin": origin,
            },
        )
    return record


def _session_in_scope(tx: CoachingTransaction, scope: CoachingScope, session_id: int) -> SessionRecord:
    session = tx.sessions.get(session_id)
    if session is None or not scope.sees_session(session):
        raise NotFound(f"coaching session {session_id} not found")
    return session


def record_session(
    store: CoachingStore,
    viewer: Viewer,
    session_id: int,
    *,
    today: date,
    notes: str | None = None,
    private_notes: str | None = None,
    status: str = SessionStatus.HELD,
    held_on: date | None = None,
) -> SessionRecord:
    """Record what happened: the shared notes, the coach's private notes and the session's status."""
    changes: dict[str, object] = {"status": _parse(SessionStatus, status, "session status")}
    if notes is not None:
        changes["notes"] = notes.strip()
    if private_notes is not None:
        changes["private_notes"] = private_notes.strip()
    if held_on is not None:
        changes["held_on"] = held_on
    now = _now()
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        session = _session_in_scope(tx, scope, session_id)
        scope.require_coach_of(session.rep_id)
        record = tx.sessions.update(session_id, at=now, **changes)
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="update",
            entity="coaching_session",
            entity_id=str(session_id),
            # Private notes are never copied into the audit log: only the fact that they changed.
            detail={"status": changes["status"], "changed": sorted(changes)},
        )
    return record


def baseline_of(kpis: KpiSource, target: MetricTarget, owner_id: int) -> Decimal | None:
    """The metric over the `window_days` before the item was set, from the KPI layer."""
    start = target.set_on - timedelta(days=target.window_days)
    values = kpis.values(
        [target.metric], [owner_id], start, target.set_on, as_of=target.set_on, segment=target.segment
    )
    return values.get(owner_id, {}).get(target.metric)


def _improves(label: MetricLabel, baseline: Decimal, target: Decimal) -> bool:
    return target > baseline if label.higher_is_better else target < baseline


def add_action_item(
    store: CoachingStore,
    viewer: Viewer,
    kpis: KpiSource,
    *,
    owner_id: int,
    title: str,
    due_on: date,
    today: date,
    session_id: int | None = None,
    metric: str | None = None,
    target: Decimal | None = None,
    baseline: Decimal | None = None,
    segment: str | None = None,
    window_days: int = 90,
) -> ActionItemRecord:
    """An action item for `owner_id`; with a metric, it measures the baseline when none is given."""
    if (metric is None) != (target is None):
        raise InvalidInput(
            "a metric and its target go together", hint="give both --metric and --target, or neither"
        )
    if due_on < today:
        raise InvalidInput(f"the due date {due_on} is in the past", hint="give a date from today on")
    label = kpis.describe(metric) if metric is not None else None
    measured = None
    if metric is not None and target is not None:
        measured = MetricTarget(metric, baseline, target, today, window_days, segment)
        if baseline is None:
            measured = replace(measured, baseline=baseline_of(kpis, measured, owner_id))
        assert label is not None
        if measured.baseline is not None and not _improves(label, measured.baseline, target):
            better = "above" if label.higher_is_better else "below"
            raise InvalidInput(
                f"the target {target} for {label.name.lower()} does not improve on "
                f"the baseline {measured.baseline}",
                hint=f"set a target {better} the baseline",
            )
    now = _now()
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        if session_id is not None:
            session = _session_in_scope(tx, scope, session_id)
            scope.require_coach_of(session.rep_id)
            if owner_id not in (session.rep_id, session.coach_id, *session.participants):
                raise InvalidInput(
                    f"person {owner_id} did not take part in session {session_id}",
                    hint="give the item to the rep or the coach of the session",
                )
        if owner_id != scope.me:
            scope.require_coach_of(owner_id)
        record = tx.action_items.add(
            NewActionItem(
                owner_id=owner_id,
                title=check_text(title, what="action item"),
                due_on=due_on,
                set_on=today,
                session_id=session_id,
                metric=metric,
                segment=segment,
                baseline=measured.baseline if measured else None,
                target=target,
                window_days=window_days,
            ),
            actor=viewer.username,
            at=now,
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create",
            entity="action_item",
            entity_id=str(record.id),
            detail={
                "owner_id": owner_id,
                "due_on": due_on.isoformat(),
                "metric": metric,
                "metric_name": label.name if label else None,
                "baseline": str(record.baseline) if record.baseline is not None else None,
                "target": str(target) if target is not None else None,
                "session_id": session_id,
            },
        )
    return record


def set_action_status(
    store: CoachingStore, viewer: Viewer, item_id: int, status: str, *, today: date
) -> ActionItemRecord:
    """Close (done or dropped) or reopen an item; its owner or their manager may do it."""
    chosen = _parse(ActionStatus, status, "action item status")
    now = _now()
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        item = tx.action_items.get(item_id)
        if item is None or not scope.sees_person(item.owner_id):
            raise NotFound(f"action item {item_id} not found")
        completed = today if chosen == ActionStatus.DONE else None
        tx.action_items.set_status(item_id, chosen, completed, now)
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="update",
            entity="action_item",
            entity_id=str(item_id),
            detail={"status": chosen, "was": item.status},
        )
        updated = tx.action_items.get(item_id)
    assert updated is not None
    return updated


def sessions_for(
    store: CoachingStore, viewer: Viewer, *, today: date, person_id: int | None = None
) -> list[SessionRecord]:
    """Sessions the viewer may see (about `person_id` when given), private notes redacted."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        if person_id is not None:
            scope.require_person(person_id)
            people: Sequence[int] | None = [person_id]
        else:
            visible = scope.visible_people()
            people = None if visible is None else sorted(visible)
        sessions = tx.sessions.for_people(people)
    return [redact(s, scope) for s in sessions if scope.sees_session(s)]


def session_view(store: CoachingStore, viewer: Viewer, session_id: int, *, today: date) -> SessionView:
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        session = _session_in_scope(tx, scope, session_id)
        items = tuple(i for i in tx.action_items.for_session(session_id) if scope.sees_person(i.owner_id))
        feedback = tuple(
            f
            for f in tx.feedback.about([session.rep_id])
            if f.session_id == session_id and scope.sees_feedback(f)
        )
    return SessionView(redact(session, scope), items, feedback)
