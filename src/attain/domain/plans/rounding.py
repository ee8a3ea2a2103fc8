"""Exact rounding of rational amounts to whole minor units, by the plan's declared mode.

Every engine rounds an earning line once, here, from an exact rational (no intermediate decimal), so the
reference evaluator and a relational engine agree to the cent, ties included.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from attain.domain.money import minor_exponent
from attain.domain.plans.model import RoundingMode


def round_fraction(value: Fraction, mode: RoundingMode) -> int:
    """`value` rounded to an integer: half_even, half_up (ties away from zero), down or up (from zero)."""
    return round_ratio(value.numerator, value.denominator, mode)


def round_ratio(numerator: int, denominator: int, mode: RoundingMode) -> int:
    """`numerator / denominator` (denominator above zero) rounded as `round_fraction` does, in integers:
    callers with thousands of payees skip building a Fraction for every product."""
    sign = -1 if numerator < 0 else 1
    whole, rest = divmod(abs(numerator), denominator)
    if rest == 0:
        return sign * whole
    if mode is RoundingMode.DOWN:
        return sign * whole
    if mode is RoundingMode.UP:
        return sign * (whole + 1)
    twice = 2 * rest
    if twice > denominator:
        return sign * (whole + 1)
    if twice < denominator:
        return sign * whole
    if mode is RoundingMode.HALF_UP:
        return sign * (whole + 1)
    return sign * (whole + (whole % 2))


def minor_of(amount: Decimal | Fraction, currency: str) -> Fraction:
    """A plan-currency amount written in the plan (e.g. a cap of 10000) in exact minor units."""
    return Fraction(amount) * Fraction(10) ** minor_exponent(currency)


def major_of(minor: Fraction | int, currency: str) -> Fraction:
    return Fraction(minor) / Fraction(10) ** minor_exponent(currency)


def as_decimal(value: Fraction, places: int = 6) -> Decimal:
    """A display value (attainment, quota) rounded half-even to `places` decimals."""
    scaled = round_fraction(value * 10**places, RoundingMode.HALF_EVEN)
    return Decimal(scaled).scaleb(-places)
