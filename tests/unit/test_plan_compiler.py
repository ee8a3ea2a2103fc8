"""Compiling plan documents: what compiles, and errors with line:col and a suggestion."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from attain.domain.plans.model import Commission, CreditRole, TierBasis, TierMethod
from attain.domain.plans.source import PlanError
from attain.engine.plan_source import compile_file, compile_text

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "attain" / "engine" / "plans" / "examples"

BASE = """\
plan: ae
currency: USD
period: quarter
measures:
  bookings:
    sum: amount
    where: kind in ["new", "upsell"]
    quota: {metric: bookings}
components:
  - commission: core
    measure: bookings
    rate: 5%
"""


def error_of(text: str) -> str:
    with pytest.raises(PlanError) as err:
        compile_text(text)
    return err.value.render()


def test_a_plan_compiles_into_typed_components() -> None:
    plan = compile_text(
        BASE
        + """\
    tiers:
      method: marginal
      on: attainment
      bands:
        - {upto: 100%, multiplier: 1}
        - {upto: 150%, multiplier: 1.5, accelerator: true}
        - {rate: 9%, accelerator: true}
"""
    )
    core = plan.components[0]
    assert isinstance(core, Commission)
    assert core.table is not None
    assert (core.table.method, core.table.basis) == (TierMethod.MARGINAL, TierBasis.ATTAINMENT)
    assert [(t.lower, t.upper, t.rate, t.multiplier) for t in core.table.tiers] == [
        (Decimal(0), Decimal(1), None, Decimal(1)),
        (Decimal(1), Decimal("1.5"), None, Decimal("1.5")),
        (Decimal("1.5"), None, Decimal("0.09"), None),
    ]
    assert plan.crediting.roles == frozenset({CreditRole.DIRECT})


def test_every_example_plan_compiles() -> None:
    keys = sorted(compile_file(p).key for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".tests.yaml"))
    assert keys == ["ae", "first_line_manager", "se_overlay"]


def test_unknown_field_in_a_condition_points_inside_the_yaml_value() -> None:
    text = BASE.replace('kind in ["new", "upsell"]', 'kind in ["new"] and amout > 0')
    assert error_of(text) == "unknown field 'amout' at 7:32; did you mean 'amount'?"


def test_unknown_key_suggests_the_closest_one() -> None:
    assert error_of(BASE.replace("    rate: 5%", "    rat: 5%")) == (
        "unknown field in commission 'core' 'rat' at 12:5; did you mean 'rate'?"
    )


def test_unknown_measure_suggests_a_declared_one() -> None:
    assert error_of(BASE.replace("measure: bookings", "measure: booking")) == (
        "unknown measure 'booking' at 11:14; did you mean 'bookings'?"
    )


def test_quoted_values_point_past_the_quote() -> None:
    text = BASE.replace('where: kind in ["new", "upsell"]', "where: 'kind == 3'")
    assert error_of(text) == "'==' with a string needs a string, found a number at 7:21"


def test_bad_enum_value_lists_the_choices() -> None:
    assert error_of(BASE.replace("period: quarter", "period: quartr")) == (
        "unknown value for 'period' of the plan 'quartr' at 3:9; did you mean 'quarter'?"
    )


def test_missing_required_key_says_what_to_add() -> None:
    assert (
        error_of(BASE.replace("currency: USD\n", ""))
        == "the plan needs 'currency' at 1:1; add 'currency: ...'"
    )


def test_yaml_syntax_errors_carry_their_position() -> None:
    assert error_of("plan: x\n  bad: [\n").startswith("YAML syntax:")


def test_duplicate_keys_are_rejected_where_the_second_one_is() -> None:
    assert (
        error_of(BASE + "    rate: 6%\n")
        == "duplicate key 'rate' (first at 12:5) at 13:5; remove one of them"
    )


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        (
            "        - {upto: 100, rate: 1%}\n        - {upto: 50, rate: 2%}\n        - {rate: 3%}\n",
            "band 2 ends at 50, not above where it starts (100) at 17:18",
        ),
        (
            "        - {upto: 100, rate: 1%}\n",
            "the last band must be open-ended (no 'upto') at 16:18; add a band "
            "with 'rate: 0%' above it to pay nothing more",
        ),
        (
            "        - {rate: 1%}\n        - {rate: 2%}\n",
            "band 1 needs 'upto'; only the last band is open-ended at 16:11",
        ),
        (
            "        - {upto: 100, rate: 1%, multiplier: 2}\n        - {rate: 3%}\n",
            "band 1 needs exactly one of 'rate' or 'multiplier' at 16:11",
        ),
    ],
)
def test_tier_tables_are_checked(tiers: str, message: str) -> None:
    text = BASE + "    tiers:\n      method: marginal\n      bands:\n" + tiers
    assert error_of(text) == message


def test_numbers_must_be_numbers() -> None:
    assert error_of(BASE.replace("rate: 5%", "rate: five")) == (
        "'rate' of commission 'core' must be a number, got 'five' at 12:11; write e.g. 300000, 2.5 or 5%"
    )


def test_weights_must_sum_to_one_hundred_percent() -> None:
    text = BASE.replace(
        "quota: {metric: bookings}", "quota: {metric: bookings, source: year, weights: [20%, 20%, 20%, 20%]}"
    )
    assert error_of(text) == "weights must sum to 100%, they sum to 80.0% at 8:12"


def test_tiers_on_attainment_need_a_quota() -> None:
    text = (
        BASE.replace("    quota: {metric: bookings}\n", "")
        + "    tiers:\n      method: retroactive\n      on: attainment\n      bands:\n        - {rate: 1%}\n"
    )
    assert error_of(text) == "tiers on attainment need a quota on measure 'bookings' at 13:7"


def test_component_kind_is_checked() -> None:
    assert error_of(BASE.replace("  - commission: core", "  - comission: core")) == (
        "unknown component kind 'comission' at 10:5; did you mean 'commission'?"
    )


def test_a_bonus_needs_one_payout_and_rising_levels() -> None:
    bonus = """\
  - bonus: b
    measure: bookings
    steps:
      - {at: 120%, pay: 1000}
      - {at: 100%, pay: 2000}
"""
    assert error_of(BASE + bonus) == "the levels of 'steps' must rise: each 'at' above the one before at 16:7"


def test_a_spiff_window_must_not_end_before_it_starts() -> None:
    spiff = "  - spiff: s\n    from: 2025-03-31\n    to: 2025-03-01\n    per_deal: 100\n"
    assert error_of(BASE + spiff) == "spiff 's' ends (2025-03-01) before it starts (2025-03-31) at 15:9"


def test_settlement_names_real_components() -> None:
    text = BASE + "settlement:\n  instalments: {components: [cor], count: 2}\n"
    assert error_of(text) == "unknown component 'cor' at 14:30; did you mean 'core'?"


def test_formula_of_a_bonus_is_type_checked_against_results() -> None:
    bonus = (
        "  - bonus: b\n    measure: bookings\n    formula: min(bookings.attainment, 150%) * target_incentiv\n"
    )
    assert error_of(BASE + bonus) == (
        "unknown field 'target_incentiv' at 15:47; did you mean 'target_incentive'?"
    )
