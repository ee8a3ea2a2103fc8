"""Choosing the calculation engine: the reference evaluator, the fast relational one or the same program on
Spark (`--engine spark`, master URL from ATTAIN_SPARK_MASTER, local[2] by default), behind one function.

All have the signature `evaluate(inp, period) -> list[PayeeResult]` and must give identical results; the
fast engine is the default wherever it is installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import StrEnum

from attain.domain.calendar import Period
from attain.domain.errors import InvalidInput
from attain.engine.inputs import CalculationInput
from attain.engine.reference import evaluate
from attain.engine.results import PayeeResult

Evaluate = Callable[[CalculationInput, Period], list[PayeeResult]]
FAST_MODULE = "attain.engine.relational"
SPARK_MODULE = "attain.engine.spark"


class EngineKind(StrEnum):
    REFERENCE = "reference"
    FAST = "fast"
    SPARK = "spark"


def _fast() -> Evaluate | None:
    try:
        module = importlib.import_module(FAST_MODULE)
    except ImportError:
        return None
    found: Evaluate | None = getattr(module, "evaluate_fast", None)
    return found


def _spark() -> Evaluate:
    try:
        module = importlib.import_module(SPARK_MODULE)
    except ImportError as exc:
        raise InvalidInput(
            "the Spark backend is not installed", hint="pip install 'attain[spark]' (needs Java 17)"
        ) from exc
    found: Evaluate = module.evaluate_spark
    return found


def default_engine() -> EngineKind:
    return EngineKind.FAST if _fast() is not None else EngineKind.REFERENCE


def evaluator(kind: EngineKind | None = None) -> tuple[EngineKind, Evaluate]:
    """The engine of `kind` (the default when None) and its evaluate function."""
    chosen = kind or default_engine()
    if chosen is EngineKind.REFERENCE:
        return chosen, evaluate
    if chosen is EngineKind.SPARK:
        return chosen, _spark()
    fast = _fast()
    if fast is None:
        raise InvalidInput(
            "the fast engine is not available in this installation", hint="use --engine reference"
        )
    return chosen, fast
