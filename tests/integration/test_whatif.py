"""The what-if of an open opportunity, on SQLite and PostgreSQL: each estimate equals a full run of the period
with the deal booked as its won order; splits, roll-ups, tiers, gates, currencies; the errors; the cache."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import update

from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.app.runs.calculate import run_period
from attain.app.runs.engines import EngineKind
from attain.app.runs.whatif import SplitShare, estimate_opportunity
from attain.app.runs.whatif_cache import WhatIfCache
from attain.domain.errors import Conflict, InvalidInput, NotFound, PeriodClosed
from attain.domain.plans.model import CreditRole
from attain.store import models as m
from attain.store.unit_of_work import SqlStore
from tests.integration.whatif_company import PERIOD, WhatIfCompany, book_won, build_whatif_company

TODAY = date(2025, 3, 1)


@pytest.fixture
def company(store: SqlStore) -> WhatIfCompany:
    return build_whatif_company(store)


def _earnings(store: SqlStore, engine: EngineKind) -> dict[str, int]:
    """Each person's earnings in a fresh run of the period."""
    run_period(store, PERIOD, engine=engine, actor="test")
    with store.transaction() as tx:
        ids = [p.id for p in tx.calendars.periods(1) if p.period.key == PERIOD]
        return {p.person: p.earnings for p in tx.runs.payees(period_ids=ids)}


@pytest.mark.parametrize("engine", [EngineKind.REFERENCE, EngineKind.FAST])
def test_a_deal_that_opens_the_gate_and_crosses_a_tier_pays_what_the_run_of_its_won_order_pays(
    company: WhatIfCompany, engine: EngineKind
) -> None:
    store = company.store
    estimate = estimate_opportunity(store, "ann", "OPP-1", today=TODAY)
    assert (estimate.period_key, estimate.booked_on) == (PERIOD, date(2025, 3, 15))
    assert estimate.amount == 20_000_00
    # 90,000 booked is 45% of the quota: gated. With 20,000 more, 110,000 pays 5% to 100,000 and 8% above.
    assert (estimate.before, estimate.after, estimate.delta) == (0, 5_800_00, 5_800_00)
    assert [(line.kind, line.delta, line.explanation["tier"]) for line in estimate.lines] == [
        ("commission", 500_00, 1),
        ("commission", 800_00, 2),
    ]
    # The earlier orders' 4,500 were withheld by the gate and now pay: the gate line is what else changes.
    assert [(c.kind, c.before, c.after) for c in estimate.changes] == [("gate", -4_500_00, 0)]
    assert "gate" in estimate.changes[0].text
    assert sum(line.delta for line in estimate.lines + estimate.changes) == estimate.delta
    before = _earnings(store, engine)
    book_won(company, "OPP-1", "ann", date(2025, 3, 15), 20_000_00)
    after = _earnings(store, engine)
    assert (before["ann"], after["ann"]) == (estimate.before, estimate.after)
    assert after["boss"] - before["boss"] == 200_00  # the roll-up's 1%, which the manager's what-if says too


def test_a_manager_is_estimated_through_the_roll_up_of_a_reps_deal(company: WhatIfCompany) -> None:
    estimate = estimate_opportunity(company.store, "boss", "OPP-1", today=TODAY)
    assert estimate.delta == 200_00
    roles = [(line.explanation["credit_role"], line.explanation["rollup_level"]) for line in estimate.lines]
    assert roles == [("rollup", 1)]
    before = _earnings(company.store, EngineKind.FAST)
    book_won(company, "OPP-1", "ann", date(2025, 3, 15), 20_000_00)
    assert _earnings(company.store, EngineKind.FAST)["boss"] == before["boss"] + estimate.delta


def test_a_split_deal_credits_each_share_like_the_run_of_its_split_order(company: WhatIfCompany) -> None:
    store = company.store
    splits = [SplitShare("ann", Decimal("0.25")), SplitShare("ben", Decimal("0.75"))]
    for_ben = estimate_opportunity(store, "ben", "OPP-3", today=TODAY, splits=splits)
    for_ann = estimate_opportunity(store, "ann", "OPP-3", today=TODAY, splits=splits)
    assert for_ben.booked_on == date(2025, 2, 20)
    # ben: 120,000 + 30,000 = 150,000 -> 5,000 + 4,000; he had 5,000 + 1,600.
    assert (for_ben.before, for_ben.after) == (6_600_00, 9_000_00)
    # ann: 90,000 + 10,000 = 100,000 (50%: the gate opens) -> 5,000.
    assert (for_ann.before, for_ann.after) == (0, 5_000_00)
    book_won(
        company,
        "OPP-3",
        "ann",
        date(2025, 2, 20),
        40_000_00,
        splits=(("ann", Decimal("0.25"), "direct"), ("ben", Decimal("0.75"), "direct")),
    )
    after = _earnings(store, EngineKind.REFERENCE)
    assert (after["ann"], after["ben"]) == (for_ann.after, for_ben.after)


def test_an_overlay_credits_a_specialist_without_reducing_the_owner(company: WhatIfCompany) -> None:
    overlay = [SplitShare("ben", Decimal(1), CreditRole.OVERLAY)]
    for_ben = estimate_opportunity(company.store, "ben", "OPP-1", today=TODAY, splits=overlay)
    for_ann = estimate_opportunity(company.store, "ann", "OPP-1", today=TODAY, splits=overlay)
    assert for_ben.delta == 1_600_00  # 20,000 more, all above ben's 100,000, at 8%
    assert for_ann.delta == 5_800_00


