"""Properties of runs, close and prior-period deltas on generated companies, on SQLite and PostgreSQL.

Each example gets a fiscal year and people of its own inside the test's store: runs, closes and the ledger
of one example cannot touch another's (assignments end with the example's year, and the quarter before the
example's first quarter is never closed, so reconciliation never reaches back into an earlier example). That
is why the store fixture is shared across examples: building a migrated PostgreSQL schema per example
would cost seconds each.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.app.runs.assignments import NewAssignment, assign_plan, save_plan
from attain.app.runs.calculate import run_period
from attain.app.runs.close import close_period
from attain.app.runs.engines import EngineKind
from attain.app.setup import init_company
from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.domain.errors import PeriodClosed
from attain.engine.inputs import CalculationInput, CreditSplit, OrderRow, PlanAssignmentRow
from attain.engine.plan_source import compile_text
from attain.engine.reference import evaluate
from attain.store.unit_of_work import SqlStore

REF = EngineKind.REFERENCE
FIRST_YEAR = 2030
YEARS = 40  # more than examples plus shrinking steps ever use; an example past them is not generated

PLAN = """\
plan: KEY
currency: USD
period: quarter
crediting:
  roles: [direct]
measures:
  bookings: {sum: amount}
components:
  - commission: core
    measure: bookings
    tiers:
      method: marginal
      bands:
        - {upto: UPTO, rate: LOW}
        - {rate: HIGH}
