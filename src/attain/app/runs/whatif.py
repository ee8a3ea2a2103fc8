"""`attain plan whatif`: what a person earns in a period if one of the open opportunities closes at an amount.

The opportunity becomes the order its import as a won deal would book (its id, owner, account, product,
amount and currency, kind new), dated on its expected close date, or today when that is outside the period.
The order is also taken as invoiced and paid that day, so plans paying on invoice or payment count it in the
same period. Crediting is the run's: owner or the splits given, roll-ups to managers, overlays; an order in
another currency is converted with the dated rate to the plan currency. The fast engine re-runs the person's
slice of the period's facts with the order booked (see `whatif_cache`); runs read no territories, so
neither does the estimate. Before, after and delta are earnings: settlement (draws, holdbacks) is not applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from attain.app.ports import StoredPeriod
from attain.app.runs.inputs import (
    calculation_input,
    compile_version,
    find_period,
    read_facts,
    window_of,
)
from attain.app.runs.ports import (
    AssignmentRecord,
    OpportunityRecord,
    PayStore,
    PayTransaction,
    PlanVersionRecord,
)
from attain.app.runs.whatif_cache import WhatIfCache
from attain.app.runs.whatif_lines import WhatIfLine, changed_lines, order_lines
from attain.domain.calendar import FiscalCalendar, Period
from attain.domain.errors import Conflict, InvalidInput, NotFound, PeriodClosed
from attain.domain.money import to_minor
from attain.domain.plans.model import CompiledPlan, CreditRole
from attain.engine.inputs import CreditSplit, OrderRow
from attain.engine.relational import FactTables, WhatIf
from attain.engine.relational.whatif import Estimate

_DAY = timedelta(days=1)
KIND = "new"  # a won deal is booked as a new order, as its import books it


@dataclass(frozen=True, slots=True)
class SplitShare:
    """A credit share of the order: direct shares replace the owner and sum to 1; overlays are extra."""

    person: str  # external id
    share: Decimal
    role: CreditRole = CreditRole.DIRECT

    @classmethod
    def parse(cls, text: str) -> SplitShare:
        """PERSON:SHARE or PERSON:SHARE:overlay, the share as a fraction (0.6) or a percentage (60%)."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("direct", "overlay")):
            raise InvalidInput(
                f"split '{text}' is not PERSON:SHARE[:overlay]", hint="e.g. ann:0.6 or ann:60%"
            )
        number = parts[1].strip()
        try:
            share = Decimal(number[:-1]) / 100 if number.endswith("%") else Decimal(number)
        except InvalidOperation:
            raise InvalidInput(f"split '{text}': '{number}' is not a share", hint="0.6 or 60%") from None
        role = CreditRole(parts[2]) if len(parts) == 3 else CreditRole.DIRECT
        return cls(parts[0].strip(), share, role)


@dataclass(frozen=True, slots=True)
class WhatIfResult:
    person: str
    name: str
    period_key: str
    booked_on: date  # the day the order is booked (and taken as invoiced and paid)
    opportunity: OpportunityRecord
    amount: int  # minor units of `currency`, the order's amount
    currency: str  # the order's currency
    plan_currency: str
    plans: tuple[str, ...]  # the person's plans in the period (key@version)
    before: int  # the person's earnings in the period, minor units of the plan currency
    after: int
    lines: tuple[WhatIfLine, ...]  # the order's own lines (commission, SPIFF, per-order limits)
    changes: tuple[WhatIfLine, ...]  # every other line the order changes: tiers of later orders, gates, caps
    splits: tuple[SplitShare, ...] = ()

    @property
    def delta(self) -> int:
        return self.after - self.before


