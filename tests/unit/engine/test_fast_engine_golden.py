"""Every golden case (tests/golden/cases) gives exactly the reference's rows through the fast engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from attain.engine.fixtures import load_plans, load_yaml, read_scenario
from attain.engine.reference import evaluate
from attain.engine.relational import evaluate_fast
from attain.engine.results import plain

CASES = Path(__file__).resolve().parents[2] / "golden" / "cases"
FOLDERS = sorted(p for p in CASES.iterdir() if p.is_dir()) if CASES.is_dir() else []


@pytest.mark.parametrize("case", FOLDERS, ids=[c.name for c in FOLDERS])
def test_golden_case_runs_the_same_on_the_fast_engine(case: Path) -> None:
    data = load_yaml((case / "inputs.yaml").read_text(encoding="utf-8"), str(case / "inputs.yaml"))
    plans = load_plans([case / p for p in data.pop("plans", [])])
    scenario = read_scenario(data, plans, str(case))
    for period in scenario.periods:
        expected = evaluate(scenario.inputs, period)
        actual = evaluate_fast(scenario.inputs, period)
        assert actual == expected, f"{case.name} {period.key}"
        assert plain(actual) == plain(expected)
