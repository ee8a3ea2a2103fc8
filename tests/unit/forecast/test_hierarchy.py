"""Reconciled, rounded forecasts add up exactly at every level of the hierarchy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attain.analytics.forecast.hierarchy import (
    Reconciliation,
    allocate_rounded,
    hierarchy_from_paths,
    reconcile,
    round_coherent,
)

PATHS = [
    ("company", "team:east", "rep:ann"),
    ("company", "team:east", "rep:bob"),
    ("company", "team:west", "rep:cy"),
    ("company", "team:west", "rep:dee"),
    ("company", "team:west", "rep:eve"),
]
H = hierarchy_from_paths(PATHS)


def _sums_hold(values: np.ndarray) -> None:
    for node in H.nodes:
        kids = H.children(node)
        if kids:
            assert values[H.index(node)] == sum(values[H.index(k)] for k in kids), node


def test_summing_matrix_puts_every_rep_under_its_team_and_the_company() -> None:
    s = H.summing_matrix()
    assert H.nodes == (
        "company",
        "team:east",
        "team:west",
        "rep:ann",
        "rep:bob",
        "rep:cy",
        "rep:dee",
        "rep:eve",
    )
    assert s[H.index("company")].tolist() == [1, 1, 1, 1, 1]
    assert s[H.index("team:west")].tolist() == [0, 0, 1, 1, 1]


def test_a_node_under_two_parents_is_refused() -> None:
    with pytest.raises(ValueError, match="appears under both"):
        hierarchy_from_paths([("company", "team:a", "rep:x"), ("company", "team:b", "team:a", "rep:y")])


@pytest.mark.parametrize(
    "method", [Reconciliation.OLS, Reconciliation.WLS_STRUCTURAL, Reconciliation.BOTTOM_UP]
)
def test_reconciled_forecasts_add_up(method: Reconciliation) -> None:
    # Incoherent base forecasts: the company says 1000, the teams 300 + 650, the reps 100+150+200+210+190.
    base = np.array([[1000.0], [300.0], [650.0], [100.0], [150.0], [200.0], [210.0], [190.0]])
    coherent = reconcile(base, H, method)
    assert coherent[0, 0] == pytest.approx(coherent[3:, 0].sum())
    assert coherent[1, 0] == pytest.approx(coherent[3:5, 0].sum())


def test_bottom_up_keeps_the_reps_and_sums_them() -> None:
    base = np.array([[0.0], [0.0], [0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    assert reconcile(base, H, Reconciliation.BOTTOM_UP)[:, 0].tolist() == [15, 3, 12, 1, 2, 3, 4, 5]


def test_mint_reconciliation_adds_up_with_past_errors() -> None:
    rng = np.random.default_rng(7)
    errors = rng.normal(size=(8, 30))
    base = rng.uniform(100, 200, size=(8, 2))
    coherent = reconcile(base, H, Reconciliation.MINT_SHRINK, errors)
    assert np.allclose(coherent[0], coherent[3:].sum(axis=0))


def test_rounding_to_cents_keeps_every_sum_exact() -> None:
    # Three reps at a third of 100.00 each: 33.33, 33.33, 33.34 (the remainder goes to the first).
    h = hierarchy_from_paths([("c", "a"), ("c", "b"), ("c", "d")])
    values = np.array([10000.0, 10000 / 3, 10000 / 3, 10000 / 3])
    assert round_coherent(values, h).tolist() == [10000, 3334, 3333, 3333]


def test_allocation_gives_leftover_units_to_the_largest_remainders() -> None:
    assert allocate_rounded(10, np.array([2.2, 3.7, 4.1])).tolist() == [2, 4, 4]
    assert allocate_rounded(-3, np.array([-1.5, -1.5])).tolist() == [-1, -2]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e9, allow_nan=False), min_size=8, max_size=8))
def test_reconciled_and_rounded_forecasts_add_up_exactly(raw: list[float]) -> None:
    coherent = reconcile(np.array(raw)[:, None], H, Reconciliation.WLS_STRUCTURAL)
    rounded = round_coherent(coherent, H)[:, 0]
    _sums_hold(rounded)
    assert np.abs(rounded - coherent[:, 0]).max() < 1.0 + 1e-6
