"""Evaluating checked expressions with exact rational numbers (fractions.Fraction), never float.

An empty field (None) never equals anything and fails every comparison, so `product_family == "X"` is false
for an order without a family; arithmetic on an empty field is an error naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction

from attain.domain.errors import InvalidInput
from attain.domain.plans.expressions import Binary, Call, Expr, InList, Literal, Name, Unary

Value = Fraction | str | date | bool | None


def evaluate(expr: Expr, env: Mapping[str, Value]) -> Value:
    """The value of a type-checked `expr` with names bound by `env`."""
    if isinstance(expr, Literal):
        value = expr.value
        if isinstance(value, bool | str | date):
            return value
        return Fraction(value)
    if isinstance(expr, Name):
        return env.get(expr.name)
    if isinstance(expr, Unary):
        inner = evaluate(expr.operand, env)
        if expr.op == "not":
            return not inner
        return -_number(inner, expr.operand)
    if isinstance(expr, InList):
        item = evaluate(expr.item, env)
        found = item is not None and any(item == evaluate(o, env) for o in expr.options)
        return not found if expr.negated else found
    if isinstance(expr, Call):
        args = [_number(evaluate(a, env), a) for a in expr.args]
        if expr.function == "min":
            return min(args)
        if expr.function == "max":
            return max(args)
        if expr.function == "abs":
            return abs(args[0])
        return min(max(args[0], args[1]), args[2])
    if expr.op == "and":
        return bool(evaluate(expr.left, env)) and bool(evaluate(expr.right, env))
    if expr.op == "or":
        return bool(evaluate(expr.left, env)) or bool(evaluate(expr.right, env))
    return _binary(expr, evaluate(expr.left, env), evaluate(expr.right, env))


def _binary(expr: Binary, left: Value, right: Value) -> Value:
    op = expr.op
    if op in ("+", "-", "*", "/"):
        a, b = _number(left, expr.left), _number(right, expr.right)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            raise InvalidInput(f"division by zero in a plan formula at offset {expr.offset}")
        return a / b
    if op == "==":
        return left is not None and left == right
    if op == "!=":
        return left is not None and right is not None and left != right
    if left is None or right is None:
        return False
    assert isinstance(left, Fraction | date)
    assert isinstance(right, Fraction | date)
    if op == "<":
        return left < right  # type: ignore[operator]
    if op == "<=":
        return left <= right  # type: ignore[operator]
    if op == ">":
        return left > right  # type: ignore[operator]
    return left >= right  # type: ignore[operator]


def _number(value: Value, node: Expr) -> Fraction:
    if isinstance(value, Fraction):
        return value
    name = node.name if isinstance(node, Name) else f"the value at offset {node.offset}"
    raise InvalidInput(
        f"{name} is empty, so it cannot be used in arithmetic", hint="guard it with a condition"
    )


def evaluate_condition(expr: Expr, env: Mapping[str, Value]) -> bool:
    return bool(evaluate(expr, env))