def estimate_opportunity(
    store: PayStore,
    person: str,
    opportunity: str,
    *,
    today: date,
    amount: Decimal | None = None,
    period_key: str | None = None,
    splits: Sequence[SplitShare] = (),
    cache: WhatIfCache | None = None,
) -> WhatIfResult:
    """What `person` (an external id) earns in the period if open opportunity `opportunity` closes at `amount`
    (major units of its currency; its own amount by default). The period is `period_key`, else the open
    period of the person's plan containing the expected close date, else the one containing `today`."""
    with store.transaction() as tx:
        version = tx.audit.latest_id()
        info = tx.calendars.default()
        if info is None:
            raise NotFound("there is no fiscal calendar yet", hint="run `attain init` first")
        calendar, periods = info.fiscal, tx.calendars.periods(info.id)
        opp = _open_opportunity(tx, opportunity)
        who = _person(tx, person, version, cache)
        currency = opp.currency or info.currency
        minor = _amount(opp, amount, currency)
        target, day = _choose_period(calendar, periods, who, opp, period_key, today)
        plans = who.in_period(target.period)
        plan_currency = _one_currency(person, target.period, plans)
        shares = _splits(opp, splits, set(tx.pay_inputs.person_ids()) if splits else set())

        def build() -> WhatIf:
            facts = _company_facts(tx, calendar, target.period, version, cache)
            return WhatIf(facts, target.period, person)

        def work(whatif: WhatIf) -> tuple[Estimate, OrderRow]:
            # The won order takes the deal's id, as its import books it, unless an order has that id already.
            order_id = (
                opp.external_id if not whatif.has_order(opp.external_id) else f"{opp.external_id}~whatif"
            )
            order = _order_facts(opp, order_id, day, minor, currency)
            credit = tuple(
                CreditSplit(order_id, s.person, s.share, s.role, i + 1) for i, s in enumerate(shares)
            )
            return whatif.estimate(order, credit), order

        if cache is None:
            whatif = build()
            try:
                estimate, order = work(whatif)
            finally:
                whatif.close()
        else:
            estimate, order = cache.use((person, target.period.key, version), build, work)
    return WhatIfResult(
        person=person,
        name=who.name,
        period_key=target.period.key,
        booked_on=day,
        opportunity=opp,
        amount=minor,
        currency=currency,
        plan_currency=plan_currency,
        plans=tuple(sorted({v.label for _, v, _ in plans})),
        before=estimate.before,
        after=estimate.after,
        lines=order_lines(estimate, order, plan_currency),
        changes=changed_lines(estimate, plan_currency),
        splits=shares,
    )


def open_opportunities(store: PayStore, person: str) -> list[OpportunityRecord]:
    """The open opportunities `person` (an external id) owns, by expected close date."""
    with store.transaction() as tx:
        return tx.pay_inputs.open_opportunities(person)


# -- reading and checking ----------------------------------------------------------------------------


def find_opportunity(store: PayStore, external_id: str) -> OpportunityRecord:
    """The opportunity with `external_id`, open or not (NotFound naming it when there is none)."""
    with store.transaction() as tx:
        return _opportunity(tx, external_id)


def _opportunity(tx: PayTransaction, external_id: str) -> OpportunityRecord:
    opp = tx.pay_inputs.opportunity(external_id)
    if opp is None:
        raise NotFound(f"opportunity {external_id} not found", hint="name opportunities by their external id")
    return opp


def _open_opportunity(tx: PayTransaction, external_id: str) -> OpportunityRecord:
    opp = _opportunity(tx, external_id)
    if opp.status != "open":
        raise Conflict(
            f"opportunity {external_id} is {opp.status} already (stage {opp.stage})",
            hint="a what-if is for open opportunities; a won deal is on the statement once its order is run",
        )
    return opp


def _amount(opp: OpportunityRecord, amount: Decimal | None, currency: str) -> int:
    if amount is None:
        if opp.amount is None:
            raise InvalidInput(
                f"opportunity {opp.external_id} has no amount", hint="give the amount it would close at"
            )
        minor = opp.amount
    else:
        minor = to_minor(amount, currency)
    if minor <= 0:
        raise InvalidInput(
            f"the amount of opportunity {opp.external_id} must be positive, not {amount or minor}",
            hint="a what-if books a won deal; cancellations are separate facts",
        )
    return minor


def _splits(opp: OpportunityRecord, splits: Sequence[SplitShare], people: set[str]) -> tuple[SplitShare, ...]:
    for s in splits:
        where = f"split of {s.person}"
        if s.person not in people:
            raise NotFound(
                f"person {s.person} not found", where=where, hint="name people by their external id"
            )
        if s.role not in (CreditRole.DIRECT, CreditRole.OVERLAY):
            raise InvalidInput(f"a split is direct or overlay, not {s.role}", where=where)
        if not Decimal(0) < s.share <= Decimal(1):
            raise InvalidInput(f"share {s.share} is not above 0 and at most 1", where=where)
    direct = [s for s in splits if s.role is CreditRole.DIRECT]
    if direct and sum(s.share for s in direct) != 1:
        total = sum(s.share for s in direct)
        raise InvalidInput(
            f"the direct splits of opportunity {opp.external_id} add up to {total}, not 1",
            hint="direct shares replace the owner and sum to 1; mark extra credit as overlay",
        )
    if len({(s.person, s.role) for s in splits}) != len(splits):
        raise InvalidInput(f"a person has two splits of one role on opportunity {opp.external_id}")
    return tuple(splits)


@lru_cache(maxsize=64)
def _compiled(record: PlanVersionRecord) -> CompiledPlan:
    """Plans compiled once per version text (a version's record never changes)."""
    return compile_version(record)


Plans = list[tuple[AssignmentRecord, PlanVersionRecord, CompiledPlan]]


