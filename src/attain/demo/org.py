"""The sales organisation: regions, nested teams, leadership, rep seats and who held each seat when.

A seat is a rep position in a segment team. Seats open (growth), their holders leave (attrition,
weaker reps more often) and are replaced after a vacancy; exactly one rep transfers mid-year to a
new seat in another team. Every fiscal year sees at least one hire and one leaver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from attain.demo.catalogue import (
    FIRST_NAMES,
    FOUR_REGION_REPS,
    LAST_NAMES,
    REGIONS,
    REGIONS_FOR_SMALL_ORG,
    SEGMENTS,
    Region,
    Segment,
)
from attain.demo.spec import DemoSpec, day_number
from attain.domain.calendar import add_months

ATTRITION_PER_YEAR = 0.14  # for an average rep; weaker reps leave more often
GROWTH_SHARE = 0.12  # seats added over the three years, on top of the initial ones
SLIP_SHARE = 0.15  # reps whose results slip during the current fiscal year
SLIP_DELTA = -1.6  # the skill a slipping rep loses: clearly visible in win rate and pace


@dataclass(frozen=True, slots=True)
class Team:
    external_id: str
    name: str
    parent: str | None
    region: Region | None
    segment: Segment | None


@dataclass(frozen=True, slots=True)
class Seat:
    index: int
    region: Region
    segment: Segment
    team: str
    territory: str
    named: bool  # holds a named-account territory (account list) instead of the team's rule territory

    @property
    def title(self) -> str:
        if self.named:
            return "Strategic Account Director"
        return {"SMB": "Account Executive", "MM": "Senior Account Executive"}.get(
            self.segment.key, "Enterprise Account Executive"
        )


@dataclass(slots=True, eq=False)
class Person:
    """A member of the org; reps also carry the traits that drive their results."""

    name: str
    hired_on: date
    left_on: date | None = None
    skill: float = 0.0  # shifts every stage's conversion odds
    pace: float = 1.0  # multiplies the time a deal spends in each stage
    slip_on: date | None = None  # from this day the rep's skill drops by SLIP_DELTA
    external_id: str = ""


@dataclass(slots=True, eq=False)
class Tenure:
    person: Person
    seat: int
    start: date
    end: date | None  # inclusive last day; None while current


@dataclass(frozen=True, slots=True)
class Leader:
    person: Person
    role: str
    team: str
    reports_to_team: str | None  # the person's manager is the manager of this team
    territory: str | None
    title: str


@dataclass(slots=True)
class Org:
    regions: tuple[Region, ...]
    teams: list[Team]
    seats: list[Seat]
    tenures: list[Tenure]
    reps: list[Person]
    leaders: list[Leader] = field(default_factory=list)
    team_manager: dict[str, Person] = field(default_factory=dict)
    transfer: tuple[Person, date] | None = None

    @property
    def people(self) -> list[Person]:
        return [leader.person for leader in self.leaders] + self.reps

    def tenure_arrays(self, horizon: date) -> dict[str, np.ndarray]:
        """Tenures as sorted columns (seat, start day, end day), open ones ending after `horizon`."""
        order = sorted(range(len(self.tenures)), key=lambda i: (self.tenures[i].seat, self.tenures[i].start))
        rows = [self.tenures[i] for i in order]
        end = day_number(horizon) + 1
        rep_index = {id(p): i for i, p in enumerate(self.reps)}
        return {
            "seat": np.array([t.seat for t in rows], dtype=np.int64),
            "start": np.array([day_number(t.start) for t in rows], dtype=np.int64),
            "end": np.array([end if t.end is None else day_number(t.end) for t in rows], dtype=np.int64),
            "rep": np.array([rep_index[id(t.person)] for t in rows], dtype=np.int64),
        }


def _used_regions(reps: int) -> tuple[Region, ...]:
    return REGIONS if reps >= FOUR_REGION_REPS else REGIONS[:REGIONS_FOR_SMALL_ORG]


TRANSFER_CELL = (0, 1)  # the first region's Mid-Market team receives the mid-year transfer


def _seat_counts(reps: int, regions: tuple[Region, ...]) -> dict[tuple[int, int], int]:
    """Seats per (region, segment) cell: at least one each, and two where the transfer lands (that
    team must have a rep before it), the rest by largest remainder of the weights."""
    cells = [(r, s) for r in range(len(regions)) for s in range(len(SEGMENTS))]
    base = np.array([2 if cell == TRANSFER_CELL else 1 for cell in cells], dtype=np.int64)
    weights = np.array([regions[r].account_share * SEGMENTS[s].rep_share for r, s in cells])
    spare = reps - int(base.sum())
    exact = weights / weights.sum() * spare
    counts = np.floor(exact).astype(np.int64)
    for i in np.argsort(-(exact - counts), kind="stable")[: spare - int(counts.sum())]:
        counts[i] += 1
    return {cell: int(c) for cell, c in zip(cells, counts + base, strict=True)}


def _teams_and_seats(reps: int) -> tuple[tuple[Region, ...], list[Team], list[Seat]]:
    regions = _used_regions(reps)
    teams = [Team("T-WW", "Worldwide Sales", None, None, None)]
    seats: list[Seat] = []
    counts = _seat_counts(reps, regions)
    for r, region in enumerate(regions):
        teams.append(Team(f"T-{region.key}", f"{region.name} Sales", "T-WW", region, None))
        for s, segment in enumerate(SEGMENTS):
            team = f"T-{region.key}-{segment.key}"
            teams.append(Team(team, f"{region.name} {segment.name}", f"T-{region.key}", region, segment))
            # The two largest regions run a named-account territory in Enterprise when the team
            # can spare a rep.
            named_first = segment.key == "ENT" and r < 2 and counts[(r, s)] >= 2
            for k in range(counts[(r, s)]):
                named = named_first and k == 0
                territory = f"TER-{region.key}-NAMED" if named else f"TER-{region.key}-{segment.key}"
                seats.append(Seat(len(seats), region, segment, team, territory, named))
    return regions, teams, seats


class _Names:
    """Unique person names drawn from the catalogue lists, in draw order."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng, self._first, self._last, self._seen = rng, FIRST_NAMES, LAST_NAMES, set[str]()

    def next(self) -> str:
        while True:
            first = self._first[self._rng.integers(len(self._first))]
            name = f"{first} {self._last[self._rng.integers(len(self._last))]}"
            if name not in self._seen:
                self._seen.add(name)
                return name
            if len(self._seen) > len(self._first) * len(self._last) // 2:
                name = f"{name} {len(self._seen)}"
                self._seen.add(name)
                return name


