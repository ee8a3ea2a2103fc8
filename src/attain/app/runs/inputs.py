"""From the store's facts to a CalculationInput for one period, and the fingerprints of what was read.

One read covers every window a run needs (its period and the closed periods it reconciles); each window's
input is then cut from it: orders dated in the fiscal year up to the window's end (booking, invoice or
payment date), quotas of that year, and only facts dated on or before the as-of date. Plans are keyed
`key@version`, so two versions of one plan can be in force in one run.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

from attain.app.runs.ports import AssignmentRecord, PayTransaction, PlanVersionRecord
from attain.domain.calendar import FiscalCalendar, Period
from attain.domain.errors import InvalidInput, NotFound
from attain.domain.plans.model import CompiledPlan
from attain.domain.plans.source import PlanError
from attain.engine.inputs import (
    CalculationInput,
    CreditSplit,
    ExchangeRate,
    ManagerLink,
    OrderRow,
    PersonRow,
    PlanAssignmentRow,
    QuotaRow,
)
from attain.engine.plan_source import compile_text


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a run read from the store, for the span [start, end)."""

    calendar: FiscalCalendar
    start: date
    end: date
    people: tuple[PersonRow, ...]
    managers: tuple[ManagerLink, ...]
    orders: tuple[OrderRow, ...]
    splits: tuple[CreditSplit, ...]
    quotas: tuple[QuotaRow, ...]
    rates: tuple[ExchangeRate, ...]
    assignments: tuple[AssignmentRecord, ...]
    versions: dict[int, PlanVersionRecord]
    plans: dict[int, CompiledPlan]
    person_ids: dict[str, int]
    names: dict[str, str] = field(default_factory=dict)
    # The assignments of each (person, plan key), in read order: a run looks one up for each payee.
    _by_payee: dict[tuple[str, str], list[AssignmentRecord]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], list[AssignmentRecord]] = defaultdict(list)
        for a in self.assignments:
            index[(a.person, a.plan_key)].append(a)
        object.__setattr__(self, "_by_payee", dict(index))

    def version_of(self, person: str, plan_key: str, period: Period) -> AssignmentRecord | None:
        """The latest-starting assignment of `person` to plan `plan_key` overlapping `period`."""
        found = [
            a
            for a in self._by_payee.get((person, plan_key), ())
            if a.valid_from < period.end and (a.valid_to is None or a.valid_to >= period.start)
        ]
        return max(found, key=lambda a: (a.valid_from, a.version)) if found else None


def compile_version(record: PlanVersionRecord) -> CompiledPlan:
    try:
        return compile_text(record.document)
    except PlanError as exc:
        exc.source = f"plan {record.label}"
        raise


def read_facts(tx: PayTransaction, calendar: FiscalCalendar, start: date, end: date) -> Facts:
    """The facts of the fiscal years from `start` up to `end` (exclusive), plans compiled."""
    reader = tx.pay_inputs
    fy_start = calendar.year_start(calendar.fiscal_year_of(start))
    assignments = tuple(reader.assignments(fy_start, end))
    versions = {v.id: v for v in reader.plan_versions(sorted({a.plan_version_id for a in assignments}))}
    keys = [
        p.key
        for fy in range(calendar.fiscal_year_of(start), calendar.fiscal_year_of(end - _DAY) + 1)
        for p in calendar.all_periods(fy, fy)
    ]
    people = tuple(reader.people())
    return Facts(
        calendar=calendar,
        start=fy_start,
        end=end,
        people=people,
        managers=tuple(reader.managers()),
        orders=tuple(reader.orders(fy_start, end)),
        splits=tuple(reader.splits(fy_start, end)),
        quotas=tuple(reader.quotas(keys)),
        rates=tuple(reader.rates(end)),
        assignments=assignments,
        versions=versions,
        plans={vid: compile_version(v) for vid, v in versions.items()},
        person_ids=reader.person_ids(),
        names={p.person_id: p.name for p in people},
    )


_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def window_of(calendar: FiscalCalendar, period: Period) -> tuple[date, date]:
    """The facts a period's calculation reads: its fiscal year up to the period's end."""
    return calendar.year_start(period.fiscal_year), period.end


