"""Accuracy metrics on hand-built series: exact values."""

from __future__ import annotations

import pytest

from attain.analytics.forecast.metrics import bias, mase, mase_scale, smape, wape


def test_wape_is_total_absolute_error_over_total_actuals() -> None:
    assert wape([100, 200, 100], [110, 180, 100]) == pytest.approx(30 / 400)


def test_wape_is_undefined_when_every_actual_is_zero() -> None:
    assert wape([0, 0], [1, 2]) is None


def test_bias_is_positive_for_over_forecasts() -> None:
    assert bias([100, 100], [120, 110]) == pytest.approx(0.15)
    assert bias([100, 100], [80, 100]) == pytest.approx(-0.10)


def test_smape_uses_the_m3_formula_in_percent() -> None:
    # 200 * |100 - 50| / (100 + 50) = 66.67 and 200 * |50 - 50| / 100 = 0.
    assert smape([100, 50], [50, 50]) == pytest.approx((200 * 50 / 150 + 0) / 2)


def test_smape_counts_zero_actual_and_zero_forecast_as_perfect() -> None:
    assert smape([0, 10], [0, 10]) == 0.0


def test_mase_scales_by_the_in_sample_seasonal_naive_error() -> None:
    history = [10, 20, 30, 40, 12, 22, 32, 42]  # season 4: every seasonal difference is 2
    assert mase_scale(history, 4) == 2.0
    assert mase([14, 24], [15, 20], history, 4) == pytest.approx(((1 + 4) / 2) / 2)


def test_mase_falls_back_to_lag_one_on_a_history_shorter_than_a_season() -> None:
    assert mase_scale([1, 3, 6], 12) == pytest.approx(2.5)


def test_mase_is_undefined_on_a_flat_history() -> None:
    assert mase([1], [2], [5, 5, 5], 1) is None


def test_metrics_refuse_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same shape"):
        wape([1, 2], [1])
