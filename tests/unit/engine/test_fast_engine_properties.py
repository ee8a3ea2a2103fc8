"""The fast engine equals the reference evaluator to the cent, line by line, on generated plans and data."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings

from attain.domain.calendar import Period
from attain.domain.errors import AttainError
from attain.engine.inputs import CalculationInput
from attain.engine.reference import evaluate
from attain.engine.relational import FactTables, evaluate_fast, run_period
from attain.engine.relational.workspace import Workspace
from attain.engine.results import plain
from tests.unit.engine.generated_plans import companies


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(companies())
def test_fast_engine_gives_the_reference_rows_on_generated_plans(
    case: tuple[CalculationInput, Period],
) -> None:
    inp, period = case
    try:
        expected = evaluate(inp, period)
    except AttainError as exc:
        event(f"both fail: {type(exc).__name__}")
        with pytest.raises(type(exc)):
            evaluate_fast(inp, period)
        return
    actual = evaluate_fast(inp, period)
    event(f"lines: {min(sum(len(r.lines) for r in expected) // 5 * 5, 30)}+")
    assert actual == expected
    assert plain(actual) == plain(expected)
    # The same run with its lines kept as Parquet files in the workspace (decision 0011) gives the same rows.
    on_disk = run_period(FactTables.from_input(inp), period, Workspace(lines_on_disk=True))
    try:
        assert on_disk.results() == expected
    finally:
        on_disk.workspace.close()
