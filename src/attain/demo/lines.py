"""What each deal sells: order lines by segment, kind and product, priced exactly in minor units.

New business lands a platform edition sized to the account, often with add-ons and services;
upsells add add-ons; renewals carry the subscription lines forward with a small uplift.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from attain.demo.catalogue import (
    ADD_ON_INDEXES,
    PLATFORM_BY_SEGMENT,
    PRICE_BOOK_PER_100_USD,
    PRODUCTS,
    SEGMENTS,
    local_price,
)
from attain.demo.deals import NEW

CURRENCIES = tuple(PRICE_BOOK_PER_100_USD)  # index order of the currency columns
UNIT_MINOR = np.array(
    [[local_price(p.list_price, c) * 100 for c in CURRENCIES] for p in PRODUCTS], dtype=np.int64
)
SUBSCRIPTION = np.array([p.subscription for p in PRODUCTS])
DISCOUNT = ((0, 10), (5, 20), (10, 30))  # whole percent, by segment
ADD_ON_SHARE = (0.45, 0.25)  # new business, upsell: a second line with an add-on
SERVICES_SHARE_NEW = np.array([0.15, 0.5, 0.8])  # by segment: bigger customers buy implementation
SERVICES_SHARE_UPSELL = 0.2
IMPLEMENTATION, TRAINING, CONSULTING = 7, 8, 9
RENEWAL_UPLIFT = (0, 7)  # whole percent


@dataclass(slots=True)
class Lines:
    """Order lines as columns; `owner` is the deal (or subscription group) the line belongs to."""

    owner: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    amount: np.ndarray  # minor units of `currency`
    currency: np.ndarray  # index into CURRENCIES

    def __len__(self) -> int:
        return len(self.owner)

    def take(self, mask: np.ndarray) -> Lines:
        return Lines(*(getattr(self, f.name)[mask] for f in fields(self)))

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        return Lines(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Lines)))


@dataclass(slots=True)
class AccountTraits:
    """What pricing needs to know about each account, by position."""

    segment: np.ndarray
    currency: np.ndarray
    size: np.ndarray  # 0..1: where the account sits in its segment's employee range (log scale)
    region_pct: np.ndarray  # regional deal-size multiplier in percent

    def units(self, account: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Platform units for a deal: bigger accounts in bigger segments buy more."""
        lo = np.array([s.units[0] for s in SEGMENTS])[self.segment[account]]
        hi = np.array([s.units[1] for s in SEGMENTS])[self.segment[account]]
        jitter = rng.integers(-1, 2, len(account))
        units = lo + np.floor(self.size[account] * (hi - lo + 1)).astype(np.int64) + jitter
        return np.asarray(np.clip(units, lo, hi), dtype=np.int64)


def price(
    traits: AccountTraits,
    account: np.ndarray,
    product: np.ndarray,
    quantity: np.ndarray,
    discount: np.ndarray,
) -> np.ndarray:
    """Exact line amounts: list price in the account's price book, less discount, times region."""
    unit = UNIT_MINOR[product, traits.currency[account]]
    return np.asarray(
        unit * quantity * (100 - discount) * traits.region_pct[account] // 10_000, dtype=np.int64
    )


