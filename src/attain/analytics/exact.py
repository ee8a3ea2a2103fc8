"""Exact integer arithmetic on frame columns: half-even division and medians of minor units.

Money stays in Int64 minor units; a division rounds once, half to even, as Money.times does.
"""

from __future__ import annotations

import polars as pl


def div_half_even(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den rounded half to even, for Int64 expressions; null where den is 0 or null."""
    # With a positive divisor, floor division leaves a remainder in [0, |den|).
    n = num * den.sign()
    d = den.abs()
    q = n.floordiv(d)
    r = n - q * d
    twice = r * 2
    up = (twice > d) | ((twice == d) & (q % 2 != 0))
    return pl.when(den == 0).then(None).otherwise(q + up.cast(pl.Int64))


def median_half_even(values: pl.Expr) -> pl.Expr:
    """The median of Int64 minor units, rounded half-even when it falls between two units.

    Polars gives the median as a float; twice it is an exact integer while amounts stay below 2**52.
    """
    twice = (values.median() * 2).round(0).cast(pl.Int64)
    return div_half_even(twice, pl.lit(2, dtype=pl.Int64))


def float_to_minor_half_even(value: pl.Expr) -> pl.Expr:
    """A float amount of minor units rounded half-even (used only where a divisor is fractional)."""
    return value.round(0, mode="half_to_even").cast(pl.Int64)
