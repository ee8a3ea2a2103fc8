"""Blending by recorded accuracy, forecast against goal, and calibration tables: exact values."""

from __future__ import annotations

import numpy as np
import pytest

from attain.analytics.forecast.blend import accuracy_weights, against_goal, blend, sigma_from_interval
from attain.analytics.forecast.winrates import calibration, calibration_error


def test_weights_follow_the_inverse_of_each_methods_recorded_wape() -> None:
    errors = [("statistical", 110, 100), ("statistical", 90, 100), ("commit", 80, 100)]  # WAPE 0.1 and 0.2
    weights = accuracy_weights(errors, ["statistical", "commit"])
    assert weights["statistical"] == pytest.approx(2 / 3)
    assert weights["commit"] == pytest.approx(1 / 3)


def test_a_method_without_a_record_gets_the_mean_weight_and_all_are_equal_without_records() -> None:
    assert accuracy_weights([], ["a", "b"]) == {"a": 0.5, "b": 0.5}
    w = accuracy_weights([("a", 90, 100)], ["a", "b"])
    assert w == {"a": 0.5, "b": 0.5}


def test_blend_uses_only_the_methods_present() -> None:
    assert blend({"a": 100, "b": 200}, {"a": 0.25, "b": 0.75, "c": 5.0}) == 175


def test_against_goal_gives_the_gap_and_the_chance_of_reaching_it() -> None:
    sigma = sigma_from_interval(800, 1200)  # an 80 % interval of +-200
    outlook = against_goal(1000, sigma, 1000)
    assert outlook.gap == 0
    assert outlook.probability == pytest.approx(0.5)
    assert against_goal(1000, sigma, 1200).probability == pytest.approx(0.1, abs=1e-9)
    assert against_goal(1000, 0.0, 900).probability == 1.0


def test_calibration_bins_predictions_by_equal_counts() -> None:
    predicted = np.array([0.1, 0.1, 0.9, 0.9])
    outcome = np.array([0.0, 1.0, 1.0, 1.0])
    table = calibration(predicted, outcome, bins=2)
    assert table.rows() == [(1, 2, 0.1, 0.5), (2, 2, 0.9, 1.0)]
    assert calibration_error(table) == pytest.approx((0.4 + 0.1) / 2)
