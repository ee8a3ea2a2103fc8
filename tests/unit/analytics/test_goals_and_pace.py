"""Top-down allocation sums exactly to the parent; pace projections and statuses follow their thresholds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attain.analytics.allocation import (
    COMPANY,
    AllocationMethod,
    Level,
    Node,
    allocate,
    home_team,
    split_units,
)
from attain.analytics.definitions import Direction
from attain.analytics.org import Org
from attain.analytics.pace import (
    Status,
    Thresholds,
    linear_projection,
    pace_ratio,
    seasonal_projection,
    seasonal_share,
    status,
)
from attain.domain.errors import InvalidInput

Q3 = (date(2024, 7, 1), date(2024, 10, 1))


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(any),
)
def test_split_units_always_sums_to_the_total(total: int, weights: list[int]) -> None:
    parts = split_units(total, [Decimal(w) for w in weights])
    assert sum(parts) == total
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)


def test_split_units_gives_leftover_cents_to_the_largest_remainders() -> None:
    assert split_units(100, [Decimal(1)] * 3) == [34, 33, 33]
    assert split_units(1000, [Decimal(1), Decimal(2), Decimal(3)]) == [167, 333, 500]


def test_home_team_is_the_assignment_in_force_at_the_period_start(org: Org) -> None:
    homes = home_team(org, *Q3)
    assert homes.rows() == [(10, 2, 100), (11, 3, 101), (13, 3, 101)]  # Bob moved to West on 1 July
    h1 = home_team(org, date(2024, 1, 1), date(2024, 4, 1))
    assert h1.rows() == [(10, 2, 100), (11, 2, 100), (13, 3, 101)]  # Dee, hired mid-quarter, counts


def test_company_goal_allocated_by_last_year_share_to_teams_then_people(org: Org) -> None:
    homes = home_team(org, *Q3)
    last_year = {
        Node("team", 1): 900,
        Node("team", 2): 600,
        Node("team", 3): 300,
        Node("person", 10): 500,
        Node("person", 11): 200,
        Node("person", 13): 100,
    }
    parts = allocate(
        org,
        COMPANY,
        100_000_01,
        {Level.TEAM, Level.PERSON},
        AllocationMethod.LAST_YEAR_SHARE,
        homes,
        additive=True,
        last_year=last_year,
    )
    got = {(p.node.kind, p.node.id): p.units for p in parts}
    assert got[("company", None)] == 100_000_01
    assert got[("team", 1)] == 100_000_01  # the only top-level team takes it all
    assert got[("team", 2)] + got[("team", 3)] == 100_000_01
    assert (got[("team", 2)], got[("team", 3)]) == (66_666_67, 33_333_34)
    # East splits between Ann alone; West between its direct reps Bob and Dee by 200:100.
    assert got[("person", 10)] == got[("team", 2)]
    assert (got[("person", 11)], got[("person", 13)]) == (22_222_23, 11_111_11)
    for parent in {p.parent for p in parts if p.parent is not None}:
        kids = [p.units for p in parts if p.parent == parent]
        assert sum(kids) == got[(parent.kind, parent.id)]


def test_equal_and_potential_allocation_straight_to_people(org: Org) -> None:
    homes = home_team(org, *Q3)
    equal = allocate(org, COMPANY, 100, {Level.PERSON}, AllocationMethod.EQUAL, homes, additive=True)
    assert [(p.node.id, p.units) for p in equal[1:]] == [(10, 34), (11, 33), (13, 33)]
    potential = {Node("person", 10): 300_000, Node("person", 11): 100_000, Node("person", 13): 100_000}
    by_potential = allocate(
        org,
        COMPANY,
        1000,
        {Level.PERSON},
        AllocationMethod.TERRITORY_POTENTIAL,
        homes,
        additive=True,
        potential=potential,
    )
    assert [p.units for p in by_potential[1:]] == [600, 200, 200]


def test_rates_are_copied_down_not_split(org: Org) -> None:
    parts = allocate(
        org, COMPANY, 25, {Level.TEAM}, AllocationMethod.EQUAL, home_team(org, *Q3), additive=False
    )
    assert {p.units for p in parts} == {25}


def test_nodes_without_history_are_split_equally_and_say_so(org: Org) -> None:
    parts = allocate(
        org,
        COMPANY,
        100,
        {Level.PERSON},
        AllocationMethod.LAST_YEAR_SHARE,
        home_team(org, *Q3),
        additive=True,
        last_year={},
    )
    assert [(p.units, p.method) for p in parts[1:]] == [
        (34, "equal (no history)"),
        (33, "equal (no history)"),
        (33, "equal (no history)"),
    ]


def test_all_zero_weights_say_how_to_fix_it(org: Org) -> None:
    with pytest.raises(InvalidInput, match="every child's weight is zero"):
        allocate(
            org,
            COMPANY,
            100,
            {Level.PERSON},
            AllocationMethod.WEIGHT,
            home_team(org, *Q3),
            additive=True,
            given={},
        )


def test_linear_projection_scales_the_actual_to_the_whole_period() -> None:
    assert linear_projection(30.0, 30, 90) == 90.0
    assert linear_projection(50.0, 90, 90) == 50.0
    assert linear_projection(50.0, 0, 90) is None
    assert linear_projection(None, 10, 90) is None


def test_seasonal_projection_uses_the_share_usually_reached_by_this_day() -> None:
    share = seasonal_share([(20.0, 100.0), (30.0, 100.0), (None, None)])
    assert share == pytest.approx(0.25)
    assert seasonal_projection(50.0, share) == pytest.approx(200.0)
    assert seasonal_share([(None, None)]) is None
    assert seasonal_share([(0.0, 100.0)]) is None


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (1.2, Status.ON_TRACK),
        (1.0, Status.ON_TRACK),
        (0.95, Status.AT_RISK),
        (0.9, Status.AT_RISK),
        (0.89, Status.OFF_TRACK),
        (None, None),
    ],
)
def test_status_follows_the_thresholds(ratio: float | None, expected: Status | None) -> None:
    assert status(ratio, Thresholds(Decimal("1.0"), Decimal("0.9"))) == expected


def test_pace_ratio_inverts_for_metrics_where_lower_is_better() -> None:
    assert pace_ratio(120.0, 100.0, Direction.UP) == 1.2
    assert pace_ratio(50.0, 40.0, Direction.DOWN) == 0.8
    assert pace_ratio(50.0, 0.0, Direction.UP) is None


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(InvalidInput, match="at most the on-track"):
        Thresholds(Decimal("0.8"), Decimal("0.9"))
    assert Thresholds.from_setting({"on_track": "1.05", "at_risk": "0.8"}) == Thresholds(
        Decimal("1.05"), Decimal("0.8")
    )
    assert Thresholds.from_setting(None) == Thresholds()
