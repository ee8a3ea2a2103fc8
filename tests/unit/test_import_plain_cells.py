"""Chunks whose cells are all in the simple form skip the general parsing and get the same values."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from attain.app.imports.files import file_batch
from attain.app.imports.mapping import parse_mapping

ORDERS = """
name: orders
date_formats: ["%Y-%m-%d", "%d/%m/%Y"]
targets:
  - entity: order
    fields:
      external_id: id
      booked_on: booked
      line_number: line
      quantity: qty
      amount: amount
      currency: {value: USD}
      kind: {value: new}
"""
ROWS = [
    # plain cells first: a chunk of these takes the simple path for every field
    ("O1", "2024-01-31", "1", "2", "10.5"),
    ("O2", "2024-02-29", "+7", "0.25", "-3"),
    ("O3", "2024-03-01", "0012", "10", "1234.50"),
    # then cells that need cleaning or another date format
    ("O4", "31/01/2024", "3.0", "1,000", "$1,234.50"),
    ("O5", "2024-04-01", "4", "2.5", "(5.00)"),
    ("O6", "2024-05-01", "x", "", "USD 7"),
]


def _parsed(tmp_path: Path, chunk_rows: int) -> pl.DataFrame:
    path = tmp_path / "orders.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([("id", "booked", "line", "qty", "amount"), *ROWS])
    batch = file_batch([path], parse_mapping(ORDERS, "orders.yaml"), chunk_rows=chunk_rows)
    frames = [chunk.frame for stream in batch.streams for chunk in stream]
    return pl.concat(frames).select("external_id", "booked_on", "line_number", "quantity", "amount")


def test_simple_and_general_parsing_agree_whatever_the_chunks(tmp_path: Path) -> None:
    one_chunk = _parsed(tmp_path, 100)  # every field has a cell in need of the general parsing
    by_row = _parsed(tmp_path, 1)  # each cell alone: plain ones take the simple path
    by_three = _parsed(tmp_path, 3)  # a plain chunk, then a mixed one
    assert by_row.equals(one_chunk)
    assert by_three.equals(one_chunk)
    assert one_chunk.rows() == [
        ("O1", date(2024, 1, 31), 1, Decimal("2"), 1050),
        ("O2", date(2024, 2, 29), 7, Decimal("0.25"), -300),
        ("O3", date(2024, 3, 1), 12, Decimal("10"), 123450),
        ("O4", date(2024, 1, 31), 3, Decimal("1000"), 123450),
        ("O5", date(2024, 4, 1), 4, Decimal("2.5"), -500),
        ("O6", date(2024, 5, 1), None, None, 700),
    ]
