"""The forecasts' memory: the models are fitted once per data version for the whole organisation and each
request cuts the result to its caller's reach; an import or a goal change makes the next request refit.

Fits are counted by wrapping the statistical fit (`forecast_hierarchy`) and the hazard fit (`fit_hazards`)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
import pytest
from fastapi import FastAPI

from attain.analytics.forecast import outlook as outlook_module
from attain.analytics.forecast import pipeline as pipeline_module
from attain.analytics.forecast.outlook import ForecastRequest
from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.store.unit_of_work import SqlStore
from attain.web.app import create_app
from attain.web.figures import FigureCache
from attain.web.forecast_cache import Forecasts
from tests.web.conftest import Org, build_org, signed_in
from tests.web.pay_org import add_pay
from tests.web.whatif_org import add_open_deals

OUTLOOK = "/api/v1/forecasts/outlook"
# The routes default to the server's day; the test org's fiscal year is the calendar year.
TODAY = date.today()
QUARTER = FiscalCalendar(1).period_of(PeriodKind.QUARTER, TODAY)


@pytest.fixture
def paid(sqlite_store: SqlStore) -> Org:
    org = build_org(sqlite_store)
    add_pay(org)
    add_open_deals(org)
    return org


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each model was fitted since the test started."""
    counts: Counter[str] = Counter()

    def counting(name: str, fit: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return fit(*args, **kwargs)

        return counted

    monkeypatch.setattr(
        outlook_module, "forecast_hierarchy", counting("statistical", outlook_module.forecast_hierarchy)
    )
    monkeypatch.setattr(pipeline_module, "fit_hazards", counting("hazards", pipeline_module.fit_hazards))
    return counts


def _app(store: SqlStore) -> FastAPI:
    """One server for several users; it reads the data version on every request instead of trusting it for
    two seconds, so a change is seen by the very next request."""
    app = create_app(store, secret_key="web-tests")
    app.state.forecasts = FigureCache(store, stamp_seconds=0.0)
    return app


def _scopes(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["scope"]: s for s in body["scopes"]}


def _import(store: SqlStore, entity: str, frame: pl.DataFrame) -> None:
    batch = Batch("forecast-cache-test")
    batch.add(entity, frame.with_columns(_source=pl.lit("test.csv"), _row=pl.int_range(2, frame.height + 2)))
    load_batch(store, batch, actor="test")


def test_the_second_request_is_served_from_memory(paid: Org, fits: Counter[str]) -> None:
    viewer = signed_in(paid.store, "viewer", _app(paid.store))
    first = viewer.get(OUTLOOK)
    assert first.status_code == 200, first.text
    assert fits["statistical"] == 1
    assert fits["hazards"] == 1
    again = viewer.get(OUTLOOK)
    assert again.json() == first.json()
    assert (fits["statistical"], fits["hazards"]) == (1, 1)
    # The page fits its outlook, backtest and calibration once; showing it again fits nothing.
    assert viewer.get("/forecasts").status_code == 200
    after_page = Counter(fits)
    assert viewer.get("/forecasts").status_code == 200
    assert fits == after_page


def test_an_order_import_and_a_goal_change_make_the_next_request_refit(paid: Org, fits: Counter[str]) -> None:
    viewer = signed_in(paid.store, "viewer", _app(paid.store))
    ann = f"person:{paid.ids['ann']}"
    before = _scopes(viewer.get(OUTLOOK).json())[ann]
    _import(
        paid.store,
        "order",
        pl.DataFrame(
            {
                "external_id": ["O-NEW"],
                "booked_on": [QUARTER.start],
                "owner": ["ann"],
                "amount": [1234_00],
                "currency": ["USD"],
                "kind": ["new"],
            }
        ),
    )
    after = _scopes(viewer.get(OUTLOOK).json())[ann]
    assert fits["statistical"] == 2
    assert after["actual_to_date"] == before["actual_to_date"] + 1234_00
    _import(
        paid.store,
        "goal",
        pl.DataFrame(
            {
                "metric": ["revenue"],
                "scope_kind": ["person"],
                "person": ["ann"],
                "period": [QUARTER.key],
                "kind": ["quota"],
                "target": pl.Series([50_000]).cast(pl.Decimal(38, 6)),
                "currency": ["USD"],
            }
        ),
    )
    goal = _scopes(viewer.get(OUTLOOK).json())[ann]
    assert fits["statistical"] == 3
    assert goal["goal"] == 50_000_00
    assert goal["gap"] == 50_000_00 - goal["blended"]


def test_users_with_different_reach_get_their_own_cut_of_one_computation(
    paid: Org, fits: Counter[str]
) -> None:
    app = _app(paid.store)
    ids = paid.ids
    ann, boss, viewer = (signed_in(paid.store, n, app) for n in ("ann", "boss", "viewer"))
    # The rep asks first: the cache must hold the whole organisation, not her cut, for the others to use it.
    assert set(_scopes(ann.get(OUTLOOK).json())) == {f"person:{ids['ann']}"}
    boss_sees = set(_scopes(boss.get(OUTLOOK).json()))
    assert {f"person:{ids[n]}" for n in ("ann", "ben")} <= boss_sees
    assert f"person:{ids['cat']}" not in boss_sees
    assert "company" not in boss_sees
    everyone = _scopes(viewer.get(OUTLOOK).json())
    assert {"company", f"person:{ids['cat']}"} <= set(everyone)
    assert fits["statistical"] == 1
    # And the rep, asking again after them, still sees only herself, and nobody else's figures by id.
    assert set(_scopes(ann.get(OUTLOOK).json())) == {f"person:{ids['ann']}"}
    assert ann.get(OUTLOOK, params={"scope": f"person:{ids['cat']}"}).status_code == 404
    assert ann.get(f"/api/v1/people/{ids['ben']}/forecast").status_code == 404
    assert fits["statistical"] == 1
    # Expected earnings learn the company's deal chances once; each rep gets only their own deals.
    mine = ann.get(f"/api/v1/people/{ids['ann']}/forecast/earnings", params={"period": QUARTER.key})
    assert mine.status_code == 200, mine.text
    hazards = fits["hazards"]
    theirs = boss.get(f"/api/v1/people/{ids['ben']}/forecast/earnings", params={"period": QUARTER.key})
    assert theirs.status_code == 200, theirs.text
    assert fits["hazards"] == hazards
    assert ann.get(f"/api/v1/people/{ids['cat']}/forecast/earnings").status_code == 404


def test_concurrent_requests_fit_a_missing_entry_once(paid: Org, fits: Counter[str]) -> None:
    forecasts = Forecasts(paid.store, FigureCache(paid.store))
    request = ForecastRequest(QUARTER.key, TODAY)
    start = threading.Barrier(3)
    found: list[object] = []

    def ask() -> None:
        start.wait()
        found.append(forecasts.outlook(request).rows)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == 3
    assert found[0] == found[1] == found[2]
    assert fits["statistical"] == 1
