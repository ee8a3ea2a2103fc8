"""The demo company generated once per test session for the fixed spec the tests describe."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from attain.demo.company import demo_frames
from attain.demo.spec import DemoSpec

SPEC = DemoSpec(as_of=date(2026, 9, 15), seed=7, reps=60)


@pytest.fixture(scope="session")
def demo() -> dict[str, pl.DataFrame]:
    return demo_frames(SPEC)
