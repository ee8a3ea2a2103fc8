"""A small hand-built sales org and its facts, with values chosen so every metric is checkable by hand.

Teams: Sales (1) > East (2, region East), West (3, region West). Ann (10) is an East rep all year;
Bob (11) is an East rep until 2024-06-30 and a West rep from 2024-07-01 (the mid-year transfer);
Cy (12) manages Sales; Dee (13) is a West rep hired 2024-02-15.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from attain.analytics.org import Org

D = date


def org_frame() -> Org:
    return Org.build(
        people=pl.DataFrame(
            {
                "id": [10, 11, 12, 13],
                "external_id": ["ann", "bob", "cy", "dee"],
                "name": ["Ann", "Bob", "Cy", "Dee"],
            }
        ),
        teams=pl.DataFrame(
            {
                "id": [1, 2, 3],
                "external_id": ["sales", "east", "west"],
                "name": ["Sales", "East", "West"],
                "parent_id": [None, 1, 1],
                "region": [None, "East", "West"],
            }
        ),
        territories=pl.DataFrame(
            {
                "id": [100, 101],
                "external_id": ["t-e", "t-w"],
                "name": ["TE", "TW"],
                "region": ["East", "West"],
                "potential": [300_000, 100_000],
                "currency": ["USD", "USD"],
            }
        ),
        accounts=pl.DataFrame(
            {
                "id": [500, 501, 502],
                "external_id": ["a0", "a1", "a2"],
                "name": ["A0", "A1", "A2"],
                "segment": ["SMB", "ENT", "SMB"],
                "industry": [None, None, None],
                "region": [None, None, None],
                "country": [None, None, None],
            }
        ),
        products=pl.DataFrame(
            {
                "id": [700, 701],
                "external_id": ["p0", "p1"],
                "name": ["P0", "P1"],
                "family": ["Hardware", "Software"],
            }
        ),
        assignments=pl.DataFrame(
            {
                "person_id": [10, 11, 11, 12, 13],
                "role": ["rep", "rep", "rep", "manager", "rep"],
                "team_id": [2, 2, 3, 1, 3],
                "manager_id": [12, 12, 12, None, 12],
                "territory_id": [100, 100, 101, None, 101],
                "valid_from": [D(2024, 1, 1), D(2024, 1, 1), D(2024, 7, 1), D(2024, 1, 1), D(2024, 2, 15)],
                "valid_to": [None, D(2024, 6, 30), None, None, None],
            }
        ),
    )


def opportunity_frame(rows: list[tuple[int, int, str, int | None, date | None, date | None]]) -> pl.DataFrame:
    """(id, owner, status, amount in cents, created_on, close_on); account 500, product 700."""
    return pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "external_id": [f"o{r[0]}" for r in rows],
            "owner_id": [r[1] for r in rows],
            "account_id": [500] * len(rows),
            "product_id": [700] * len(rows),
            "stage": [r[2] for r in rows],
            "status": [r[2] for r in rows],
            "amount": [r[3] for r in rows],
            "currency": ["USD"] * len(rows),
            "created_on": [r[4] for r in rows],
            "close_on": [r[5] for r in rows],
        },
        schema_overrides={"amount": pl.Int64, "created_on": pl.Date, "close_on": pl.Date},
    )


def order_frame(rows: list[tuple[int, int, int, date, int, str]]) -> pl.DataFrame:
    """(id, owner, account, booked_on, amount in cents, kind); product 700."""
    return pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "external_id": [f"s{r[0]}" for r in rows],
            "owner_id": [r[1] for r in rows],
            "account_id": [r[2] for r in rows],
            "product_id": [700] * len(rows),
            "opportunity_id": [None] * len(rows),
            "booked_on": [r[3] for r in rows],
            "amount": [r[4] for r in rows],
            "currency": ["USD"] * len(rows),
            "kind": [r[5] for r in rows],
        },
        schema_overrides={"opportunity_id": pl.Int64, "booked_on": pl.Date},
    )


def stage_frame(rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    """(opportunity id, stage, ISO timestamp)."""
    return pl.DataFrame(
        {
            "opportunity_id": [r[0] for r in rows],
            "stage": [r[1] for r in rows],
            "entered_at": [r[2] for r in rows],
        }
    ).with_columns(pl.col("entered_at").str.to_datetime(time_unit="us", time_zone="UTC"))
