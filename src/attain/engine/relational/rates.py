"""Rate catalogs of commissions: every rate a line can use, by id, as integers over one power of ten.

A rate id packs (tier x lookup slot) and whether accelerators are withheld; the catalog computes each rate
exactly as the reference evaluator does (absolute tier rates, multiples of the base or looked-up rate, the
last ordinary tier's rate while accelerators wait for their gate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from attain.domain.plans.model import Commission, Tier


@dataclass(frozen=True, slots=True)
class RateCatalog:
    """The rates one commission can apply, by rate id = ((tier x slots) + lookup slot) x 2 + withheld."""

    rates: dict[int, Decimal | None]  # None: no lookup rate and no default
    slots: int
    den: int

    def num(self, rate_id: int) -> int | None:
        rate = self.rates[rate_id]
        return None if rate is None else int(rate * self.den)


def canonical_number(name: str) -> Fraction | None:
    """A lookup key the reference would produce for a number field ('3' or '1/2'), else None."""
    if re.fullmatch(r"-?\d+", name) and str(int(name)) == name:
        return Fraction(int(name))
    if re.fullmatch(r"-?\d+/\d+", name):
        value = Fraction(name)
        if value.denominator > 1 and str(value) == name:
            return value
    return None


def rate_catalog(comp: Commission) -> RateCatalog:
    lookup = comp.lookup
    slots = 1 if lookup is None else len(lookup.rates) + 2

    def base(slot: int) -> Decimal | None:
        if lookup is None:
            return comp.base_rate if comp.base_rate is not None else Decimal(0)
        if slot < len(lookup.rates):
            return lookup.rates[slot][1]
        return lookup.default if slot == len(lookup.rates) else None

    def tier_rate(tier: Tier, slot: int, withheld: bool) -> Decimal | None:
        if tier.accelerator and withheld:
            tiers = comp.table.tiers if comp.table else ()
            ordinary = [t for t in tiers if not t.accelerator and t.index < tier.index]
            return base(slot) if not ordinary else tier_rate(ordinary[-1], slot, False)
        if tier.rate is not None:
            return tier.rate
        b = base(slot)
        assert tier.multiplier is not None
        return None if b is None else b * tier.multiplier

    rates: dict[int, Decimal | None] = {}
    tiers = comp.table.tiers if comp.table else ()
    for slot in range(slots):
        rates[slot * 2] = base(slot)
        for tier in tiers:
            for withheld in (0, 1):
                rates[(tier.index * slots + slot) * 2 + withheld] = tier_rate(tier, slot, bool(withheld))
    places = 0
    for rate in rates.values():
        if rate is not None:
            exponent = rate.normalize().as_tuple().exponent
            assert isinstance(exponent, int)
            places = max(places, -exponent)
    return RateCatalog(rates, slots, 10**places)


def rate_num(catalog: RateCatalog, rate_id: str) -> tuple[str, str]:
    """The rate numerator of `rate_id` and the join it needs: inline for the usual handful of rates, else
    one join to the rates table (rates_src, one row per rate id; an id without a rate gives NULL, as the
    CASE does)."""
    if len(catalog.rates) > 32:
        # One join rather than a correlated lookup per use: the rounding repeats the product five times,
        # and Spark's optimizer loses the correlated column when the lines come from a UNION ALL.
        return "r.num", f" LEFT JOIN rates_src r ON r.rate_id = {rate_id}"
    whens = " ".join(f"WHEN {i} THEN {catalog.num(i)}" for i in catalog.rates if catalog.rates[i] is not None)
    return f"(CASE {rate_id} {whens} END)", ""
