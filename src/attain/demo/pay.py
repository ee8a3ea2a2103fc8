"""The demo company's incentive plans: saved, assigned, run and closed, so statements exist in the app.

Two solutions engineers (Enterprise and Mid-Market) are added with overlay credit splits on the Platform
deals of their segment, through load_batch like any import. Plans (demo/plans/*.yaml) go to reps (AE),
first-line managers and the engineers for their assignment spans; every quarter that ended before the as-of
date is run and closed in order, and the current quarter is run as of that date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl

from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.app.ports import Store
from attain.app.runs.assignments import NewAssignment, assign_plan, save_plan
from attain.app.runs.calculate import run_period
from attain.app.runs.close import close_period
from attain.app.runs.ports import PayStore
from attain.demo.spec import DemoSpec
from attain.domain.calendar import PeriodKind

PLANS = Path(__file__).with_name("plans")
ENGINEERS = (("SE-ENT", "Priya Raman", "Enterprise"), ("SE-MM", "Tom Okafor", "Mid-Market"))
TARGET_INCENTIVE = {"ae": "60000", "first_line_manager": "40000", "se_overlay": "30000"}
ROLE_PLAN = {"rep": "ae", "manager": "first_line_manager", "specialist": "se_overlay"}
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class PayDemoResult:
    plans: list[str] = field(default_factory=list)
    assignments: int = 0
    closed: list[str] = field(default_factory=list)
    open_run: str | None = None
    overlay_splits: int = 0


def plan_texts(spec: DemoSpec) -> list[str]:
    """The demo plan documents; the AE SPIFF runs in the first month of the last quarter before the as-of."""
    cal = spec.calendar
    quarter = cal.previous(cal.period_of(PeriodKind.QUARTER, spec.as_of))
    month = cal.period_of(PeriodKind.MONTH, quarter.start)
    texts = []
    for name in ("ae.yaml", "first_line_manager.yaml", "se_overlay.yaml"):
        text = (PLANS / name).read_text(encoding="utf-8")
        texts.append(
            text.replace("SPIFF_FIRST_DAY", month.start.isoformat()).replace(
                "SPIFF_LAST_DAY", month.last_day.isoformat()
            )
        )
    return texts


def _engineers(store: Store, pay: PayStore, spec: DemoSpec) -> int:
    """Add the solutions engineers and their overlay splits; the number of splits."""
    start = spec.calendar.year_start(spec.first_fy)
    with pay.transaction() as tx:
        orders = tx.pay_inputs.orders(start, spec.as_of + timedelta(days=1))
    rows = [
        (o.order_id, person, "overlay", Decimal(1), 1)
        for person, _, segment in ENGINEERS
        for o in orders
        if o.product_family == "Platform" and o.segment == segment and o.kind in ("new", "upsell", "renewal")
    ]
    batch = Batch(source="demo-engineers")
    batch.add(
        "person",
        pl.DataFrame(
            {
                "external_id": [e[0] for e in ENGINEERS],
                "name": [e[1] for e in ENGINEERS],
                "title": ["Solutions Engineer"] * len(ENGINEERS),
                "hired_on": [start] * len(ENGINEERS),
            }
        ),
    )
    batch.add(
        "assignment",
        pl.DataFrame(
            {
                "person": [e[0] for e in ENGINEERS],
                "role": ["specialist"] * len(ENGINEERS),
                "title": ["Solutions Engineer"] * len(ENGINEERS),
                "valid_from": [start] * len(ENGINEERS),
            }
        ),
    )
    batch.add(
        "credit_split",
        pl.DataFrame(
            rows,
            schema={
                "order": pl.Utf8,
                "person": pl.Utf8,
                "role": pl.Utf8,
                "share": pl.Decimal(9, 6),
                "sequence": pl.Int64,
            },
            orient="row",
        ),
    )
    load_batch(store, batch, actor="demo")
    return len(rows)


def install_pay(
    store: Store, pay: PayStore, spec: DemoSpec, *, progress: Progress | None = None
) -> PayDemoResult:
    """Plans, assignments, and the runs and closes of every finished quarter of the demo history."""
    result = install_plans(store, pay, spec)
    cal = spec.calendar
    quarters = [
        q for fy in spec.fiscal_years for q in cal.periods(PeriodKind.QUARTER, fy) if q.start <= spec.as_of
    ]
    for i, quarter in enumerate(quarters):
        if progress is not None:
            progress(f"running and closing {quarter.key}", i, len(quarters))
        if quarter.end <= spec.as_of:
            run_period(pay, quarter.key, actor="demo")
            close_period(pay, quarter.key, actor="demo")
            result.closed.append(quarter.key)
        else:
            run_period(pay, quarter.key, as_of=spec.as_of, actor="demo")
            result.open_run = quarter.key
    return result


def install_plans(store: Store, pay: PayStore, spec: DemoSpec) -> PayDemoResult:
    """The demo's plans saved and assigned to every rep, manager and engineer seat, with no run yet."""
    result = PayDemoResult()
    result.overlay_splits = _engineers(store, pay, spec)
    history_start = spec.calendar.year_start(spec.first_fy)
    with pay.transaction() as tx:
        versions = [save_plan(tx, text, actor="demo") for text in plan_texts(spec)]
        spans = tx.pay_inputs.role_spans(sorted(ROLE_PLAN))
    result.plans = [v.label for v in versions]
    for version in versions:
        role = next(r for r, key in ROLE_PLAN.items() if key == version.key)
        rows = [
            NewAssignment(person, TARGET_INCENTIVE[version.key], max(start, history_start), end)
            for person, r, start, end in spans
            if r == role and (end is None or end >= history_start)
        ]
        assign_plan(pay, version.label, rows, actor="demo")
        result.assignments += len(rows)
    return result