@dataclass(frozen=True, slots=True)
class _Person:
    """A person's name and every plan assignment they have, compiled."""

    person: str
    name: str
    plans: Plans

    def on(self, start: date, end: date) -> Plans:
        """The assignments overlapping [start, end)."""
        return [
            p
            for p in self.plans
            if p[0].valid_from < end and (p[0].valid_to is None or p[0].valid_to >= start)
        ]

    def in_period(self, period: Period) -> Plans:
        found = [p for p in self.on(period.start, period.end) if p[2].period is period.kind]
        if not found:
            raise NotFound(
                f"{self.person} has no plan paid per {period.kind} in {period.key}",
                hint="assign one with `attain plan assign`, or choose the period of the person's plan",
            )
        return found


def _person(tx: PayTransaction, person: str, version: int, cache: WhatIfCache | None) -> _Person:
    def read() -> _Person:
        name = next((p.name for p in tx.pay_inputs.people() if p.person_id == person), None)
        if name is None:
            raise NotFound(f"person {person} not found", hint="name people by their external id")
        rows = [a for a in tx.pay_inputs.assignments(date.min, date.max) if a.person == person]
        ids = sorted({a.plan_version_id for a in rows})
        versions = {v.id: v for v in tx.pay_inputs.plan_versions(ids)}
        plans = [(a, versions[a.plan_version_id], _compiled(versions[a.plan_version_id])) for a in rows]
        return _Person(person, name, plans)

    return read() if cache is None else cache.person((person, version), read)


def _one_currency(person: str, period: Period, plans: Plans) -> str:
    currencies = sorted({plan.currency for _, _, plan in plans})
    if len(currencies) > 1:
        raise InvalidInput(
            f"{person}'s plans in {period.key} pay in {' and '.join(currencies)}",
            hint="a what-if adds up one currency: give a period with plans in one currency",
        )
    for a, v, plan in plans:
        if a.currency != plan.currency:
            raise InvalidInput(
                f"{person}'s assignment to {v.label} has its target incentive in {a.currency}, "
                f"but the plan pays in {plan.currency}",
                hint="assign the target incentive in the plan's currency",
            )
    return currencies[0]


def _choose_period(
    calendar: FiscalCalendar,
    periods: list[StoredPeriod],
    who: _Person,
    opp: OpportunityRecord,
    period_key: str | None,
    today: date,
) -> tuple[StoredPeriod, date]:
    """The period to estimate and the day the order is booked in it."""
    if period_key:
        target: StoredPeriod = find_period(periods, period_key, calendar)
        if target.status == "closed":
            raise PeriodClosed(
                f"{target.period.key} is closed", hint="a what-if estimates an open period; choose one"
            )
        p = target.period
        inside = opp.close_on is not None and p.contains(opp.close_on)
        return target, opp.close_on if inside and opp.close_on else min(max(today, p.start), p.last_day)
    reasons: list[str] = []
    closed = False
    for day in dict.fromkeys(d for d in (opp.close_on, today) if d is not None):
        kinds = sorted({plan.period for _, _, plan in who.on(day, day + _DAY)})
        if len(kinds) > 1:
            raise InvalidInput(
                f"{who.person} has plans paid per {' and per '.join(kinds)} on {day}",
                hint="choose the period to estimate (--period, or period= in the API)",
            )
        if not kinds:
            reasons.append(f"{who.person} has no plan on {day}")
            continue
        period = calendar.period_of(kinds[0], day)
        stored = next((s for s in periods if s.period.key == period.key), None)
        if stored is None:
            reasons.append(f"{period.key} (of {day}) is not in the calendar")
        elif stored.status == "closed":
            closed = True
            reasons.append(f"{period.key} (of {day}) is closed")
        else:
            return stored, day
    message = f"no open period to estimate opportunity {opp.external_id} in: {'; '.join(reasons)}"
    hint = "choose an open period (--period, or period= in the API)"
    raise PeriodClosed(message, hint=hint) if closed else NotFound(message, hint=hint)


def _company_facts(
    tx: PayTransaction, calendar: FiscalCalendar, period: Period, version: int, cache: WhatIfCache | None
) -> FactTables:
    """The period's facts as a run of it reads them (as of its last day), orders and splits as Arrow."""

    def read() -> FactTables:
        start, end = window_of(calendar, period)
        inp = calculation_input(read_facts(tx, calendar, start, end), period, period.last_day)
        tables = FactTables.from_input(inp)
        # The Arrow tables carry the orders and splits from here; the row objects need not stay in memory.
        return FactTables(replace(inp, orders=(), splits=()), tables.orders, tables.splits)

    return read() if cache is None else cache.company((period.key, version), read)


def _order_facts(opp: OpportunityRecord, order_id: str, day: date, amount: int, currency: str) -> OrderRow:
    return OrderRow(
        order_id=order_id,
        booked_on=day,
        amount=amount,
        currency=currency,
        kind=KIND,
        owner=opp.owner,
        product=opp.product,
        product_family=opp.product_family,
        segment=opp.segment,
        account=opp.account,
        invoiced_on=day,
        paid_on=day,
    )
