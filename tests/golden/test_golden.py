"""Golden cases: a plan and its inputs give exactly the stored results and payouts.

Regenerate on purpose only: `UPDATE_GOLDEN=1 pytest tests/golden`; review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from attain.engine.plan_tests import run_case_dir

CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_case_matches_its_expected_output(case: Path) -> None:
    actual = run_case_dir(case)
    expected_path = case / "expected.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_text(yaml.safe_dump(actual, sort_keys=False, width=110), encoding="utf-8")
    assert expected_path.exists(), f"{expected_path} is missing; create it with UPDATE_GOLDEN=1 and review it"
    assert yaml.safe_load(expected_path.read_text(encoding="utf-8")) == actual
