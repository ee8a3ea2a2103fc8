"""Importing the real classicmodels dataset end to end, on SQLite and PostgreSQL.

The dataset lives in ../shared/data beside the repository; the tests skip with the reason when it
is absent. Corrupted variants are copies made in the test's temporary folder.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from attain.app.imports.batch import ImportRejected, ImportReport
from attain.app.imports.load import load_batch
from attain.app.imports.sources.classicmodels import read_classicmodels
from attain.store import models as m
from attain.store.unit_of_work import SqlStore
from tests.conftest import shared_dataset

pytestmark = pytest.mark.shared_data

FACT_TABLES = (
    m.Person,
    m.Team,
    m.Territory,
    m.TerritoryAccount,
    m.Assignment,
    m.Account,
    m.Product,
    m.Order,
    m.Payment,
)


@pytest.fixture(scope="module")
def classicmodels() -> Path:
    return shared_dataset("classicmodels")


def load(store: SqlStore, folder: Path) -> ImportReport:
    return load_batch(store, read_classicmodels(folder), actor="test")


def rows(store: SqlStore, query: Any) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def table_counts(store: SqlStore) -> dict[str, int]:
    return {t.__tablename__: rows(store, select(func.count()).select_from(t))[0][0] for t in FACT_TABLES}


def test_classicmodels_loads_every_table(store: SqlStore, classicmodels: Path) -> None:
    report = load(store, classicmodels)
    assert report.committed
    assert table_counts(store) == {
        "people": 23,
        "teams": 7,
        "territories": 4,
        "territory_accounts": 100,
        "assignments": 23,
        "accounts": 122,
        "products": 110,
        "orders": 2996 + 79,
        "payments": 273,
    }
    assert {q.code: q.count for q in report.quirks} == {
        "territory-na": 3,
        "job-title-typo": 1,
        "rep-as-manager": 1,
        "customer-without-rep": 22,
        "cancelled-order-lines": 79,
    }


def test_employees_keep_their_reporting_lines(store: SqlStore, classicmodels: Path) -> None:
    load(store, classicmodels)
    day = date(2004, 6, 30)
    with store.transaction() as tx:
        people = {
            p.external_id: p
            for role in ("executive", "manager", "rep")
            for p in tx.people.with_role_on(role, day)
        }
        managers = {key: tx.people.manager_of(p.id, day) for key, p in people.items()}
    assert len(people) == 23
    assert {
        k: (b.external_id if b else None)
        for k, b in managers.items()
        if k in ("1002", "1056", "1165", "1625")
    } == {"1002": None, "1056": "1002", "1165": "1143", "1625": "1621"}
    boss = managers["1370"]
    assert boss is not None
    assert (boss.name, boss.role) == ("Gerard Bondur", "manager")
    assert [p.role for p in people.values()].count("rep") == 17


def test_offices_are_teams_in_their_territory(store: SqlStore, classicmodels: Path) -> None:
    load(store, classicmodels)
    territory = aliased(m.Territory)
    by_territory = rows(
        store,
        select(territory.name, func.count(func.distinct(m.Assignment.team_id)), func.count())
        .select_from(m.Assignment)
        .join(territory, territory.id == m.Assignment.territory_id)
        .group_by(territory.name)
        .order_by(territory.name),
    )
    # territory, offices, employees
    assert by_territory == [
        ("Asia-Pacific", 1, 4),
        ("Europe, Middle East and Africa", 2, 7),
        ("Japan", 1, 2),
        ("North America", 3, 10),
    ]
    assert rows(store, select(m.Team.name).where(m.Team.region == "NA").order_by(m.Team.name)) == [
        ("Boston",),
        ("NYC",),
        ("San Francisco",),
    ]


def test_customers_are_accounts_owned_by_their_sales_rep(store: SqlStore, classicmodels: Path) -> None:
    load(store, classicmodels)
    a, p = m.Account, m.Person
    assert rows(
        store, select(func.count(), func.count(a.owner_id), func.count(func.distinct(a.owner_id)))
    ) == [(122, 100, 15)]
    assert rows(
        store,
        select(a.name, a.city, a.country, p.external_id)
        .join(p, p.id == a.owner_id)
        .where(a.external_id == "103"),
    ) == [("Atelier graphique", "Nantes", "France", "1370")]


def test_order_lines_sum_exactly_and_cancellations_point_at_them(
    store: SqlStore, classicmodels: Path
) -> None:
    load(store, classicmodels)
    o = m.Order
    by_kind = rows(
        store,
        select(o.kind, func.count(), func.count(func.distinct(o.order_number)), func.sum(o.amount))
        .group_by(o.kind)
        .order_by(o.kind),
    )
    assert by_kind == [("cancellation", 79, 6, -23_885_418), ("new", 2996, 326, 960_419_061)]
    original = aliased(m.Order)
    pairs = rows(
        store,
        select(func.count(), func.sum(o.amount + original.amount))
        .select_from(o)
        .join(original, original.id == o.original_id)
        .where(
            o.kind == "cancellation",
            original.order_number == o.order_number,
            original.line_number == o.line_number,
            original.status == "Cancelled",
        ),
    )
    assert pairs == [(79, 0)]
    # booked on the order's requiredDate (orders.csv: 10167 was required by 2003-10-30)
    assert rows(
        store,
        select(func.min(o.booked_on), func.max(o.booked_on)).where(
            o.order_number == "10167", o.kind == "cancellation"
        ),
    ) == [(date(2003, 10, 30), date(2003, 10, 30))]
    line = rows(store, select(o.booked_on, o.quantity, o.amount, o.status).where(o.external_id == "10100-3"))
    assert line == [(date(2003, 1, 6), 30, 408_000, "Shipped")]


def test_payments_sum_exactly(store: SqlStore, classicmodels: Path) -> None:
    load(store, classicmodels)
    assert rows(store, select(func.count(), func.sum(m.Payment.amount))) == [(273, 885_383_923)]


def test_importing_twice_changes_nothing(store: SqlStore, classicmodels: Path) -> None:
    load(store, classicmodels)
    before = table_counts(store)
    again = load(store, classicmodels)
    assert sum(c.created for c in again.counts.values()) == 0
    assert sum(c.updated for c in again.counts.values()) == 0
    assert again.counts["order"].unchanged == 3075
    assert table_counts(store) == before


def test_one_corrupted_line_writes_nothing_and_names_it(
    store: SqlStore, classicmodels: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "classicmodels"
    shutil.copytree(classicmodels, folder)
    path = folder / "orderdetails.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("10100,S18_1749,30,136.00,3", "10100,S18_1749,30,13x6.00,3", 1), encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as caught:
        load(store, folder)
    assert [e.render() for e in caught.value.report.errors] == [
        "orderdetails.csv row 2, column 'priceEach': is not a number (value '13x6.00'); "
        "write a plain decimal number, e.g. 1234.50"
    ]
    assert set(table_counts(store).values()) == {0}
