"""Tables of incentive pay: calculation runs and their results, the append-only ledger, inquiries on
statement lines, and explicit credit splits of orders. Registered on `models.Base`.

Money is BIGINT minor units beside a currency; explanations are JSON (the typed fields of an earning line).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from attain.store.models import Base, _fk

Who = String(128)
Key = String(64)
BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only


class CreditSplit(Base):
    """An explicit share of an order: direct shares of an order sum to 100%, overlay shares are extra."""

    __tablename__ = "credit_splits"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = _fk("orders.id", nullable=False, ondelete="CASCADE")
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    role: Mapped[str] = mapped_column(String(8))
    share: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        UniqueConstraint("order_id", "person_id", "role"),
        CheckConstraint("role IN ('direct', 'overlay')", name="role"),
        CheckConstraint("share > 0 AND share <= 1", name="share"),
    )


class Run(Base):
    """One calculation of a period: what it read (fingerprints), how, by whom, and how it ended."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    period_key: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(12), default="run")
    scope: Mapped[list[Any] | None] = mapped_column(JSON)  # person external ids; NULL = everyone
    plan_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # "key@version" -> checksum
    as_of: Mapped[date] = mapped_column(Date)
    engine: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # fact table -> sha256 of rows read
    reconciled: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # closed period -> fingerprint
    results_hash: Mapped[str] = mapped_column(String(64), default="")
    payees: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(Who)
    __table_args__ = (
        CheckConstraint("status IN ('succeeded', 'failed')", name="status"),
        CheckConstraint("purpose IN ('run', 'close')", name="purpose"),
    )


class RunPayee(Base):
    """One person on one plan in the run's period; `current` marks the row statements read."""

    __tablename__ = "run_payees"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = _fk("runs.id", nullable=False, ondelete="CASCADE")
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    plan_key: Mapped[str] = mapped_column(Key)
    plan_version_id: Mapped[int | None] = _fk("plan_versions.id")
    currency: Mapped[str] = mapped_column(String(3))
    proration: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    target_incentive: Mapped[int] = mapped_column(BigInteger)
    earnings: Mapped[int] = mapped_column(BigInteger)
    payout: Mapped[int] = mapped_column(BigInteger)
    balance: Mapped[int] = mapped_column(BigInteger)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (
        UniqueConstraint("run_id", "person_id", "plan_key"),
        Index("ix_run_payees_current", "period_id", "person_id", "current"),
    )


class RunMeasure(Base):
    __tablename__ = "run_measures"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_payee_id: Mapped[int] = _fk("run_payees.id", nullable=False, ondelete="CASCADE")
    measure: Mapped[str] = mapped_column(Key)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(BigInteger)
    quota: Mapped[Decimal | None] = mapped_column(Numeric(24, 6))
    attainment: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))


class RunLine(Base):
    """An earning line or a payout line of a payee, in statement order, with its explanation as JSON."""

    __tablename__ = "run_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_payee_id: Mapped[int] = _fk("run_payees.id", nullable=False, ondelete="CASCADE")
    seq: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(8))
    component: Mapped[str] = mapped_column(Key)
    kind: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(BigInteger)
    order_ref: Mapped[str | None] = mapped_column(String(128))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __table_args__ = (
        UniqueConstraint("run_payee_id", "seq"),
        CheckConstraint("section IN ('earning', 'payout')", name="section"),
    )


class LedgerEntry(Base):
    """An append-only book entry; corrections are new entries (reversals, adjustments, prior deltas)."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    period_id: Mapped[int] = _fk("periods.id", nullable=False)  # the period the entry is posted in
    plan_key: Mapped[str] = mapped_column(Key)
    kind: Mapped[str] = mapped_column(String(24))
    component: Mapped[str | None] = mapped_column(Key)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    refers_period_id: Mapped[int | None] = _fk("periods.id")  # prior-period deltas: the period recalculated
    run_id: Mapped[int | None] = _fk("runs.id")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    approver: Mapped[str | None] = mapped_column(Who)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    posted_by: Mapped[str] = mapped_column(Who)
    __table_args__ = (
        CheckConstraint(
            "kind IN ('earning', 'prior_period', 'draw', 'recovery', 'deferred', 'clawback', 'holdback', "
            "'holdback_release', 'instalment', 'adjustment', 'reversal', 'payout')",
            name="kind",
        ),
        Index("ix_ledger_person_period", "person_id", "period_id"),
    )


class Inquiry(Base):
    """A question a person raises on a statement line; answered, or resolved (maybe with an adjustment)."""

    __tablename__ = "inquiries"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    line: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # which statement line (seq, kind, ...)
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    raised_by: Mapped[str] = mapped_column(Who)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    __table_args__ = (CheckConstraint("status IN ('open', 'answered', 'resolved')", name="status"),)


class InquiryEvent(Base):
    __tablename__ = "inquiry_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = _fk("inquiries.id", nullable=False, ondelete="CASCADE")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(Who)
    action: Mapped[str] = mapped_column(String(12))  # raised, answered, resolved, reopened
    text: Mapped[str] = mapped_column(Text, default="")
