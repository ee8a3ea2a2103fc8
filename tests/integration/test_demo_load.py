"""The demo company loads through load_batch on SQLite and PostgreSQL, into an empty database only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from attain.app.users import ensure_demo_users
from attain.demo.company import demo_frames
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.domain.errors import Conflict
from attain.store.unit_of_work import SqlStore

SPEC = DemoSpec(as_of=date(2025, 11, 3), seed=3, reps=10)
TABLES = {
    "person": "people",
    "team": "teams",
    "territory": "territories",
    "account": "accounts",
    "territory_account": "territory_accounts",
    "assignment": "assignments",
    "product": "products",
    "opportunity": "opportunities",
    "opportunity_stage": "opportunity_stages",
    "order": "orders",
    "goal": "goals",
    "cost": "costs",
    "exchange_rate": "exchange_rates",
}


def scalar(store: SqlStore, sql: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_the_demo_loads_every_generated_row_in_one_committed_batch(store: SqlStore) -> None:
    result = install_demo(store, SPEC, actor="test")
    frames = demo_frames(SPEC)
    assert result.report.committed
    assert result.report.error_count == 0
    expected = {name: frames[name].height for name in TABLES}
    assert {
        name: scalar(store, f"SELECT count(*) FROM {table}") for name, table in TABLES.items()
    } == expected
    # Ten reps leave no Enterprise team a rep to spare for a named-account list: nothing to stage there.
    assert expected["territory_account"] == 0
    assert {k: v for k, v in result.created().items() if k != "period"} == {
        k: v for k, v in expected.items() if v
    }
    assert result.created()["period"] == 4 * 17  # FY2023 to FY2026: every month, quarter and year
    credits = frames["order"].filter(frames["order"]["original"].is_not_null()).height
    assert scalar(store, "SELECT count(*) FROM orders WHERE original_id IS NOT NULL") == credits
    assert scalar(store, "SELECT count(*) FROM assignments WHERE manager_id IS NOT NULL") == (
        frames["assignment"]["manager"].is_not_null().sum()
    )
    assert (
        scalar(store, "SELECT count(*) FROM goals g JOIN periods p ON p.id = g.period_id")
        == frames["goal"].height
    )


def test_the_demo_refuses_a_database_that_already_holds_data(store: SqlStore) -> None:
    install_demo(store, SPEC, actor="test")
    with pytest.raises(Conflict, match=r"already holds data \(333 accounts, "):
        install_demo(store, SPEC, actor="test")


def test_the_login_hook_creates_one_demo_login_per_main_role(sqlite_store: SqlStore) -> None:
    result = install_demo(
        sqlite_store, SPEC, actor="test", create_logins=lambda store, day: ensure_demo_users(store, on=day)
    )
    assert [(username, role) for username, _, role in result.logins] == [
        ("admin", "admin"),
        ("compadmin", "comp_admin"),
        ("finance", "finance"),
        ("manager", "manager"),
        ("rep", "rep"),
    ]
    assert all(len(password) >= 10 for _, password, _ in result.logins)
