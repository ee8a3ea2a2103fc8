"""Benchmark: the forecast page and API on the demo company, the first request after a data change refitting
in the request (before) against served stale while one background refit replaces the fits (after).

The demo company (60 rep seats, seed 7, as of a fixed day) is generated into a temporary SQLite file; the
app runs in-process (no network) with the day pinned. Per path and caller:
- "before" is the baseline, measured in the same run: an app whose forecast fits keep nothing (size 0), so
  its request fits the models, as the first request after any audited write did before;
- "after" is the first request after an order import on an app that had fitted everything: served from the
  last fit, marked stale. Also the first request after a rep's weekly call (no refit at all) and the median
  of WARM warm requests. Refits run by hand after the requests, so the background refit's cost is timed on
  its own. Then the page's backtest with its methods sharing each node's fits against each method
  backtested alone (the cost before the sharing), in the same run. Each also as CPU milliseconds of the
  process (all threads), steadier than wall time on a busy machine. With --sizes, the pickled size of
  each kind of cached entry, which bounds the memory.
Usage: python benchmarks/web_forecasts.py [--reps 60] [--sizes]
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
from fastapi import FastAPI
from fastapi.testclient import TestClient

from attain.analytics.forecast.outlook import ForecastRequest, backtest, period_outlook
from attain.analytics.forecast.series import Grain
from attain.app.forecasts.earnings import open_deal_chances
from attain.app.forecasts.outlook import win_calibration
from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.app.users import create_user
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.domain.calendar import PeriodKind
from attain.store.unit_of_work import SqlStore, open_store
from attain.web.app import create_app
from attain.web.forecast_cache import ACCURACY_METHODS, PAGE_FOLDS, PAGE_HORIZON
from attain.web.forecast_fits import ForecastFits
from attain.web.freshness import FactsVersion

T = TypeVar("T")
AS_OF = date(2026, 11, 28)
PASSWORD = "web-forecasts-benchmark"
WARM = 10
LOGINS = {"rep": "b_rep", "manager": "b_manager", "admin": "b_admin"}


def company(path: Path, reps: int) -> SqlStore:
    store = open_store(f"sqlite:///{path}")
    store.upgrade()
    install_demo(store, DemoSpec(as_of=AS_OF, reps=reps))
    with store.transaction() as tx:
        rep = tx.people.with_role_on("rep", AS_OF)[0]
        manager = tx.people.manager_of(rep.id, AS_OF)
    assert manager is not None
    create_user(store, "b_rep", PASSWORD, ["rep"], person_id=rep.id)
    create_user(store, "b_manager", PASSWORD, ["manager"], person_id=manager.id)
    create_user(store, "b_admin", PASSWORD, ["admin"])
    return store


def make_app(store: SqlStore) -> FastAPI:
    app = create_app(store, secret_key="bench")
    app.state.today = AS_OF
    return app


def sign_in(client: TestClient, username: str) -> TestClient:
    token = client.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": token}, follow_redirects=False
    )
    home = client.get("/").text
    client.headers["X-CSRF-Token"] = home.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    return client


def signed_in(store: SqlStore, username: str, *, cached: bool) -> TestClient:
    app = make_app(store)
    if not cached:  # nothing is kept: every request fits
        app.state.forecast_fits = ForecastFits(FactsVersion(store), size=0)
    return sign_in(TestClient(app), username)


class ByHand(Executor):
    """Keeps the refits until `run`, so the benchmark times them apart from the requests."""

    def __init__(self) -> None:
        self.jobs: list[Callable[[], object]] = []

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        self.jobs.append(lambda: fn(*args, **kwargs))
        return Future()

    def run(self) -> None:
        while self.jobs:
            self.jobs.pop(0)()


def timed(client: TestClient, path: str) -> tuple[float, float]:
    """Wall and CPU milliseconds of one request."""
    wall, cpu = time.perf_counter(), time.process_time()
    answer = client.get(path)
    out = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])
    return out


def median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def entry_sizes(store: SqlStore) -> list[tuple[str, int]]:
    """The pickled size of each kind of entry the forecasts cache keeps, computed as the cache would."""
    with store.transaction() as tx:
        cal = tx.calendars.default()
        assert cal is not None
        period = cal.fiscal.period_of(PeriodKind.QUARTER, AS_OF).key
    kinds: list[tuple[str, Callable[[], object]]] = [
        ("outlook fit", lambda: period_outlook(store, ForecastRequest(period, AS_OF))),
        (
            "backtest",
            lambda: backtest(
                store, as_of=AS_OF, grain=Grain.MONTH, horizon=3, folds=3, methods=ACCURACY_METHODS
            ),
        ),
        ("calibration", lambda: win_calibration(store, AS_OF)),
        ("open deal chances", lambda: open_deal_chances(store, period, AS_OF)),
    ]
    return [(name, len(pickle.dumps(make()))) for name, make in kinds]


def import_order(store: SqlStore, owner: str, number: int) -> None:
    """A data change that moves the facts version: one order booked today by `owner`, imported as usual."""
    with store.transaction() as tx:
        cal = tx.calendars.default()
    assert cal is not None
    frame = pl.DataFrame(
        {
            "external_id": [f"BENCH-{number}"],
            "booked_on": [AS_OF],
            "owner": [owner],
            "amount": [1000_00],
            "currency": [cal.currency],
            "kind": ["new"],
            "_source": ["bench.csv"],
            "_row": [2],
        }
    )
    batch = Batch(f"bench-{number}")
    batch.add("order", frame)
    load_batch(store, batch, actor="bench")


def submit_call(client: TestClient, period: str) -> None:
    """A write that leaves the facts version alone: the rep's weekly call."""
    body = {"week": 1, "commit": 100_00, "best_case": 200_00, "pipeline": 300_00}
    made = client.post(f"/api/v1/forecasts/{period}/submissions", json=body)
    assert made.status_code == 201, made.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--sizes", action="store_true", help="also the pickled size of each cached entry")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = company(Path(folder) / "demo.db", args.reps)
        with store.transaction() as tx:
            cal = tx.calendars.default()
            assert cal is not None
            period = cal.fiscal.period_of(PeriodKind.QUARTER, AS_OF).key
            owner = str(tx.people.listing(AS_OF, None)[-1]["external_id"])
        cases = [
            ("admin", "/forecasts"),
            ("manager", "/forecasts"),
            ("admin", "/api/v1/forecasts/outlook"),
            ("rep", "/api/v1/forecasts/outlook"),
        ]
        print(f"demo company, {args.reps} rep seats, SQLite, in-process, as of {AS_OF}\n")
        # Before: a data change made the next request refit in it, as a request without memory does.
        refit = {
            path: timed(signed_in(store, LOGINS["admin"], cached=False), path)
            for path in ("/forecasts", "/api/v1/forecasts/outlook")
        }
        # After: one app with its refits run by hand, so each is timed on its own.
        refits = ByHand()
        app = make_app(store)
        app.state.forecast_fits = ForecastFits(FactsVersion(store, 0.0), executor=refits)
        clients = {who: sign_in(TestClient(app), name) for who, name in LOGINS.items()}
        cold = {path: timed(clients["admin"], path) for path in ("/forecasts", "/api/v1/forecasts/outlook")}
        warm = {case: median([timed(clients[case[0]], case[1]) for _ in range(WARM)]) for case in cases}
        submit_call(clients["rep"], period)
        after_call = {case: timed(clients[case[0]], case[1]) for case in cases}
        assert not refits.jobs, "a weekly call queued a refit"
        import_order(store, owner, 1)
        stale = {case: timed(clients[case[0]], case[1]) for case in cases}
        queued = len(refits.jobs)
        wall, cpu = time.perf_counter(), time.process_time()
        refits.run()
        refit_run = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
        print(
            "| path | who | before: first after a change, refit in the request ms (cpu) "
            "| after: first after a change, stale ms (cpu) | after a weekly call ms (cpu) "
            "| warm median ms (cpu) | stale / refit (cpu) |"
        )
        print("|---|---|---:|---:|---:|---:|---:|")
        for case in cases:
            b, now = refit[case[1]], stale[case]
            print(
                f"| {case[1]} | {case[0]} | {b[0]:.0f} ({b[1]:.0f}) | {now[0]:.1f} ({now[1]:.1f}) | "
                f"{after_call[case][0]:.1f} ({after_call[case][1]:.1f}) | "
                f"{warm[case][0]:.1f} ({warm[case][1]:.1f}) | {now[1] / b[1]:.4f} |"
            )
        print(
            f"\ncold start (first fit ever, in the request): /forecasts {cold['/forecasts'][0]:.0f} ms "
            f"({cold['/forecasts'][1]:.0f} ms cpu); the background refit after the import: {queued} fits, "
            f"{refit_run[0]:.0f} ms ({refit_run[1]:.0f} ms cpu)"
        )
        # The backtest's shared fits: the page's methods backtested together (each node's single models fitted
        # once per origin) against each backtested alone, as before (the combination refitting its members).
        series_of = partial(
            backtest, store, as_of=AS_OF, grain=Grain.MONTH, horizon=PAGE_HORIZON, folds=PAGE_FOLDS
        )
        cpu = time.process_time()
        for method in ACCURACY_METHODS:
            series_of(methods=(method,))
        alone = time.process_time() - cpu
        cpu = time.process_time()
        series_of(methods=ACCURACY_METHODS)
        together = time.process_time() - cpu
        print(
            f"\npage backtest CPU: each method alone (before) {alone * 1000:.0f} ms, together (after) "
            f"{together * 1000:.0f} ms, after / before {together / alone:.3f}"
        )
        if args.sizes:
            print("\n| cached entry | pickled KiB |\n|---|---:|")
            for name, size in entry_sizes(store):
                print(f"| {name} | {size / 1024:.0f} |")
        store.dispose()


if __name__ == "__main__":
    main()
