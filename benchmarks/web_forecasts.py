"""Benchmark: the forecast page and API on the demo company, fitted on every request against served from the
forecasts cache (fits kept per data version).

The demo company (60 rep seats, seed 7, as of a fixed day) is generated into a temporary SQLite file; the
app runs in-process (no network) with the day pinned. Per path and caller:
- "refit" is the baseline, measured in the same run: the app's forecasts cache holds nothing (size 0), so
  every request fits the models, as before the cache (median of REFITS requests);
- "first" is the first request of a fresh app with the cache (its fits computed), "warm" the median of
  WARM more. Each also as CPU milliseconds of the process (all threads), steadier than wall time on a busy
  machine. Then the size of each kind of cached entry (pickled), which bounds the cache's memory.
Usage: python benchmarks/web_forecasts.py [--reps 60]
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from attain.analytics.forecast.outlook import ForecastRequest, backtest, period_outlook
from attain.analytics.forecast.series import Grain
from attain.app.forecasts.earnings import open_deal_chances
from attain.app.forecasts.outlook import win_calibration
from attain.app.users import create_user
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.domain.calendar import PeriodKind
from attain.store.unit_of_work import SqlStore, open_store
from attain.web.app import create_app
from attain.web.figures import FigureCache
from attain.web.forecast_api import ACCURACY_METHODS

AS_OF = date(2026, 11, 28)
PASSWORD = "web-forecasts-benchmark"
REFITS = 3
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


def signed_in(store: SqlStore, username: str, *, cached: bool) -> TestClient:
    app = create_app(store, secret_key="bench")
    app.state.today = AS_OF
    if not cached:
        app.state.forecasts = FigureCache(store, size=0)  # nothing is kept: every request fits
    client = TestClient(app)
    token = client.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": token}, follow_redirects=False
    )
    return client


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = company(Path(folder) / "demo.db", args.reps)
        cases = [
            ("admin", "/forecasts"),
            ("manager", "/forecasts"),
            ("admin", "/api/v1/forecasts/outlook"),
            ("rep", "/api/v1/forecasts/outlook"),
        ]
        print(f"demo company, {args.reps} rep seats, SQLite, in-process, as of {AS_OF}\n")
        print(
            "| path | who | refit ms (cpu) | first ms (cpu) | warm median ms (cpu) | warm max ms "
            "| warm / refit |"
        )
        print("|---|---|---:|---:|---:|---:|---:|")
        for who, path in cases:
            bare = signed_in(store, LOGINS[who], cached=False)
            refit = median([timed(bare, path) for _ in range(REFITS)])
            cached = signed_in(store, LOGINS[who], cached=True)
            first = timed(cached, path)
            warm_runs = [timed(cached, path) for _ in range(WARM)]
            warm = median(warm_runs)
            print(
                f"| {path} | {who} | {refit[0]:.0f} ({refit[1]:.0f}) | {first[0]:.0f} ({first[1]:.0f}) | "
                f"{warm[0]:.1f} ({warm[1]:.1f}) | {max(w[0] for w in warm_runs):.1f} | "
                f"{warm[0] / refit[0]:.3f} |"
            )
        print("\n| cached entry | pickled KiB |\n|---|---:|")
        for name, size in entry_sizes(store):
            print(f"| {name} | {size / 1024:.0f} |")
        store.dispose()


if __name__ == "__main__":
    main()
