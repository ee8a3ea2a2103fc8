"""The rows behind each metric: facts selected, dated into buckets and given their dimension keys.

A metric is an aggregation over one row set; drill-down lists the same rows, so every figure can
show what it was computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import polars as pl

from attain.analytics.facts import Facts, Source
from attain.analytics.org import KEY_COLUMN, PEOPLE_DIMENSIONS, Dimension
from attain.analytics.timeframe import Bucket, Shift, TimeFrame, period_type, tag


class RowSet(StrEnum):
    ORDERS = "orders"  # booked in the bucket
    WON = "won"  # won deals closed in the bucket
    CLOSED = "closed"  # won or lost deals closed in the bucket
    CREATED = "created"  # deals created in the bucket
    PIPELINE = "pipeline"  # deals open on the bucket's snapshot date
    REP_MONTHS = "rep_months"  # pieces of rep assignments, one per month
    CUSTOMERS = "customers"  # accounts with a positive order in the bucket
    NEW_CUSTOMERS = "new_customers"  # accounts whose first positive order is in the bucket
    COSTS = "costs"  # costs whose period lies inside the bucket


SOURCES: dict[RowSet, set[Source]] = {
    RowSet.ORDERS: {Source.ORDERS},
    RowSet.WON: {Source.OPPORTUNITIES},
    RowSet.CLOSED: {Source.OPPORTUNITIES},
    RowSet.CREATED: {Source.OPPORTUNITIES},
    RowSet.PIPELINE: {Source.OPPORTUNITIES},
    RowSet.REP_MONTHS: set(),
    RowSet.CUSTOMERS: {Source.ORDERS},
    RowSet.NEW_CUSTOMERS: {Source.ORDERS, Source.FIRST_PURCHASES},
    RowSet.COSTS: {Source.COSTS},
}


@dataclass(frozen=True, slots=True)
class Query:
    """Which metrics, grouped by which dimensions, over which time, restricted by which key values."""

    metrics: tuple[str, ...]
    by: tuple[Dimension, ...]
    frame: TimeFrame
    filters: tuple[tuple[Dimension, int | str], ...] = ()

    @property
    def keys(self) -> list[str]:
        return [KEY_COLUMN[d] for d in self.by if d is not Dimension.COMPANY] + ["period"]

    @property
    def dims(self) -> set[Dimension]:
        return {d for d in self.by if d is not Dimension.COMPANY} | {d for d, _ in self.filters}


@dataclass
class Measurement:
    """One query over one set of facts; row sets are built once and shared by the metrics that use them."""

    facts: Facts
    query: Query
    _cache: dict[tuple[RowSet, Shift | None], pl.DataFrame] = field(default_factory=dict)
    # Measurements of several groupings can share one cache when rows carry all their dimensions.
    extra_dims: frozenset[Dimension] = frozenset()

    @property
    def dims(self) -> set[Dimension]:
        return self.query.dims | self.extra_dims

    @property
    def frame(self) -> TimeFrame:
        return self.query.frame

    def buckets(self, shift: Shift | None = None) -> list[Bucket]:
        return self.frame.buckets() if shift is None else self.frame.shifted(shift)

    def rows(self, row_set: RowSet, shift: Shift | None = None) -> pl.DataFrame:
        cached = self._cache.get((row_set, shift))
        if cached is None:
            cached = self._filter(_BUILDERS[row_set](self, self.buckets(shift)))
            self._cache[(row_set, shift)] = cached
        return cached

    def keyed(self, row_set: RowSet, extra: list[str], shift: Shift | None = None) -> pl.DataFrame:
        """The distinct (keys + `extra`) of a row set, with `team_id` for every team above each row."""
        rows = self.rows(row_set, shift)
        keys = self.query.keys
        if "team_id" not in keys or "team_id" in rows.columns:
            return rows.select(*keys, *extra).unique()
        own = [("_team" if k == "team_id" else k) for k in keys]
        distinct = rows.select(*own, *extra).unique()
        return self.facts.org.explode_teams(distinct).select(*keys, *extra).unique()

    def _filter(self, rows: pl.DataFrame) -> pl.DataFrame:
        for dim, value in self.query.filters:
            if dim is Dimension.COMPANY:
                continue
            if dim is Dimension.TEAM and "_team" in rows.columns:  # the team's whole subtree
                rows = rows.filter(pl.col("_team").is_in(self.facts.org.subtree(int(value))))
                continue
            if KEY_COLUMN[dim] not in rows.columns:  # company-wide facts (costs) have no such key
                return rows.head(0)
            rows = rows.filter(pl.col(KEY_COLUMN[dim]) == value)
        return rows

    def _attach(self, rows: pl.DataFrame, date_col: str, owner_col: str = "owner_id") -> pl.DataFrame:
        return self.facts.org.attach(rows, self.dims, owner_col=owner_col, date_col=date_col)


def _orders(m: Measurement, buckets: list[Bucket]) -> pl.DataFrame:
    return m._attach(tag(m.facts.orders, "booked_on", buckets, m.frame.as_of), "booked_on")


def _won(m: Measurement, buckets: list[Bucket]) -> pl.DataFrame:
    won = m.facts.opportunities.filter(pl.col("status") == "won")
    won = won.with_columns(_days=(pl.col("close_on") - pl.col("created_on")).dt.total_days())
    return m._attach(tag(won, "close_on", buckets, m.frame.as_of), "close_on")


def _closed(m: Measurement, buckets: list[Bucket]) -> pl.DataFrame:
    closed = m.facts.opportunities.filter(pl.col("status").is_in(["won", "lost"]))
    return m._attach(tag(closed, "close_on", buckets, m.frame.as_of), "close_on")


def _created(m: Measurement, buckets: list[Bucket]) -> pl.DataFrame:
    return m._attach(tag(m.facts.opportunities, "created_on", buckets, m.frame.as_of), "created_on")


def snapshot_day(bucket: Bucket, as_of: date) -> date | None:
    """A bucket's pipeline snapshot date: its last day or the earlier as-of date; None before it starts."""
    if bucket.start > as_of:
        return None
    return min(bucket.last_day, as_of)


