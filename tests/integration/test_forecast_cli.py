"""`attain forecast` end to end on a small company: every scope's forecast adds up, calls roll up, and
a backtest on too short a history says what is needed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from attain.app.setup import init_company
from attain.cli.main import _register, app
from attain.domain.errors import InvalidInput
from attain.store import models as m
from attain.store.unit_of_work import open_store


def _company(db: Path) -> None:
    store = open_store(f"sqlite:///{db}")
    store.upgrade()
    init_company(store, start_month=1, currency="USD", first_fy=2023, last_fy=2025)
    with store.transaction() as tx:
        s = tx.session
        team = m.Team(external_id="east", name="East")
        s.add(team)
        people = {n: m.Person(external_id=n, name=n.title()) for n in ("mia", "ann", "bob")}
        s.add_all(people.values())
        s.flush()
        start = date(2023, 1, 1)
        s.add_all(
            [
                m.Assignment(person_id=people["mia"].id, role="manager", team_id=team.id, valid_from=start),
                m.Assignment(
                    person_id=people["ann"].id,
                    role="rep",
                    team_id=team.id,
                    manager_id=people["mia"].id,
                    valid_from=start,
                ),
                m.Assignment(
                    person_id=people["bob"].id,
                    role="rep",
                    team_id=team.id,
                    manager_id=people["mia"].id,
                    valid_from=start,
                ),
            ]
        )
        for i in range(24):
            year, month = 2023 + i // 12, i % 12 + 1
            for who, base in (("ann", 10_000_00), ("bob", 6_000_00)):
                s.add(
                    m.Order(
                        external_id=f"{who}-{i}",
                        booked_on=date(year, month, 10),
                        owner_id=people[who].id,
                        amount=base + 37 * i * (month % 4),
                        currency="USD",
                        kind="new",
                    )
                )
    store.dispose()


def _cli(db: Path, *args: str) -> Any:
    _register()
    return CliRunner().invoke(app, ["--db", f"sqlite:///{db}", "--format", "json", *args])


def test_the_forecast_of_every_scope_adds_up_and_calls_roll_up(tmp_path: Path) -> None:
    db = tmp_path / "attain.db"
    _company(db)
    result = _cli(db, "forecast", "--period", "FY2025-Q1", "--as-of", "2024-12-31")
    assert result.exit_code == 0, result.output
    rows = {r["scope"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"company", "team:1", "person:2", "person:3"}
    cents = {k: int(v["statistical"].replace(".", "")) for k, v in rows.items()}
    assert cents["company"] == cents["team:1"] == cents["person:2"] + cents["person:3"]
    assert rows["company"]["actual_to_date"] == "0.00"

    assert (
        _cli(
            db,
            "forecast",
            "submit",
            "ann",
            "--period",
            "FY2025-Q1",
            "--week",
            "1",
            "--commit",
            "28000",
            "--best-case",
            "31000",
            "--pipeline",
            "40000",
        ).exit_code
        == 0
    )
    roll = json.loads(_cli(db, "forecast", "rollup", "--period", "FY2025-Q1", "--week", "1").stdout)
    by = {r["id"]: r for r in roll}
    assert by["ann"]["commit"] == "28000.00"
    assert by["bob"]["missing"] == "yes"
    assert by["mia"]["team_commit"] == "28000.00"


def test_a_backtest_on_too_short_a_history_says_what_it_needs(tmp_path: Path) -> None:
    db = tmp_path / "attain.db"
    _company(db)
    result = _cli(db, "forecast", "backtest", "--as-of", "2023-06-30", "--horizon", "3")
    assert isinstance(result.exception, InvalidInput)
    assert (
        result.exception.message
        == "6 months of history are too few for a backtest of 3 ahead with 6 to fit on"
    )
    assert result.exception.hint == "a backtest needs at least 9; shorten --horizon or use monthly series"
