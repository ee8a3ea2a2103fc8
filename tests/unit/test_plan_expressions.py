"""The plan expression language: parsing, type checking and exact evaluation."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from attain.domain.plans.evaluation import evaluate
from attain.domain.plans.expressions import ExpressionError, parse_expression
from attain.domain.plans.symbols import CREDIT_SYMBOLS, check_condition, check_formula, result_symbols

ORDER = {
    "amount": Fraction(1500),
    "product_family": "Hardware",
    "kind": "new",
    "booked_on": date(2025, 3, 2),
    "segment": None,
    "share": Fraction(1, 2),
}


def run(text: str) -> object:
    expr = parse_expression(text)
    return evaluate(expr, ORDER)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("amount > 1000 and kind in ['new', 'upsell']", True),
        ('not (product_family == "Hardware")', False),
        ("kind not in ['renewal']", True),
        ("booked_on >= 2025-03-01 and booked_on <= 2025-03-31", True),
        ("amount * 5% + 10", Fraction(85)),
        ("min(amount, 1000) + max(1, 2) - abs(-3)", Fraction(999)),
        ("clamp(amount - 2000, 0, 100)", Fraction(0)),
        ("amount / 3", Fraction(500)),
        ("share * 100_000", Fraction(50000)),
        ("-amount + 1 * 2", Fraction(-1498)),
        ("amount > 1 or segment == 'SMB' and false", True),
    ],
)
def test_expressions_evaluate_exactly(text: str, expected: object) -> None:
    assert run(text) == expected


def test_an_empty_field_never_equals_and_fails_comparisons() -> None:
    assert run("segment == 'SMB'") is False
    assert run("segment != 'SMB'") is False
    assert run("segment in ['SMB']") is False


def test_arithmetic_uses_no_float() -> None:
    assert run("0.1 + 0.2") == Fraction(3, 10)


def test_unknown_field_suggests_the_closest_name_at_its_offset() -> None:
    expr = parse_expression("kind == 'new' and amout > 0")
    with pytest.raises(ExpressionError) as err:
        check_condition(expr, CREDIT_SYMBOLS)
    assert (err.value.detail, err.value.offset, err.value.hint) == (
        "unknown field 'amout'",
        18,
        "did you mean 'amount'?",
    )


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("amount > 'big'", "'>' with a number needs a number, found a string", 9),
        ("kind + 1", "'+' needs a number, found a string", 0),
        ("amount and kind == 'new'", "'and' needs a boolean, found a number", 0),
        ("kind in ['new', 3]", "a list item compared with it needs a string, found a number", 16),
        ("kind < 'z'", "'<' compares numbers or dates, not a string", 5),
    ],
)
def test_type_errors_name_the_operator_and_offset(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as err:
        check_condition(parse_expression(text), CREDIT_SYMBOLS)
    assert (err.value.detail, err.value.offset) == (message, offset)


def test_a_condition_must_be_boolean_and_a_formula_a_number() -> None:
    with pytest.raises(ExpressionError, match="must be true or false"):
        check_condition(parse_expression("amount * 2"), CREDIT_SYMBOLS)
    with pytest.raises(ExpressionError, match="must give a number"):
        check_formula(parse_expression("amount > 2"), CREDIT_SYMBOLS)


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("amount >", "expected a value but found 'the end'", 8),
        ("amount > 1 1", "unexpected '1'", 11),
        ("kind in 'new'", "expected '[' but found ''new''", 8),
        ("amount # 2", "unexpected character '#'", 7),
        ("sqrt(amount)", "unknown function 'sqrt'", 0),
        ("clamp(amount, 1)", "clamp() takes 3 arguments, got 2", 0),
        ("", "empty expression", 0),
        ("booked_on > 2025-02-30", "'2025-02-30' is not a valid date", 12),
    ],
)
def test_syntax_errors_point_at_the_offending_character(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as err:
        parse_expression(text)
    assert (err.value.detail, err.value.offset) == (message, offset)


def test_result_symbols_expose_each_measure_and_objective() -> None:
    table = result_symbols(["bookings"], ["hygiene"])
    check_formula(parse_expression("min(bookings.attainment, 150%) * target_incentive * mbo.hygiene"), table)
    with pytest.raises(ExpressionError, match=r"unknown field 'bookings\.atainment'"):
        check_formula(parse_expression("bookings.atainment * 2"), table)


def test_python_is_never_evaluated() -> None:
    with pytest.raises(ExpressionError):
        parse_expression("__import__('os').system('true')")