def test_a_deal_in_another_currency_is_converted_with_the_dated_rate(company: WhatIfCompany) -> None:
    estimate = estimate_opportunity(company.store, "ben", "OPP-2", today=TODAY)
    assert (estimate.amount, estimate.currency, estimate.plan_currency) == (10_000_00, "EUR", "USD")
    assert estimate.delta == 880_00  # 10,000 EUR at 1.1 is 11,000 USD, at 8%
    [line] = estimate.lines
    assert (line.explanation["basis"], line.explanation["order"]["currency"]) == (11_000_00, "EUR")
    before = _earnings(company.store, EngineKind.FAST)
    book_won(company, "OPP-2", "ben", date(2025, 3, 20), 10_000_00, currency="EUR")
    assert _earnings(company.store, EngineKind.FAST)["ben"] == before["ben"] + estimate.delta


def test_an_amount_overrides_the_opportunitys_own(company: WhatIfCompany) -> None:
    estimate = estimate_opportunity(company.store, "ann", "OPP-1", today=TODAY, amount=Decimal("5000.50"))
    assert estimate.amount == 5_000_50
    assert estimate.delta == 0  # 95,000.50 is still under half of the quota


def test_a_given_period_books_the_deal_inside_it(company: WhatIfCompany) -> None:
    estimate = estimate_opportunity(company.store, "ben", "OPP-NEXT", today=TODAY, period_key="fy2025-q1")
    assert (estimate.period_key, estimate.booked_on) == (PERIOD, TODAY)


def test_errors_say_what_is_wrong_and_where(company: WhatIfCompany) -> None:
    store = company.store
    with pytest.raises(NotFound, match="opportunity OPP-9 not found"):
        estimate_opportunity(store, "ann", "OPP-9", today=TODAY)
    with pytest.raises(Conflict, match="opportunity OPP-WON is won already"):
        estimate_opportunity(store, "ann", "OPP-WON", today=TODAY)
    with pytest.raises(NotFound, match="person zed not found"):
        estimate_opportunity(store, "zed", "OPP-1", today=TODAY)
    with pytest.raises(NotFound, match="no open period to estimate opportunity OPP-1 in: cal has no plan"):
        estimate_opportunity(store, "cal", "OPP-1", today=TODAY)
    with pytest.raises(NotFound, match="cal has no plan paid per quarter in FY2025-Q1"):
        estimate_opportunity(store, "cal", "OPP-1", today=TODAY, period_key=PERIOD)
    with pytest.raises(InvalidInput, match="OPP-1 must be positive"):
        estimate_opportunity(store, "ann", "OPP-1", today=TODAY, amount=Decimal(0))
    splits = [SplitShare("ann", Decimal("0.5")), SplitShare("ben", Decimal("0.4"))]
    with pytest.raises(InvalidInput, match=r"direct splits of opportunity OPP-1 add up to 0\.9, not 1"):
        estimate_opportunity(store, "ann", "OPP-1", today=TODAY, splits=splits)
    with pytest.raises(NotFound, match="split of zed: person zed not found"):
        estimate_opportunity(store, "ann", "OPP-1", today=TODAY, splits=[SplitShare("zed", Decimal(1))])
    with store.transaction() as tx:
        tx.session.execute(update(m.Period).where(m.Period.key == PERIOD).values(status="closed"))
    with pytest.raises(PeriodClosed, match="FY2025-Q1 is closed"):
        estimate_opportunity(store, "ann", "OPP-1", today=TODAY, period_key=PERIOD)
    with pytest.raises(PeriodClosed, match=r"FY2025-Q1 \(of 2025-03-15\) is closed"):
        estimate_opportunity(store, "ann", "OPP-1", today=TODAY)


def _import_order(store: SqlStore, external_id: str, owner: str, day: date, amount: int) -> None:
    frame = pl.DataFrame(
        {
            "external_id": [external_id],
            "booked_on": [day],
            "amount": [amount],
            "currency": ["USD"],
            "kind": ["new"],
            "owner": [owner],
        }
    )
    batch = Batch(source="test")
    batch.add("order", frame)
    assert load_batch(store, batch, actor="test").committed


def test_the_cache_keeps_a_persons_slice_until_the_data_changes(company: WhatIfCompany) -> None:
    store, cache = company.store, WhatIfCache()
    try:
        first = estimate_opportunity(store, "ann", "OPP-1", today=TODAY, cache=cache)
        again = estimate_opportunity(store, "ann", "OPP-3", today=TODAY, cache=cache)
        assert len(cache) == 1
        assert (first.before, again.before) == (0, 0)
        _import_order(store, "O9", "ann", date(2025, 1, 20), 20_000_00)  # audited: a new data version
        fresh = estimate_opportunity(store, "ann", "OPP-1", today=TODAY, cache=cache)
        assert len(cache) == 1  # the stale slice of ann was replaced, not kept beside
        assert (fresh.before, fresh.after) == (5_800_00, 7_400_00)  # 110,000, then 130,000
        uncached = estimate_opportunity(store, "ann", "OPP-1", today=TODAY)
        assert (uncached.before, uncached.after) == (fresh.before, fresh.after)
    finally:
        cache.clear()
