"""Setting up the fiscal calendar and its periods."""

from __future__ import annotations

from datetime import date

import pytest

from attain.app.setup import init_company
from attain.domain.errors import Conflict
from attain.store.unit_of_work import SqlStore


def test_init_creates_calendar_with_month_quarter_and_year_periods(store: SqlStore) -> None:
    result = init_company(store, start_month=2, first_fy=2024, last_fy=2025)
    assert result.created
    assert result.periods_added == 2 * (12 + 4 + 1)
    with store.transaction() as tx:
        quarters = tx.calendars.periods(result.calendar.id, "quarter")
        audit = tx.audit.recent()
    assert [q.period.key for q in quarters][:2] == ["FY2024-Q1", "FY2024-Q2"]
    assert quarters[0].period.start == date(2023, 2, 1)
    assert quarters[0].period.end == date(2023, 5, 1)
    assert all(q.status == "open" for q in quarters)
    assert audit[0]["action"] == "init"


def test_init_again_adds_only_missing_periods(store: SqlStore) -> None:
    init_company(store, first_fy=2024, last_fy=2024)
    again = init_company(store, first_fy=2024, last_fy=2025)
    assert not again.created
    assert again.periods_added == 17


def test_init_refuses_to_move_the_fiscal_year_start(store: SqlStore) -> None:
    init_company(store, start_month=1, first_fy=2024, last_fy=2024)
    with pytest.raises(Conflict, match="month 1, not 4"):
        init_company(store, start_month=4, first_fy=2024, last_fy=2024)
