"""The calculation input refuses what no engine could calculate unambiguously."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from attain.domain.calendar import FiscalCalendar
from attain.domain.errors import InvalidInput
from attain.engine.inputs import CalculationInput, OrderRow


def _order(order_id: str, amount: int) -> OrderRow:
    return OrderRow(order_id, date(2025, 1, 10), amount, "USD", owner="ann")


def test_an_order_id_given_twice_is_refused_naming_the_id_and_the_positions() -> None:
    orders = (_order("o1", 100), _order("o2", 200), _order("o1", 150), _order("o3", 1), _order("o3", 2))
    with pytest.raises(InvalidInput) as refused:
        CalculationInput(FiscalCalendar(1), {}, (), orders)
    assert refused.value.message == (
        "the calculation input repeats order ids: order id 'o1' at orders 1, 3; order id 'o3' at orders 4, 5"
    )


def test_a_copy_with_a_repeated_order_is_refused_too() -> None:
    inp = CalculationInput(FiscalCalendar(1), {}, (), (_order("o1", 100),))
    with pytest.raises(InvalidInput, match="order id 'o1' at orders 1, 2"):
        replace(inp, orders=(*inp.orders, _order("o1", 100)))
