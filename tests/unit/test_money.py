"""Money is exact: integer minor units, explicit rounding, allocations that sum to the whole."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attain.domain.errors import InvalidInput
from attain.domain.money import Money, from_minor, to_minor

minors = st.integers(min_value=-(10**15), max_value=10**15)
currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD"])


def test_text_amount_converts_to_minor_units_exactly() -> None:
    assert Money.of("1234.56", "usd") == Money(123456, "USD")
    assert Money.of("1000", "JPY").minor == 1000
    assert Money.of("1.234", "KWD").minor == 1234


def test_too_many_decimals_is_refused_unless_rounding_is_declared() -> None:
    with pytest.raises(InvalidInput, match="more decimals than USD allows"):
        to_minor("0.125", "USD")
    assert to_minor("0.125", "USD", rounding=ROUND_HALF_EVEN) == 12
    assert to_minor("0.135", "USD", rounding=ROUND_HALF_EVEN) == 14


def test_mixing_currencies_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="cannot combine USD with EUR"):
        _ = Money(1, "USD") + Money(1, "EUR")


def test_non_numbers_and_bad_currencies_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not a number"):
        to_minor("12,5", "USD")
    with pytest.raises(InvalidInput, match="not a currency code"):
        Money.of("1", "US")


def test_allocation_gives_leftover_cents_to_largest_remainders() -> None:
    parts = Money(100, "USD").allocate([1, 1, 1])
    assert [p.minor for p in parts] == [34, 33, 33]
    assert [p.minor for p in Money(-100, "USD").allocate([1, 1, 1])] == [-34, -33, -33]


@given(minors, currencies)
def test_minor_units_round_trip_through_decimal(minor: int, currency: str) -> None:
    assert to_minor(from_minor(minor, currency), currency) == minor


@given(minors, minors, currencies)
def test_addition_and_subtraction_are_exact_inverses(a: int, b: int, currency: str) -> None:
    x, y = Money(a, currency), Money(b, currency)
    assert (x + y) - y == x
    assert x + y == y + x


@given(minors, st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(any))
def test_allocation_always_sums_to_the_whole(minor: int, weights: list[int]) -> None:
    parts = Money(minor, "USD").allocate(weights)
    assert sum(p.minor for p in parts) == minor
    assert all(p.minor == 0 for p, w in zip(parts, weights, strict=True) if w == 0)


@given(minors, st.decimals(min_value=-10, max_value=10, places=4, allow_nan=False))
def test_times_rounds_once_half_even(minor: int, factor: Decimal) -> None:
    exact = Decimal(minor) * factor
    result = Money(minor, "USD").times(factor).minor
    assert abs(Decimal(result) - exact) <= Decimal("0.5")
