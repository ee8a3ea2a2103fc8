"""Rows that facts refer to cannot be deleted or renumbered, although the fact tables have no foreign keys."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.store.unit_of_work import SqlStore


def _company(store: SqlStore) -> None:
    batch = Batch("guards")
    batch.add("person", pl.DataFrame({"external_id": ["P1", "P2"], "name": ["Ann", "Bob"]}))
    batch.add("account", pl.DataFrame({"external_id": ["A1", "A2"], "name": ["Acme", "Initech"]}))
    batch.add("product", pl.DataFrame({"external_id": ["SKU1"], "name": ["Widget"]}))
    batch.add(
        "opportunity",
        pl.DataFrame(
            {"external_id": ["D1"], "owner": ["P2"], "account": ["A2"], "stage": ["New"], "status": ["open"]}
        ),
    )
    batch.add(
        "order",
        pl.DataFrame(
            {
                "external_id": ["O1", "C1"],
                "booked_on": [date(2024, 1, 2), date(2024, 2, 1)],
                "account": ["A1", "A1"],
                "product": ["SKU1", "SKU1"],
                "owner": ["P1", "P1"],
                "opportunity": ["D1", None],
                "amount": [100, -100],
                "currency": ["USD"] * 2,
                "kind": ["new", "cancellation"],
                "original": [None, "O1"],
            }
        ),
    )
    load_batch(store, batch, actor="test")


def _run(store: SqlStore, sql: str) -> None:
    with store.transaction() as tx:
        tx.session.execute(text(sql))


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM people WHERE external_id = 'P1'",
        "DELETE FROM people WHERE external_id = 'P2'",
        "DELETE FROM accounts WHERE external_id = 'A1'",
        "DELETE FROM products WHERE external_id = 'SKU1'",
        "DELETE FROM opportunities WHERE external_id = 'D1'",
        "DELETE FROM orders WHERE external_id = 'O1'",
        "UPDATE people SET id = id + 100 WHERE external_id = 'P1'",
    ],
)
def test_deleting_or_renumbering_a_row_that_facts_refer_to_is_refused(store: SqlStore, sql: str) -> None:
    _company(store)
    with pytest.raises(DBAPIError, match="referenced by"):
        _run(store, sql)
    with store.transaction() as tx:
        assert tx.session.execute(text("SELECT count(*) FROM people")).scalar_one() == 2


def test_rows_no_fact_refers_to_can_still_be_deleted(store: SqlStore) -> None:
    _company(store)
    _run(store, "DELETE FROM orders WHERE external_id = 'C1'")
    _run(store, "DELETE FROM orders WHERE external_id = 'O1'")
    _run(store, "DELETE FROM accounts WHERE external_id = 'A1'")
    _run(store, "UPDATE people SET name = 'Ann Lee' WHERE external_id = 'P1'")
    with store.transaction() as tx:
        assert tx.session.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 1


def test_truncating_a_referenced_table_is_refused_on_postgres(store: SqlStore) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _company(store)
    with pytest.raises(DBAPIError, match=r"products rows are referenced by orders\.product_id"):
        _run(store, "TRUNCATE products")
