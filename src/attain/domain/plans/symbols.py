"""Types and symbol tables of the expression language, and the type checker.

Every name in a condition or formula must be declared in the table of its context (an order credit, or a
person's period results) with a type; comparisons, `in`, and/or/not and arithmetic are checked before a plan
is accepted, so a plan that compiles cannot fail on a type at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from attain.domain.plans.expressions import (
    Call,
    Expr,
    ExpressionError,
    InList,
    Literal,
    Name,
    Unary,
)
from attain.domain.plans.source import suggestion


class ExprType(StrEnum):
    NUMBER = "number"  # exact decimal; percentages are numbers (5% == 0.05); money in plan-currency units
    STRING = "string"
    DATE = "date"
    BOOL = "boolean"


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    type: ExprType
    doc: str


class SymbolTable:
    """The names an expression may use in one context, with their types."""

    def __init__(self, symbols: Iterable[Symbol]) -> None:
        self._symbols = {s.name: s for s in symbols}

    def __contains__(self, name: str) -> bool:
        return name in self._symbols

    def type_of(self, name: str, offset: int) -> ExprType:
        symbol = self._symbols.get(name)
        if symbol is None:
            close = suggestion(name, self._symbols)
            hint = f"did you mean '{close}'?" if close else f"known names: {', '.join(sorted(self._symbols))}"
            raise ExpressionError(f"unknown field '{name}'", offset, hint=hint)
        return symbol.type

    @property
    def symbols(self) -> Mapping[str, Symbol]:
        return self._symbols


N, S, D, B = ExprType.NUMBER, ExprType.STRING, ExprType.DATE, ExprType.BOOL

CREDIT_SYMBOLS = SymbolTable(
    [
        Symbol("amount", N, "the credited amount, in plan currency (after split share and conversion)"),
        Symbol("order_amount", N, "the whole order's amount, in plan currency"),
        Symbol("order_id", S, "the order's external id"),
        Symbol("product", S, "the product's external id"),
        Symbol("product_family", S, "the product's family"),
        Symbol("kind", S, "the order kind: new, renewal, upsell"),
        Symbol("segment", S, "the account's segment"),
        Symbol("account", S, "the account's external id"),
        Symbol("territory", S, "the order's territory"),
        Symbol("currency", S, "the order's own currency"),
        Symbol("booked_on", D, "the booking date"),
        Symbol("invoiced_on", D, "the invoice date (may be empty)"),
        Symbol("paid_on", D, "the payment date (may be empty)"),
        Symbol("credit_date", D, "the date that places the credit in a period (booking, invoice or payment)"),
        Symbol("credit_role", S, "how the person is credited: direct, overlay, territory, rollup"),
        Symbol("rollup_level", N, "manager levels above the credited seller (0 unless a roll-up)"),
        Symbol("share", N, "the person's share of the order (100% for an owner)"),
    ]
)

RESULT_FIELDS = {
    "value": "the measure's value for the window (money in plan currency, or a count)",
    "quota": "the measure's quota for the window, after proration, ramp and weights",
    "attainment": "value / quota",
    "ytd_value": "the measure's value from the start of the fiscal year",
    "ytd_quota": "the quota from the start of the fiscal year",
    "ytd_attainment": "ytd_value / ytd_quota",
}


def result_symbols(measures: Iterable[str], objectives: Iterable[str] = ()) -> SymbolTable:
    """Names a bonus formula may use: each measure's results, MBO achievements and the target incentive."""
    symbols = [
        Symbol("target_incentive", N, "the person's target incentive for the plan year"),
        Symbol("period_target_incentive", N, "the target incentive of this period, prorated"),
        Symbol("proration", N, "the share of the period the person was active on the plan"),
    ]
    for measure in measures:
        symbols.extend(Symbol(f"{measure}.{f}", N, doc) for f, doc in RESULT_FIELDS.items())
    symbols.extend(Symbol(f"mbo.{o}", N, "the achievement entered for this objective") for o in objectives)
    return SymbolTable(symbols)


def literal_type(value: Decimal | str | date | bool) -> ExprType:
    if isinstance(value, bool):
        return B
    if isinstance(value, Decimal):
        return N
    if isinstance(value, date):
        return D
    return S


def check_expression(expr: Expr, table: SymbolTable) -> ExprType:
    """The type of `expr` in `table`, or an ExpressionError at the offending node."""
    if isinstance(expr, Literal):
        return literal_type(expr.value)
    if isinstance(expr, Name):
        return table.type_of(expr.name, expr.offset)
    if isinstance(expr, Unary):
        inner = check_expression(expr.operand, table)
        want = B if expr.op == "not" else N
        _require(inner, want, expr.operand, f"'{expr.op}'")
        return want
    if isinstance(expr, InList):
        item = check_expression(expr.item, table)
        for option in expr.options:
            _require(check_expression(option, table), item, option, "a list item compared with it")
        return B
    if isinstance(expr, Call):
        for arg in expr.args:
            _require(check_expression(arg, table), N, arg, f"{expr.function}()")
        return N
    left = check_expression(expr.left, table)
    right = check_expression(expr.right, table)
    if expr.op in ("and", "or"):
        _require(left, B, expr.left, f"'{expr.op}'")
        _require(right, B, expr.right, f"'{expr.op}'")
        return B
    if expr.op in ("+", "-", "*", "/"):
        _require(left, N, expr.left, f"'{expr.op}'")
        _require(right, N, expr.right, f"'{expr.op}'")
        return N
    if expr.op in ("<", "<=", ">", ">=") and left in (S, B):
        raise ExpressionError(f"'{expr.op}' compares numbers or dates, not a {left}", expr.offset)
    _require(right, left, expr.right, f"'{expr.op}' with a {left}")
    return B


def check_condition(expr: Expr, table: SymbolTable) -> None:
    kind = check_expression(expr, table)
    if kind is not B:
        raise ExpressionError(
            f"a condition must be true or false, this is a {kind}",
            0,
            hint="compare it, e.g. amount > 0 or kind in ['new']",
        )


def check_formula(expr: Expr, table: SymbolTable) -> None:
    kind = check_expression(expr, table)
    if kind is not N:
        raise ExpressionError(f"a formula must give a number, this is a {kind}", 0)


def _require(found: ExprType, want: ExprType, node: Expr, where: str) -> None:
    if found is not want:
        raise ExpressionError(f"{where} needs a {want}, found a {found}", node.offset)
