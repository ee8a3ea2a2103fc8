"""The facts a calculation run reads, as the engine's plain rows, and the plan book (versions, assignments).

Ids in the rows are external ids; money stays in minor units of its own currency (the engine converts it
with the dated exchange rates). A team's quota is read as the quota of whoever leads the team (a manager,
director or executive assigned to it) on the first day of the quota's period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, aliased

from attain.app.runs.ports import AssignmentRecord, OpportunityRecord, PlanVersionRecord
from attain.domain.plans.model import CreditRole
from attain.engine.inputs import CreditSplit, ExchangeRate, ManagerLink, OrderRow, PersonRow, QuotaRow
from attain.store import models as m
from attain.store import pay_models as pm
from attain.store.plans import SqlPlans

LEADER_ROLES = ("manager", "director", "executive")


def _in(column: Any, start: date, end: date) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


class SqlPayInputs:
    def __init__(self, session: Session) -> None:
        self._s = session

    def people(self) -> list[PersonRow]:
        p = m.Person
        rows = self._s.execute(select(p.external_id, p.name, p.hired_on, p.left_on).order_by(p.external_id))
        return [PersonRow(r.external_id, r.name, r.hired_on, r.left_on) for r in rows]

    def person_ids(self) -> dict[str, int]:
        return {r.external_id: r.id for r in self._s.execute(select(m.Person.external_id, m.Person.id))}

    def managers(self) -> list[ManagerLink]:
        a, person, boss = m.Assignment, aliased(m.Person), aliased(m.Person)
        rows = self._s.execute(
            select(person.external_id, boss.external_id.label("boss"), a.valid_from, a.valid_to)
            .join(person, person.id == a.person_id)
            .join(boss, boss.id == a.manager_id)
            .order_by(person.external_id, a.valid_from)
        )
        return [ManagerLink(r.external_id, r.boss, r.valid_from, r.valid_to) for r in rows]

    def _dated(self, start: date, end: date) -> ColumnElement[bool]:
        o = m.Order
        return or_(_in(o.booked_on, start, end), _in(o.invoiced_on, start, end), _in(o.paid_on, start, end))

    def orders(self, start: date, end: date) -> list[OrderRow]:
        return self._order_rows(self._read(start, end))

    def _read(self, start: date, end: date) -> ColumnElement[bool]:
        """The orders a window reads: dated in it, and the originals its cancellations undo."""
        o = m.Order
        dated = self._dated(start, end)
        originals = select(o.original_id).where(dated, o.original_id.is_not(None))
        return or_(dated, o.id.in_(originals))

    def _order_rows(self, where: ColumnElement[bool]) -> list[OrderRow]:
        o, owner, product, account = m.Order, aliased(m.Person), aliased(m.Product), aliased(m.Account)
        original = aliased(m.Order)
        query = (
            select(
                o.external_id,
                o.booked_on,
                o.amount,
                o.currency,
                o.kind,
                owner.external_id.label("owner"),
                product.external_id.label("product"),
                product.family,
                account.segment,
                account.external_id.label("account"),
                o.invoiced_on,
                o.paid_on,
                original.external_id.label("original"),
            )
            .outerjoin(owner, owner.id == o.owner_id)
            .outerjoin(product, product.id == o.product_id)
            .outerjoin(account, account.id == o.account_id)
            .outerjoin(original, original.id == o.original_id)
            .where(where)
            .order_by(o.external_id)
        )
        return [
            OrderRow(
                order_id=r.external_id,
                booked_on=r.booked_on,
                amount=r.amount,
                currency=r.currency,
                kind=r.kind,
                owner=r.owner,
                product=r.product,
                product_family=r.family,
                segment=r.segment,
                account=r.account,
                invoiced_on=r.invoiced_on,
                paid_on=r.paid_on,
                original=r.original,
            )
            for r in self._s.execute(query)
        ]

    def splits(self, start: date, end: date) -> list[CreditSplit]:
        s, o, p = pm.CreditSplit, m.Order, m.Person
        rows = self._s.execute(
            select(o.external_id.label("order"), p.external_id.label("person"), s.share, s.role, s.sequence)
            .join(o, o.id == s.order_id)
            .join(p, p.id == s.person_id)
            .where(self._read(start, end))
            .order_by(o.external_id, s.sequence, p.external_id)
        )
        return [
            CreditSplit(r.order, r.person, Decimal(r.share), CreditRole(r.role), r.sequence or 1)
            for r in rows
        ]

    def quotas(self, period_keys: Sequence[str]) -> list[QuotaRow]:
        g, per, person = m.Goal, m.Period, aliased(m.Person)
        out: list[QuotaRow] = []
        own = self._s.execute(
            select(person.external_id, g.metric, per.key, g.target)
            .join(per, per.id == g.period_id)
            .join(person, person.id == g.person_id)
            .where(g.kind == "quota", g.scope_kind == "person", per.key.in_(period_keys))
        )
        out += [QuotaRow(r.external_id, r.metric, r.key, Decimal(r.target)) for r in own]
        a = m.Assignment
        led = self._s.execute(
            select(person.external_id, g.metric, per.key, g.target)
            .join(per, per.id == g.period_id)
            .join(a, and_(a.team_id == g.team_id, a.role.in_(LEADER_ROLES)))
            .join(person, person.id == a.person_id)
            .where(
                g.kind == "quota",
                g.scope_kind == "team",
                per.key.in_(period_keys),
                a.valid_from <= per.start_on,
                or_(a.valid_to.is_(None), a.valid_to >= per.start_on),
            )
        )
        mine = {(q.person_id, q.metric, q.period_key) for q in out}
        out += [
            QuotaRow(r.external_id, r.metric, r.key, Decimal(r.target))
            for r in led
            if (r.external_id, r.metric, r.key) not in mine
        ]
        return sorted(out, key=lambda q: (q.person_id, q.metric, q.period_key))

    def rates(self, until: date) -> list[ExchangeRate]:
        x = m.ExchangeRate
        rows = self._s.execute(
            select(x.from_currency, x.to_currency, x.valid_on, x.rate)
            .where(x.valid_on < until)
            .order_by(x.from_currency, x.to_currency, x.valid_on)
        )
        return [ExchangeRate(r.from_currency, r.to_currency, r.valid_on, Decimal(r.rate)) for r in rows]

    def assignments(self, start: date, end: date) -> list[AssignmentRecord]:
        a, v, plan, p = m.PlanAssignment, m.PlanVersion, m.Plan, m.Person
        rows = self._s.execute(
            select(a, p.external_id, plan.key, v.version)
            .join(v, v.id == a.plan_version_id)
            .join(plan, plan.id == v.plan_id)
            .join(p, p.id == a.person_id)
            .where(a.valid_from < end, or_(a.valid_to.is_(None), a.valid_to >= start))
            .order_by(p.external_id, a.valid_from, plan.key)
        )
        return [
            AssignmentRecord(
                person_id=r.PlanAssignment.person_id,
                person=r.external_id,
                plan_version_id=r.PlanAssignment.plan_version_id,
                plan_key=r.key,
                version=r.version,
                target_incentive=r.PlanAssignment.target_incentive,
                currency=r.PlanAssignment.currency,
                valid_from=r.PlanAssignment.valid_from,
                valid_to=r.PlanAssignment.valid_to,
            )
            for r in rows
        ]

    def plan_versions(self, ids: Sequence[int]) -> list[PlanVersionRecord]:
        v, plan = m.PlanVersion, m.Plan
        rows = self._s.execute(
            select(v, plan.key, plan.name)
            .join(plan, plan.id == v.plan_id)
            .where(v.id.in_(ids))
            .order_by(v.id)
        )
        return [_version(r.PlanVersion, r.key, r.name) for r in rows]

    def cost_centres(self, person_ids: Sequence[int], day: date) -> dict[int, str]:
        a, t = m.Assignment, m.Team
        rows = self._s.execute(
            select(a.person_id, t.external_id)
            .join(t, t.id == a.team_id)
            .where(
                a.person_id.in_(person_ids),
                a.valid_from <= day,
                or_(a.valid_to.is_(None), a.valid_to >= day),
            )
            .order_by(a.person_id, a.valid_from)
        )
        return {r.person_id: r.external_id for r in rows}

    def role_spans(self, roles: Sequence[str]) -> list[tuple[str, str, date, date | None]]:
        a, p = m.Assignment, m.Person
        rows = self._s.execute(
            select(p.external_id, a.role, a.valid_from, a.valid_to)
            .join(p, p.id == a.person_id)
            .where(a.role.in_(roles))
            .order_by(p.external_id, a.valid_from)
        )
        return [(r.external_id, r.role, r.valid_from, r.valid_to) for r in rows]

    def opportunity(self, external_id: str) -> OpportunityRecord | None:
        found = self._opportunities(m.Opportunity.external_id == external_id)
        return found[0] if found else None

    def open_opportunities(self, owner: str) -> list[OpportunityRecord]:
        person = select(m.Person.id).where(m.Person.external_id == owner).scalar_subquery()
        o = m.Opportunity
        return self._opportunities(and_(o.owner_id == person, o.status == "open"))

    def _opportunities(self, where: ColumnElement[bool]) -> list[OpportunityRecord]:
        o, owner, product, account = m.Opportunity, aliased(m.Person), aliased(m.Product), aliased(m.Account)
        query = (
            select(
                o.external_id,
                o.name,
                owner.external_id.label("owner"),
                owner.name.label("owner_name"),
                o.owner_id,
                account.external_id.label("account"),
                account.segment,
                product.external_id.label("product"),
                product.family,
                o.stage,
                o.status,
                o.amount,
                o.currency,
                o.created_on,
                o.close_on,
            )
            .join(owner, owner.id == o.owner_id)
            .outerjoin(product, product.id == o.product_id)
            .outerjoin(account, account.id == o.account_id)
            .where(where)
            .order_by(o.close_on, o.external_id)
        )
        return [
            OpportunityRecord(
                external_id=r.external_id,
                name=r.name,
                owner=r.owner,
                owner_name=r.owner_name,
                owner_id=r.owner_id,
                account=r.account,
                segment=r.segment,
                product=r.product,
                product_family=r.family,
                stage=r.stage,
                status=r.status,
                amount=r.amount,
                currency=r.currency,
                created_on=r.created_on,
                close_on=r.close_on,
            )
            for r in self._s.execute(query)
        ]


def _version(row: m.PlanVersion, key: str, name: str) -> PlanVersionRecord:
    return PlanVersionRecord(row.id, key, name, row.version, row.document, row.checksum)


class SqlPlanBook:
    """Plan versions and plan assignments, as runs and the demo need them."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def _query(self, key: str) -> Any:
        v, plan = m.PlanVersion, m.Plan
        return select(v, plan.key, plan.name).join(plan, plan.id == v.plan_id).where(plan.key == key)

    def latest(self, key: str) -> PlanVersionRecord | None:
        row = self._s.execute(self._query(key).order_by(m.PlanVersion.version.desc()).limit(1)).first()
        return None if row is None else _version(row.PlanVersion, row.key, row.name)

    def version(self, key: str, version: int) -> PlanVersionRecord | None:
        row = self._s.execute(self._query(key).where(m.PlanVersion.version == version)).first()
        return None if row is None else _version(row.PlanVersion, row.key, row.name)

    def save(self, key: str, name: str, document: str, *, actor: str, at: datetime) -> int:
        """The id of the plan's version with this text: the latest one if unchanged, else a new version."""
        saved = SqlPlans(self._s).save(key, name, document, comment="", actor=actor, at=at)
        found = self.version(key, saved.version.version)
        assert found is not None
        return found.id

    def assign(
        self,
        person_id: int,
        plan_version_id: int,
        target_incentive: int,
        currency: str,
        valid_from: date,
        valid_to: date | None,
    ) -> None:
        a = m.PlanAssignment
        row = self._s.scalar(
            select(a).where(
                a.person_id == person_id, a.plan_version_id == plan_version_id, a.valid_from == valid_from
            )
        )
        if row is None:
            row = a(person_id=person_id, plan_version_id=plan_version_id, valid_from=valid_from)
            self._s.add(row)
        row.target_incentive, row.currency, row.valid_to = target_incentive, currency, valid_to
        self._s.flush()
