"""Tables of submitted forecasts: weekly calls by reps and managers, manager overrides with a note,
frozen weekly snapshots of every scope's numbers per method, and each method's error once a period is
over. All append-only. Registered on `models.Base`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from attain.store.models import Base, Cur, _fk

Who = String(128)
Scope = String(64)  # "company", "team:<id>" or "person:<id>"
MethodName = String(32)


class ForecastSubmission(Base):
    """A person's call for a period in a week: commit, best case and pipeline; the latest one counts."""

    __tablename__ = "forecast_submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    week: Mapped[int] = mapped_column(Integer)
    commit_amount: Mapped[int] = mapped_column(BigInteger)
    best_case_amount: Mapped[int] = mapped_column(BigInteger)
    pipeline_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(Cur)
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[str] = mapped_column(Who)
    __table_args__ = (
        CheckConstraint("week >= 1", name="week"),
        Index("ix_forecast_submissions_call", "period_id", "person_id", "week"),
    )


class ForecastOverride(Base):
    """A manager's replacement of a direct report's call, with the reason."""

    __tablename__ = "forecast_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    manager_id: Mapped[int] = _fk("people.id", nullable=False)
    subject_id: Mapped[int] = _fk("people.id", nullable=False)
    week: Mapped[int] = mapped_column(Integer)
    commit_amount: Mapped[int] = mapped_column(BigInteger)
    best_case_amount: Mapped[int] = mapped_column(BigInteger)
    pipeline_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(Cur)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(Who)
    __table_args__ = (
        CheckConstraint("week >= 1", name="week"),
        Index("ix_forecast_overrides_call", "period_id", "subject_id", "week"),
    )


class ForecastSnapshot(Base):
    """One scope's number by one method as it stood at a week of a period, frozen when the week is taken."""

    __tablename__ = "forecast_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    week: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(Scope)
    method: Mapped[str] = mapped_column(MethodName)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(Cur)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    taken_by: Mapped[str] = mapped_column(Who)
    __table_args__ = (UniqueConstraint("period_id", "week", "scope", "method"),)


class ForecastError(Base):
    """A closed period's actual against a method's snapshotted forecast for a scope and week."""

    __tablename__ = "forecast_errors"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    week: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(Scope)
    method: Mapped[str] = mapped_column(MethodName)
    forecast: Mapped[int] = mapped_column(BigInteger)
    actual: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(Cur)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("period_id", "week", "scope", "method"),)
