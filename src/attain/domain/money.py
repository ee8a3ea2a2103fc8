"""Exact money: integer minor units with an ISO 4217 currency; never float.

Conversion from text or Decimal rounds half-even only when the caller asks for it, so silent
precision loss cannot happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from attain.domain.errors import InvalidInput

# Minor-unit exponents that differ from the default of 2 (ISO 4217).
_EXPONENTS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "CLP": 0,
    "ISK": 0,
    "VND": 0,
    "HUF": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


def minor_exponent(currency: str) -> int:
    """Digits after the decimal point for `currency` (2 unless ISO 4217 says otherwise)."""
    return _EXPONENTS.get(currency, 2)


def check_currency(code: str) -> str:
    """Return `code` upper-cased when it looks like an ISO 4217 code, else raise InvalidInput."""
    up = code.strip().upper()
    if len(up) != 3 or not up.isalpha():
        raise InvalidInput(
            f"'{code}' is not a currency code", hint="use a three-letter ISO 4217 code, e.g. USD"
        )
    return up


def to_minor(amount: Decimal | int | str, currency: str, *, rounding: str | None = None) -> int:
    """Convert a decimal amount to integer minor units.

    Raises InvalidInput if the amount has more decimals than the currency allows, unless a
    `rounding` mode from `decimal` (e.g. ROUND_HALF_EVEN) is given.
    """
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(f"'{amount}' is not a number") from exc
    if not value.is_finite():
        raise InvalidInput(f"'{amount}' is not a finite amount")
    scaled = value.scaleb(minor_exponent(currency))
    if scaled != scaled.to_integral_value():
        if rounding is None:
            raise InvalidInput(
                f"{amount} has more decimals than {currency} allows",
                hint=f"round to {minor_exponent(currency)} decimals or declare a rounding mode",
            )
        scaled = scaled.quantize(Decimal(1), rounding=rounding)
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """The decimal amount for `minor` units of `currency` (exact)."""
    return Decimal(minor).scaleb(-minor_exponent(currency))


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An exact amount: integer minor units of one currency."""

    minor: int
    currency: str = "USD"

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str = "USD", *, rounding: str | None = None) -> Money:
        cur = check_currency(currency)
        return cls(to_minor(amount, cur, rounding=rounding), cur)

    @classmethod
    def zero(cls, currency: str = "USD") -> Money:
        return cls(0, check_currency(currency))

    @property
    def amount(self) -> Decimal:
        return from_minor(self.minor, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(
                f"cannot combine {self.currency} with {other.currency}",
                hint="convert with a dated exchange rate first",
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def times(self, factor: Decimal | int, *, rounding: str = ROUND_HALF_EVEN) -> Money:
        """Multiply by an exact factor (a rate, a share) and round once to minor units."""
        product = Decimal(self.minor) * Decimal(factor)
        return Money(int(product.quantize(Decimal(1), rounding=rounding)), self.currency)

    def allocate(self, weights: list[int] | list[Decimal]) -> list[Money]:
        """Split into parts proportional to `weights` that sum exactly to this amount.

        Largest-remainder method: each part gets its floor share, then the leftover minor units go
        to the largest remainders (earlier positions win ties), so the result is deterministic.
        """
        total = sum(Decimal(w) for w in weights)
        if not weights or total <= 0 or any(Decimal(w) < 0 for w in weights):
            raise InvalidInput("allocation weights must be non-negative and sum to more than zero")
        sign = -1 if self.minor < 0 else 1
        whole = abs(self.minor)
        exact = [Decimal(whole) * Decimal(w) / total for w in weights]
        floors = [int(x) for x in exact]
        leftover = whole - sum(floors)
        order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:leftover]:
            floors[i] += 1
        return [Money(sign * f, self.currency) for f in floors]

    def __str__(self) -> str:
        return f"{self.amount:,.{minor_exponent(self.currency)}f} {self.currency}"
