"""The positioned document tree a plan compiles from, and plan errors that point at line:col.

Readers of any text format (YAML in attain.engine.plan_source) build these nodes; the domain never parses text
formats itself, so it stays free of I/O libraries.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from attain.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based line and column in the plan text."""

    line: int
    col: int

    def shifted(self, columns: int) -> Mark:
        return Mark(self.line, self.col + columns)

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Scalar:
    """A leaf: its text exactly as written (unquoted), and where its first character is."""

    text: str
    mark: Mark
    quoted: bool = False

    @property
    def text_mark(self) -> Mark:
        # A quoted scalar's text starts one column after its opening quote.
        return self.mark.shifted(1) if self.quoted else self.mark


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]
    mark: Mark


@dataclass(frozen=True, slots=True)
class Map:
    entries: tuple[tuple[Scalar, Node], ...]
    mark: Mark
    _index: dict[str, tuple[Scalar, Node]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for key, value in self.entries:
            if key.text in self._index:
                first = self._index[key.text][0].mark
                raise PlanError(
                    f"duplicate key '{key.text}' (first at {first})", key.mark, hint="remove one of them"
                )
            self._index[key.text] = (key, value)

    def get(self, key: str) -> Node | None:
        hit = self._index.get(key)
        return None if hit is None else hit[1]

    def key_mark(self, key: str) -> Mark:
        hit = self._index.get(key)
        return self.mark if hit is None else hit[0].mark

    def keys(self) -> list[str]:
        return [k.text for k, _ in self.entries]

    def __iter__(self) -> Iterator[tuple[Scalar, Node]]:
        return iter(self.entries)


Node = Scalar | Seq | Map


def suggestion(word: str, known: Iterable[str]) -> str | None:
    """The closest known name to a misspelt `word`, if any is close enough."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


class PlanError(InvalidInput):
    """A plan that does not compile: what is wrong, at which line:col, and what to write instead."""

    def __init__(self, message: str, mark: Mark | None, *, hint: str | None = None) -> None:
        self.mark = mark
        self.source: str | None = None  # the file, once a reader knows it
        super().__init__(message, where=None if mark is None else f"line {mark}", hint=hint)

    def render(self) -> str:
        if self.source is not None:
            where = self.source if self.mark is None else f"{self.source}:{self.mark}"
            text = f"{where}: {self.message}"
        else:
            text = self.message if self.mark is None else f"{self.message} at {self.mark}"
        if self.hint:
            text += f"; {self.hint}"
        return text


def unknown_name(what: str, name: str, mark: Mark, known: Iterable[str]) -> PlanError:
    """An error for an unknown name, suggesting the closest known one or listing them all."""
    names = sorted(set(known))
    close = suggestion(name, names)
    hint = f"did you mean '{close}'?" if close else f"expected one of: {', '.join(names)}"
    return PlanError(f"unknown {what} '{name}'", mark, hint=hint)
