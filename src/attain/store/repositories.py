"""Repositories for calendars and periods, the audit log, users and table counts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import Session

from attain.app.ports import CalendarInfo, PersonRef, StoredPeriod, UserInfo
from attain.domain.calendar import Period as DomainPeriod
from attain.domain.calendar import PeriodKind
from attain.store import models as m


class SqlCalendars:
    def __init__(self, session: Session) -> None:
        self._s = session

    @staticmethod
    def _info(row: m.Calendar) -> CalendarInfo:
        return CalendarInfo(row.id, row.name, row.fiscal_year_start_month, row.currency)

    def default(self) -> CalendarInfo | None:
        row = self._s.scalars(select(m.Calendar).where(m.Calendar.is_default.is_(True))).first()
        return None if row is None else self._info(row)

    def create(self, name: str, start_month: int, currency: str) -> CalendarInfo:
        is_first = self._s.scalar(select(func.count()).select_from(m.Calendar)) == 0
        row = m.Calendar(
            name=name, fiscal_year_start_month=start_month, currency=currency, is_default=is_first
        )
        self._s.add(row)
        self._s.flush()
        return self._info(row)

    def add_periods(self, calendar_id: int, periods: Sequence[DomainPeriod]) -> int:
        existing = set(self._s.scalars(select(m.Period.key).where(m.Period.calendar_id == calendar_id)))
        rows = [
            {
                "calendar_id": calendar_id,
                "key": p.key,
                "kind": str(p.kind),
                "fiscal_year": p.fiscal_year,
                "number": p.number,
                "start_on": p.start,
                "end_on": p.end,
                "status": "open",
            }
            for p in periods
            if p.key not in existing
        ]
        if rows:
            self._s.execute(insert(m.Period), rows)
        return len(rows)

    def periods(self, calendar_id: int, kind: str | None = None) -> list[StoredPeriod]:
        query = select(m.Period).where(m.Period.calendar_id == calendar_id)
        if kind is not None:
            query = query.where(m.Period.kind == kind)
        out = []
        for r in self._s.scalars(query.order_by(m.Period.start_on, m.Period.end_on.desc())):
            period = DomainPeriod(PeriodKind(r.kind), r.fiscal_year, r.number, r.start_on, r.end_on)
            out.append(StoredPeriod(r.id, period, r.status))
        return out

    def set_status(self, period_id: int, status: str, actor: str, at: datetime) -> None:
        closed = status == "closed"
        self._s.execute(
            update(m.Period)
            .where(m.Period.id == period_id)
            .values(status=status, closed_at=at if closed else None, closed_by=actor if closed else None)
        )


class SqlAudit:
    def __init__(self, session: Session) -> None:
        self._s = session

    def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        entity: str,
        entity_id: str | None = None,
        reason: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._s.add(
            m.AuditEntry(
                at=at,
                actor=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                reason=reason,
                detail=detail or {},
            )
        )

    def latest_id(self, *, ignoring: Collection[str] = ()) -> int:
        """The id of the newest entry (0 when empty): every write is audited, so it versions the data.
        `ignoring` names entities whose writes do not count (weekly calls, for the version of the facts)."""
        query = select(func.max(m.AuditEntry.id))
        if ignoring:
            query = query.where(m.AuditEntry.entity.not_in(sorted(ignoring)))
        return int(self._s.scalar(query) or 0)

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self._s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(limit))
        return [
            {
                "at": r.at,
                "actor": r.actor,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "reason": r.reason,
                "detail": r.detail,
            }
            for r in rows
        ]


class SqlUsers:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _info(self, row: m.User) -> UserInfo:
        roles = tuple(sorted(self._s.scalars(select(m.UserRole.role).where(m.UserRole.user_id == row.id))))
        return UserInfo(row.id, row.username, roles, row.person_id, row.is_active)

    def create(
        self,
        username: str,
        password_hash: str,
        roles: Sequence[str],
        *,
        email: str | None,
        person_id: int | None,
        at: datetime,
    ) -> UserInfo:
        row = m.User(
            username=username,
            password_hash=password_hash,
            email=email,
            person_id=person_id,
            is_active=True,
            created_at=at,
        )
        self._s.add(row)
        self._s.flush()
        self._s.add_all([m.UserRole(user_id=row.id, role=r) for r in sorted(set(roles))])
        self._s.flush()
        return self._info(row)

    def by_username(self, username: str) -> tuple[UserInfo, str] | None:
        row = self._s.scalars(select(m.User).where(m.User.username == username)).first()
        return None if row is None else (self._info(row), row.password_hash)

    def by_id(self, user_id: int) -> UserInfo | None:
        row = self._s.get(m.User, user_id)
        return None if row is None else self._info(row)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._s.execute(update(m.User).where(m.User.id == user_id).values(password_hash=password_hash))


class SqlCounts:
    _TABLES = (
        "people",
        "teams",
        "territories",
        "accounts",
        "assignments",
        "products",
        "opportunities",
        "opportunity_stages",
        "orders",
        "payments",
        "goals",
        "periods",
        "users",
    )

    def __init__(self, session: Session) -> None:
        self._s = session

    def table_counts(self) -> dict[str, int]:
        tables = m.Base.metadata.tables
        return {
            name: int(self._s.scalar(select(func.count()).select_from(tables[name])) or 0)
            for name in self._TABLES
        }


class SqlPeople:
    def __init__(self, session: Session) -> None:
        self._s = session

    @staticmethod
    def _on(day: date) -> Any:
        a = m.Assignment
        return (a.valid_from <= day) & ((a.valid_to.is_(None)) | (a.valid_to >= day))

    def with_role_on(self, role: str, day: date) -> list[PersonRef]:
        a, p = m.Assignment, m.Person
        rows = self._s.execute(
            select(p.id, p.external_id, p.name, a.role)
            .join(a, a.person_id == p.id)
            .where(a.role == role, self._on(day))
            .order_by(p.name, p.id)
        )
        return [PersonRef(r.id, r.external_id, r.name, r.role) for r in rows]

    def manager_of(self, person_id: int, day: date) -> PersonRef | None:
        a, p = m.Assignment, m.Person
        manager_id = self._s.scalar(select(a.manager_id).where(a.person_id == person_id, self._on(day)))
        if manager_id is None:
            return None
        row = self._s.execute(
            select(p.id, p.external_id, p.name, a.role)
            .outerjoin(a, (a.person_id == p.id) & self._on(day))
            .where(p.id == manager_id)
        ).first()
        return None if row is None else PersonRef(row.id, row.external_id, row.name, row.role or "")

    def listing(self, day: date, ids: set[int] | None = None) -> list[dict[str, Any]]:
        return people_listing(self._s, day, ids)

    def subtree(self, person_id: int, day: date) -> set[int]:
        a = m.Assignment
        current = select(a.person_id, a.manager_id).where(self._on(day)).subquery("current")
        tree = select(literal(person_id).label("pid")).cte("tree", recursive=True)
        tree = tree.union(select(current.c.person_id).join(tree, current.c.manager_id == tree.c.pid))
        return {int(pid) for pid in self._s.scalars(select(tree.c.pid))}


def people_listing(session: Session, day: date, ids: set[int] | None) -> list[dict[str, Any]]:
    """People with their assignment on `day` (role, team, manager), optionally limited to `ids`."""
    a, p, t, boss = m.Assignment, m.Person, m.Team, m.Person.__table__.alias("boss")
    on_day = (a.person_id == p.id) & (a.valid_from <= day) & (a.valid_to.is_(None) | (a.valid_to >= day))
    query = (
        select(
            p.id,
            p.external_id,
            p.name,
            p.email,
            p.hired_on,
            p.left_on,
            a.role,
            t.name.label("team"),
            boss.c.name.label("manager"),
            a.manager_id,
        )
        .outerjoin(a, on_day)
        .outerjoin(t, t.id == a.team_id)
        .outerjoin(boss, boss.c.id == a.manager_id)
        .order_by(p.name, p.id)
    )
    if ids is not None:
        query = query.where(p.id.in_(sorted(ids)))
    return [dict(r._mapping) for r in session.execute(query)]
