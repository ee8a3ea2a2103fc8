"""Running a metric query: which facts to read, the base and derived metrics, one joined table out."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

import polars as pl

from attain.analytics.definitions import BY_KEY, definition
from attain.analytics.derived import DERIVED, DERIVED_ROW_SETS
from attain.analytics.facts import Facts, Source
from attain.analytics.measures import MEASURES, aggregate
from attain.analytics.org import PEOPLE_DIMENSIONS
from attain.analytics.ports import Detail, FactScope, GoalRecord
from attain.analytics.rowsets import SOURCES, Measurement, Query, RowSet, snapshot_buckets
from attain.analytics.timeframe import Shift
from attain.domain.errors import InvalidInput

TABLE_METRICS = tuple(k for k in BY_KEY if k in MEASURES or k in DERIVED)


def check_metrics(metrics: Sequence[str]) -> tuple[str, ...]:
    for key in metrics:
        definition(key)
        if key not in TABLE_METRICS:
            raise InvalidInput(
                f"'{key}' is not a per-group figure", hint="use `attain funnel` for stage conversion"
            )
    return tuple(dict.fromkeys(metrics))


def row_sets_needed(metrics: Sequence[str]) -> set[tuple[RowSet, Shift | None]]:
    out: set[tuple[RowSet, Shift | None]] = set()
    for key in metrics:
        if key in MEASURES:
            out.add((MEASURES[key].row_set, None))
        else:
            out.update(DERIVED_ROW_SETS[key])
    return out


def fact_scope(
    query: Query, owners: tuple[int, ...] | None = None, detail: Detail = Detail.FIGURES
) -> tuple[FactScope, set[Source]]:
    """The dates and sources a query must read: its window, widened for comparisons it makes."""
    needed = row_sets_needed(query.metrics)
    start, end = query.frame.load_range({s for _, s in needed if s is not None})
    sources: set[Source] = set()
    for row_set, _ in needed:
        sources |= SOURCES[row_set]
    return FactScope(start, end, owners, detail), sources


def measure(
    facts: Facts, query: Query, goals: Sequence[GoalRecord] = (), currency: str = "USD"
) -> pl.DataFrame:
    """One row per group (the query's keys) and one column per requested metric.

    Sums and counts are 0 for a group that has rows for another metric but none for this one;
    everything else stays null there, as each definition documents.
    """
    return _measure(Measurement(facts, query), goals, currency)


def measure_all(
    facts: Facts, queries: Sequence[Query], goals: Sequence[GoalRecord] = (), currency: str = "USD"
) -> list[pl.DataFrame]:
    """`measure` for several groupings of the same metrics, time and filters, building each row set once."""
    if len({(q.frame, q.filters) for q in queries}) > 1:
        raise ValueError("measure_all needs queries over the same time frame and filters")
    cache: dict[tuple[RowSet, Shift | None], pl.DataFrame] = {}
    union = frozenset(d for q in queries for d in q.dims)
    return [_measure(Measurement(facts, q, cache, union), goals, currency) for q in queries]


def _measure(m: Measurement, goals: Sequence[GoalRecord], currency: str) -> pl.DataFrame:
    query = m.query
    metrics = check_metrics(query.metrics)
    keys = query.keys
    parts: list[pl.DataFrame] = []
    by_row_set: dict[RowSet, list[str]] = {}
    for key in metrics:
        if key in MEASURES:
            by_row_set.setdefault(MEASURES[key].row_set, []).append(key)
    for row_set, names in by_row_set.items():
        parts.append(aggregate(m.rows(row_set), keys, names, m.facts.org))
    done: set[str] = set()
    for key in metrics:
        if key in DERIVED and key not in done:
            compute, produces = DERIVED[key]
            frame = compute(m, goals, currency)
            parts.append(frame.select(*keys, *[p for p in produces if p in metrics]))
            done.update(produces)
    if not parts:
        return pl.DataFrame()
    table = reduce(lambda a, b: a.join(b, on=keys, how="full", coalesce=True, nulls_equal=True), parts)
    table = _fill_zeros(table, m, metrics).select(*keys, *metrics).sort(keys, nulls_last=True)
    return table.with_columns(pl.col("period").cast(pl.Utf8))


def _fill_zeros(table: pl.DataFrame, m: Measurement, metrics: tuple[str, ...]) -> pl.DataFrame:
    snapped = [k for k, day in snapshot_buckets(m.frame).items() if day is not None]
    fills = []
    for key in metrics:
        spec = MEASURES.get(key)
        if spec is None or not spec.zero_when_empty:
            continue
        if spec.row_set is RowSet.REP_MONTHS and not m.query.dims <= PEOPLE_DIMENSIONS:
            continue
        zero = pl.col(key).fill_null(0)
        if spec.row_set is RowSet.PIPELINE:
            zero = pl.when(pl.col("period").is_in(snapped)).then(zero)
        fills.append(zero.alias(key))
    return table.with_columns(fills) if fills else table
