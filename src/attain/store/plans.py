"""Plan documents and their versions: a new version only when the text changed (by SHA-256 checksum)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from attain.store import models as m


@dataclass(frozen=True, slots=True)
class PlanVersionInfo:
    plan_key: str
    version: int
    checksum: str
    comment: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class SavedPlan:
    version: PlanVersionInfo
    created: bool  # False when the text equals the latest version's


def checksum(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class SqlPlans:
    def __init__(self, session: Session) -> None:
        self._s = session

    @staticmethod
    def _info(key: str, row: m.PlanVersion) -> PlanVersionInfo:
        return PlanVersionInfo(key, row.version, row.checksum, row.comment, row.created_at, row.created_by)

    def save(
        self, key: str, name: str, document: str, *, comment: str, actor: str, at: datetime
    ) -> SavedPlan:
        """Store `document` as the next version of plan `key`, unless it equals the latest version."""
        plan = self._s.scalars(select(m.Plan).where(m.Plan.key == key)).first()
        if plan is None:
            plan = m.Plan(key=key, name=name, created_at=at)
            self._s.add(plan)
            self._s.flush()
        else:
            plan.name = name
        latest = self._latest(plan.id)
        digest = checksum(document)
        if latest is not None and latest.checksum == digest:
            return SavedPlan(self._info(key, latest), created=False)
        row = m.PlanVersion(
            plan_id=plan.id,
            version=(latest.version if latest else 0) + 1,
            document=document,
            checksum=digest,
            comment=comment,
            created_at=at,
            created_by=actor,
        )
        self._s.add(row)
        self._s.flush()
        return SavedPlan(self._info(key, row), created=True)

    def _latest(self, plan_id: int) -> m.PlanVersion | None:
        return self._s.scalars(
            select(m.PlanVersion)
            .where(m.PlanVersion.plan_id == plan_id)
            .order_by(m.PlanVersion.version.desc())
        ).first()

    def versions(self, key: str) -> list[PlanVersionInfo]:
        rows = self._s.scalars(
            select(m.PlanVersion)
            .join(m.Plan, m.Plan.id == m.PlanVersion.plan_id)
            .where(m.Plan.key == key)
            .order_by(m.PlanVersion.version)
        )
        return [self._info(key, r) for r in rows]

    def document(self, key: str, version: int | None = None) -> str | None:
        """The text of a version (the latest when `version` is None), or None when there is none."""
        query = (
            select(m.PlanVersion.document)
            .join(m.Plan, m.Plan.id == m.PlanVersion.plan_id)
            .where(m.Plan.key == key)
        )
        if version is None:
            query = query.order_by(m.PlanVersion.version.desc()).limit(1)
        else:
            query = query.where(m.PlanVersion.version == version)
        return self._s.scalar(query)

    def listing(self) -> list[tuple[str, str, PlanVersionInfo]]:
        """Every plan: key, name and its latest version, by key."""
        latest = (
            select(m.PlanVersion.plan_id, func.max(m.PlanVersion.version).label("version"))
            .group_by(m.PlanVersion.plan_id)
            .subquery()
        )
        rows = self._s.execute(
            select(m.Plan.key, m.Plan.name, m.PlanVersion)
            .join(latest, latest.c.plan_id == m.Plan.id)
            .join(
                m.PlanVersion,
                (m.PlanVersion.plan_id == m.Plan.id) & (m.PlanVersion.version == latest.c.version),
            )
            .order_by(m.Plan.key)
        )
        return [(r.key, r.name, self._info(r.key, r.PlanVersion)) for r in rows]

    def count(self) -> int:
        return int(self._s.scalar(select(func.count()).select_from(m.Plan)) or 0)
