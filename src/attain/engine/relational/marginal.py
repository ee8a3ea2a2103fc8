"""Marginal tiers in SQL: each credit's slice of each tier, with running sums only where an edge is near.

A credit's slices follow from the payee's running total before and after it (the clamp formula), so the
plain program sorts every credit of every payee. Most credits cannot reach an edge, though: the program
first sums the credits per payee and credit day (a "bucket"; days come first in the total key, so a bucket is
a contiguous stretch of the running total) and finds, from the running total of the buckets, the range
[start + negative credits, start + positive credits] that every running total inside the bucket stays in.
When that range lies within one tier, each credit of the bucket is one line of that tier for its whole amount
(the clamp formula gives exactly that); only the credits of the few buckets whose range touches an edge get
their running sums, partitioned by bucket and started at the bucket's start. The lines are the same as the
plain program's, and the sorted rows are a small share of the credits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from attain.domain.plans.model import Tier
from attain.engine.relational.sqltext import clamp

CREDIT = ("payee", "day", "ono", "role", "level", "seq", "tie", "share_src", "amount")


@dataclass(frozen=True)
class Marginal:
    """One marginal commission's shape: its tiers and their lower edges (SQL numbers or edge columns)."""

    tiers: tuple[Tier, ...]
    lo: dict[int, str]  # tier index -> lower edge; index n + 1 is an upper edge when the last tier has one
    slots: int  # lookup slots of the rate catalog
    sums: str  # the running sums' SQL type: DOUBLE (exact below 2^53, checked per run) or HUGEINT
    order: str  # the total key
    history: bool  # credits carry pno, early, slot, withheld and edge columns (periods before the asked one)
    edge_columns: tuple[str, ...]  # lo_<i> columns the credits (history) or the payee terms carry
    slot: str  # the credits' slot column, or a constant
    span: int = 1  # days per bucket (only the asked period's credits: a bucket must not cross periods)


def marginal_sql(src: str, attach: Callable[[str], str], m: Marginal) -> str:
    """The commission lines (payee, pno, early, credit columns, part, tier, rate_id) of credits `src`;
    `attach` adds a payee's terms (pno, early, withheld, edges) to rows keyed by payee (not in history)."""
    partition = ["payee", "pno"] if m.history else ["payee"]
    carried = ["early", "withheld", *m.edge_columns] if m.history else []
    # Days as increasing numbers (not consecutive, which is all a bucket needs): portable SQL, no date math.
    day_bin = "day" if m.span == 1 else f"(YEAR(day) * 372 + MONTH(day) * 31 + DAY(day)) // {m.span}"
    keyed = f"SELECT *, {day_bin} AS bin FROM ({src})"
    bucket_keys = ", ".join([*partition, "bin", *carried])
    buckets = (
        f"SELECT {bucket_keys}, SUM(CAST(amount AS {m.sums})) AS s, "
        f"SUM(CAST(LEAST(amount, 0) AS {m.sums})) AS neg, SUM(CAST(GREATEST(amount, 0) AS {m.sums})) AS pos "
        f"FROM ({keyed}) GROUP BY {bucket_keys}"
    )
    started = (
        f"SELECT *, SUM(s) OVER (PARTITION BY {', '.join(partition)} ORDER BY bin ROWS BETWEEN UNBOUNDED "
        f"PRECEDING AND CURRENT ROW) - s AS start FROM ({buckets})"
    )
    termed = started if m.history else attach(started)
    ranged = f"SELECT *, start + neg AS low, start + pos AS high FROM ({termed})"
    placed = f"SELECT *, {_bucket_tier(m)} AS btier FROM ({ranged})"
    on = " AND ".join(f"c.{k} = b.{k}" for k in [*partition, "bin"])
    credit = ", ".join(f"c.{k}" for k in CREDIT)
    bucket = "b.pno, b.early, b.withheld"
    whole = (
        f"SELECT {credit}, {bucket}, c.amount AS part, b.btier AS tier, "
        f"(b.btier * {m.slots} + {m.slot}) * 2 + b.withheld AS rate_id "
        f"FROM ({keyed}) c JOIN ({placed}) b ON {on} WHERE b.btier > 0 AND c.amount <> 0"
    )
    edges = "".join(f", b.{e}" for e in m.edge_columns)
    near = (
        f"SELECT {credit}, {m.slot} AS slot, {bucket}, c.bin, b.start{edges} "
        f"FROM ({keyed}) c JOIN ({placed}) b ON {on} WHERE b.btier IS NULL"
    )
    running = (
        f"SELECT *, CAST(start + SUM(CAST(amount AS {m.sums})) OVER (PARTITION BY "
        f"{', '.join(partition)}, bin ORDER BY {m.order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) "
        f"AS BIGINT) AS after_sum FROM ({near})"
    )
    sliced = _sliced(running, m)
    columns = ", ".join([*CREDIT, "pno", "early", "withheld", "part", "tier", "rate_id"])
    return f"SELECT {columns} FROM ({whole}) UNION ALL SELECT {columns} FROM ({sliced})"


def _bucket_tier(m: Marginal) -> str:
    """The tier every running total of a bucket lies in (0: below the first edge, no lines), or NULL."""
    lo = m.lo
    whens = [f"WHEN high <= {lo[m.tiers[0].index]} THEN 0"]
    for t in m.tiers:
        upper = lo.get(t.index + 1)
        within = f"{lo[t.index]} <= low" + ("" if upper is None else f" AND high <= {upper}")
        whens.append(f"WHEN {within} THEN {t.index}")
    return f"(CASE {' '.join(whens)} ELSE NULL END)"


def _sliced(running: str, m: Marginal) -> str:
    """The clamp formula on rows with their running sums: a line per tier the credit spends money in."""
    lo, tiers = m.lo, m.tiers

    def width(i: int) -> str | None:
        return None if i + 1 not in lo else f"({lo[i + 1]} - {lo[i]})"

    le = " + ".join(
        f"CASE WHEN LEAST(before_sum, after_sum) >= {lo[t.index]} THEN 1 ELSE 0 END" for t in tiers
    )
    lt = " + ".join(
        f"CASE WHEN {lo[t.index]} < GREATEST(before_sum, after_sum) THEN 1 ELSE 0 END" for t in tiers
    )
    part = " ".join(
        f"WHEN {t.index} THEN {clamp(f'after_sum - {lo[t.index]}', width(t.index))} - "
        f"{clamp(f'before_sum - {lo[t.index]}', width(t.index))}"
        for t in tiers
    )
    values = ", ".join(f"({t.index})" for t in tiers)
    reach = (
        f"SELECT *, GREATEST({le}, 1) AS t_first, {lt} AS t_last FROM "
        f"(SELECT *, after_sum - amount AS before_sum FROM ({running}))"
    )
    cut = (
        f"SELECT r.*, k.tier FROM ({reach}) r JOIN (VALUES {values}) AS k(tier) "
        f"ON k.tier >= r.t_first AND k.tier <= r.t_last"
    )
    return (
        f"SELECT *, (tier * {m.slots} + slot) * 2 + withheld AS rate_id FROM "
        f"(SELECT *, CASE tier {part} END AS part FROM ({cut})) WHERE part <> 0"
    )
