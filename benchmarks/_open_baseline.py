"""The open benchmark's hand-written baseline: the workload's calculation written directly in DuckDB SQL.

It knows `open_workload`'s two plans (marginal tiers on attainment with a cap and a Hardware SPIFF for reps;
a three-level override by level with a cap for managers) and its static hierarchy, so it skips everything
the engine must handle in general (effective dating, roles, lookups, conversions, explanations). Lines are
materialized as the engine's are. Totals come per person and component, as a close posts them.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import duckdb
import pyarrow as pa

from attain.domain.calendar import Period
from attain.domain.plans.model import RoundingMode
from attain.domain.plans.rounding import round_fraction
from attain.engine.inputs import CalculationInput
from open_workload import SPIFF_FIRST, SPIFF_LAST

Totals = dict[tuple[str, str], int]


def _half_even(n: str, d: int) -> str:
    a, q = f"ABS({n})", f"(ABS({n}) // {d})"
    r = f"({a} % {d})"
    return (
        f"(SIGN({n}) * ({q} + CASE WHEN 2 * {r} > {d} OR (2 * {r} = {d} AND {q} % 2 = 1) THEN 1 ELSE 0 END))"
    )


CREDITS = """
CREATE TEMP TABLE credits AS
WITH sp AS (
    SELECT s.order_id, s.person_id, s.sequence,
           ABS(CAST(o.amount AS HUGEINT)) * CAST(CAST(s.share AS DECIMAL(38, 9)) * 1000000000 AS BIGINT)
               AS exact,
           o.amount, o.booked_on, o.product_family
    FROM splits s JOIN orders o USING (order_id)),
ranked AS (
    SELECT *, exact // 1000000000 AS fl, exact % 1000000000 AS rest,
           ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY sequence, person_id) AS pos FROM sp),
placed AS (
    SELECT *, ABS(amount) - SUM(fl) OVER (PARTITION BY order_id) AS leftover,
           ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY rest DESC, pos) AS rk FROM ranked)
SELECT o.order_id, o.owner AS person, 1 AS seq, o.amount, o.booked_on, o.product_family
FROM orders o ANTI JOIN (SELECT DISTINCT order_id FROM splits) s USING (order_id)
UNION ALL
SELECT order_id, person_id, sequence,
       CAST(SIGN(amount) * (fl + CASE WHEN rk <= leftover THEN 1 ELSE 0 END) AS BIGINT), booked_on,
       product_family
FROM placed
"""

TIERS = [
    ("LEAST(GREATEST(after_sum, 0), e2) - LEAST(GREATEST(before_sum, 0), e2)", 5),
    ("LEAST(GREATEST(after_sum - e2, 0), e3 - e2) - LEAST(GREATEST(before_sum - e2, 0), e3 - e2)", 8),
    ("GREATEST(after_sum - e3, 0) - GREATEST(before_sum - e3, 0)", 12),
]


def baseline_components(
    orders: Path, splits: Path, inp: CalculationInput, period: Period, memory_limit: str = "3GB"
) -> tuple[Totals, int]:
    """Each payee's total per component for `period` (zeros left out), and the number of lines; DuckDB
    gets the engine's memory limit, so both spill alike at 100 M orders."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet('{orders}')")
    con.execute(f"CREATE VIEW splits AS SELECT * FROM read_parquet('{splits}')")
    quotas = {q.person_id: Fraction(q.target) * 100 for q in inp.quotas if q.period_key == period.key}
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
    con.execute(CREDITS)
    slices = " UNION ALL ".join(
        f"SELECT person, order_id, {part} AS part, {rate} AS rate FROM run" for part, rate in TIERS
    )
    in_spiff = f"booked_on BETWEEN DATE '{SPIFF_FIRST}' AND DATE '{SPIFF_LAST}'"
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
        SELECT person, 'core' AS component, {_half_even("part * rate", 100)} AS amount
        FROM sliced WHERE part <> 0
        UNION ALL
        SELECT person, 'hardware_november', {_half_even("amount * 2", 100)}
        FROM credits WHERE product_family = 'Hardware' AND {in_spiff}
        UNION ALL
        SELECT l1.manager, 'override', {_half_even("c.amount * 10", 1000)}
        FROM credits c JOIN links l1 ON c.person = l1.person
        UNION ALL
        SELECT l2.manager, 'override', {_half_even("c.amount * 5", 1000)}
        FROM credits c JOIN links l1 ON c.person = l1.person JOIN links l2 ON l1.manager = l2.person
        UNION ALL
        SELECT l3.manager, 'override', {_half_even("c.amount * 25", 10000)}
        FROM credits c JOIN links l1 ON c.person = l1.person JOIN links l2 ON l1.manager = l2.person
             JOIN links l3 ON l2.manager = l3.person
        """
    )
    # The SPIFF has no cap; commissions are capped per component at 3x the quarter's target incentive.
    rows = con.execute(
        "SELECT t.person, t.component, CASE WHEN t.component = 'hardware_november' THEN t.total "
        "ELSE LEAST(t.total, c.cap) END FROM (SELECT person, component, SUM(amount) AS total FROM lines "
        "GROUP BY person, component) t JOIN caps c ON t.person = c.person"
    ).fetchall()
    count = con.execute("SELECT COUNT(*) FROM lines").fetchone()
    con.close()
    assert count is not None
    return {(person, component): int(total) for person, component, total in rows if total}, int(count[0])