class _SeatSimulation:
    """Draws holders, leave dates and vacancies seat by seat, from one random stream."""

    def __init__(self, spec: DemoSpec, rng: np.random.Generator) -> None:
        self.spec, self.rng, self.names = spec, rng, _Names(rng)
        self.tenures: list[Tenure] = []

    def new_rep(self, hired_on: date) -> Person:
        skill = float(self.rng.normal())
        pace = float(np.exp(self.rng.normal(-0.08 * skill, 0.22)))
        return Person(self.names.next(), hired_on, skill=skill, pace=pace)

    def leave_after(self, person: Person, exposed_from: date) -> date:
        hazard = ATTRITION_PER_YEAR * float(np.exp(-0.55 * person.skill))
        return exposed_from + timedelta(days=int(self.rng.exponential(365.0 / hazard)))

    def run(self, seat: int, holder: Person, start: date, exposed_from: date) -> None:
        """Seat `seat` is held by `holder` from `start`; play leavers and replacements to the as-of date."""
        as_of = self.spec.as_of
        while True:
            leave = self.leave_after(holder, exposed_from)
            if leave >= as_of:
                self.tenures.append(Tenure(holder, seat, start, None))
                return
            holder.left_on = leave
            self.tenures.append(Tenure(holder, seat, start, leave))
            start = leave + timedelta(days=int(self.rng.integers(21, 120)))
            if start > as_of:
                return
            holder = self.new_rep(start)
            exposed_from = start + timedelta(days=90)  # nobody quits in their first quarter here

    def restart_with_leaver(self, tenure: Tenure, leave: date, hire_on: date | None) -> None:
        """Make `tenure`'s holder leave on `leave` and replay the seat from there, with the
        replacement starting on `hire_on` when given (else after the usual vacancy)."""
        self.tenures = [t for t in self.tenures if not (t.seat == tenure.seat and t.start > tenure.start)]
        tenure.end = tenure.person.left_on = leave
        start = hire_on or leave + timedelta(days=int(self.rng.integers(21, 120)))
        if start <= self.spec.as_of:
            self.run(tenure.seat, self.new_rep(start), start, start + timedelta(days=90))


