"""Three fiscal years of history, a group of seats at a time: deals, renewals, orders and credits.

Each group of seats draws from its own random stream, so a chunk's rows depend only on the spec
and its position, and memory stays bounded by the chunk size however many orders are asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from attain.demo.accounts import Accounts
from attain.demo.catalogue import PLATFORM_BY_SEGMENT, SEGMENTS
from attain.demo.deals import (
    WON,
    Deals,
    People,
    Seating,
    draw_pipeline,
    draw_renewals,
    label_kinds,
    month_starts,
)
from attain.demo.lines import (
    AccountTraits,
    Lines,
    installed_subscriptions,
    plan_deal_lines,
    renewed,
    subscriptions,
)
from attain.demo.org import Org
from attain.demo.spec import DemoSpec, day_number

CANCEL_SHARE = 0.015  # orders cancelled outright, within two months
RETURN_SHARE = 0.03  # add-on and service lines partly credited back
DEALS_PER_CHUNK = 200_000
HISTORY_STREAM = 3
YEAR = 365


@dataclass(slots=True)
class Credits:
    """Negative lines: `line` is the position of the original line, `amount` is already negative."""

    line: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    quantity: np.ndarray  # negative units for a cancellation, 0 (unknown) for a partial return
    cancellation: np.ndarray  # bool: a whole order cancelled, else a return


@dataclass(slots=True)
class History:
    """One chunk: deals with their lines (`lines.owner` is the deal), the cancel day of each deal, credits."""

    deals: Deals
    lines: Lines
    credits: Credits


@dataclass(slots=True)
class Context:
    """Everything drawn before the history that every chunk reads."""

    spec: DemoSpec
    org: Org
    accounts: Accounts
    people: People
    seating: Seating
    traits: AccountTraits
    volume: float
    seat_segment: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.seat_segment = np.array([SEGMENTS.index(s.segment) for s in self.org.seats])


def chunk_seats(ctx: Context) -> list[np.ndarray]:
    """Seats grouped so that each group draws about DEALS_PER_CHUNK deals (one group for the default)."""
    months = len(month_starts(ctx.spec))
    groups: list[list[int]] = [[]]
    expected = 0.0
    for seat in range(len(ctx.org.seats)):
        size = SEGMENTS[ctx.seat_segment[seat]].deals_per_month * ctx.volume * months
        if groups[-1] and expected + size > DEALS_PER_CHUNK:
            groups.append([])
            expected = 0.0
        groups[-1].append(seat)
        expected += size
    return [np.array(g, dtype=np.int64) for g in groups]


def _cancel_days(spec: DemoSpec, deals: Deals, rng: np.random.Generator) -> np.ndarray:
    """The day each won deal's order is cancelled, or -1; cancellations after the as-of date are unknown."""
    n = len(deals)
    day = deals.close + rng.integers(5, 61, n)
    cancelled = (deals.status == WON) & (rng.random(n) < CANCEL_SHARE) & (day <= day_number(spec.as_of))
    return np.where(cancelled, day, -1)


def _renewal_groups(
    deals: Deals, lines: Lines, cancel: np.ndarray, offset: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Lines]:
    """(account, renew day, installed, subscription lines by group) for the won, uncancelled deals."""
    renewing = np.flatnonzero((deals.status == WON) & (cancel < 0))
    group_of = np.full(offset + len(deals), -1)
    group_of[offset + renewing] = np.arange(len(renewing))
    subs = subscriptions(lines.take(group_of[lines.owner] >= 0))
    subs.owner = group_of[subs.owner]
    has_lines = np.bincount(subs.owner, minlength=len(renewing)) > 0
    keep = np.flatnonzero(has_lines)
    remap = np.full(len(renewing), -1)
    remap[keep] = np.arange(len(keep))
    subs.owner = remap[subs.owner]
    chosen = renewing[keep]
    return deals.account[chosen], deals.close[chosen] + YEAR, deals.installed[chosen], subs


