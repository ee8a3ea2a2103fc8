"""New rows written straight into their table give exactly the staged merge's outcome, chunk after chunk.

Each test streams orders in several chunks, so that rows are decided before later rows are seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import polars as pl
import pytest
from sqlalchemy import inspect, text

from attain.app.imports.batch import Batch, Chunk, ImportRejected, ImportReport, InvalidRows, RowError
from attain.app.imports.load import load_batch
from attain.store.unit_of_work import SqlStore


def _orders(rows: list[tuple[str, int, str | None]], first_row: int = 2) -> pl.DataFrame:
    """Orders (key, amount, original) numbered as rows of orders.csv from `first_row`."""
    return pl.DataFrame(
        {
            "external_id": [r[0] for r in rows],
            "booked_on": [date(2024, 3, 1)] * len(rows),
            "owner": ["P1"] * len(rows),
            "amount": [r[1] for r in rows],
            "currency": ["USD"] * len(rows),
            "kind": ["cancellation" if r[2] else "new" for r in rows],
            "original": [r[2] for r in rows],
            "_source": ["orders.csv"] * len(rows),
            "_row": list(range(first_row, first_row + len(rows))),
        }
    )


def _people(store: SqlStore) -> None:
    batch = Batch("people")
    batch.add("person", pl.DataFrame({"external_id": ["P1", "P2"], "name": ["Ann", "Bob"]}))
    load_batch(store, batch, actor="test")


def _streamed(*chunks: Chunk) -> Batch:
    batch = Batch("orders")

    def stream() -> Iterator[Chunk]:
        yield from chunks

    batch.add_stream(stream())
    return batch


def _orders_table(store: SqlStore) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        sql = (
            "SELECT o.external_id, o.amount, p.external_id FROM orders o "
            "LEFT JOIN orders p ON p.id = o.original_id ORDER BY o.id"
        )
        return [tuple(r) for r in tx.session.execute(text(sql)).all()]


def _counts(report: ImportReport, name: str = "order") -> tuple[int, int, int, int]:
    c = report.counts[name]
    return (c.created, c.updated, c.unchanged, c.rejected)


def test_an_order_id_repeated_in_a_later_chunk_rejects_both_rows_naming_each_other(store: SqlStore) -> None:
    _people(store)
    report = load_batch(
        store,
        _streamed(
            Chunk("order", _orders([("O1", 100, None), ("O2", 200, None)])),
            Chunk("order", _orders([("O1", 150, None), ("O3", 300, None), ("C1", -100, "O1")], first_row=4)),
        ),
        actor="test",
        on_invalid=InvalidRows.SKIP,
    )
    assert _counts(report) == (2, 0, 0, 3)
    assert report.quirks == []
    assert [(e.row, e.message) for e in report.errors] == [
        (2, "order 'O1' appears more than once in this batch: also at orders.csv row 4"),
        (4, "order 'O1' appears more than once in this batch: also at orders.csv row 2"),
        (6, "refers to a order whose own row was rejected"),
    ]
    assert _orders_table(store) == [("O2", 200, None), ("O3", 300, None)]


def test_a_cancellation_may_point_at_an_order_of_a_later_chunk(store: SqlStore) -> None:
    _people(store)
    report = load_batch(
        store,
        _streamed(
            Chunk("order", _orders([("O1", 100, None), ("C9", -900, "O9")])),
            Chunk("order", _orders([("O9", 900, None)], first_row=4)),
        ),
        actor="test",
    )
    assert _counts(report) == (3, 0, 0, 0)
    assert sorted(_orders_table(store)) == [("C9", -900, "O9"), ("O1", 100, None), ("O9", 900, None)]


def test_a_cancellation_of_an_order_rejected_in_a_later_chunk_is_rejected_too(store: SqlStore) -> None:
    _people(store)
    broken = RowError("orders.csv", 4, "amount", "1,2,3", "order.amount is not an amount", None, "order")
    report = load_batch(
        store,
        _streamed(
            Chunk("order", _orders([("O1", 100, None), ("C1", -100, "O1")])),
            Chunk("order", _orders([("O1", 0, None)], first_row=4), [broken]),
        ),
        actor="test",
        on_invalid=InvalidRows.SKIP,
    )
    assert _counts(report) == (1, 0, 0, 2)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "amount", "order.amount is not an amount"),
        (3, "original", "refers to a order whose own row was rejected"),
    ]
    assert _orders_table(store) == [("O1", 100, None)]


def test_orders_of_a_person_rejected_later_in_the_batch_are_rejected(store: SqlStore) -> None:
    _people(store)
    people = pl.DataFrame({"external_id": ["P1"], "name": ["Ann"], "_source": ["people.csv"], "_row": [2]})
    broken = RowError("people.csv", 2, "email", "ann@", "is not an email", None, "person")
    report = load_batch(
        store,
        _streamed(
            Chunk("order", _orders([("O1", 100, None), ("O2", 200, None)])),
            Chunk("person", people, [broken]),
        ),
        actor="test",
        on_invalid=InvalidRows.SKIP,
    )
    assert _counts(report) == (0, 0, 0, 2)
    assert {(e.row, e.column, e.message) for e in report.errors[1:]} == {
        (2, "owner", "refers to a person whose own row was rejected"),
        (3, "owner", "refers to a person whose own row was rejected"),
    }
    assert _orders_table(store) == []


def test_new_rows_among_existing_ones_are_created_and_changed_ones_updated(store: SqlStore) -> None:
    _people(store)
    load_batch(
        store, _streamed(Chunk("order", _orders([("O1", 100, None), ("O2", 200, None)]))), actor="test"
    )
    report = load_batch(
        store,
        _streamed(
            Chunk("order", _orders([("O2", 250, None), ("O3", 300, None)])),
            Chunk("order", _orders([("O1", 100, None), ("C1", -100, "O1")], first_row=4)),
        ),
        actor="test",
    )
    assert _counts(report) == (2, 1, 1, 0)
    assert _orders_table(store) == [
        ("O1", 100, None),
        ("O2", 250, None),
        ("O3", 300, None),
        ("C1", -100, "O1"),
    ]


def test_a_first_load_leaves_the_indexes_and_constraints_of_the_table_as_they_were(store: SqlStore) -> None:
    def shape() -> tuple[list[object], list[object]]:
        found = inspect(store.engine)
        indexes = sorted(
            (i["name"], tuple(i["column_names"]), i["unique"]) for i in found.get_indexes("orders")
        )
        uniques = sorted(
            (u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints("orders")
        )
        return list(indexes), list(uniques)

    before = shape()
    _people(store)
    report = load_batch(
        store,
        _streamed(Chunk("order", _orders([(f"O{i}", i, None) for i in range(1, 200)]))),
        actor="test",
    )
    assert _counts(report) == (199, 0, 0, 0)
    assert shape() == before
    assert ("uq_orders_external_id", ("external_id",)) in before[1]


def test_an_unchanged_order_repeated_in_a_later_chunk_is_rejected_and_the_stored_one_stays(
    store: SqlStore,
) -> None:
    _people(store)
    load_batch(
        store, _streamed(Chunk("order", _orders([("O1", 100, None), ("O2", 200, None)]))), actor="test"
    )
    chunks = (
        Chunk("order", _orders([("O1", 100, None), ("O2", 200, None)])),
        Chunk("order", _orders([("O1", 150, None)], first_row=4)),
    )
    with pytest.raises(ImportRejected, match="order 'O1' appears more than once in this batch") as refused:
        load_batch(store, _streamed(*chunks), actor="test")
    assert [e.row for e in refused.value.report.errors] == [2, 4]
    report = load_batch(store, _streamed(*chunks), actor="test", on_invalid=InvalidRows.SKIP)
    assert _counts(report) == (0, 0, 1, 2)
    assert report.quirks == []
    assert _orders_table(store) == [("O1", 100, None), ("O2", 200, None)]


def test_an_unchanged_cancellation_of_an_order_rejected_later_is_rejected_too(store: SqlStore) -> None:
    _people(store)
    first = _streamed(Chunk("order", _orders([("O1", 100, None), ("C1", -100, "O1")])))
    load_batch(store, first, actor="test")
    broken = RowError("orders.csv", 4, "amount", "1,2,3", "order.amount is not an amount", None, "order")
    report = load_batch(
        store,
        _streamed(
            Chunk("order", _orders([("O1", 100, None), ("C1", -100, "O1")])),
            Chunk("order", _orders([("O1", 0, None)], first_row=4), [broken]),
        ),
        actor="test",
        on_invalid=InvalidRows.SKIP,
    )
    assert _counts(report) == (0, 0, 1, 2)
    assert [(e.row, e.column) for e in report.errors] == [(4, "amount"), (3, "original")]
    assert _orders_table(store) == [("O1", 100, None), ("C1", -100, "O1")]
