"""Reminders into the notification outbox: overdue action items (to the owner and their manager),
overdue enrollments and certifications about to expire. An integration (email, chat) reads the outbox
and marks what it sent; each reminder is queued once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from attain.app.coaching.access import Viewer
from attain.app.coaching.ports import CoachingStore
from attain.app.coaching.records import OutgoingNotice
from attain.domain.errors import Forbidden

CERTIFICATION_NOTICE_DAYS = 30


@dataclass(frozen=True, slots=True)
class Queued:
    notice_id: int
    notice: OutgoingNotice


def queue_reminders(store: CoachingStore, viewer: Viewer, *, today: date) -> int:
    """Queue every reminder due on `today`; returns how many were new."""
    if not viewer.is_admin:
        raise Forbidden("only an admin queues reminders for everyone")
    notices: list[OutgoingNotice] = []
    now = datetime.now(UTC)
    with store.transaction() as tx:
        overdue = [i for i in tx.action_items.for_owners(None, statuses=["open"]) if i.overdue_on(today)]
        late = [e for e in tx.training.enrollments() if e.overdue_on(today)]
        horizon = today + timedelta(days=CERTIFICATION_NOTICE_DAYS)
        expiring = [
            c
            for c in tx.training.certifications()
            if c.expires_on is not None and today <= c.expires_on <= horizon
        ]
        courses = {c.id: c.name for c in tx.training.courses()}
        names = tx.org.names([i.owner_id for i in overdue])
        for item in overdue:
            text = f"Action item overdue since {item.due_on}: {item.title}"
            notices.append(
                OutgoingNotice(item.owner_id, "action_item_overdue", text, "", "action_item", str(item.id))
            )
            boss = tx.org.manager_of(item.owner_id, today)
            if boss is not None:
                notices.append(
                    OutgoingNotice(
                        boss,
                        "report_item_overdue",
                        f"{names[item.owner_id].name}: {text}",
                        "",
                        "action_item",
                        str(item.id),
                    )
                )
        notices += [
            OutgoingNotice(
                e.person_id,
                "enrollment_overdue",
                f"Course {courses[e.course_id]} was due on {e.due_on}",
                "",
                "enrollment",
                str(e.id),
            )
            for e in late
        ]
        notices += [
            OutgoingNotice(
                c.person_id,
                "certification_expiring",
                f"Certification {c.name} expires on {c.expires_on}",
                "",
                "certification",
                str(c.id),
            )
            for c in expiring
        ]
        new = sum(1 for n in notices if tx.recognition.notify(n, now))
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="queue",
            entity="notification",
            entity_id=None,
            detail={"new": new, "considered": len(notices), "on": today.isoformat()},
        )
    return new


def outbox(store: CoachingStore) -> list[Queued]:
    with store.transaction() as tx:
        return [Queued(i, n) for i, n in tx.recognition.pending_notices()]


def mark_sent(store: CoachingStore, viewer: Viewer, notice_ids: list[int]) -> None:
    if not viewer.is_admin:
        raise Forbidden("only an admin (or an integration acting as one) marks notifications sent")
    now = datetime.now(UTC)
    with store.transaction() as tx:
        tx.recognition.mark_sent(notice_ids, now)
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="sent",
            entity="notification",
            entity_id=None,
            detail={"ids": notice_ids},
        )
