"""Facts in other currencies are converted exactly with the latest rate on or before their date."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from attain.analytics.currency import to_reporting
from attain.domain.errors import InvalidInput

RATES = pl.DataFrame(
    {
        "from_currency": ["EUR", "EUR", "USD"],
        "to_currency": ["USD", "USD", "JPY"],
        "valid_on": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 1)],
        "rate": ["1.0935", "1.10", "150"],
    }
)


def orders(amounts: list[int], currencies: list[str | None], days: list[date]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "external_id": [f"s{i}" for i in range(len(amounts))],
            "amount": amounts,
            "currency": currencies,
            "booked_on": days,
        }
    )


def test_amounts_use_the_latest_rate_on_or_before_their_date_rounded_half_even() -> None:
    frame = orders(
        [12345, 12345, 500, 7],
        ["EUR", "EUR", "USD", None],
        [date(2024, 1, 31), date(2024, 2, 1), date(2024, 3, 1), date(2024, 3, 1)],
    )
    out = to_reporting(frame, "booked_on", "USD", RATES, "orders")
    # 123.45 EUR x 1.0935 = 134.992575 -> 134.99; x 1.10 = 135.795 -> 135.80 (half to even: 13579.5 -> 13580)
    assert out["amount"].to_list() == [13499, 13580, 500, 7]
    assert set(out["currency"]) == {"USD"}


def test_inverse_quotes_and_minor_unit_exponents_are_handled() -> None:
    out = to_reporting(orders([300], ["JPY"], [date(2024, 5, 1)]), "booked_on", "USD", RATES, "orders")
    assert out["amount"].to_list() == [200]  # 300 yen / 150 = 2.00 dollars = 200 cents


def test_a_missing_rate_is_an_error_that_names_the_fact() -> None:
    with pytest.raises(InvalidInput, match="no EUR->USD rate on or before 2023-12-31 for orders s0"):
        to_reporting(orders([1], ["EUR"], [date(2023, 12, 31)]), "booked_on", "USD", RATES, "orders")
    with pytest.raises(InvalidInput, match="orders in GBP need exchange rates into USD"):
        to_reporting(orders([1], ["GBP"], [date(2024, 1, 1)]), "booked_on", "USD", None, "orders")
