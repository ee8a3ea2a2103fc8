"""What holds for any demo company, whatever the seed, size, as-of date and fiscal-year start."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from attain.demo.company import demo_frames
from attain.demo.spec import DemoSpec

SPECS = [
    DemoSpec(as_of=date(2026, 1, 1), seed=1, reps=10),  # the first day of a fiscal year
    DemoSpec(as_of=date(2025, 7, 9), seed=2, reps=24),  # four regions from 24 reps
    DemoSpec(as_of=date(2027, 3, 31), seed=5, reps=37, fiscal_start_month=4),  # last day of FY2027
]


@pytest.fixture(scope="module", params=SPECS, ids=lambda s: f"seed{s.seed}-reps{s.reps}-{s.as_of}")
def company(request: pytest.FixtureRequest) -> tuple[DemoSpec, dict[str, pl.DataFrame]]:
    spec: DemoSpec = request.param
    return spec, demo_frames(spec)


def test_every_fiscal_year_has_a_hire_and_a_leaver(company: tuple[DemoSpec, dict[str, pl.DataFrame]]) -> None:
    spec, frames = company
    reps = frames["assignment"].filter(pl.col("role") == "rep")["person"].unique().implode()
    people = frames["person"].filter(pl.col("external_id").is_in(reps))
    for fy in spec.fiscal_years:
        first, end = spec.calendar.year_start(fy), spec.calendar.year_start(fy + 1)
        assert people.filter(pl.col("hired_on").is_between(first, end, closed="left")).height >= 1, fy
        assert people.filter(pl.col("left_on").is_between(first, end, closed="left")).height >= 1, fy


def test_exactly_one_person_has_two_assignments(company: tuple[DemoSpec, dict[str, pl.DataFrame]]) -> None:
    counts = company[1]["assignment"].group_by("person").len()
    assert counts.filter(pl.col("len") == 2).height == 1
    assert counts["len"].max() == 2


def test_every_team_and_the_company_have_a_quota_every_quarter(
    company: tuple[DemoSpec, dict[str, pl.DataFrame]],
) -> None:
    spec, frames = company
    teams = frames["team"].filter(pl.col("parent").is_not_null()).height
    goals = frames["goal"]
    assert goals.filter(pl.col("scope_kind") == "team").height == teams * 4 * len(spec.fiscal_years)
    assert goals.filter(pl.col("scope_kind") == "company").height == 4 * len(spec.fiscal_years)
    assert goals["period"].str.starts_with(f"FY{spec.first_fy}").any()


def test_history_never_runs_past_the_as_of_date(company: tuple[DemoSpec, dict[str, pl.DataFrame]]) -> None:
    spec, frames = company
    assert (frames["order"]["booked_on"] <= spec.as_of).all()
    assert (frames["order"]["booked_on"] >= spec.history_start).all()
    assert (frames["opportunity"]["created_on"] <= spec.as_of).all()
    stages = frames["opportunity_stage"]["entered_at"].dt.date()
    assert (stages <= spec.as_of).all()
    assert (frames["person"]["hired_on"] <= spec.as_of).all()


def test_credits_never_exceed_their_original(company: tuple[DemoSpec, dict[str, pl.DataFrame]]) -> None:
    orders = company[1]["order"]
    credits = orders.filter(pl.col("original").is_not_null())
    joined = credits.join(orders, left_on="original", right_on="external_id", suffix="_orig")
    assert joined.height == credits.height
    per_line = joined.group_by("original").agg(pl.col("amount").sum(), pl.col("amount_orig").first())
    assert (per_line["amount"] < 0).all()
    assert (-per_line["amount"] <= per_line["amount_orig"]).all()