def _discount(traits: AccountTraits, account: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    seg = traits.segment[account]
    lo = np.array([d[0] for d in DISCOUNT])[seg]
    hi = np.array([d[1] for d in DISCOUNT])[seg]
    return np.asarray(lo + np.floor(rng.random(len(account)) * (hi - lo + 1)), dtype=np.int64)


def _other_add_on(product: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    first = ADD_ON_INDEXES[0]
    shift = rng.integers(1, len(ADD_ON_INDEXES), len(product))
    base = np.where(product >= first, product - first, 0)
    return first + (base + shift) % len(ADD_ON_INDEXES)


def plan_deal_lines(
    traits: AccountTraits, account: np.ndarray, kind: np.ndarray, rng: np.random.Generator
) -> Lines:
    """Up to three lines per new-business or upsell deal, in line order."""
    n = len(account)
    new = kind == NEW
    seg = traits.segment[account]
    units = traits.units(account, rng)
    discount = _discount(traits, account, rng)
    add_on = np.array(ADD_ON_INDEXES)[rng.integers(0, len(ADD_ON_INDEXES), n)]
    platform = np.array([PLATFORM_BY_SEGMENT[s.key] for s in SEGMENTS])[seg]
    first_product = np.where(new, platform, add_on)
    first_qty = np.where(new, units, 1 + rng.integers(0, np.maximum(units // 2, 1) + 1))

    second = rng.random(n) < np.where(new, ADD_ON_SHARE[0], ADD_ON_SHARE[1])
    second_product = _other_add_on(first_product, rng)
    second_qty = np.where(seg == 2, units, 1)

    third = rng.random(n) < np.where(new, SERVICES_SHARE_NEW[seg], SERVICES_SHARE_UPSELL)
    consulting = (seg == 2) & (rng.random(n) < 0.5)
    third_product = np.where(new, np.where(consulting, CONSULTING, IMPLEMENTATION), TRAINING)
    third_qty = np.where(third_product == IMPLEMENTATION, 1, 1 + rng.integers(0, 3, n))

    deal = np.arange(n)
    parts = []
    for mask, product, qty in (
        (np.ones(n, dtype=bool), first_product, first_qty),
        (second, second_product, second_qty),
        (third, third_product, third_qty),
    ):
        d = deal[mask]
        parts.append(
            Lines(
                d,
                product[mask],
                qty[mask],
                price(traits, account[d], product[mask], qty[mask], discount[mask]),
                traits.currency[account[d]],
            )
        )
    lines = Lines.concat(parts)
    return lines.take(np.argsort(lines.owner, kind="stable"))


def installed_subscriptions(traits: AccountTraits, account: np.ndarray, rng: np.random.Generator) -> Lines:
    """The subscription each installed-base account bought before the history: owner is its group."""
    n = len(account)
    seg = traits.segment[account]
    units = traits.units(account, rng)
    discount = _discount(traits, account, rng)
    platform = np.array([PLATFORM_BY_SEGMENT[s.key] for s in SEGMENTS])[seg]
    extra = rng.random(n) < 0.5
    add_on = np.array(ADD_ON_INDEXES)[rng.integers(0, len(ADD_ON_INDEXES), n)]
    group = np.arange(n)
    lines = Lines.concat(
        [
            Lines(
                group,
                platform,
                units,
                price(traits, account, platform, units, discount),
                traits.currency[account],
            ),
            Lines(
                group[extra],
                add_on[extra],
                np.ones(int(extra.sum()), dtype=np.int64),
                price(
                    traits,
                    account[extra],
                    add_on[extra],
                    np.ones(int(extra.sum()), dtype=np.int64),
                    discount[extra],
                ),
                traits.currency[account[extra]],
            ),
        ]
    )
    return lines.take(np.argsort(lines.owner, kind="stable"))


def renewed(lines: Lines, group_to_deal: np.ndarray, rng: np.random.Generator) -> Lines:
    """The subscription lines of renewed groups, moved to their renewal deal with the uplift applied.

    `group_to_deal[g]` is the renewal deal of group g, or -1 when the group got no renewal deal.
    """
    kept = lines.take(group_to_deal[lines.owner] >= 0)
    deal = group_to_deal[kept.owner]
    uplift = rng.integers(RENEWAL_UPLIFT[0], RENEWAL_UPLIFT[1] + 1, len(group_to_deal))[kept.owner]
    return Lines(deal, kept.product, kept.quantity, kept.amount * (100 + uplift) // 100, kept.currency)


def subscriptions(lines: Lines) -> Lines:
    return lines.take(SUBSCRIPTION[lines.product])
