"""Two pieces of a run's per-payee speed: integer rounding, and the cyclic collector paused during a run."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import replace
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Context, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import attain.engine.relational.engine as engine_module
from attain.domain.errors import InvalidInput
from attain.domain.plans.model import RoundingMode
from attain.domain.plans.rounding import round_ratio
from attain.engine.inputs import PlanAssignmentRow
from attain.engine.relational import evaluate_fast
from attain.engine.relational.assemble import PeriodOutcome
from attain.engine.relational.sums import PayeeSums, settle
from attain.engine.relational.terms import MeasureValues, PayeeTerms
from tests.unit.engine.test_fast_engine import ORDERS, Q1, company

DECIMAL_MODE = {
    RoundingMode.HALF_EVEN: ROUND_HALF_EVEN,
    RoundingMode.HALF_UP: ROUND_HALF_UP,
    RoundingMode.DOWN: ROUND_DOWN,
    RoundingMode.UP: ROUND_UP,
}


@given(
    st.integers(-(10**15), 10**15),
    st.integers(1, 10**9),
    st.sampled_from(list(RoundingMode)),
)
def test_integer_rounding_agrees_with_decimal_rounding(
    numerator: int, denominator: int, mode: RoundingMode
) -> None:
    # 60 digits hold every quotient here far closer than a tie could be, and ties (x.5) exactly.
    quotient = Context(prec=60).divide(Decimal(numerator), Decimal(denominator))
    expected = int(quotient.quantize(Decimal(1), rounding=DECIMAL_MODE[mode]))
    assert round_ratio(numerator, denominator, mode) == expected


@pytest.fixture
def collector_state() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:  # pragma: no cover - the suite runs with the collector on
        gc.disable()


@pytest.mark.usefixtures("collector_state")
def test_a_run_pauses_the_collector_and_gives_it_back(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def watching(terms: PayeeTerms, sums: PayeeSums) -> tuple[MeasureValues, PeriodOutcome]:
        seen.append(gc.isenabled())
        return settle(terms, sums)

    monkeypatch.setattr(engine_module, "settle", watching)
    gc.enable()
    results = evaluate_fast(company(ORDERS), Q1)
    assert results
    assert seen
    assert not any(seen)
    assert gc.isenabled()

    gc.disable()  # a caller that turned it off keeps it off
    evaluate_fast(company(ORDERS), Q1)
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_state")
def test_a_failed_run_gives_the_collector_back() -> None:
    inp = company(ORDERS)
    inp = replace(inp, assignments=(*inp.assignments, PlanAssignmentRow("zed", "missing", 0, Q1.start)))
    gc.enable()
    with pytest.raises(InvalidInput, match="plan 'missing'"):
        evaluate_fast(inp, Q1)
    assert gc.isenabled()
