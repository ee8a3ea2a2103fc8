"""KPIs of the imported Maven CRM data against an independent computation over its CSV files, to the cent."""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from attain.analytics.org import Dimension
from attain.analytics.queries import Window, metric_rows
from attain.app.imports.load import load_batch
from attain.app.imports.sources.maven_crm import read_maven_crm
from attain.app.setup import init_company
from attain.domain.calendar import PeriodKind
from attain.store.unit_of_work import SqlStore
from tests.conftest import shared_dataset

pytestmark = pytest.mark.shared_data
CENT = Decimal("0.01")


def expected(folder: Path) -> dict[str, object]:
    """The reference figures, computed from the raw files with nothing but the standard library."""
    with (folder / "sales_pipeline.csv").open(encoding="utf-8", newline="") as handle:
        deals = list(csv.DictReader(handle))
    with (folder / "sales_teams.csv").open(encoding="utf-8", newline="") as handle:
        office = {r["sales_agent"]: r["regional_office"] for r in csv.DictReader(handle)}
    won = [d for d in deals if d["deal_stage"] == "Won"]
    lost = [d for d in deals if d["deal_stage"] == "Lost"]
    values = [Decimal(d["close_value"]) for d in won]
    cycles = [(date.fromisoformat(d["close_date"]) - date.fromisoformat(d["engage_date"])).days for d in won]
    by_office: dict[str, Decimal] = defaultdict(Decimal)
    by_quarter: dict[str, Decimal] = defaultdict(Decimal)
    by_agent: dict[str, Decimal] = defaultdict(Decimal)
    for d in won:
        closed = date.fromisoformat(d["close_date"])
        by_office[office[d["sales_agent"]]] += Decimal(d["close_value"])
        by_quarter[f"FY{closed.year}-Q{(closed.month - 1) // 3 + 1}"] += Decimal(d["close_value"])
        by_agent[d["sales_agent"]] += Decimal(d["close_value"])
    top = max(by_agent.items(), key=lambda kv: kv[1])
    return {
        "win_rate": len(won) / (len(won) + len(lost)),
        "won_revenue": sum(values, Decimal(0)).quantize(CENT),
        "average_deal_size": (sum(values, Decimal(0)) / len(values)).quantize(CENT, ROUND_HALF_EVEN),
        "median_deal_size": statistics.median(values).quantize(CENT, ROUND_HALF_EVEN),
        "sales_cycle_median_days": float(statistics.median(cycles)),
        "by_office": {k: v.quantize(CENT) for k, v in by_office.items()},
        "by_quarter": {k: v.quantize(CENT) for k, v in by_quarter.items()},
        "top": (top[0], top[1].quantize(CENT)),
    }


def test_maven_kpis_match_an_independent_computation(store: SqlStore) -> None:
    folder = shared_dataset("maven-crm-sales-opportunities")
    want = expected(folder)
    init_company(store, first_fy=2016, last_fy=2018)
    assert load_batch(store, read_maven_crm(folder), actor="test").committed
    today = date(2020, 1, 1)
    year = Window(period="FY2017")
    with store.transaction() as tx:
        reader = tx.fact_reader
        [total] = metric_rows(
            reader,
            ["win_rate", "won_revenue", "average_deal_size", "median_deal_size", "sales_cycle_median_days"],
            [],
            year,
            today=today,
        )
        offices = metric_rows(reader, ["won_revenue"], [Dimension.REGION], year, today=today)
        quarters = metric_rows(
            reader, ["won_revenue"], [], Window(period="FY2017", grain=PeriodKind.QUARTER), today=today
        )
        agents = metric_rows(reader, ["won_revenue"], [Dimension.PERSON], year, today=today)
    assert total["win_rate"] == pytest.approx(want["win_rate"], abs=1e-12)
    assert round(total["win_rate"], 4) == 0.6315
    assert (total["won_revenue"], total["average_deal_size"], total["median_deal_size"]) == (
        want["won_revenue"],
        want["average_deal_size"],
        want["median_deal_size"],
    )
    assert (total["won_revenue"], total["average_deal_size"]) == (Decimal("10005534.00"), Decimal("2360.91"))
    assert total["sales_cycle_median_days"] == want["sales_cycle_median_days"] == 57.0
    assert (
        {r["region"]: r["won_revenue"] for r in offices}
        == want["by_office"]
        == {"Central": Decimal("3346293.00"), "East": Decimal("3090594.00"), "West": Decimal("3568647.00")}
    )
    assert {r["period"]: r["won_revenue"] for r in quarters} == want["by_quarter"]
    best = max(agents, key=lambda r: r["won_revenue"])
    assert (
        (best["person_name"], best["won_revenue"])
        == want["top"]
        == ("Darcel Schlecht", Decimal("1153214.00"))
    )
