"""The forecasts' memory: the models are fitted once per facts version for the whole organisation and each
request cuts the result to its caller's reach; after an import or a goal change the next request answers at
once from the last fit, marked stale, while one background refit replaces it. A weekly call refits nothing.

Fits are counted by wrapping the statistical fit (`forecast_hierarchy`) and the hazard fit (`fit_hazards`).
Refits run on an executor the test runs by hand, so what is served before and after is deterministic."""

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
from attain.app.forecasts.submissions import week_of
from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.domain.calendar import FiscalCalendar, PeriodKind
from attain.store.unit_of_work import SqlStore
from attain.web.app import create_app
from attain.web.forecast_cache import Forecasts
from attain.web.forecast_fits import ForecastFits
from attain.web.freshness import FactsVersion
from tests.web.conftest import Org, build_org, signed_in
from tests.web.pay_org import add_pay
from tests.web.test_forecast_fits import ByHand
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


def _app(store: SqlStore, refits: ByHand | None = None) -> FastAPI:
    """One server for several users; it reads the facts version on every request instead of trusting it for
    two seconds, so a change is seen by the very next request; its refits wait for `refits.run()`."""
    app = create_app(store, secret_key="web-tests")
    app.state.forecast_fits = ForecastFits(FactsVersion(store, 0.0), executor=refits or ByHand())
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


def _order(external_id: str, amount: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "external_id": [external_id],
            "booked_on": [QUARTER.start],
            "owner": ["ann"],
            "amount": [amount],
            "currency": ["USD"],
            "kind": ["new"],
        }
    )


def test_after_an_order_import_the_stale_fit_is_served_at_once_and_a_refit_replaces_it(
    paid: Org, fits: Counter[str]
) -> None:
    refits = ByHand()
    viewer = signed_in(paid.store, "viewer", _app(paid.store, refits))
    ann = f"person:{paid.ids['ann']}"
    first = viewer.get(OUTLOOK).json()
    assert first["stale"] is False
    assert first["computed_at"] is not None
    assert 'data-stale="false"' in viewer.get("/forecasts").text  # fits the backtest and calibration too
    fitted = Counter(fits)
    _import(paid.store, "order", _order("O-NEW", 1234_00))
    stale = viewer.get(OUTLOOK).json()
    # Answered from the last fit, without fitting in the request, and says so.
    assert fits == fitted
    assert stale["stale"] is True
    assert (stale["computed_at"], stale["data_version"]) == (first["computed_at"], first["data_version"])
    assert _scopes(stale)[ann]["actual_to_date"] == _scopes(first)[ann]["actual_to_date"]
    # The page says so too; asking again while the refit waits queues no second one.
    page = viewer.get("/forecasts")
    assert page.status_code == 200
    assert "refreshing…" in page.text
    assert 'data-stale="true"' in page.text
    assert viewer.get(OUTLOOK).json()["stale"] is True
    # A stale fit is still cut per request: the rep sees herself only, the others by id are not found.
    rep = signed_in(paid.store, "ann", viewer.app)  # type: ignore[arg-type]
    mine = rep.get(OUTLOOK).json()
    assert (mine["stale"], set(_scopes(mine))) == (True, {ann})
    assert rep.get(f"/api/v1/people/{paid.ids['cat']}/forecast").status_code == 404
    assert fits == fitted
    assert len(refits.jobs) == 3  # the outlook, the page's backtest and calibration: one refit each
    refits.run()
    assert fits["statistical"] > fitted["statistical"]
    fresh = viewer.get(OUTLOOK).json()
    assert fresh["stale"] is False
    assert fresh["data_version"] > first["data_version"]
    assert _scopes(fresh)[ann]["actual_to_date"] == _scopes(first)[ann]["actual_to_date"] + 1234_00
    assert not refits.jobs
    # The page's poll of its note, once the refit is in, offers the new figures.
    polled = viewer.get("/forecasts", headers={"HX-Request": "true"})
    assert 'data-stale="false"' in polled.text
    assert "Show the refreshed figures" in polled.text


def test_a_goal_shows_at_once_on_the_stale_fit_and_queues_a_refit(paid: Org, fits: Counter[str]) -> None:
    refits = ByHand()
    viewer = signed_in(paid.store, "viewer", _app(paid.store, refits))
    ann = f"person:{paid.ids['ann']}"
    viewer.get(OUTLOOK)
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
    body = viewer.get(OUTLOOK).json()
    goal = _scopes(body)[ann]
    assert body["stale"] is True
    assert goal["goal"] == 50_000_00
    assert goal["gap"] == 50_000_00 - goal["blended"]
    assert len(refits.jobs) == 1
    refits.run()
    assert fits["statistical"] == 2
    assert viewer.get(OUTLOOK).json()["stale"] is False


def test_a_weekly_call_shows_at_once_and_refits_nothing(paid: Org, fits: Counter[str]) -> None:
    refits = ByHand()
    app = _app(paid.store, refits)
    viewer, ann = signed_in(paid.store, "viewer", app), signed_in(paid.store, "ann", app)
    me = f"person:{paid.ids['ann']}"
    before = viewer.get(OUTLOOK).json()
    call = {"week": week_of(QUARTER, TODAY), "commit": 100_00, "best_case": 200_00, "pipeline": 300_00}
    made = ann.post(f"/api/v1/forecasts/{QUARTER.key}/submissions", json=call)
    assert made.status_code == 201, made.text
    after = viewer.get(OUTLOOK).json()
    assert after["stale"] is False
    assert after["data_version"] == before["data_version"]
    assert _scopes(after)[me]["commit"] == 100_00
    assert not refits.jobs
    assert fits["statistical"] == 1


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
    forecasts = Forecasts(paid.store, ForecastFits(FactsVersion(paid.store)))
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
