"""Tables: the facts of domain/facts.py plus calendars, metrics, plans, users, tokens, imports and audit.

Money is stored as BIGINT minor units beside a currency code; references are integer foreign keys
named `<field>_id`. Only the store imports SQLAlchemy.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

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
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Cur = String(3)
Ext = String(128)
Amount = Numeric(24, 6)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


def _fk(target: str, *, nullable: bool = True, ondelete: str | None = None) -> Any:
    return mapped_column(ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True)


def _fact_ref(*, nullable: bool = True) -> Any:
    """A reference from a large fact table: no foreign key and no index of its own.

    Per-row foreign-key triggers and one index per reference made bulk loads of orders five times
    slower. The import resolves every reference by join in its own transaction, and guard triggers
    (migration 0005) refuse deleting a dimension row that facts refer to: docs/decisions/0007.
    """
    return mapped_column(Integer, nullable=nullable)


# -- calendar -----------------------------------------------------------------------------------


class Calendar(Base):
    __tablename__ = "calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1)
    currency: Mapped[str] = mapped_column(Cur, default="USD")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (CheckConstraint("fiscal_year_start_month BETWEEN 1 AND 12", name="start_month"),)


class Period(Base):
    __tablename__ = "periods"
    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = _fk("calendars.id", nullable=False)
    key: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)  # exclusive
    status: Mapped[str] = mapped_column(String(8), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(128))
    __table_args__ = (
        UniqueConstraint("calendar_id", "key"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("kind IN ('month', 'quarter', 'year')", name="kind"),
        CheckConstraint("start_on < end_on", name="span"),
    )


# -- organisation -------------------------------------------------------------------------------


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    title: Mapped[str | None] = mapped_column(String(200))
    hired_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = _fk("teams.id")
    region: Mapped[str | None] = mapped_column(String(100))


class Territory(Base):
    __tablename__ = "territories"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = _fk("territories.id")
    region: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(50))
    potential: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(Cur)


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None] = mapped_column(Integer)
    annual_revenue: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(Cur)
    parent_id: Mapped[int | None] = _fk("accounts.id")
    owner_id: Mapped[int | None] = _fk("people.id")
    founded_year: Mapped[int | None] = mapped_column(Integer)


class TerritoryAccount(Base):
    __tablename__ = "territory_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = _fk("territories.id", nullable=False)
    account_id: Mapped[int] = _fk("accounts.id", nullable=False)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("territory_id", "account_id", "valid_from"),)


class Assignment(Base):
    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    role: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int | None] = _fk("teams.id")
    manager_id: Mapped[int | None] = _fk("people.id")
    territory_id: Mapped[int | None] = _fk("territories.id")
    title: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)  # inclusive; NULL while current
    __table_args__ = (
        UniqueConstraint("person_id", "valid_from"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="span"),
    )


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str | None] = mapped_column(String(100))
    list_price: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(Cur)


# -- sales facts --------------------------------------------------------------------------------


class Opportunity(Base):
    __tablename__ = "opportunities"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[int | None] = _fact_ref()
    product_id: Mapped[int | None] = _fact_ref()
    owner_id: Mapped[int] = _fact_ref(nullable=False)
    stage: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(Cur)
    created_on: Mapped[date | None] = mapped_column(Date)
    close_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (CheckConstraint("status IN ('open', 'won', 'lost')", name="status"),)


class OpportunityStage(Base):
    __tablename__ = "opportunity_stages"
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = _fact_ref(nullable=False)
    stage: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("opportunity_id", "stage", "entered_at"),)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    order_number: Mapped[str | None] = mapped_column(String(64))
    line_number: Mapped[int | None] = mapped_column(Integer)
    booked_on: Mapped[date] = mapped_column(Date, index=True)
    account_id: Mapped[int | None] = _fact_ref()
    product_id: Mapped[int | None] = _fact_ref()
    owner_id: Mapped[int | None] = _fact_ref()
    opportunity_id: Mapped[int | None] = _fact_ref()
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(Cur)
    kind: Mapped[str] = mapped_column(String(16))
    original_id: Mapped[int | None] = _fact_ref()
    status: Mapped[str | None] = mapped_column(String(32))
    invoiced_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (
        CheckConstraint("kind IN ('new', 'renewal', 'upsell', 'cancellation', 'return')", name="kind"),
    )


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    account_id: Mapped[int] = _fk("accounts.id", nullable=False)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(Cur)


class ExchangeRate(Base):
    __tablename__ = "exchange_rates"
    id: Mapped[int] = mapped_column(primary_key=True)
    from_currency: Mapped[str] = mapped_column(Cur)
    to_currency: Mapped[str] = mapped_column(Cur)
    valid_on: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Numeric(24, 12))
    __table_args__ = (UniqueConstraint("from_currency", "to_currency", "valid_on"),)


# -- goals, metrics, plans ----------------------------------------------------------------------


class MetricDefinition(Base):
    __tablename__ = "metric_definitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16))  # money, count, ratio, days
    direction: Mapped[str] = mapped_column(String(8), default="up")  # is higher better
    formula: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")


class Goal(Base):
    __tablename__ = "goals"
    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), index=True)
    scope_kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = _fk("people.id")
    team_id: Mapped[int | None] = _fk("teams.id")
    territory_id: Mapped[int | None] = _fk("territories.id")
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    kind: Mapped[str] = mapped_column(String(8), default="goal")
    target: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str | None] = mapped_column(Cur)
    __table_args__ = (
        CheckConstraint("scope_kind IN ('person', 'team', 'territory', 'company')", name="scope_kind"),
        CheckConstraint("kind IN ('goal', 'quota')", name="kind"),
        Index("ix_goals_scope", "metric", "scope_kind", "person_id", "team_id", "territory_id", "period_id"),
    )


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlanVersion(Base):
    __tablename__ = "plan_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = _fk("plans.id", nullable=False)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(128))
    __table_args__ = (UniqueConstraint("plan_id", "version"),)


class PlanAssignment(Base):
    __tablename__ = "plan_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    plan_version_id: Mapped[int] = _fk("plan_versions.id", nullable=False)
    target_incentive: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(Cur)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("person_id", "plan_version_id", "valid_from"),)


# -- users, access, audit, imports --------------------------------------------------------------


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[int | None] = _fk("people.id")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'comp_admin', 'manager', 'rep', 'finance', 'viewer')", name="role"
        ),
    )


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = _fk("users.id", nullable=False, ondelete="CASCADE")
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ImportBatch(Base):
    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))  # mapping name, e.g. maven-crm
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)  # names and sha256
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # committed, rejected
    actor: Mapped[str] = mapped_column(String(128))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# -- performance measurement: costs for CAC, admin settings, and the indexes the KPI reads use ------


class Cost(Base):
    __tablename__ = "costs"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    category: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(Cur)
    description: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (CheckConstraint("category IN ('sales', 'marketing')", name="category"),)


class Setting(Base):
    __tablename__ = "settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(128))


# Per-rep dashboards filter by owner and date; period-wide KPI reads scan by close or creation date
# (orders by `booked_on`, indexed on the column). Nothing reads facts by account or product alone, so
# those columns carry no index: every index costs each bulk load (docs/decisions/0007).
Index("ix_opportunities_owner_close", Opportunity.owner_id, Opportunity.close_on)
Index("ix_opportunities_close_on", Opportunity.close_on)
Index("ix_opportunities_created_on", Opportunity.created_on)
Index("ix_orders_owner_booked", Order.owner_id, Order.booked_on)

# The coaching and training tables live in their own modules; importing them here registers them on
# Base wherever the models are loaded (migrations, the fact writer, the schema test).
from attain.store import coaching_models, development_models, forecast_models, pay_models  # noqa: E402, F401