def _pipeline(m: Measurement, buckets: list[Bucket]) -> pl.DataFrame:
    opps = m.facts.opportunities
    kind = period_type(buckets)
    parts = []
    for bucket in buckets:
        snap = snapshot_day(bucket, m.frame.as_of)
        if snap is None:
            continue
        is_open = (pl.col("created_on").is_null() | (pl.col("created_on") <= snap)) & (
            (pl.col("status") == "open") | (pl.col("close_on") > snap)
        )
        parts.append(
            opps.filter(is_open).with_columns(period=pl.lit(bucket.key).cast(kind), _snap=pl.lit(snap))
        )
    rows = (
        pl.concat(parts)
        if parts
        else opps.head(0).with_columns(period=pl.lit(None, kind), _snap=pl.lit(None, pl.Date))
    )
    return m._attach(rows, "_snap")


def _rep_months(m: Measurement, buckets: list[Bucket]) -> pl.DataFrame:
    if not buckets or not m.dims <= PEOPLE_DIMENSIONS:
        return pl.DataFrame(
            schema={
                "person_id": pl.Int64,
                "_team": pl.Int64,
                "territory_id": pl.Int64,
                "_piece": pl.Date,
                "_fraction": pl.Float64,
                "period": period_type(buckets),
            }
        )
    start = buckets[0].start
    stop = min(buckets[-1].last_day, m.frame.as_of)  # inclusive
    reps = (
        m.facts.org.assignments.filter(pl.col("role") == "rep")
        .select(
            "person_id",
            pl.col("team_id").alias("_team"),
            "territory_id",
            pl.max_horizontal(pl.col("valid_from"), pl.lit(start)).alias("_from"),
            pl.min_horizontal(pl.col("valid_to").fill_null(stop), pl.lit(stop)).alias("_to"),
        )
        .filter(pl.col("_from") <= pl.col("_to"))
    )
    pieces = reps.with_columns(
        _month=pl.date_ranges(pl.col("_from").dt.month_start(), pl.col("_to"), "1mo")
    ).explode("_month")
    pieces = pieces.with_columns(
        _piece=pl.max_horizontal("_from", "_month"),
        _piece_end=pl.min_horizontal(pl.col("_to"), pl.col("_month").dt.month_end()),
        _month_days=pl.col("_month").dt.month_end().dt.day().cast(pl.Float64),
    ).with_columns(
        _fraction=((pl.col("_piece_end") - pl.col("_piece")).dt.total_days() + 1) / pl.col("_month_days")
    )
    tagged = tag(
        pieces.select("person_id", "_team", "territory_id", "_piece", "_fraction"), "_piece", buckets, None
    )
    return m._attach(tagged, "_piece", owner_col="person_id")


def _customers(m: Measurement, buckets: list[Bucket]) -> pl.DataFrame:
    bought = m.facts.orders.filter((pl.col("amount") > 0) & pl.col("account_id").is_not_null())
    return m._attach(tag(bought, "booked_on", buckets, m.frame.as_of), "booked_on")


def _new_customers(m: Measurement, buckets: list[Bucket]) -> pl.DataFrame:
    firsts = (
        m.facts.orders.filter((pl.col("amount") > 0) & pl.col("account_id").is_not_null())
        .join(
            m.facts.first_purchases,
            on="account_id",
            how="inner",
        )
        .filter(pl.col("booked_on") == pl.col("first_on"))
        .sort("id")
        .unique("account_id", keep="first")
    )
    return m._attach(tag(firsts, "booked_on", buckets, m.frame.as_of), "booked_on")


def _costs(m: Measurement, buckets: list[Bucket]) -> pl.DataFrame:
    """Costs inside each bucket; a bucket some cost straddles gets one row with `_straddles` set."""
    costs = m.facts.costs
    kind = period_type(buckets)
    parts = []
    for bucket in buckets:
        inside = (pl.col("start_on") >= bucket.start) & (pl.col("end_on") <= bucket.end)
        overlaps = (pl.col("start_on") < bucket.end) & (pl.col("end_on") > bucket.start)
        rows = costs.filter(overlaps).with_columns(period=pl.lit(bucket.key).cast(kind), _straddles=~inside)
        parts.append(rows)
    if not parts:
        return costs.head(0).with_columns(period=pl.lit(None, kind), _straddles=pl.lit(None, pl.Boolean))
    return pl.concat(parts)


_BUILDERS = {
    RowSet.ORDERS: _orders,
    RowSet.WON: _won,
    RowSet.CLOSED: _closed,
    RowSet.CREATED: _created,
    RowSet.PIPELINE: _pipeline,
    RowSet.REP_MONTHS: _rep_months,
    RowSet.CUSTOMERS: _customers,
    RowSet.NEW_CUSTOMERS: _new_customers,
    RowSet.COSTS: _costs,
}


def snapshot_buckets(frame: TimeFrame) -> dict[str, date | None]:
    return {b.key: snapshot_day(b, frame.as_of) for b in frame.buckets()}


def next_period_ended(bucket: Bucket, frame: TimeFrame) -> bool:
    nxt = next(b for b in frame.shifted(Shift.NEXT) if b.key == bucket.key)
    return nxt.end - timedelta(days=1) <= frame.as_of
