"""SQL text shared by the fast engine's program: literals, exact integer rounding, and plan expressions.

Written in DuckDB's dialect with portable constructs only (CASE, LEAST/GREATEST, COALESCE, integer `//`),
so sqlglot can transpile the program to Spark SQL. Conditions keep the reference's two-valued logic: an
empty field fails every comparison, so each comparison is wrapped in COALESCE(..., FALSE).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction

from attain.domain.plans.expressions import Binary, Call, Expr, InList, Literal, Name, Unary
from attain.domain.plans.model import RoundingMode

# Credit fields the expression language names, and the SQL that computes each in a view's source row.
NUMBER_FIELDS = {"amount", "order_amount", "rollup_level", "share"}
ROLE_NAMES = ("direct", "overlay", "rollup", "territory")  # codes 0..3 sort as the names do


def text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def day(value: date) -> str:
    return f"DATE '{value.isoformat()}'"


def decimal(value: Decimal) -> str:
    """An exact DECIMAL literal of the smallest precision that holds `value`."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    scale = max(-exponent, 0)
    precision = max(len(digits) + max(exponent, 0), scale + 1)
    return f"CAST('{value:f}' AS DECIMAL({min(precision, 38)}, {scale}))"


def rounded(numerator: str, denominator: int, mode: RoundingMode) -> str:
    """`numerator / denominator` (an integer expression over a positive integer) rounded to an integer."""
    if denominator == 1:
        return f"({numerator})"
    a = f"ABS({numerator})"
    q = f"({a} // {denominator})"
    r = f"({a} % {denominator})"
    if mode is RoundingMode.DOWN:
        bump = "0"
    elif mode is RoundingMode.UP:
        bump = f"CASE WHEN {r} > 0 THEN 1 ELSE 0 END"
    elif mode is RoundingMode.HALF_UP:
        bump = f"CASE WHEN 2 * {r} >= {denominator} THEN 1 ELSE 0 END"
    else:
        tie = f"(2 * {r} = {denominator} AND {q} % 2 = 1)"
        bump = f"CASE WHEN 2 * {r} > {denominator} OR {tie} THEN 1 ELSE 0 END"
    return f"(SIGN({numerator}) * ({q} + {bump}))"


def clamp(x: str, width: str | None) -> str:
    return f"GREATEST({x}, 0)" if width is None else f"LEAST(GREATEST({x}, 0), {width})"


def has_division(expr: Expr) -> bool:
    """Division cannot be exact in portable SQL decimals; such conditions are evaluated in Python."""
    if isinstance(expr, Binary):
        return expr.op == "/" or has_division(expr.left) or has_division(expr.right)
    if isinstance(expr, Unary):
        return has_division(expr.operand)
    if isinstance(expr, InList):
        return has_division(expr.item) or any(has_division(o) for o in expr.options)
    if isinstance(expr, Call):
        return any(has_division(a) for a in expr.args)
    return False


def names_of(expr: Expr) -> set[str]:
    if isinstance(expr, Name):
        return {expr.name}
    if isinstance(expr, Binary):
        return names_of(expr.left) | names_of(expr.right)
    if isinstance(expr, Unary):
        return names_of(expr.operand)
    if isinstance(expr, InList):
        return names_of(expr.item).union(*(names_of(o) for o in expr.options))
    if isinstance(expr, Call):
        return set().union(*(names_of(a) for a in expr.args))
    return set()


class ConditionSql:
    """Translates a type-checked credit condition into a SQL boolean over named columns.

    `column` maps a field name to its SQL (numbers as exact DECIMALs in plan-currency units).
    """

    def __init__(self, column: Callable[[str], str]) -> None:
        self.column = column

    def condition(self, expr: Expr) -> str:
        return self._bool(expr)

    def _bool(self, expr: Expr) -> str:
        if isinstance(expr, Literal) and isinstance(expr.value, bool):
            return "TRUE" if expr.value else "FALSE"
        if isinstance(expr, Unary):
            return f"(NOT {self._bool(expr.operand)})"
        if isinstance(expr, InList):
            options = ", ".join(self._value(o) for o in expr.options)
            found = f"COALESCE({self._value(expr.item)} IN ({options}), FALSE)" if options else "FALSE"
            return f"(NOT {found})" if expr.negated else found
        if isinstance(expr, Binary) and expr.op in ("and", "or"):
            return f"({self._bool(expr.left)} {expr.op.upper()} {self._bool(expr.right)})"
        if isinstance(expr, Binary):
            op = "<>" if expr.op == "!=" else "=" if expr.op == "==" else expr.op
            return f"COALESCE({self._value(expr.left)} {op} {self._value(expr.right)}, FALSE)"
        raise AssertionError(f"not a condition: {expr}")  # pragma: no cover - the type checker forbids it

    def _value(self, expr: Expr) -> str:
        if isinstance(expr, Literal):
            v = expr.value
            if isinstance(v, bool):
                return "TRUE" if v else "FALSE"
            if isinstance(v, str):
                return text(v)
            if isinstance(v, date):
                return day(v)
            return decimal(v)
        if isinstance(expr, Name):
            return self.column(expr.name)
        if isinstance(expr, Unary):
            if expr.op == "not":
                return self._bool(expr)
            return f"(-{self._value(expr.operand)})"
        if isinstance(expr, Call):
            args = [self._value(a) for a in expr.args]
            if expr.function == "min":
                return f"LEAST({', '.join(args)})"
            if expr.function == "max":
                return f"GREATEST({', '.join(args)})"
            if expr.function == "abs":
                return f"ABS({args[0]})"
            return f"LEAST(GREATEST({args[0]}, {args[1]}), {args[2]})"
        if isinstance(expr, InList) or expr.op in ("and", "or", "==", "!=", "<", "<=", ">", ">="):
            return self._bool(expr)
        return f"({self._value(expr.left)} {expr.op} {self._value(expr.right)})"


def fraction_equals(sql: str, value: Fraction) -> str:
    """`sql` (an exact DECIMAL) equals the rational `value`, compared without division."""
    if value.denominator == 1:
        return f"COALESCE({sql} = {value.numerator}, FALSE)"
    return f"COALESCE({sql} * {value.denominator} = {value.numerator}, FALSE)"
