"""Quarterly revenue quotas for every rep, team and the company, calibrated on what reps really sell.

A segment's quota rate is its average booking per ramped rep-day in that quarter plus a stretch, so
about half the reps beat their number; quarters not finished yet use last year's rate and growth.
Team quotas sum their members' (at least one full seat's worth) with a small over-assignment at each
level, as sales orgs do; every segment team, region and the company has one every quarter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from attain.demo.catalogue import MAIN_CURRENCY, SEGMENTS, USD_PER_UNIT
from attain.demo.deals import RAMP_DAYS, WON
from attain.demo.history import Context, History
from attain.demo.lines import CURRENCIES
from attain.demo.spec import day_number
from attain.domain.calendar import PeriodKind

STRETCH = 1.05
GROWTH_LIMITS = (1.0, 1.25)
RATE_FLOOR = 0.5  # of the segment's usual rate
OVER_ASSIGNMENT = {"team": 0.95, "region": 0.97, "company": 0.97}
USD_CENTS_PER_100 = np.array([round(USD_PER_UNIT[c] * 100) for c in CURRENCIES], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Quarters:
    keys: list[str]
    start: np.ndarray  # day numbers; quarter i is [start[i], start[i + 1])

    @classmethod
    def of(cls, ctx: Context) -> Quarters:
        cal = ctx.spec.calendar
        periods = [cal.period(PeriodKind.QUARTER, fy, q) for fy in ctx.spec.fiscal_years for q in range(1, 5)]
        start = np.array([day_number(p.start) for p in periods] + [day_number(periods[-1].end)])
        return cls([p.key for p in periods], start)

    def index(self, day: np.ndarray) -> np.ndarray:
        """The quarter of each day, or -1 outside the three fiscal years."""
        i = np.searchsorted(self.start, day, side="right") - 1
        return np.where((i >= 0) & (i < len(self.keys)), i, -1)


def bookings(ctx: Context, history: History, quarters: Quarters) -> np.ndarray:
    """Won bookings of reps in USD cents, by (segment, quarter): the base of the quota rates."""
    deals, lines = history.deals, history.lines
    deal = lines.owner
    by_rep = (deals.status[deal] == WON) & (deals.owner[deal] >= len(ctx.org.leaders))
    quarter = quarters.index(deals.close[deal])
    keep = by_rep & (quarter >= 0)
    usd = lines.amount[keep] * USD_CENTS_PER_100[lines.currency[keep]] // 100
    segment = ctx.accounts.segment[deals.account[deal[keep]]]
    out = np.zeros((len(SEGMENTS), len(quarters.keys)), dtype=np.int64)
    np.add.at(out, (segment, quarter[keep]), usd)
    return out


def _ramped_days(ctx: Context, quarters: Quarters) -> list[tuple[int, int, int, np.ndarray]]:
    """(tenure, seat, person position, ramped days per quarter) for every rep tenure."""
    out = []
    last = quarters.start[-1]
    leaders = len(ctx.org.leaders)
    position = {id(p): leaders + i for i, p in enumerate(ctx.org.reps)}
    for i, t in enumerate(ctx.org.tenures):
        first = max(day_number(t.start), quarters.start[0])
        end = last if t.end is None else min(day_number(t.end) + 1, last)
        if end <= first:
            continue
        days = np.arange(first, end)
        ramp = np.clip((days - day_number(t.person.hired_on)) / RAMP_DAYS, 0.2, 1.0)
        q = quarters.index(days)
        out.append(
            (i, t.seat, position[id(t.person)], np.bincount(q, weights=ramp, minlength=len(quarters.keys)))
        )
    return out


def _rates(
    ctx: Context, quarters: Quarters, booked: np.ndarray, ramped: list[tuple[int, int, int, np.ndarray]]
) -> np.ndarray:
    """Quota cents per ramped rep-day, by (segment, quarter)."""
    as_of = day_number(ctx.spec.as_of)
    n_q = len(quarters.keys)
    capacity = np.zeros((len(SEGMENTS), n_q))
    for _, seat, _, days in ramped:
        capacity[ctx.seat_segment[seat]] += days
    done = quarters.start[1:] <= as_of + 1
    actual = np.where(capacity > 0, booked / np.maximum(capacity, 1e-9), np.nan)
    fallback = np.nanmean(np.where(done[None, :], actual, np.nan), axis=1)
    fallback = np.where(np.isnan(fallback), np.nanmean(fallback), fallback)
    actual = np.where(np.isnan(actual), fallback[:, None], actual)
    # A quarter that happened to book little does not set next year's number near zero (nor a
    # team's this year): quotas never drop below half the segment's usual rate.
    positive = fallback[fallback > 0]
    usual = np.where(fallback > 0, fallback, positive.mean() if len(positive) else 1.0)
    actual = np.maximum(actual, RATE_FLOOR * usual[:, None])
    rate = actual * STRETCH
    # Growth: the last closed year over the one before it (the history always has two closed years).
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = actual[:, 4:8].sum(axis=1) / actual[:, 0:4].sum(axis=1)
    growth = np.clip(np.nan_to_num(growth, nan=1.0, posinf=1.0), *GROWTH_LIMITS)
    for q in np.flatnonzero(~done):
        base = actual[:, q - 4] if q >= 4 else fallback
        rate[:, q] = base * growth * STRETCH
    return rate


def quota_frame(ctx: Context, booked: np.ndarray) -> pl.DataFrame:
    quarters = Quarters.of(ctx)
    ramped = _ramped_days(ctx, quarters)
    rate = _rates(ctx, quarters, booked, ramped)
    people = ctx.people.external_id
    person_cents: dict[tuple[int, int], float] = {}
    team_cents: dict[tuple[str, int], float] = {}
    for _, seat, person, days in ramped:
        segment = ctx.seat_segment[seat]
        team = ctx.org.seats[seat].team
        for q in map(int, np.flatnonzero(days > 0)):
            cents = float(rate[segment, q] * days[q])
            person_cents[(person, q)] = person_cents.get((person, q), 0.0) + cents
            team_cents[(team, q)] = team_cents.get((team, q), 0.0) + cents

    # A manager always carries at least one full seat's number, even while their team is thin or vacant.
    quarter_days = np.diff(quarters.start)
    for leaf in ctx.org.teams:
        if leaf.segment is None:
            continue
        row = SEGMENTS.index(leaf.segment)
        for q in range(len(quarters.keys)):
            full_seat = float(rate[row, q] * quarter_days[q])
            team_cents[(leaf.external_id, q)] = max(team_cents.get((leaf.external_id, q), 0.0), full_seat)

    rows: list[tuple[str, str | None, str | None, str, int]] = []
    # Quota rates are statistical estimates; targets are rounded once, to whole dollars, here.
    for (person, q), cents in sorted(person_cents.items()):
        rows.append(("person", people[person], None, quarters.keys[q], max(1_000, _round(cents, 500))))
    region_cents: dict[tuple[str, int], float] = {}
    for (team, q), cents in sorted(team_cents.items()):
        target = cents * OVER_ASSIGNMENT["team"]
        rows.append(("team", None, team, quarters.keys[q], max(1_000, _round(target, 1_000))))
        parent = next(t.parent for t in ctx.org.teams if t.external_id == team)
        assert parent is not None
        region_cents[(parent, q)] = region_cents.get((parent, q), 0.0) + target
    company: dict[int, float] = {}
    for (team, q), cents in sorted(region_cents.items()):
        target = cents * OVER_ASSIGNMENT["region"]
        rows.append(("team", None, team, quarters.keys[q], _round(target, 1_000)))
        company[q] = company.get(q, 0.0) + target
    for q, cents in sorted(company.items()):
        rows.append(
            ("company", None, None, quarters.keys[q], _round(cents * OVER_ASSIGNMENT["company"], 10_000))
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "scope_kind": pl.Utf8,
            "person": pl.Utf8,
            "team": pl.Utf8,
            "period": pl.Utf8,
            "target": pl.Int64,
        },
        orient="row",
    )
    return frame.select(
        pl.lit("revenue").alias("metric"),
        "scope_kind",
        "person",
        "team",
        pl.lit(None, pl.Utf8).alias("territory"),
        "period",
        pl.lit("quota").alias("kind"),
        pl.col("target").cast(pl.Decimal(38, 6)),
        pl.lit(MAIN_CURRENCY).alias("currency"),
    )


def _round(cents: float, dollars: int) -> int:
    """Whole dollars, rounded to a multiple of `dollars` (quotas are set in round numbers)."""
    return round(cents / 100 / dollars) * dollars