def build_org(spec: DemoSpec, rng: np.random.Generator) -> Org:
    regions, teams, seats = _teams_and_seats(spec.reps)
    sim = _SeatSimulation(spec, rng)
    history_start, as_of, cal = spec.history_start, spec.as_of, spec.calendar

    # One growth seat: the mid-year transfer target, in the first region's Mid-Market team.
    transfer_on = add_months(cal.year_start(spec.first_fy + 1), 6)
    r, s = TRANSFER_CELL
    target = [x for x in seats if x.region is regions[r] and x.segment is SEGMENTS[s]][-1]
    source = next(x for x in seats if x.region is regions[r] and x.segment.key == "SMB")
    # Every team keeps its first seat filled from the start, so no team is ever without a rep.
    anchors = {x.team: x.index for x in reversed(seats) if x.index != target.index}
    candidates = [
        x.index
        for x in seats
        if not x.named and x.index not in (target.index, source.index) and anchors[x.team] != x.index
    ]
    n_growth = max(len(spec.fiscal_years), round(GROWTH_SHARE * spec.reps))
    growth = [int(i) for i in rng.choice(candidates, size=min(n_growth, len(candidates)), replace=False)]
    opens: dict[int, date] = {}
    for k, grown in enumerate(growth):
        fy = spec.fiscal_years[k % len(spec.fiscal_years)]
        first = cal.year_start(fy)
        last = min(cal.year_start(fy + 1), as_of) - timedelta(days=1)
        opens[grown] = first + timedelta(days=int(rng.integers(0, max((last - first).days, 0) + 1)))
    opens[target.index] = transfer_on

    for seat in seats:
        if seat.index == target.index:
            continue
        if seat.index in opens:
            hire = opens[seat.index]
            sim.run(seat.index, sim.new_rep(hire), hire, hire + timedelta(days=90))
        elif seat.index == source.index:
            mover = sim.new_rep(history_start - timedelta(days=int(rng.integers(400, 2500))))
            mover.skill = abs(mover.skill) + 0.3  # promoted into Mid-Market: a solid performer
            sim.tenures.append(Tenure(mover, seat.index, mover.hired_on, transfer_on - timedelta(days=1)))
            refill = transfer_on + timedelta(days=int(rng.integers(21, 75)))
            if refill <= as_of:
                sim.run(seat.index, sim.new_rep(refill), refill, refill + timedelta(days=90))
            sim.run(target.index, mover, transfer_on, transfer_on)
        else:
            hired = history_start - timedelta(days=int(rng.integers(90, 2900)))
            sim.run(seat.index, sim.new_rep(hired), hired, history_start)

    mover_person = next(t.person for t in sim.tenures if t.seat == source.index and t.start < history_start)
    _ensure_turnover_each_year(spec, sim, mover_person, rng)
    reps = sorted({id(t.person): t.person for t in sim.tenures}.values(), key=lambda p: (p.hired_on, p.name))
    _mark_slips(spec, reps, sim.tenures, rng)
    org = Org(regions, teams, seats, sim.tenures, reps, transfer=(mover_person, transfer_on))
    _add_leaders(org, sim, history_start, rng)
    width = max(4, len(str(len(org.people))))
    for n, person in enumerate(org.people, start=1):
        person.external_id = f"E{n:0{width}d}"
    return org


