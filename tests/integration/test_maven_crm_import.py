"""Importing the real Maven CRM dataset end to end, on SQLite and PostgreSQL.

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

from attain.app.imports.batch import ImportRejected, ImportReport, InvalidRows
from attain.app.imports.load import load_batch
from attain.app.imports.sources.maven_crm import read_maven_crm
from attain.store import models as m
from attain.store.unit_of_work import SqlStore
from tests.conftest import shared_dataset

pytestmark = pytest.mark.shared_data

FACT_TABLES = (
    m.Person,
    m.Team,
    m.Assignment,
    m.Account,
    m.Product,
    m.Opportunity,
    m.OpportunityStage,
    m.Order,
)
EXPECTED_QUIRKS = {
    "sector-typo": 12,
    "country-typo": 1,
    "product-name-variant": 1480,
    "open-deal-without-account": 1425,
    "open-deal-valued-at-list-price": 2089,
    "lost-deal-zero-value": 2473,
    "prospecting-without-engage-date": 500,
    "agent-without-deals": 5,
}


@pytest.fixture(scope="module")
def maven() -> Path:
    return shared_dataset("maven-crm-sales-opportunities")


def load(store: SqlStore, folder: Path, **options: Any) -> ImportReport:
    return load_batch(store, read_maven_crm(folder), actor="test", **options)


def rows(store: SqlStore, query: Any) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def table_counts(store: SqlStore) -> dict[str, int]:
    return {t.__tablename__: rows(store, select(func.count()).select_from(t))[0][0] for t in FACT_TABLES}


def corrupt(maven: Path, tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of the dataset with the first line containing `old` changed; returns the folder and row."""
    folder = tmp_path / "maven"
    shutil.copytree(maven, folder)
    path = folder / "sales_pipeline.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if old in line)
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return folder, index + 1


def test_maven_into_an_empty_database_gives_the_published_counts(store: SqlStore, maven: Path) -> None:
    report = load(store, maven)
    assert report.committed
    o = m.Opportunity
    by_stage = dict(rows(store, select(o.stage, func.count()).group_by(o.stage)))
    assert by_stage == {"Won": 4238, "Lost": 2473, "Engaging": 1589, "Prospecting": 500}
    by_status = dict(rows(store, select(o.status, func.count()).group_by(o.status)))
    assert by_status == {"won": 4238, "lost": 2473, "open": 2089}
    assert table_counts(store) == {
        "people": 41,
        "teams": 9,
        "assignments": 41,
        "accounts": 85,
        "products": 7,
        "opportunities": 8800,
        "opportunity_stages": 15011,
        "orders": 4238,
    }
    assert {name: c.created for name, c in report.counts.items()} == {
        "person": 41,
        "team": 9,
        "account": 85,
        "assignment": 41,
        "product": 7,
        "opportunity": 8800,
        "opportunity_stage": 15011,
        "order": 4238,
    }


def test_won_deals_become_orders_summing_to_the_published_revenue(store: SqlStore, maven: Path) -> None:
    load(store, maven)
    o = m.Order
    assert rows(
        store, select(func.count(), func.sum(o.amount), func.min(o.currency), func.max(o.currency))
    ) == [(4238, 1_000_553_400, "USD", "USD")]
    assert rows(store, select(func.count()).where(o.opportunity_id.is_(None) | (o.kind != "new"))) == [(0,)]
    team, office = aliased(m.Team), aliased(m.Team)
    by_office = rows(
        store,
        select(office.name, func.sum(o.amount))
        .select_from(o)
        .join(m.Assignment, m.Assignment.person_id == o.owner_id)
        .join(team, team.id == m.Assignment.team_id)
        .join(office, office.id == team.parent_id)
        .group_by(office.name)
        .order_by(office.name),
    )
    assert by_office == [("Central", 334_629_300), ("East", 309_059_400), ("West", 356_864_700)]


