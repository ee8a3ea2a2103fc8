"""Opportunities and their stage histories, drawn for many seats at once (numpy arrays, no row loops).

Volume follows the seat's segment and the season of the decision date; each stage converts with
odds shifted by the owner's skill (which drops for reps who slip); the time in each stage follows
the segment's cycle and the owner's pace. Renewal deals follow the anniversaries of subscriptions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from attain.demo.catalogue import SEGMENTS
from attain.demo.org import SLIP_DELTA, Org
from attain.demo.spec import DemoSpec, day_number
from attain.domain.calendar import add_months

STAGE_CONVERSION = np.array(
    [0.60, 0.66, 0.70, 0.62]
)  # Prospecting > Qualification > Proposal > Negotiation > Won
SKILL_ODDS = 0.45  # log-odds per unit of skill, at every stage: compounding makes good reps clearly better
SEGMENT_ODDS = np.array([0.10, 0.0, -0.15])  # SMB, Mid-Market, Enterprise
STAGE_LENGTH = np.array([0.7, 1.0, 1.3, 1.0])  # relative time spent in each stage
STALL = 1.4  # a deal that is lost lingers in its last stage
SLIP_PACE = 1.25  # a slipping rep's deals also take longer
RAMP_DAYS = 180  # a new hire reaches full volume after about half a year
QUARTER_WEIGHT = (0.85, 1.0, 0.95, 1.3)  # fiscal Q1..Q4: a strong year end, a soft start
QUARTER_END_PULL = 0.3  # share of a quarter-end month's deals pushed into its last ten days
SUMMER = (7, 8)  # calendar months of the summer lull
RENEWAL_WIN = 0.88
CUSTOMER_ODDS = 0.6  # selling more to an installed customer is easier than winning a new logo

OPEN, WON, LOST = 0, 1, 2
NEW, UPSELL, RENEWAL = 0, 1, 2
NO_DAY = np.iinfo(np.int64).max // 4


@dataclass(slots=True)
class People:
    """Traits of everyone in `Org.people`, by position."""

    external_id: list[str]
    skill: np.ndarray
    pace: np.ndarray
    slip_day: np.ndarray
    hired_day: np.ndarray

    @classmethod
    def of(cls, org: Org) -> People:
        people = org.people
        return cls(
            external_id=[p.external_id for p in people],
            skill=np.array([p.skill for p in people]),
            pace=np.array([p.pace for p in people]),
            slip_day=np.array([NO_DAY if p.slip_on is None else day_number(p.slip_on) for p in people]),
            hired_day=np.array([day_number(p.hired_on) for p in people]),
        )


@dataclass(slots=True)
class Deals:
    """Opportunities as columns; `entered` holds the day each of the four stages was entered, or -1."""

    account: np.ndarray
    owner: np.ndarray  # index into People
    created: np.ndarray
    close: np.ndarray  # the decision day, or the planned one while open
    entered: np.ndarray  # shape (n, 4)
    status: np.ndarray
    stage: np.ndarray  # last stage entered (by the as-of date while open)
    kind: np.ndarray
    installed: np.ndarray  # bool: renews a subscription bought before the history (volume calibration)

    def __len__(self) -> int:
        return len(self.account)

    def take(self, mask: np.ndarray) -> Deals:
        return Deals(*(getattr(self, f.name)[mask] for f in fields(self)))

    @staticmethod
    def concat(parts: list[Deals]) -> Deals:
        return Deals(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Deals)))


@dataclass(slots=True)
class Seating:
    """Who held which seat when, and which accounts each seat covers: the lookups deals need."""

    key: np.ndarray  # seat * SPAN + start day, sorted
    seat: np.ndarray
    start: np.ndarray
    end: np.ndarray
    holder: np.ndarray  # index into People
    manager: np.ndarray  # per seat: index into People of the team's manager
    account_seat: np.ndarray  # per account, sorted
    account_weight: np.ndarray  # cumulative buying weight over accounts

    SPAN = 1 << 22

    @classmethod
    def of(cls, spec: DemoSpec, org: Org, account_seat: np.ndarray, weight: np.ndarray) -> Seating:
        tenures = org.tenure_arrays(spec.horizon_end)
        leaders = len(org.leaders)
        position = {id(p): i for i, p in enumerate(org.people)}
        return cls(
            key=tenures["seat"] * cls.SPAN + tenures["start"],
            seat=tenures["seat"],
            start=tenures["start"],
            end=tenures["end"],
            holder=tenures["rep"] + leaders,
            manager=np.array([position[id(org.team_manager[s.team])] for s in org.seats]),
            account_seat=account_seat,
            account_weight=np.cumsum(weight),
        )

    def holder_on(self, seat: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(tenure index, found) of the seat's holder on each day."""
        i = np.searchsorted(self.key, seat * self.SPAN + day, side="right") - 1
        i = np.maximum(i, 0)
        return i, (self.seat[i] == seat) & (self.start[i] <= day) & (day <= self.end[i])

    def pick_accounts(self, seat: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(account, found): an account of each seat, bigger ones more often."""
        lo = np.searchsorted(self.account_seat, seat, side="left")
        hi = np.searchsorted(self.account_seat, seat, side="right")
        cw = self.account_weight
        base = np.where(lo > 0, cw[np.maximum(lo - 1, 0)], 0.0)
        top = cw[np.maximum(hi - 1, 0)]
        target = base + rng.random(len(seat)) * (top - base)
        account = np.clip(np.searchsorted(cw, target, side="right"), lo, np.maximum(hi - 1, lo))
        return account, hi > lo


def month_starts(spec: DemoSpec) -> list[date]:
    first = spec.history_start
    months = []
    while first <= spec.horizon_end:
        months.append(first)
        first = add_months(first, 1)
    return months


def season_weight(spec: DemoSpec, month: date) -> float:
    """Relative deal volume decided in `month`: strong fiscal Q4 and quarter ends, a summer lull."""
    fiscal_month = (month.month - spec.fiscal_start_month) % 12 + 1
    weight = QUARTER_WEIGHT[(fiscal_month - 1) // 3] * (1.25 if fiscal_month % 3 == 0 else 0.9)
    return weight * (0.8 if month.month in SUMMER else 1.0)


def _conversions(
    skill: np.ndarray, segment: np.ndarray, customer: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(won, last stage) from four stage conversions with the owner's odds."""
    base = np.log(STAGE_CONVERSION / (1 - STAGE_CONVERSION))
    shift = SKILL_ODDS * skill + SEGMENT_ODDS[segment] + np.where(customer, CUSTOMER_ODDS / 4, 0.0)
    odds = base[None, :] + shift[:, None]
    passed = rng.random(odds.shape) < 1.0 / (1.0 + np.exp(-odds))
    first_fail = np.where(passed.all(axis=1), 4, np.argmin(passed, axis=1))
    return first_fail == 4, np.minimum(first_fail, 3)


def draw_pipeline(
    spec: DemoSpec,
    seating: Seating,
    people: People,
    seat_segment: np.ndarray,
    seats: np.ndarray,
    account_segment: np.ndarray,
    installed: np.ndarray,
    volume: float,
    rng: np.random.Generator,
) -> Deals:
    """New-business and upsell opportunities of `seats` decided over the history and the horizon."""
    months = month_starts(spec)
    m_start = np.array([day_number(m) for m in months])
    m_days = np.array([(add_months(m, 1) - m).days for m in months])
    weight = np.array([season_weight(spec, m) for m in months])
    quarter_end = np.array([((m.month - spec.fiscal_start_month) % 12 + 1) % 3 == 0 for m in months])
    rate = np.array([SEGMENTS[s].deals_per_month for s in seat_segment[seats]]) * volume
    counts = rng.poisson(rate[:, None] * weight[None, :]).ravel()
    seat = np.repeat(np.repeat(seats, len(months)), counts)
    month = np.repeat(np.tile(np.arange(len(months)), len(seats)), counts)
    n = len(seat)
    close = m_start[month] + (rng.random(n) * m_days[month]).astype(np.int64)
    pulled = quarter_end[month] & (rng.random(n) < QUARTER_END_PULL)
    close = np.where(pulled, m_start[month] + m_days[month] - 1 - rng.integers(0, 10, n), close)

    tenure, held = seating.holder_on(seat, close)
    owner = seating.holder[tenure]
    ramp = np.clip((close - people.hired_day[owner]) / RAMP_DAYS, 0.2, 1.0)
    account, has_account = seating.pick_accounts(seat, rng)
    keep = held & has_account & (rng.random(n) < ramp) & (close <= day_number(spec.horizon_end))
    seat, close, owner, account, tenure = seat[keep], close[keep], owner[keep], account[keep], tenure[keep]
    n = len(seat)

    slipping = close >= people.slip_day[owner]
    skill = people.skill[owner] + np.where(slipping, SLIP_DELTA, 0.0)
    segment = account_segment[account]
    won, last = _conversions(skill, segment, installed[account], rng)
    pace = people.pace[owner] * np.where(slipping, SLIP_PACE, 1.0)
    stage_days = np.array([s.stage_days for s in SEGMENTS])[segment]
    mean = stage_days[:, None] * STAGE_LENGTH[None, :] * pace[:, None]
    days = np.ceil(rng.gamma(2.0, mean / 2.0)).astype(np.int64)
    rows = np.arange(n)
    days[rows, last] = np.ceil(days[rows, last] * np.where(won, 1.0, STALL)).astype(np.int64)
    days = np.maximum(days, 1)
    ends = np.cumsum(days, axis=1)
    created = close - ends[rows, last]
    starts = created[:, None] + np.concatenate([np.zeros((n, 1), dtype=np.int64), ends[:, :3]], axis=1)
    entered = np.where(np.arange(4)[None, :] <= last[:, None], starts, -1)
    status = np.where(won, WON, LOST)
    keep = (created >= seating.start[tenure]) & (created <= day_number(spec.as_of))
    deals = Deals(
        account, owner, created, close, entered, status, last, np.full(n, NEW), np.zeros(n, dtype=bool)
    ).take(keep)
    return settle_open(spec, deals)


def draw_renewals(
    spec: DemoSpec,
    seating: Seating,
    people: People,
    account: np.ndarray,
    renew_day: np.ndarray,
    installed: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Deals, np.ndarray]:
    """One renewal opportunity per subscription anniversary, and which anniversaries got one.

    Anniversaries whose renewal is not yet created by the as-of date get none; a vacant seat's
    renewals go to the team's manager.
    """
    n = len(account)
    close = renew_day + rng.integers(-10, 16, n)
    seat = seating.account_seat[account]
    tenure, held = seating.holder_on(seat, close)
    owner = np.where(held, seating.holder[tenure], seating.manager[seat])
    skill = people.skill[owner] + np.where(close >= people.slip_day[owner], SLIP_DELTA, 0.0)
    odds = np.log(RENEWAL_WIN / (1 - RENEWAL_WIN)) + 0.25 * skill
    won = rng.random(n) < 1.0 / (1.0 + np.exp(-odds))
    created = close - rng.integers(60, 101, n)
    entered = np.full((n, 4), -1, dtype=np.int64)
    entered[:, 2] = created  # renewals start at Proposal: the customer and the need are known
    entered[:, 3] = np.maximum(close - rng.integers(10, 41, n), created + 1)
    status = np.where(won, WON, LOST)
    deals = Deals(
        account, owner, created, close, entered, status, np.full(n, 3), np.full(n, RENEWAL), installed
    )
    kept = np.flatnonzero(created <= day_number(spec.as_of))
    return settle_open(spec, deals.take(kept)), kept


def settle_open(spec: DemoSpec, deals: Deals) -> Deals:
    """Deals not decided by the as-of date are open, in the last stage they had entered by then."""
    as_of = day_number(spec.as_of)
    undecided = deals.close > as_of
    entered = np.where(undecided[:, None] & (deals.entered > as_of), -1, deals.entered)
    reached = np.where(entered >= 0, np.arange(4)[None, :], -1).max(axis=1)
    deals.entered = entered
    deals.stage = np.where(undecided, reached, deals.stage)
    deals.status = np.where(undecided, OPEN, deals.status)
    return deals


def label_kinds(deals: Deals, installed: np.ndarray, accounts: int) -> None:
    """New business until an account has bought; an opportunity created after its first win is an upsell."""
    first_win = np.full(accounts, NO_DAY)
    won = (deals.status == WON) & (deals.kind != RENEWAL)
    np.minimum.at(first_win, deals.account[won], deals.close[won])
    customer = installed[deals.account] | (first_win[deals.account] < deals.created)
    deals.kind = np.where(deals.kind == RENEWAL, RENEWAL, np.where(customer, UPSELL, NEW))