def _ensure_turnover_each_year(
    spec: DemoSpec, sim: _SeatSimulation, mover: Person, rng: np.random.Generator
) -> None:
    """Every fiscal year sees a hire and a leaver: where chance gave none, the weakest settled rep
    leaves (and, for a missing hire, is replaced within the year)."""
    cal = spec.calendar
    day = timedelta(days=1)
    for fy in spec.fiscal_years:
        # The as-of day itself counts: someone may start, or be on their last day, today.
        first, end = cal.year_start(fy), min(cal.year_start(fy + 1), spec.as_of + day)
        if end <= first:
            continue
        if not any(first <= t.start < end and t.start == t.person.hired_on for t in sim.tenures):
            lo, hi = first - 60 * day, end - 21 * day
            leave = lo + int(rng.integers(0, (hi - lo).days)) * day
            hire = max(first, leave + 21 * day)
            hire += int(rng.integers(0, (end - hire).days)) * day
            _force_leaver(sim, mover, leave, hire)
        if not any(t.end is not None and first <= t.end < end and t.person is not mover for t in sim.tenures):
            _force_leaver(sim, mover, first + int(rng.integers(0, (end - first).days)) * day, None)


def _force_leaver(sim: _SeatSimulation, mover: Person, leave: date, hire_on: date | None) -> None:
    # Only a rep still in their seat is picked, so no event already drawn for a seat is undone.
    settled = [
        t
        for t in sim.tenures
        if t.end is None and t.person is not mover and t.start <= leave - timedelta(days=180)
    ]
    if settled:
        sim.restart_with_leaver(min(settled, key=lambda t: t.person.skill), leave, hire_on)


def _mark_slips(spec: DemoSpec, reps: list[Person], tenures: list[Tenure], rng: np.random.Generator) -> None:
    """Some reps active at the as-of date slip during the current fiscal year (a coaching case)."""
    year_start = spec.calendar.year_start(spec.current_fy)
    window = (spec.as_of - year_start).days
    first, span = (year_start, window) if window >= 90 else (year_start - timedelta(days=180), 180 + window)
    # Tenured reps who were doing fine: a slip is news only against a known record.
    active = [p for p in reps if p.left_on is None and p.hired_on < first - timedelta(days=365)]
    count = max(1, round(SLIP_SHARE * len(active)))
    for i in sorted(rng.choice(len(active), size=min(count, len(active)), replace=False)):
        active[int(i)].slip_on = first + timedelta(days=int(rng.integers(span // 6, span * 2 // 3 + 1)))


def _add_leaders(org: Org, sim: _SeatSimulation, history_start: date, rng: np.random.Generator) -> None:
    def veteran() -> Person:
        person = sim.new_rep(history_start - timedelta(days=int(rng.integers(700, 4000))))
        person.skill = abs(person.skill) * 0.5 + 0.3
        return person

    vp, ops = veteran(), veteran()
    org.leaders.append(Leader(vp, "executive", "T-WW", None, None, "VP of Sales"))
    org.leaders.append(Leader(ops, "sales_ops", "T-WW", "T-WW", None, "Sales Operations Analyst"))
    org.team_manager["T-WW"] = vp
    for team in org.teams:
        if team.region is None:
            continue
        boss = veteran()
        org.team_manager[team.external_id] = boss
        if team.segment is None:
            org.leaders.append(
                Leader(
                    boss,
                    "director",
                    team.external_id,
                    "T-WW",
                    f"TER-{team.region.key}",
                    f"Sales Director, {team.region.name}",
                )
            )
        else:
            org.leaders.append(
                Leader(
                    boss,
                    "manager",
                    team.external_id,
                    team.parent,
                    f"TER-{team.region.key}-{team.segment.key}",
                    f"Sales Manager, {team.name}",
                )
            )