def test_35_agents_report_to_6_managers_in_3_regional_offices(store: SqlStore, maven: Path) -> None:
    load(store, maven)
    day = date(2017, 6, 30)
    with store.transaction() as tx:
        reps = tx.people.with_role_on("rep", day)
        managers = tx.people.with_role_on("manager", day)
        anna = next(p for p in reps if p.name == "Anna Snelling")
        boss = tx.people.manager_of(anna.id, day)
        before = tx.people.manager_of(anna.id, date(2016, 9, 30))
    assert (len(reps), len(managers)) == (35, 6)
    assert boss is not None
    assert (boss.external_id, boss.name, boss.role) == ("dustin-brinkmann", "Dustin Brinkmann", "manager")
    assert before is None  # assignments start on 2016-10-01, the month of the first engage date
    offices = rows(store, select(m.Team.name).where(m.Team.parent_id.is_(None)).order_by(m.Team.name))
    assert offices == [("Central",), ("East",), ("West",)]
    distinct_managers = rows(
        store, select(func.count(func.distinct(m.Assignment.manager_id))).where(m.Assignment.role == "rep")
    )
    assert distinct_managers == [(6,)]


def test_the_report_names_each_quirk_with_its_count(store: SqlStore, maven: Path) -> None:
    report = load(store, maven)
    assert {q.code: q.count for q in report.quirks} == EXPECTED_QUIRKS
    agents = next(q for q in report.quirks if q.code == "agent-without-deals")
    assert agents.examples == (
        "sales_teams.csv row 12: Mei-Mei Johns",
        "sales_teams.csv row 18: Elizabeth Anderson",
        "sales_teams.csv row 24: Natalya Ivanova",
    )
    gtx = rows(
        store,
        select(func.count())
        .select_from(m.Opportunity)
        .join(m.Product, m.Product.id == m.Opportunity.product_id)
        .where(m.Product.name == "GTX Pro"),
    )
    assert gtx == [(1480,)]


def test_importing_twice_changes_nothing(store: SqlStore, maven: Path) -> None:
    load(store, maven)
    before = table_counts(store)
    again = load(store, maven)
    assert again.committed
    assert sum(c.created for c in again.counts.values()) == 0
    assert sum(c.updated for c in again.counts.values()) == 0
    assert again.counts["opportunity"].unchanged == 8800
    assert again.counts["order"].unchanged == 4238
    assert table_counts(store) == before


@pytest.mark.parametrize(
    ("old", "new", "column", "message"),
    [
        (
            ",Won,2016-10-20,2017-03-01,1054",
            ",Won,2016-10-20,2017-03-01,12x4",
            "close_value",
            "is not a number",
        ),
        (
            ",Won,2016-10-20,2017-03-01,1054",
            ",Won,2016-10-20,2017-13-45,1054",
            "close_date",
            "is not a valid date",
        ),
    ],
    ids=["close_value", "close_date"],
)
def test_one_corrupted_row_writes_nothing_and_names_file_row_and_column(
    store: SqlStore, maven: Path, tmp_path: Path, old: str, new: str, column: str, message: str
) -> None:
    folder, row = corrupt(maven, tmp_path, old, new)
    with pytest.raises(ImportRejected) as caught:
        load(store, folder)
    report = caught.value.report
    assert report.status == "rejected"
    assert [(e.source, e.row, e.column, e.message) for e in report.errors] == [
        ("sales_pipeline.csv", row, column, message)
    ]
    assert f"sales_pipeline.csv row {row}, column '{column}'" in str(caught.value)
    assert set(table_counts(store).values()) == {0}


def test_skip_invalid_loads_the_other_rows_and_writes_the_rejected_one(
    store: SqlStore, maven: Path, tmp_path: Path
) -> None:
    folder, row = corrupt(
        maven, tmp_path, ",Won,2016-10-20,2017-03-01,1054", ",Won,2016-10-20,2017-03-01,12x4"
    )
    rejects = tmp_path / "rejects.csv"
    report = load(store, folder, on_invalid=InvalidRows.SKIP, rejects_path=rejects)
    assert report.committed
    assert report.counts["opportunity"].rejected == 1
    assert table_counts(store)["opportunities"] == 8799
    assert table_counts(store)["orders"] == 4237
    assert f"sales_pipeline.csv,{row},opportunity,close_value,12x4" in rejects.read_text(encoding="utf-8")
