"""The public worked examples of the golden cases, asserted as numbers (so a regenerated golden file
cannot quietly change them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attain.engine.plan_tests import run_case_dir

CASES = Path(__file__).parent / "cases"


def _run(name: str) -> dict[str, Any]:
    return run_case_dir(CASES / name)


def totals(result: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(p["person"], r["period_key"]): r["total"] for p in result["payees"] for r in p["periods"]}


def payouts(result: dict[str, Any], person: str) -> list[tuple[int, int]]:
    payee = next(p for p in result["payees"] if p["person"] == person)
    return [(x["amount"], x["balance"]) for x in payee["payouts"]]


def test_marginal_tiers_pay_each_slice_at_its_rate_and_split_the_crossing_order() -> None:
    result = _run("marginal_tiers_on_amount")
    assert totals(result) == {("ann", "FY2025-Q1"): 2_600_000}
    lines = result["payees"][0]["periods"][0]["lines"]
    assert [(x["order_id"], x["tier"], x["basis"], x["amount"]) for x in lines] == [
        ("o1", 1, 25_000_000, 750_000),
        ("o2", 1, 5_000_000, 150_000),
        ("o2", 2, 20_000_000, 1_000_000),
        ("o2", 3, 10_000_000, 700_000),
    ]


def test_attainment_tiers_on_a_100k_quota_pay_8250_on_150k() -> None:
    assert totals(_run("attainment_tiers_on_quota")) == {("ann", "FY2025-Q1"): 825_000}


def test_a_cap_limits_3_percent_of_400k_to_10000() -> None:
    result = _run("flat_rate_capped")
    assert totals(result) == {("ann", "FY2025-Q1"): 1_000_000}
    kinds = [(x["kind"], x["amount"]) for x in result["payees"][0]["periods"][0]["lines"]]
    assert kinds == [("commission", 1_200_000), ("cap", -200_000)]


def test_all_or_nothing_threshold_pays_only_from_70_percent() -> None:
    assert totals(_run("all_or_nothing_threshold")) == {
        ("p500", "FY2025"): 0,
        ("p690", "FY2025"): 0,
        ("p700", "FY2025"): 7_000_000,
        ("p900", "FY2025"): 9_000_000,
    }


def test_recoverable_draw_is_recovered_from_later_commission() -> None:
    assert payouts(_run("recoverable_draw"), "ann") == [(150_000, -100_000), (200_000, 0)]


def test_guaranteed_draw_is_a_minimum_that_is_never_recovered() -> None:
    assert payouts(_run("guaranteed_draw"), "ann") == [(150_000, 0), (300_000, 0)]


def test_step_bonus_pays_the_highest_step_reached() -> None:
    assert totals(_run("step_bonus")) == {("ann", "FY2025"): 2_000_000}


def test_splits_conserve_the_order_and_overlays_do_not_reduce_them() -> None:
    assert totals(_run("splits_and_overlay")) == {
        ("ann", "FY2025-Q1"): 550_000,
        ("bob", "FY2025-Q1"): 200_000,
        ("sam", "FY2025-Q1"): 100_000,
    }


def test_rollups_follow_the_hierarchy_in_force_on_each_booking_date() -> None:
    assert totals(_run("manager_rollup")) == {
        ("ann", "FY2025-Q1"): 600_000,
        ("bob", "FY2025-Q1"): 850_000,
        ("dan", "FY2025-Q1"): 145_000,
        ("max", "FY2025-Q1"): 635_000,
        ("mia", "FY2025-Q1"): 1_300_000,
    }


def test_spiffs_pay_only_inside_their_window() -> None:
    assert totals(_run("spiff_one_month")) == {
        ("ann", "FY2025-M02"): 20_000,
        ("ann", "FY2025-M03"): 262_500,
        ("ann", "FY2025-M04"): 15_000,
    }


def test_quota_and_target_incentive_are_prorated_by_active_days() -> None:
    result = _run("proration_mid_period_hire")
    assert totals(result) == {("ann", "FY2025-Q1"): 200_000, ("lee", "FY2025-Q1"): 0}
    ann = result["payees"][0]["periods"][0]
    assert (ann["proration"], ann["target_incentive"], ann["measures"][0]["quota"]) == (
        "0.400000",
        400_000,
        "3600000",
    )


def test_retroactive_tiers_apply_the_reached_rate_and_bounds_belong_to_the_higher_tier() -> None:
    assert totals(_run("retroactive_tiers")) == {
        ("ann", "FY2025-Q1"): 4_200_000,
        ("bob", "FY2025-Q1"): 1_500_000,
        ("cy", "FY2025-Q1"): 900_000,
    }


def test_year_to_date_measure_pays_a_true_up_on_earlier_orders() -> None:
    result = _run("annual_quota_ytd_true_up")
    q2 = result["payees"][0]["periods"][1]["lines"]
    assert [(x["kind"], x["amount"]) for x in q2] == [("commission", 1_800_000), ("true_up", 300_000)]


def test_prorated_clawback_is_posted_in_the_cancellation_period() -> None:
    result = _run("clawback_prorated")
    february = result["payees"][0]["payouts"][1]
    assert [(x["kind"], x["amount"]) for x in february["lines"]] == [
        ("earnings", 20_000),
        ("clawback", -60_000),
        ("deferred", 40_000),
    ]
    assert payouts(result, "ann") == [(100_000, 0), (0, -40_000), (0, -40_000), (0, -40_000)]


def test_orders_in_other_currencies_convert_at_the_dated_rate() -> None:
    assert totals(_run("multi_currency")) == {("ann", "FY2025-Q1"): 146_000}


def test_weighted_bonus_mbo_instalments_and_holdback_settle_line_by_line() -> None:
    result = _run("weighted_bonus_mbo_holdback")
    assert totals(result) == {("ann", "FY2025-Q1"): 2_220_000, ("ann", "FY2025-Q2"): 0}
    assert payouts(result, "ann") == [(1_116_000, 0), (1_031_000, 0)]


def test_the_documented_example_plans_pay_as_described() -> None:
    assert totals(_run("demo_plans")) == {
        ("ann", "FY2025-Q1"): 2_275_000,
        ("bob", "FY2025-Q1"): 25_000,
        ("mia", "FY2025-Q1"): 1_897_500,
        ("sam", "FY2025-Q1"): 180_000,
    }


def test_territory_credit_follows_the_booking_date_and_is_paid_on_invoice() -> None:
    assert totals(_run("territory_invoice_ramp")) == {
        ("tia", "FY2025-Q1"): 370_000,
        ("tia", "FY2025-Q2"): 145_000,
        ("uma", "FY2025-Q1"): 0,
        ("uma", "FY2025-Q2"): 0,
    }


def test_yearly_caps_subtract_what_earlier_periods_paid() -> None:
    assert totals(_run("plan_cap_per_year")) == {
        ("ann", "FY2025-M01"): 60_000,
        ("ann", "FY2025-M02"): 40_000,
        ("ann", "FY2025-M03"): 0,
    }
