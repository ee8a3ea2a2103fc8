"""Forecast errors of a period as it closes: each snapshotted method's number per scope against the
revenue that really booked (orders by `booked_on` in the period), recorded once per (week, scope, method).

Closing a period (`attain.app.runs.close`) calls `record_closing_errors` inside its own transaction, so a
closed period always has its errors and closing again adds none; `attain forecast errors` shows them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import polars as pl

from attain.analytics.facts import Source, read_facts
from attain.analytics.ports import FactReader, FactScope
from attain.app.forecasts.ports import ErrorRow, ForecastRepository
from attain.app.forecasts.snapshots import COMPANY, person_scope, record_errors_in
from attain.app.ports import StoredPeriod


class ClosingTransaction(Protocol):
    @property
    def fact_reader(self) -> FactReader: ...
    @property
    def forecasts(self) -> ForecastRepository: ...


def period_actuals(reader: FactReader, stored: StoredPeriod, currency: str) -> dict[str, int]:
    """Net bookings of the period per rep scope (`person:<id>`) and for the company, in `currency`."""
    scope = FactScope(start=stored.period.start, end=stored.period.end)
    orders = read_facts(reader, scope, {Source.ORDERS}, currency=currency).orders
    by_owner = orders.group_by("owner_id").agg(pl.col("amount").sum())
    actuals = {person_scope(int(o)): int(a) for o, a in by_owner.iter_rows() if o is not None}
    actuals[COMPANY] = int(orders["amount"].sum())
    return actuals


def record_closing_errors(tx: ClosingTransaction, stored: StoredPeriod, at: datetime) -> list[ErrorRow]:
    """Record the errors of every snapshot of `stored` (nothing to read when none was taken)."""
    if not tx.forecasts.snapshot_weeks(stored.id):
        return []
    cal = tx.fact_reader.calendar()
    currency = cal.currency if cal is not None else "USD"
    actuals = period_actuals(tx.fact_reader, stored, currency)
    return record_errors_in(tx.forecasts, stored.id, actuals, currency, at)