"""


@dataclass(frozen=True)
class Deal:
    order_id: str
    day: int  # days into the quarter
    amount: int  # minor units
    owner: int
    splits: tuple[tuple[int, int], ...]  # (person, share in %), summing to 100, or none (the owner)


@dataclass(frozen=True)
class Scenario:
    people: int
    upto: int
    rates: tuple[int, int]  # basis points
    deals: tuple[Deal, ...]
    change: str  # none, amend, late
    change_amount: int


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    people = draw(st.integers(1, 3))
    deals = []
    for i in range(draw(st.integers(1, 5))):
        splits: tuple[tuple[int, int], ...] = ()
        if people > 1 and draw(st.booleans()):
            first = draw(st.integers(1, 99))
            splits = ((0, first), (1, 100 - first))
        deals.append(
            Deal(
                f"O{i}",
                draw(st.integers(0, 89)),
                draw(st.integers(1, 10_000_000)),
                draw(st.integers(0, people - 1)),
                splits,
            )
        )
    return Scenario(
        people,
        draw(st.integers(1, 100_000)),
        (draw(st.integers(0, 1_000)), draw(st.integers(0, 2_000))),
        tuple(deals),
        draw(st.sampled_from(["none", "amend", "late"])),
        draw(st.integers(1, 10_000_000)),
    )


@pytest.fixture
def years(store: SqlStore) -> Iterator[int]:
    """The fiscal years handed out to examples, one each, in a store whose calendar has them all."""
    init_company(store, start_month=1, currency="USD", first_fy=FIRST_YEAR, last_fy=FIRST_YEAR + YEARS - 1)
    return itertools.count(FIRST_YEAR)


def _import(store: SqlStore, tag: str, year: int, s: Scenario, deals: tuple[Deal, ...]) -> None:
    q1 = date(year, 1, 1)
    batch = Batch(source="test")
    batch.add("person", pl.DataFrame({"external_id": _people(tag, s), "name": _people(tag, s)}))
    batch.add(
        "order",
        pl.DataFrame(
            {
                "external_id": [f"{tag}-{d.order_id}" for d in deals],
                "booked_on": [q1 + timedelta(days=d.day) for d in deals],
                "amount": [d.amount for d in deals],
                "currency": ["USD"] * len(deals),
                "kind": ["new"] * len(deals),
                "owner": [f"{tag}-p{d.owner}" for d in deals],
            }
        ),
    )
    splits = [(f"{tag}-{d.order_id}", f"{tag}-p{p}", share) for d in deals for p, share in d.splits]
    if splits:
        batch.add(
            "credit_split",
            pl.DataFrame(
                {
                    "order": [x[0] for x in splits],
                    "person": [x[1] for x in splits],
                    "role": ["direct"] * len(splits),
                    "share": [Decimal(x[2]) / 100 for x in splits],
                    "sequence": [i + 1 for i in range(len(splits))],
                }
            ),
        )
    report = load_batch(store, batch, actor="test")
    assert report.committed, report


def _people(tag: str, s: Scenario) -> list[str]:
    return [f"{tag}-p{i}" for i in range(s.people)]


def _plan_text(tag: str, s: Scenario) -> str:
    return (
        PLAN.replace("KEY", f"ae_{tag}")
        .replace("UPTO", str(s.upto))
        .replace("LOW", str(Decimal(s.rates[0]) / 10_000))
        .replace("HIGH", str(Decimal(s.rates[1]) / 10_000))
    )


def _recomputed(tag: str, year: int, s: Scenario, deals: tuple[Deal, ...]) -> dict[str, int]:
    """Q1 earnings per person, evaluated from the scenario itself by the reference evaluator."""
    calendar = FiscalCalendar(1)
    plan = compile_text(_plan_text(tag, s))
    q1 = date(year, 1, 1)
    inp = CalculationInput(
        calendar,
        {plan.key: plan},
        tuple(PlanAssignmentRow(p, plan.key, 0, q1, date(year, 12, 31)) for p in _people(tag, s)),
        tuple(
            OrderRow(
                f"{tag}-{d.order_id}", q1 + timedelta(days=d.day), d.amount, "USD", owner=f"{tag}-p{d.owner}"
            )
            for d in deals
        ),
        splits=tuple(
            CreditSplit(f"{tag}-{d.order_id}", f"{tag}-p{p}", Decimal(share) / 100, sequence=i + 1)
            for d in deals
            for i, (p, share) in enumerate(d.splits)
        ),
    )
    out: dict[str, int] = defaultdict(int)
    for r in evaluate(inp, calendar.period(PeriodKind.QUARTER, year, 1)):
        out[r.person_id] += sum(line.amount for line in r.lines)
    return out


def _stored(store: SqlStore, key: str) -> list[tuple[object, ...]]:
    """The current results of a period as stored, without the run that made them."""
    with store.transaction() as tx:
        ids = [p.id for p in tx.calendars.periods(1) if p.period.key == key]
        return sorted(
            (p.person, p.plan_key, p.earnings, p.payout, p.balance, p.measures, p.lines)
            for p in (replace(x, run_id=0) for x in tx.runs.payees(period_ids=ids))
        )


def _ledger(store: SqlStore, tag: str) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        return [
            (e.id, e.person, e.period_key, e.kind, e.component, e.amount, e.refers_period_key)
            for e in tx.ledger.entries()
            if e.person.startswith(f"{tag}-")
        ]


@settings(
    max_examples=10,
    deadline=None,
    # the store is shared on purpose; each example works in a fiscal year of its own (module docstring)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(s=scenarios())
def test_reruns_change_nothing_close_is_idempotent_and_late_facts_land_as_the_delta(
    store: SqlStore, years: Iterator[int], s: Scenario
) -> None:
    year = next(years)
    assert year < FIRST_YEAR + YEARS, "the example ran out of fiscal years; raise YEARS"
    tag = f"y{year}"
    q1, q2 = f"FY{year}-Q1", f"FY{year}-Q2"
    _import(store, tag, year, s, s.deals)
    with store.transaction() as tx:
        save_plan(tx, _plan_text(tag, s), actor="test")
    assign_plan(
        store,
        f"ae_{tag}",
        [NewAssignment(p, "0", date(year, 1, 1), date(year, 12, 31)) for p in _people(tag, s)],
    )

    # A re-run of an unchanged period: byte-identical results and fingerprints, nothing in the ledger.
    first = run_period(store, q1, engine=REF, actor="test")
    stored = _stored(store, q1)
    again = run_period(store, q1, engine=REF, actor="test")
    assert (again.results_hash, again.fingerprint) == (first.results_hash, first.fingerprint)
    assert _stored(store, q1) == stored
    assert _ledger(store, tag) == []

    # Closing twice posts once; the second close is a no-op and the period refuses runs.
    closed = close_period(store, q1, actor="test")
    ledger = _ledger(store, tag)
    assert not closed.already_closed
    assert ledger
    assert close_period(store, q1, actor="test").already_closed
    assert _ledger(store, tag) == ledger
    assert _stored(store, q1) == stored
    with pytest.raises(PeriodClosed):
        run_period(store, q1, engine=REF, actor="test")
    frozen: dict[str, int] = defaultdict(int)
    for _, person, _, kind, _, amount, _ in ledger:
        if kind == "earning":
            frozen[str(person)] += int(str(amount))
    nonzero = {p: a for p, a in frozen.items() if a}
    assert nonzero == {p: a for p, a in _recomputed(tag, year, s, s.deals).items() if a}

    # A changed fact in the closed period: the next open period carries recomputed - frozen.
    deals = s.deals
    if s.change == "amend":
        deals = (replace(s.deals[0], amount=s.change_amount), *s.deals[1:])
    elif s.change == "late":
        deals = (*s.deals, Deal("L1", 89, s.change_amount, s.people - 1, ()))
    if deals != s.deals:
        _import(store, tag, year, s, deals)
    summary = run_period(store, q2, engine=REF, actor="test")
    recomputed = _recomputed(tag, year, s, deals)
    with store.transaction() as tx:
        ids = [p.id for p in tx.calendars.periods(1) if p.period.key == q2]
        delta: dict[str, int] = defaultdict(int)
        for p in tx.runs.payees(period_ids=ids):
            for line in p.lines:
                if line.kind == "prior_period":
                    assert line.explanation["refers_period"] == q1
                    delta[p.person] += line.amount
    expected = {p: recomputed[p] - frozen[p] for p in set(recomputed) | set(frozen)}
    assert dict(delta) == {p: d for p, d in expected.items() if d}
    assert summary.prior_period_lines == len(delta)  # one component: one line per person with a delta
    assert _stored(store, q1) == stored  # the closed period's results never change
    assert _ledger(store, tag) == ledger
