"""Reading plan text (YAML) into the domain's positioned tree, so compile errors point at line:col.

PyYAML's composed nodes keep start marks; scalars are kept as text and typed by the compiler, which is why
`5%`, `300,000` or `2025-03-01` mean the same whether YAML would have read them as strings or numbers.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from attain.domain.plans.compiler import compile_plan
from attain.domain.plans.model import CompiledPlan
from attain.domain.plans.source import Map, Mark, Node, PlanError, Scalar, Seq


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node) -> Node:
    if isinstance(node, yaml.ScalarNode):
        return Scalar(str(node.value), _mark(node), quoted=node.style in ("'", '"'))
    if isinstance(node, yaml.SequenceNode):
        return Seq(tuple(_convert(item) for item in node.value), _mark(node))
    if isinstance(node, yaml.MappingNode):
        entries = []
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise PlanError("a key must be a plain name", _mark(key))
            converted = _convert(key)
            assert isinstance(converted, Scalar)
            entries.append((converted, _convert(value)))
        return Map(tuple(entries), _mark(node))
    raise PlanError(f"unsupported YAML node {type(node).__name__}", _mark(node))  # pragma: no cover


def read_tree(text: str) -> Node:
    """The positioned tree of a YAML document, or a PlanError at the syntax error's line:col."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = None if mark is None else Mark(mark.line + 1, mark.column + 1)
        raise PlanError(f"YAML syntax: {exc.problem}", where, hint="check indentation and quoting") from None
    if root is None:
        raise PlanError("the plan is empty", Mark(1, 1), hint="start with 'plan: <key>'")
    return _convert(root)


def compile_text(text: str) -> CompiledPlan:
    """Compile plan text; errors carry the YAML line:col and a suggestion."""
    return compile_plan(read_tree(text))


def compile_file(path: Path) -> CompiledPlan:
    try:
        return compile_text(path.read_text(encoding="utf-8"))
    except PlanError as exc:
        exc.source = str(path)
        raise
