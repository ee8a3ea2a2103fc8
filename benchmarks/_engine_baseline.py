"""The hand-written baseline of the engine benchmark: the same calculation written directly in DuckDB SQL.

It knows the benchmark's two plans (marginal tiers on attainment with a cap; a two-level override by level
with a cap) and a static hierarchy, so it skips everything the engine must handle in general (effective
dating, roles, lookups, conversions, explanations). Lines are materialized as the engine's are.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import duckdb
import pyarrow as pa

from attain.domain.calendar import Period
from attain.domain.plans.model import RoundingMode
from attain.domain.plans.rounding import round_fraction
from attain.engine.inputs import CalculationInput
from attain.engine.relational import FactTables


def _half_even(n: str, d: int) -> str:
    a, q = f"ABS({n})", f"(ABS({n}) // {d})"
    r = f"({a} % {d})"
    return (
        f"(SIGN({n}) * ({q} + CASE WHEN 2 * {r} > {d} OR (2 * {r} = {d} AND {q} % 2 = 1) THEN 1 ELSE 0 END))"
    )


def baseline_totals(facts: FactTables, inp: CalculationInput, period: Period) -> tuple[dict[str, int], int]:
    con = duckdb.connect()
    con.execute("SET memory_limit = '3GB'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet('{facts.orders}')")
    con.execute(f"CREATE VIEW splits AS SELECT * FROM read_parquet('{facts.splits}')")
    quotas = {q.person_id: Fraction(q.target) * 100 for q in inp.quotas}
    edges = pa.table(
        {
            "person": list(quotas),
            "e2": [round_fraction(q, RoundingMode.HALF_EVEN) for q in quotas.values()],
            "e3": [round_fraction(q * Fraction(3, 2), RoundingMode.HALF_EVEN) for q in quotas.values()],
        }
    )
    con.register("edges", edges)
    links = pa.table(
        {"person": [m.person_id for m in inp.managers], "manager": [m.manager_id for m in inp.managers]}
    )
    con.register("links", links)
    caps = {a.person_id: a.target_incentive * 3 // 4 for a in inp.assignments}
    con.register("caps", pa.table({"person": list(caps), "cap": list(caps.values())}))
    con.execute(
        """
        CREATE TEMP TABLE credits AS
        WITH sp AS (
            SELECT s.order_id, s.person_id, s.sequence,
                   ABS(CAST(o.amount AS HUGEINT))
                       * CAST(CAST(s.share AS DECIMAL(38, 9)) * 1000000000 AS BIGINT)
                       AS exact,
                   o.amount, o.booked_on
            FROM splits s JOIN orders o USING (order_id)),
        ranked AS (
            SELECT *, exact // 1000000000 AS fl, exact % 1000000000 AS rest,
                   ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY sequence, person_id) AS pos FROM sp),
        placed AS (
            SELECT *, ABS(amount) - SUM(fl) OVER (PARTITION BY order_id) AS leftover,
                   ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY rest DESC, pos) AS rk FROM ranked)
        SELECT o.order_id, o.owner AS person, 1 AS seq, o.amount, o.booked_on
        FROM orders o ANTI JOIN (SELECT DISTINCT order_id FROM splits) s USING (order_id)
        UNION ALL
        SELECT order_id, person_id, sequence,
               CAST(SIGN(amount) * (fl + CASE WHEN rk <= leftover THEN 1 ELSE 0 END) AS BIGINT), booked_on
        FROM placed
        """
    )
    parts = [
        ("1", "LEAST(GREATEST(after_sum, 0), e2) - LEAST(GREATEST(before_sum, 0), e2)", 5),
        (
            "2",
            "LEAST(GREATEST(after_sum - e2, 0), e3 - e2) - LEAST(GREATEST(before_sum - e2, 0), e3 - e2)",
            8,
        ),
        ("3", "GREATEST(after_sum - e3, 0) - GREATEST(before_sum - e3, 0)", 12),
    ]
    slices = " UNION ALL ".join(
        f"SELECT person, order_id, booked_on, seq, {tier} AS tier, {part} AS part, {rate} AS rate FROM run"
        for tier, part, rate in parts
    )
    con.execute(
        f"""
        CREATE TEMP TABLE lines AS
        WITH run AS (
            SELECT c.*, e.e2, e.e3,
                   CAST(SUM(CAST(amount AS DOUBLE)) OVER (
                        PARTITION BY c.person ORDER BY booked_on, order_id, seq
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS after_sum,
                   after_sum - amount AS before_sum
            FROM credits c JOIN edges e ON c.person = e.person),
        sliced AS ({slices})
        SELECT person, order_id, tier, part, {_half_even("part * rate", 100)} AS amount
        FROM sliced WHERE part <> 0
        UNION ALL
        SELECT l1.manager, c.order_id, 1, c.amount, {_half_even("c.amount * 10", 1000)}
        FROM credits c JOIN links l1 ON c.person = l1.person
        UNION ALL
        SELECT l2.manager, c.order_id, 2, c.amount, {_half_even("c.amount * 5", 1000)}
        FROM credits c JOIN links l1 ON c.person = l1.person JOIN links l2 ON l1.manager = l2.person
        """
    )
    rows = con.execute(
        "SELECT c.person, LEAST(COALESCE(t.total, 0), c.cap) FROM caps c "
        "LEFT JOIN (SELECT person, SUM(amount) AS total FROM lines GROUP BY person) t ON c.person = t.person"
    ).fetchall()
    count = con.execute("SELECT COUNT(*) FROM lines").fetchone()
    con.close()
    assert count is not None
    _ = Decimal, period
    return {person: int(total) for person, total in rows}, int(count[0])
