"""Reading typed values out of the positioned tree, with errors at the exact line:col.

`Fields` wraps one mapping of the plan: it rejects unknown keys (suggesting the closest known one) and reads
numbers, percentages, dates, choices and expressions, each checked where it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from attain.domain.plans.expressions import Expr, ExpressionError, parse_expression
from attain.domain.plans.source import Map, Mark, Node, PlanError, Scalar, Seq, unknown_name
from attain.domain.plans.symbols import SymbolTable, check_condition, check_formula

E = TypeVar("E", bound=StrEnum)


def scalar(node: Node, what: str) -> Scalar:
    if not isinstance(node, Scalar):
        raise PlanError(f"{what} must be a single value, not a {_shape(node)}", node.mark)
    return node


def mapping(node: Node, what: str) -> Map:
    if not isinstance(node, Map):
        raise PlanError(f"{what} must be a mapping of 'key: value' lines, not a {_shape(node)}", node.mark)
    return node


def sequence(node: Node, what: str) -> Seq:
    if not isinstance(node, Seq):
        raise PlanError(f"{what} must be a list ('- item' lines), not a {_shape(node)}", node.mark)
    return node


def _shape(node: Node) -> str:
    return {Scalar: "value", Seq: "list", Map: "mapping"}[type(node)]


def decimal_of(node: Node, what: str) -> Decimal:
    """A number; thousands separators (, or _) are allowed and a trailing % divides by 100."""
    leaf = scalar(node, what)
    text = leaf.text.strip().replace(",", "").replace("_", "")
    percent = text.endswith("%")
    try:
        value = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        raise PlanError(
            f"{what} must be a number, got '{leaf.text}'", leaf.mark, hint="write e.g. 300000, 2.5 or 5%"
        ) from None
    if not value.is_finite():
        raise PlanError(f"{what} must be a finite number", leaf.mark)
    return value / 100 if percent else value


def is_percent(node: Node) -> bool:
    return isinstance(node, Scalar) and node.text.strip().endswith("%")


class Fields:
    """One mapping of the plan with its allowed keys."""

    def __init__(self, node: Node, what: str, allowed: Iterable[str]) -> None:
        self.node = mapping(node, what)
        self.what = what
        self.allowed = tuple(allowed)
        for key, _ in self.node:
            if key.text not in self.allowed:
                raise unknown_name(f"field in {what}", key.text, key.mark, self.allowed)

    @property
    def mark(self) -> Mark:
        return self.node.mark

    def has(self, key: str) -> bool:
        return self.node.get(key) is not None

    def get(self, key: str) -> Node | None:
        return self.node.get(key)

    def need(self, key: str) -> Node:
        value = self.node.get(key)
        if value is None:
            raise PlanError(f"{self.what} needs '{key}'", self.node.mark, hint=f"add '{key}: ...'")
        return value

    def label(self, key: str) -> str:
        return f"'{key}' of {self.what}"

    def text(self, key: str, default: str | None = None) -> str:
        node = self.node.get(key)
        if node is None:
            if default is None:
                self.need(key)
            return default or ""
        return scalar(node, self.label(key)).text.strip()

    def number(self, key: str, default: Decimal | None = None) -> Decimal:
        node = self.node.get(key)
        if node is None:
            if default is None:
                self.need(key)
            assert default is not None
            return default
        return decimal_of(node, self.label(key))

    def optional_number(self, key: str) -> Decimal | None:
        node = self.node.get(key)
        return None if node is None else decimal_of(node, self.label(key))

    def whole(self, key: str, default: int) -> int:
        node = self.node.get(key)
        if node is None:
            return default
        value = decimal_of(node, self.label(key))
        if value != value.to_integral_value() or value < 0:
            raise PlanError(f"{self.label(key)} must be a whole number of 0 or more", node.mark)
        return int(value)

    def day(self, key: str) -> date:
        leaf = scalar(self.need(key), self.label(key))
        try:
            return date.fromisoformat(leaf.text.strip())
        except ValueError:
            raise PlanError(
                f"{self.label(key)} must be a date, got '{leaf.text}'", leaf.mark, hint="write YYYY-MM-DD"
            ) from None

    def choice(self, key: str, enum: type[E], default: E | None = None) -> E:
        node = self.node.get(key)
        if node is None:
            if default is None:
                self.need(key)
            assert default is not None
            return default
        leaf = scalar(node, self.label(key))
        try:
            return enum(leaf.text.strip())
        except ValueError:
            raise unknown_name(
                f"value for {self.label(key)}", leaf.text, leaf.mark, [e.value for e in enum]
            ) from None

    def condition(self, key: str, table: SymbolTable) -> tuple[str, Expr] | None:
        node = self.node.get(key)
        if node is None:
            return None
        return compile_expression(scalar(node, self.label(key)), table, check_condition)

    def formula(self, key: str, table: SymbolTable) -> tuple[str, Expr]:
        return compile_expression(scalar(self.need(key), self.label(key)), table, check_formula)


Checker = Callable[[Expr, SymbolTable], None]


def compile_expression(leaf: Scalar, table: SymbolTable, check: Checker) -> tuple[str, Expr]:
    """Parse and type-check an expression; errors point at the character inside the YAML value."""
    try:
        expr = parse_expression(leaf.text)
        check(expr, table)
    except ExpressionError as exc:
        raise PlanError(exc.detail, _offset_mark(leaf, exc.offset), hint=exc.hint) from None
    return leaf.text, expr


def _offset_mark(leaf: Scalar, offset: int) -> Mark:
    start = leaf.text_mark
    before = leaf.text[:offset]
    newlines = before.count("\n")
    if newlines == 0:
        return start.shifted(offset)
    # Folded or literal block scalars: the column restarts on each line of the value.
    return Mark(start.line + newlines, len(before) - before.rfind("\n"))
