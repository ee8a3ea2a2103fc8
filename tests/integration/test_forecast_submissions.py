"""Submitted forecasts roll up the effective-dated reporting lines, overrides replace a report's call,
and weekly snapshots answer "what did we call in week N" after later calls have changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from attain.app.forecasts.ports import Call
from attain.app.forecasts.snapshots import record_errors, snapshot, take_snapshot
from attain.app.forecasts.submissions import override, rollup, submit, week_of
from attain.app.setup import init_company
from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.domain.errors import AttainError, Conflict
from attain.store import models as m
from attain.store.unit_of_work import SqlStore

AT = datetime(2025, 2, 1, 9, 0, tzinfo=UTC)
Q1 = "FY2025-Q1"


def _org(store: SqlStore) -> None:
    init_company(store, start_month=1, currency="USD", first_fy=2025, last_fy=2025)
    with store.transaction() as tx:
        s = tx.session
        people = {
            n: m.Person(external_id=n, name=n.title()) for n in ("vp", "ann", "bob", "cy", "dee", "eve")
        }
        s.add_all(people.values())
        s.flush()
        ids = {n: p.id for n, p in people.items()}

        def line(who: str, role: str, boss: str | None, start: date, end: date | None = None) -> m.Assignment:
            return m.Assignment(
                person_id=ids[who],
                role=role,
                manager_id=ids[boss] if boss else None,
                valid_from=start,
                valid_to=end,
            )

        jan = date(2025, 1, 1)
        s.add_all(
            [
                line("vp", "executive", None, jan),
                line("ann", "manager", "vp", jan),
                line("bob", "manager", "vp", jan),
                line("cy", "rep", "ann", jan),
                line("dee", "rep", "ann", jan),
                # Eve moves from Ann's team to Bob's on 1 March (week 9 of Q1 starts 26 February).
                line("eve", "rep", "ann", jan, date(2025, 2, 28)),
                line("eve", "rep", "bob", date(2025, 3, 1)),
            ]
        )


def _call(commit: int, best: int, pipe: int) -> Call:
    return Call(commit * 100, best * 100, pipe * 100)


def _submit(store: SqlStore, who: str, week: int, call: Call) -> None:
    submit(store, person=who, period=Q1, week=week, call=call, currency="USD", note=None, actor=who, at=AT)


def test_week_numbers_count_from_the_first_day_of_the_period() -> None:
    q1 = FiscalCalendar(1).period(PeriodKind.QUARTER, 2025, 1)
    assert [week_of(q1, date(2025, 1, d)) for d in (1, 7, 8)] == [1, 1, 2]
    assert week_of(q1, date(2025, 3, 31)) == 13


def test_calls_roll_up_through_managers_to_the_company(store: SqlStore) -> None:
    _org(store)
    _submit(store, "cy", 2, _call(100, 150, 300))
    _submit(store, "dee", 2, _call(50, 80, 100))
    _submit(store, "eve", 2, _call(10, 20, 40))
    roll = rollup(store, period=Q1, week=2)
    by = {line.external_id: line for line in roll.lines}
    assert [(line.external_id, line.depth) for line in roll.lines] == [
        ("vp", 0),
        ("ann", 1),
        ("cy", 2),
        ("dee", 2),
        ("eve", 2),
        ("bob", 1),
    ]
    assert by["ann"].team == _call(160, 250, 440)
    assert by["ann"].effective == _call(160, 250, 440)
    assert by["bob"].missing
    assert roll.company == _call(160, 250, 440)


def test_a_manager_call_and_an_override_replace_the_numbers_below(store: SqlStore) -> None:
    _org(store)
    _submit(store, "cy", 1, _call(100, 150, 300))
    _submit(store, "dee", 1, _call(50, 80, 100))
    override(
        store,
        manager="ann",
        subject="cy",
        period=Q1,
        week=3,
        call=_call(70, 150, 300),
        currency="USD",
        note="the big deal slips to Q2",
        actor="ann",
        at=AT,
    )
    by = {line.external_id: line for line in rollup(store, period=Q1, week=3).lines}
    assert by["cy"].submitted == _call(100, 150, 300)
    assert by["cy"].overridden == _call(70, 150, 300)
    assert by["cy"].override_note == "the big deal slips to Q2"
    assert by["ann"].team == _call(120, 230, 400)
    _submit(store, "ann", 4, _call(110, 200, 400))  # Ann's own call for her team
    week4 = rollup(store, period=Q1, week=4)
    assert {line.external_id: line for line in week4.lines}["ann"].effective == _call(110, 200, 400)
    assert week4.company == _call(110, 200, 400)


def test_only_the_manager_of_the_week_can_override(store: SqlStore) -> None:
    _org(store)
    with pytest.raises(Conflict, match="does not report to bob"):
        override(
            store,
            manager="bob",
            subject="eve",
            period=Q1,
            week=2,
            call=_call(1, 1, 1),
            currency="USD",
            note="mine",
            actor="bob",
            at=AT,
        )
    override(
        store,
        manager="bob",
        subject="eve",
        period=Q1,
        week=10,
        call=_call(1, 1, 1),
        currency="USD",
        note="mine now",
        actor="bob",
        at=AT,
    )


def test_a_transferred_rep_rolls_up_to_the_manager_of_that_week(store: SqlStore) -> None:
    _org(store)
    _submit(store, "eve", 1, _call(10, 20, 40))
    early = {line.external_id: line for line in rollup(store, period=Q1, week=2).lines}
    late = {line.external_id: line for line in rollup(store, period=Q1, week=10).lines}
    assert early["ann"].team == _call(10, 20, 40)
    assert early["bob"].team is None
    assert late["bob"].team == _call(10, 20, 40)
    assert late["ann"].team == _call(0, 0, 0)


def test_a_snapshot_keeps_what_was_called_in_that_week(store: SqlStore) -> None:
    _org(store)
    _submit(store, "cy", 6, _call(100, 150, 300))
    take_snapshot(
        store,
        period=Q1,
        week=6,
        currency="USD",
        model_forecasts={("company", "statistical"): 123_45},
        actor="ops",
        at=AT,
    )
    _submit(store, "cy", 7, _call(10, 15, 30))  # a later, lower call does not change week 6
    take_snapshot(store, period=Q1, week=7, currency="USD", model_forecasts={}, actor="ops", at=AT)
    week6 = {(r.scope, r.method): r.amount for r in snapshot(store, period=Q1, week=6)}
    week7 = {(r.scope, r.method): r.amount for r in snapshot(store, period=Q1, week=7)}
    assert week6[("company", "commit")] == 100_00
    assert week6[("company", "statistical")] == 123_45
    assert week7[("company", "commit")] == 10_00
    with pytest.raises(Conflict, match="already snapshotted"):
        take_snapshot(store, period=Q1, week=6, currency="USD", model_forecasts={}, actor="ops", at=AT)


def test_closing_a_period_records_each_methods_error(store: SqlStore) -> None:
    _org(store)
    _submit(store, "cy", 6, _call(100, 150, 300))
    take_snapshot(
        store,
        period=Q1,
        week=6,
        currency="USD",
        model_forecasts={("company", "statistical"): 90_00},
        actor="ops",
        at=AT,
    )
    with pytest.raises(AttainError, match="still open"):
        record_errors(store, period=Q1, actuals={"company": 95_00}, currency="USD", at=AT)
    with store.transaction() as tx:
        cal = tx.calendars.default()
        assert cal is not None
        q1 = next(p for p in tx.calendars.periods(cal.id) if p.period.key == Q1)
        tx.calendars.set_status(q1.id, "closed", "ops", AT)
    rows = record_errors(store, period=Q1, actuals={"company": 95_00}, currency="USD", at=AT)
    assert {(r.method, r.forecast - r.actual) for r in rows} == {
        ("commit", 5_00),
        ("best_case", 55_00),
        ("pipeline_call", 205_00),
        ("statistical", -5_00),
    }
    record_errors(store, period=Q1, actuals={"company": 95_00}, currency="USD", at=AT)  # idempotent
    with store.transaction() as tx:
        assert len(tx.forecasts.errors()) == 4