def draw_history(ctx: Context, seats: np.ndarray, rng: np.random.Generator) -> History:
    spec, seating = ctx.spec, ctx.seating
    pipeline = draw_pipeline(
        spec,
        seating,
        ctx.people,
        ctx.seat_segment,
        seats,
        ctx.accounts.segment,
        ctx.accounts.installed,
        ctx.volume,
        rng,
    )
    label_kinds(pipeline, ctx.accounts.installed, len(ctx.accounts.seat))
    parts, line_parts = [pipeline], [plan_deal_lines(ctx.traits, pipeline.account, pipeline.kind, rng)]
    cancels = [_cancel_days(spec, pipeline, rng)]

    in_chunk = np.isin(ctx.accounts.seat, seats)
    installed = np.flatnonzero(in_chunk & ctx.accounts.installed)
    base = installed_subscriptions(ctx.traits, installed, rng)
    start = day_number(spec.history_start)
    # Anniversaries start ten days in, so that no renewal closes before the history does.
    g_account, g_day = installed, start + rng.integers(10, YEAR + 10, len(installed))
    g_installed, g_lines = np.ones(len(installed), dtype=bool), base
    a2, d2, i2, l2 = _renewal_groups(pipeline, line_parts[0], cancels[0], 0)
    l2.owner = l2.owner + len(g_account)
    g_account, g_day = np.concatenate([g_account, a2]), np.concatenate([g_day, d2])
    g_installed, g_lines = np.concatenate([g_installed, i2]), Lines.concat([g_lines, l2])

    offset = len(pipeline)
    while len(g_account):
        renewals, kept = draw_renewals(spec, seating, ctx.people, g_account, g_day, g_installed, rng)
        to_deal = np.full(len(g_account), -1)
        to_deal[kept] = offset + np.arange(len(kept))
        r_lines = renewed(g_lines, to_deal, rng)
        cancel = _cancel_days(spec, renewals, rng)
        parts.append(renewals)
        line_parts.append(r_lines)
        cancels.append(cancel)
        g_account, g_day, g_installed, g_lines = _renewal_groups(renewals, r_lines, cancel, offset)
        offset += len(renewals)

    deals, lines, cancel = Deals.concat(parts), Lines.concat(line_parts), np.concatenate(cancels)
    lines = lines.take(np.argsort(lines.owner, kind="stable"))
    return History(deals, lines, _credits(spec, deals, lines, cancel, rng))


def _credits(
    spec: DemoSpec, deals: Deals, lines: Lines, cancel: np.ndarray, rng: np.random.Generator
) -> Credits:
    won = deals.status[lines.owner] == WON
    cancelled = won & (cancel[lines.owner] >= 0)
    c_lines = np.flatnonzero(cancelled)
    # Returns are partial credits on add-ons and services (unused months, days not delivered).
    platform = np.isin(lines.product, list(PLATFORM_BY_SEGMENT.values()))
    day = deals.close[lines.owner] + rng.integers(10, 121, len(lines))
    share = rng.integers(10, 61, len(lines))
    returned = (
        won
        & ~cancelled
        & ~platform
        & (rng.random(len(lines)) < RETURN_SHARE)
        & (day <= day_number(spec.as_of))
    )
    r_lines = np.flatnonzero(returned)
    r_amount = -np.maximum(lines.amount[r_lines] * share[r_lines] // 100, 1)
    return Credits(
        line=np.concatenate([c_lines, r_lines]),
        day=np.concatenate([cancel[lines.owner[c_lines]], day[r_lines]]),
        amount=np.concatenate([-lines.amount[c_lines], r_amount]),
        quantity=np.concatenate([-lines.quantity[c_lines], np.zeros(len(r_lines), dtype=np.int64)]),
        cancellation=np.concatenate([np.ones(len(c_lines), dtype=bool), np.zeros(len(r_lines), dtype=bool)]),
    )


def history_chunks(ctx: Context) -> Iterator[History]:
    for k, seats in enumerate(chunk_seats(ctx)):
        yield draw_history(ctx, seats, np.random.default_rng([ctx.spec.seed, HISTORY_STREAM, k]))
