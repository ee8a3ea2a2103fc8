"""Setting up a company: the fiscal calendar and its periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from attain.app.ports import CalendarInfo, Store, Transaction
from attain.domain.calendar import FiscalCalendar
from attain.domain.errors import Conflict
from attain.domain.money import check_currency


@dataclass(frozen=True, slots=True)
class InitResult:
    calendar: CalendarInfo
    periods_added: int
    created: bool


def ensure_periods(tx: Transaction, calendar: CalendarInfo, first_fy: int, last_fy: int) -> int:
    """Add any missing month, quarter and year periods for the fiscal years in the range."""
    return tx.calendars.add_periods(calendar.id, calendar.fiscal.all_periods(first_fy, last_fy))


def init_company(
    store: Store,
    *,
    start_month: int = 1,
    currency: str = "USD",
    first_fy: int,
    last_fy: int,
    actor: str = "system",
) -> InitResult:
    """Create the default fiscal calendar (if there is none) and its periods for the given years.

    Running it again adds missing periods only; it refuses to change an existing calendar's
    fiscal-year start, because every period, goal and run was cut on it.
    """
    FiscalCalendar(start_month)  # validates the month
    cur = check_currency(currency)
    now = datetime.now(UTC)
    with store.transaction() as tx:
        calendar = tx.calendars.default()
        created = calendar is None
        if calendar is None:
            calendar = tx.calendars.create("default", start_month, cur)
        elif calendar.start_month != start_month:
            raise Conflict(
                f"the calendar already starts its fiscal year in month {calendar.start_month}, "
                f"not {start_month}",
                hint="periods, goals and runs depend on it; leave --fiscal-year-start unset",
            )
        added = ensure_periods(tx, calendar, first_fy, last_fy)
        tx.audit.record(
            at=now,
            actor=actor,
            action="init",
            entity="calendar",
            entity_id=str(calendar.id),
            detail={"start_month": start_month, "periods_added": added, "fiscal_years": [first_fy, last_fy]},
        )
    return InitResult(calendar, added, created)
