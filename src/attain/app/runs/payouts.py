"""Payouts per period (the current results of every payee) and a run's own results, for finance and the
admin pages; plus naming a person by their external id, as the pay use cases do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from attain.app.ports import StoredPeriod
from attain.app.runs.calculate import calendar_and_periods
from attain.app.runs.inputs import find_period
from attain.app.runs.ports import PayeeRecord, PayStore
from attain.domain.errors import NotFound


@dataclass(frozen=True, slots=True)
class PeriodPayouts:
    period: StoredPeriod
    payees: tuple[PayeeRecord, ...]

    @property
    def final(self) -> bool:
        return self.period.status == "closed"

    def totals(self) -> dict[str, tuple[int, int]]:
        """Per currency: (earnings, payout)."""
        out: dict[str, tuple[int, int]] = {}
        for p in self.payees:
            earned, paid = out.get(p.currency, (0, 0))
            out[p.currency] = (earned + p.earnings, paid + p.payout)
        return dict(sorted(out.items()))


def period_payouts(store: PayStore, period_key: str, people: Sequence[int] = ()) -> PeriodPayouts:
    """The current results of `period_key` (of `people`, when given): what each payee earns and is paid."""
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        payees = tx.runs.payees(period_ids=[target.id], person_ids=list(people))
    return PeriodPayouts(target, tuple(payees))


def run_payees(store: PayStore, run_id: int) -> list[PayeeRecord]:
    with store.transaction() as tx:
        if tx.runs.get(run_id) is None:
            raise NotFound(f"run {run_id} not found", hint="the runs page lists every run")
        return tx.runs.payees(run_id=run_id)


def external_id(store: PayStore, person_id: int) -> str:
    """The external id the pay use cases name `person_id` by (NotFound when there is no such person)."""
    with store.transaction() as tx:
        ids = tx.pay_inputs.person_ids()
    found = next((ext for ext, pid in ids.items() if pid == person_id), None)
    if found is None:
        raise NotFound(f"person {person_id} not found")
    return found
