"""A small company written through the import engine, for KPI tests on SQLite and PostgreSQL.

The same people and deals as tests/unit/analytics/sample_org (Ann, Bob who moves from East to West
on 2024-07-01, Cy the manager, Dee hired 2024-02-15), plus a 2023 history for goals and growth.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.app.setup import init_company
from attain.store.unit_of_work import SqlStore

D = date
# (external id, owner, account, status, amount in cents, created, closed)
DEALS = [
    ("o1", "ann", "a0", "won", 100_00, D(2024, 1, 5), D(2024, 2, 1)),
    ("o2", "ann", "a0", "lost", 50_00, D(2024, 1, 5), D(2024, 2, 10)),
    ("o3", "bob", "a1", "won", 300_00, D(2024, 3, 1), D(2024, 5, 1)),
    ("o4", "bob", "a1", "won", 201_00, D(2024, 6, 1), D(2024, 8, 1)),
    ("o5", "dee", "a2", "open", 999_00, D(2024, 3, 1), D(2024, 12, 1)),
    ("h1", "ann", "a2", "won", 400_00, D(2023, 7, 1), D(2023, 8, 1)),
    ("h2", "bob", "a1", "won", 200_00, D(2023, 7, 1), D(2023, 9, 1)),
]
# (external id, owner, account, booked, amount in cents, kind, original)
ORDERS = [
    ("s1", "ann", "a0", D(2024, 2, 1), 100_00, "new", None),
    ("s2", "bob", "a1", D(2024, 5, 1), 300_00, "new", None),
    ("s3", "bob", "a1", D(2024, 8, 1), 201_00, "upsell", None),
    ("s4", "bob", "a1", D(2024, 8, 20), -50_00, "cancellation", "s2"),
    ("h1", "ann", "a2", D(2023, 8, 1), 400_00, "new", None),
    ("h2", "bob", "a1", D(2023, 9, 1), 200_00, "new", None),
]


def company_batch() -> Batch:
    batch = Batch("kpi-test")
    batch.add(
        "person",
        pl.DataFrame({"external_id": ["ann", "bob", "cy", "dee"], "name": ["Ann", "Bob", "Cy", "Dee"]}),
    )
    batch.add(
        "team",
        pl.DataFrame(
            {
                "external_id": ["sales", "east", "west"],
                "name": ["Sales", "East", "West"],
                "parent": [None, "sales", "sales"],
                "region": [None, "East", "West"],
            }
        ),
    )
    batch.add(
        "territory",
        pl.DataFrame(
            {
                "external_id": ["t-e", "t-w"],
                "name": ["TE", "TW"],
                "potential": [300_000_00, 100_000_00],
                "currency": ["USD", "USD"],
            }
        ),
    )
    batch.add(
        "account",
        pl.DataFrame(
            {"external_id": ["a0", "a1", "a2"], "name": ["A0", "A1", "A2"], "segment": ["SMB", "ENT", "SMB"]}
        ),
    )
    batch.add(
        "assignment",
        pl.DataFrame(
            {
                "person": ["ann", "bob", "bob", "cy", "dee"],
                "role": ["rep", "rep", "rep", "manager", "rep"],
                "team": ["east", "east", "west", "sales", "west"],
                "manager": ["cy", "cy", "cy", None, "cy"],
                "territory": ["t-e", "t-e", "t-w", None, "t-w"],
                "valid_from": [D(2023, 1, 1), D(2023, 1, 1), D(2024, 7, 1), D(2023, 1, 1), D(2024, 2, 15)],
                "valid_to": [None, D(2024, 6, 30), None, None, None],
            }
        ),
    )
    batch.add("product", pl.DataFrame({"external_id": ["p0"], "name": ["P0"], "family": ["Hardware"]}))
    batch.add(
        "opportunity",
        pl.DataFrame(
            {
                "external_id": [d[0] for d in DEALS],
                "owner": [d[1] for d in DEALS],
                "account": [d[2] for d in DEALS],
                "product": ["p0"] * len(DEALS),
                "stage": [d[3].title() for d in DEALS],
                "status": [d[3] for d in DEALS],
                "amount": [d[4] for d in DEALS],
                "currency": ["USD"] * len(DEALS),
                "created_on": [d[5] for d in DEALS],
                "close_on": [d[6] for d in DEALS],
            }
        ),
    )
    batch.add(
        "order",
        pl.DataFrame(
            {
                "external_id": [o[0] for o in ORDERS],
                "owner": [o[1] for o in ORDERS],
                "account": [o[2] for o in ORDERS],
                "product": ["p0"] * len(ORDERS),
                "booked_on": [o[3] for o in ORDERS],
                "amount": [o[4] for o in ORDERS],
                "currency": ["USD"] * len(ORDERS),
                "kind": [o[5] for o in ORDERS],
                "original": [o[6] for o in ORDERS],
            },
            schema_overrides={"original": pl.Utf8},
        ),
    )
    batch.add(
        "cost",
        pl.DataFrame(
            {
                "external_id": ["c1", "c2"],
                "period": ["FY2024-M01", "FY2024-M02"],
                "category": ["sales", "marketing"],
                "amount": [1000_00, 500_00],
                "currency": ["USD", "USD"],
            }
        ),
    )
    return batch


def load_company(store: SqlStore) -> None:
    init_company(store, first_fy=2022, last_fy=2025)
    report = load_batch(store, company_batch(), actor="test")
    assert report.committed, [e.render() for e in report.errors]
