"""The shapes of the fact frames the store hands to analytics: column names and Polars types.

Money columns are Int64 minor units of the row's `currency`; dates are pl.Date; references are the
integer row ids of the referenced table. `conform` makes a frame match its shape exactly.
"""

from __future__ import annotations

import polars as pl

I64, TXT, DAY, CAT = pl.Int64, pl.Utf8, pl.Date, pl.Categorical
# Repeated short labels are categorical: filtering a million rows then moves integers, not strings.
STATUS = pl.Enum(["open", "won", "lost"])
ORDER_KIND = pl.Enum(["new", "renewal", "upsell", "cancellation", "return"])

Schema = dict[str, pl.DataType]

OPPORTUNITIES: Schema = {
    "id": I64(),
    "external_id": TXT(),
    "owner_id": I64(),
    "account_id": I64(),
    "product_id": I64(),
    "stage": CAT(),
    "status": STATUS,
    "amount": I64(),
    "currency": CAT(),
    "created_on": DAY(),
    "close_on": DAY(),
}
ORDERS: Schema = {
    "id": I64(),
    "external_id": TXT(),
    "owner_id": I64(),
    "account_id": I64(),
    "product_id": I64(),
    "opportunity_id": I64(),
    "booked_on": DAY(),
    "amount": I64(),
    "currency": CAT(),
    "kind": ORDER_KIND,
}
STAGES: Schema = {"opportunity_id": I64(), "stage": TXT(), "entered_at": pl.Datetime("us", "UTC")}
COSTS: Schema = {
    "id": I64(),
    "external_id": TXT(),
    "start_on": DAY(),
    "end_on": DAY(),
    "category": TXT(),
    "amount": I64(),
    "currency": CAT(),
}
FIRST_PURCHASES: Schema = {"account_id": I64(), "first_on": DAY()}
ASSIGNMENTS: Schema = {
    "person_id": I64(),
    "role": TXT(),
    "team_id": I64(),
    "manager_id": I64(),
    "territory_id": I64(),
    "valid_from": DAY(),
    "valid_to": DAY(),
}
PEOPLE: Schema = {"id": I64(), "external_id": TXT(), "name": TXT()}
TEAMS: Schema = {"id": I64(), "external_id": TXT(), "name": TXT(), "parent_id": I64(), "region": TXT()}
TERRITORIES: Schema = {
    "id": I64(),
    "external_id": TXT(),
    "name": TXT(),
    "region": TXT(),
    "potential": I64(),
    "currency": TXT(),
}
ACCOUNTS: Schema = {
    "id": I64(),
    "external_id": TXT(),
    "name": TXT(),
    "segment": TXT(),
    "industry": TXT(),
    "region": TXT(),
    "country": TXT(),
}
DAILY: Schema = {"day": DAY(), "currency": TXT(), "amount": I64(), "n": I64()}
RATES: Schema = {"from_currency": TXT(), "to_currency": TXT(), "valid_on": DAY(), "rate": TXT()}
PRODUCTS: Schema = {"id": I64(), "external_id": TXT(), "name": TXT(), "family": TXT()}


def empty(schema: Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def conform(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """`frame` with exactly the columns of `schema`, in order and cast to its types.

    Raises KeyError naming the missing columns: a frame without a declared column is a bug in its
    producer, not something to paper over with nulls.
    """
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise KeyError(f"frame is missing columns {missing}; it has {frame.columns}")
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])
