"""The demo organisation: teams, reps with hires, leavers and one transfer, territories, accounts."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from attain.demo.catalogue import SEGMENTS
from attain.domain.calendar import PeriodKind
from tests.unit.demo.conftest import SPEC


def rep_assignments(demo: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return demo["assignment"].filter(pl.col("role") == "rep")


def test_about_sixty_reps_hold_the_sixty_seats_on_the_as_of_date(demo: dict[str, pl.DataFrame]) -> None:
    reps = rep_assignments(demo)
    active = reps.filter(
        pl.col("valid_from") <= SPEC.as_of, pl.col("valid_to").is_null() | (pl.col("valid_to") >= SPEC.as_of)
    )
    assert active.height == 58  # two seats are vacant between a leaver and their replacement
    assert reps["person"].n_unique() == 81  # everyone who held a seat over the three years
    assert demo["person"].height == 99  # with the VP, sales ops, 4 directors and 12 managers


def test_every_fiscal_year_has_hires_and_leavers(demo: dict[str, pl.DataFrame]) -> None:
    reps = demo["person"].filter(pl.col("external_id").is_in(rep_assignments(demo)["person"].implode()))
    per_year = [
        (
            fy,
            reps.filter(pl.col("hired_on").dt.year() == fy).height,
            reps.filter(pl.col("left_on").dt.year() == fy).height,
        )
        for fy in SPEC.fiscal_years
    ]
    assert per_year == [(2024, 9, 7), (2025, 11, 8), (2026, 9, 8)]


def test_leavers_last_assignment_ends_on_their_last_day(demo: dict[str, pl.DataFrame]) -> None:
    last = rep_assignments(demo).group_by("person").agg(pl.col("valid_to").sort_by("valid_from").last())
    joined = demo["person"].join(last, left_on="external_id", right_on="person")
    assert joined.filter(pl.col("left_on").is_not_null()).height == 23
    assert (joined["left_on"].is_null() == joined["valid_to"].is_null()).all()
    assert joined.filter(pl.col("left_on") != pl.col("valid_to")).height == 0


def test_exactly_one_rep_transfers_mid_year_with_two_adjacent_assignments(
    demo: dict[str, pl.DataFrame],
) -> None:
    reps = rep_assignments(demo)
    movers = reps.group_by("person").len().filter(pl.col("len") > 1)["person"].to_list()
    assert len(movers) == 1
    before, after = reps.filter(pl.col("person") == movers[0]).sort("valid_from").iter_rows(named=True)
    mid_year = SPEC.calendar.period(PeriodKind.MONTH, SPEC.first_fy + 1, 7).start
    assert after["valid_from"] == mid_year
    assert before["valid_to"] == mid_year - timedelta(days=1)  # no overlap, no gap
    assert (before["team"], after["team"]) == ("T-NA-SMB", "T-NA-MM")
    assert before["manager"] != after["manager"]


def test_nobody_holds_two_assignments_on_the_same_day(demo: dict[str, pl.DataFrame]) -> None:
    a = demo["assignment"].with_columns(pl.col("valid_to").fill_null(SPEC.horizon_end))
    pairs = a.join(a, on="person", suffix="_b").filter(
        pl.col("valid_from") < pl.col("valid_from_b"), pl.col("valid_to") >= pl.col("valid_from_b")
    )
    assert pairs.height == 0


def test_teams_nest_regions_under_the_vp_and_segment_teams_under_regions(
    demo: dict[str, pl.DataFrame],
) -> None:
    teams = demo["team"]
    assert teams.filter(pl.col("parent").is_null())["external_id"].to_list() == ["T-WW"]
    regions = teams.filter(pl.col("parent") == "T-WW")["external_id"].to_list()
    assert regions == ["T-NA", "T-EMEA", "T-APAC", "T-LATAM"]
    leaves = teams.filter(pl.col("parent").is_in(regions))
    assert leaves.height == 4 * len(SEGMENTS)
    managers = demo["assignment"].filter(pl.col("role") == "manager")
    assert sorted(managers["team"].to_list()) == sorted(leaves["external_id"].to_list())


def test_every_rep_reports_to_the_manager_of_their_team(demo: dict[str, pl.DataFrame]) -> None:
    managers = demo["assignment"].filter(pl.col("role") == "manager").select("team", boss="person")
    reps = rep_assignments(demo).join(managers, on="team")
    assert reps.height == rep_assignments(demo).height
    assert (reps["manager"] == reps["boss"]).all()


def test_territories_are_uneven_and_some_are_account_lists(demo: dict[str, pl.DataFrame]) -> None:
    territories = demo["territory"]
    by_rule = territories.filter(pl.col("segment").is_not_null())
    assert by_rule.height == 12
    assert by_rule["potential"].max() > 50 * by_rule["potential"].min()  # type: ignore[operator]
    listed = demo["territory_account"]
    assert sorted(listed["territory"].unique().to_list()) == ["TER-EMEA-NAMED", "TER-NA-NAMED"]
    assert listed.height == 45
    named = territories.filter(pl.col("external_id").str.ends_with("-NAMED"))
    assert named["region"].null_count() == 2  # lists, not rules


def test_two_thousand_accounts_in_three_segments_each_owned_by_someone(demo: dict[str, pl.DataFrame]) -> None:
    accounts = demo["account"]
    assert accounts.height == 2000
    assert accounts["external_id"].n_unique() == 2000
    assert dict(accounts.group_by("segment").len().iter_rows()) == {
        "SMB": 1109,
        "Mid-Market": 558,
        "Enterprise": 333,
    }
    assert accounts["owner"].is_in(demo["person"]["external_id"].implode()).all()
    assert accounts["annual_revenue"].min() > 0  # type: ignore[operator]
