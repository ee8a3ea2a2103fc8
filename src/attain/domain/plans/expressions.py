"""The plan expression language: tokens, the syntax tree and a recursive-descent parser.

Conditions and formulas are parsed into a tree and never evaluated as Python (`eval` is never used).
Grammar, loosest binding first: or, and, not, comparison / [not] in, + -, * /, unary -, primary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from attain.domain.errors import InvalidInput

FUNCTIONS = {"min": (2, None), "max": (2, None), "clamp": (3, 3), "abs": (1, 1)}
KEYWORDS = {"and", "or", "not", "in", "true", "false"}
COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}


class ExpressionError(InvalidInput):
    """A syntax or type error at `offset` characters into the expression text."""

    def __init__(self, message: str, offset: int, *, hint: str | None = None) -> None:
        self.offset = offset
        self.detail = message
        super().__init__(message, hint=hint)


# -- tokens ------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\d.]))
  | (?P<number>\d[\d_]*(?:\.\d+)?%?)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, date, string, name, keyword, op, end
    text: str
    offset: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(
                f"unexpected character '{text[pos]}'",
                pos,
                hint="expressions use names, numbers, 'strings', dates, and/or/not, in [...], + - * /",
            )
        kind = match.lastgroup or ""
        if kind != "space":
            word = match.group()
            if kind == "name" and word in KEYWORDS:
                kind = "keyword"
            tokens.append(Token(kind, word, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# -- syntax tree -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: Decimal | str | date | bool
    offset: int


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    offset: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # arithmetic, comparison, "and", "or"
    left: Expr
    right: Expr
    offset: int


@dataclass(frozen=True, slots=True)
class InList:
    item: Expr
    options: tuple[Expr, ...]
    negated: bool
    offset: int


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Expr, ...]
    offset: int


Expr = Literal | Name | Unary | Binary | InList | Call


def number_value(text: str, offset: int) -> Decimal:
    """A number literal, where a trailing % divides by one hundred (exactly)."""
    digits = text.rstrip("%").replace("_", "")
    try:
        value = Decimal(digits)
    except ArithmeticError as exc:  # pragma: no cover - the token pattern only admits digits
        raise ExpressionError(f"'{text}' is not a number", offset) from exc
    return value / 100 if text.endswith("%") else value


# -- parser ------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.at = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        tok = self.tokens[self.at]
        self.at += 1
        return tok

    def accept(self, text: str) -> Token | None:
        if self.tok.kind in ("op", "keyword") and self.tok.text == text:
            return self.take()
        return None

    def expect(self, text: str) -> Token:
        tok = self.accept(text)
        if tok is None:
            found = self.tok.text or "the end"
            raise ExpressionError(f"expected '{text}' but found '{found}'", self.tok.offset)
        return tok

    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise ExpressionError("empty expression", 0, hint="write a condition such as amount > 0")
        expr = self.or_()
        if self.tok.kind != "end":
            raise ExpressionError(
                f"unexpected '{self.tok.text}'",
                self.tok.offset,
                hint="join conditions with 'and' / 'or'; write lists as [a, b]",
            )
        return expr

    def or_(self) -> Expr:
        left = self.and_()
        while tok := self.accept("or"):
            left = Binary("or", left, self.and_(), tok.offset)
        return left

    def and_(self) -> Expr:
        left = self.not_()
        while tok := self.accept("and"):
            left = Binary("and", left, self.not_(), tok.offset)
        return left

    def not_(self) -> Expr:
        if tok := self.accept("not"):
            return Unary("not", self.not_(), tok.offset)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        tok = self.tok
        if tok.kind == "op" and tok.text in COMPARISONS:
            self.take()
            return Binary(tok.text, left, self.additive(), tok.offset)
        if tok.kind == "keyword" and tok.text == "not" and self.tokens[self.at + 1].text == "in":
            self.take()
            self.take()
            return InList(left, self.list_items(), negated=True, offset=tok.offset)
        if self.accept("in"):
            return InList(left, self.list_items(), negated=False, offset=tok.offset)
        return left

    def list_items(self) -> tuple[Expr, ...]:
        self.expect("[")
        items: list[Expr] = []
        if not self.accept("]"):
            items.append(self.or_())
            while self.accept(","):
                items.append(self.or_())
            self.expect("]")
        return tuple(items)

    def additive(self) -> Expr:
        left = self.multiplicative()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok = self.take()
            left = Binary(tok.text, left, self.multiplicative(), tok.offset)
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            tok = self.take()
            left = Binary(tok.text, left, self.unary(), tok.offset)
        return left

    def unary(self) -> Expr:
        if tok := self.accept("-"):
            return Unary("-", self.unary(), tok.offset)
        return self.primary()

    def primary(self) -> Expr:
        tok = self.take()
        if tok.kind == "number":
            return Literal(number_value(tok.text, tok.offset), tok.offset)
        if tok.kind == "date":
            try:
                return Literal(date.fromisoformat(tok.text), tok.offset)
            except ValueError as exc:
                raise ExpressionError(f"'{tok.text}' is not a valid date", tok.offset) from exc
        if tok.kind == "string":
            return Literal(tok.text[1:-1], tok.offset)
        if tok.kind == "keyword" and tok.text in ("true", "false"):
            return Literal(tok.text == "true", tok.offset)
        if tok.kind == "name":
            if self.accept("("):
                return self.call(tok)
            return Name(tok.text, tok.offset)
        if tok.kind == "op" and tok.text == "(":
            inner = self.or_()
            self.expect(")")
            return inner
        found = tok.text or "the end"
        raise ExpressionError(f"expected a value but found '{found}'", tok.offset)

    def call(self, name: Token) -> Expr:
        if name.text not in FUNCTIONS:
            raise ExpressionError(
                f"unknown function '{name.text}'",
                name.offset,
                hint=f"functions: {', '.join(sorted(FUNCTIONS))}",
            )
        args: list[Expr] = []
        if not self.accept(")"):
            args.append(self.or_())
            while self.accept(","):
                args.append(self.or_())
            self.expect(")")
        least, most = FUNCTIONS[name.text]
        if len(args) < least or (most is not None and len(args) > most):
            want = f"{least}" if least == most else f"at least {least}"
            raise ExpressionError(f"{name.text}() takes {want} arguments, got {len(args)}", name.offset)
        return Call(name.text, tuple(args), name.offset)


def parse_expression(text: str) -> Expr:
    """Parse `text` into a syntax tree, or raise ExpressionError at the offending offset."""
    return _Parser(text).parse()
