"""Entity rules checked on typed frames before they are written: required fields, enum choices,
money with its currency, and a goal's scope. Vectorised with Polars; produces error frames.
"""

from __future__ import annotations

import polars as pl

from attain.app.imports.ports import ERROR_SCHEMA, empty_errors
from attain.domain.facts import FactEntity, FieldType, goal_scope_problem

ORIGIN = ("_source", "_row")
CURRENCY_PATTERN = r"^[A-Z]{3}$"


def _errors(
    failing: pl.DataFrame, fact: FactEntity, column: str, message: str | pl.Expr, hint: str
) -> pl.DataFrame:
    value = pl.col(column).cast(pl.Utf8) if column in failing.columns else pl.lit(None, pl.Utf8)
    return failing.select(
        pl.col("_source").cast(pl.Utf8),
        pl.col("_row").cast(pl.Int64),
        pl.lit(fact.name).alias("entity"),
        pl.lit(column).alias("column"),
        value.alias("value"),
        (message if isinstance(message, pl.Expr) else pl.lit(message)).alias("message"),
        pl.lit(hint).alias("hint"),
    ).cast(ERROR_SCHEMA)  # type: ignore[arg-type]


def check_rules(fact: FactEntity, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split `frame` (which has `_source` and `_row`) into the rows that pass and the errors of the rest."""
    found: list[pl.DataFrame] = []
    bad = pl.lit(False)
    for f in fact.fields:
        if f.name not in frame.columns:
            continue
        col = pl.col(f.name)
        if f.required:
            failing = frame.filter(col.is_null())
            if failing.height:
                found.append(
                    _errors(
                        failing,
                        fact,
                        f.name,
                        f"{fact.name} needs a {f.name}",
                        f"fill in '{f.name}' on every row, or give the mapping a default",
                    )
                )
                bad = bad | col.is_null()
        if f.type is FieldType.ENUM:
            wrong = col.is_not_null() & ~col.is_in(list(f.choices))
            failing = frame.filter(wrong)
            if failing.height:
                found.append(
                    _errors(
                        failing,
                        fact,
                        f.name,
                        f"is not a valid {f.name}",
                        f"use one of: {', '.join(f.choices)} (a value map in the mapping can translate)",
                    )
                )
                bad = bad | wrong
        if f.type is FieldType.MONEY:
            has_currency = "currency" in frame.columns
            missing = col.is_not_null() & (pl.col("currency").is_null() if has_currency else pl.lit(True))
            failing = frame.filter(missing)
            if failing.height:
                found.append(
                    _errors(
                        failing,
                        fact,
                        "currency",
                        f"{f.name} has no currency",
                        "money is exact only in a known currency: add a currency column or constant",
                    )
                )
                bad = bad | missing
    if "currency" in frame.columns:
        wrong = pl.col("currency").is_not_null() & ~pl.col("currency").str.contains(CURRENCY_PATTERN)
        failing = frame.filter(wrong)
        if failing.height:
            found.append(
                _errors(
                    failing,
                    fact,
                    "currency",
                    "is not a currency code",
                    "use a three-letter ISO 4217 code in capitals, e.g. USD",
                )
            )
            bad = bad | wrong
    if fact.name == "goal":
        scope_bad, scope_errors = _goal_scopes(fact, frame)
        if scope_errors.height:
            found.append(scope_errors)
            bad = bad | scope_bad
    if not found:
        return frame, empty_errors()
    return frame.filter(~bad), pl.concat(found)


def _goal_scopes(fact: FactEntity, frame: pl.DataFrame) -> tuple[pl.Expr, pl.DataFrame]:
    """Each goal names exactly the scope its scope_kind says (goal frames are small: row by row)."""
    cols = ["scope_kind", "person", "team", "territory"]
    view = frame.select(*(pl.col(c) if c in frame.columns else pl.lit(None, pl.Utf8).alias(c) for c in cols))
    problems = [
        None if kind is None else goal_scope_problem(kind, person, team, territory)
        for kind, person, team, territory in view.iter_rows()
    ]
    series = pl.Series("_scope_problem", problems, dtype=pl.Utf8)
    failing = frame.with_columns(series).filter(pl.col("_scope_problem").is_not_null())
    errors = _errors(
        failing,
        fact,
        "scope_kind",
        pl.col("_scope_problem"),
        "set only the reference that scope_kind names (none for company)",
    )
    return pl.lit(series).is_not_null(), errors