def calculation_input(facts: Facts, period: Period, as_of: date | None = None) -> CalculationInput:
    """The input of `period`'s calculation, cut from `facts`; facts dated after `as_of` are not known yet."""
    start, end = window_of(facts.calendar, period)
    if as_of is not None:
        end = min(end, as_of + _DAY)
    orders = [o for o in (_known(o, end) for o in facts.orders) if o is not None]
    inside = {o.order_id for o in orders if _dated_in(o, start, end)}
    # A cancellation in the window keeps its original (settlement claws back against it).
    inside |= {o.original for o in orders if o.order_id in inside and o.original is not None}
    year_keys = {p.key for p in facts.calendar.all_periods(period.fiscal_year, period.fiscal_year)}
    assignments = [
        a
        for a in facts.assignments
        if a.valid_from < period.end and (a.valid_to is None or a.valid_to >= start)
    ]
    used = {a.plan_version_id for a in assignments}
    return CalculationInput(
        calendar=facts.calendar,
        plans={facts.versions[v].label: facts.plans[v] for v in sorted(used)},
        assignments=tuple(
            PlanAssignmentRow(
                a.person,
                facts.versions[a.plan_version_id].label,
                a.target_incentive,
                a.valid_from,
                a.valid_to,
            )
            for a in assignments
        ),
        orders=tuple(o for o in orders if o.order_id in inside),
        people=facts.people,
        managers=facts.managers,
        splits=tuple(s for s in facts.splits if s.order_id in inside),
        quotas=tuple(q for q in facts.quotas if q.period_key in year_keys),
        rates=tuple(r for r in facts.rates if r.valid_on < end),
    )


def _dated_in(o: OrderRow, start: date, end: date) -> bool:
    return any(d is not None and start <= d < end for d in (o.booked_on, o.invoiced_on, o.paid_on))


def _known(o: OrderRow, end: date) -> OrderRow | None:
    if o.booked_on >= end:
        return None
    invoiced = o.invoiced_on if o.invoiced_on is not None and o.invoiced_on < end else None
    paid = o.paid_on if o.paid_on is not None and o.paid_on < end else None
    if (invoiced, paid) == (o.invoiced_on, o.paid_on):
        return o
    return replace(o, invoiced_on=invoiced, paid_on=paid)


def fingerprint(inp: CalculationInput, versions: Iterable[PlanVersionRecord]) -> tuple[str, dict[str, str]]:
    """sha256 of each fact table and plan text a calculation reads, and one hash over them all."""
    tables: dict[str, Any] = {
        "orders": inp.orders,
        "people": inp.people,
        "managers": inp.managers,
        "splits": inp.splits,
        "quotas": inp.quotas,
        "rates": inp.rates,
        "assignments": inp.assignments,
    }
    parts = {name: _rows_digest(rows) for name, rows in tables.items()}
    labels = set(inp.plans)
    parts["plans"] = _digest(sorted(f"{v.label}:{v.checksum}" for v in versions if v.label in labels))
    return _digest(sorted(parts.items())), parts


def _rows_digest(rows: Sequence[Any]) -> str:
    """sha256 of the rows' field values, one line per row, in sorted order (independent of read order)."""
    if not rows:
        return hashlib.sha256(b"").hexdigest()
    names = [f.name for f in fields(rows[0])]
    lines = sorted("\x1f".join(_text(getattr(row, n)) for n in names) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _text(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(getattr(value, "value", value))


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=_plain, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _digest(items: Any) -> str:
    return hashlib.sha256(_canon(items).encode()).hexdigest()


def find_period(periods: Iterable[Any], key: str, calendar: FiscalCalendar) -> Any:
    """The stored period with `key` (a StoredPeriod), or NotFound naming the key."""
    wanted = calendar.parse_key(key).key
    for p in periods:
        if p.period.key == wanted:
            return p
    raise NotFound(f"period {wanted} is not in the calendar", hint="`attain init --last-year` adds periods")


def check_plan_currency(facts: Facts) -> None:
    for a in facts.assignments:
        plan = facts.plans[a.plan_version_id]
        if a.currency != plan.currency:
            raise InvalidInput(
                f"{a.person}'s assignment to {a.plan_key} has its target incentive in {a.currency}, "
                f"but the plan pays in {plan.currency}",
                hint="assign the target incentive in the plan's currency",
            )
