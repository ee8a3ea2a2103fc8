"""The forecast fits' stale-while-revalidate memory on its own: a never-fitted key is computed in the
request (once for concurrent callers), a newer facts version serves the last fit marked stale and queues
one refit, which replaces it; a failed refit is kept with its version and raised to that version's callers.

The facts version is a plain counter and refits run on an executor the test runs by hand: no threads,
no sleeps."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from attain.web.forecast_fits import DaemonWorker, ForecastFits


class ByHand(Executor):
    """Keeps what is submitted until `run`: the test decides when a background refit happens."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.jobs.append((lambda *a: fn(*a, **kwargs), args, future))
        return future

    def run(self) -> None:
        while self.jobs:
            fn, args, future = self.jobs.pop(0)
            future.set_result(fn(*args))


class Moving:
    """A facts version the test moves on; `read` is the same (there is nothing to trust for a moment)."""

    def __init__(self) -> None:
        self.value = 1

    def __call__(self) -> int:
        return self.value

    def read(self) -> int:
        return self.value


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def _fits(size: int = 8) -> tuple[ForecastFits, Moving, ByHand]:
    version, refits = Moving(), ByHand()
    return ForecastFits(version, executor=refits, size=size, clock=Clock()), version, refits


def test_a_new_version_serves_the_last_fit_stale_until_one_refit_replaces_it() -> None:
    fits, version, refits = _fits()
    computed: list[int] = []

    def compute() -> str:
        computed.append(version.value)
        return f"fit of {version.value}"

    first = fits.get("k", compute)
    assert (first.value, first.version, first.stale) == ("fit of 1", 1, False)
    assert fits.get("k", compute) == first
    version.value = 2
    stale = fits.get("k", compute)
    assert (stale.value, stale.computed_at, stale.stale) == ("fit of 1", first.computed_at, True)
    assert fits.get("k", compute).stale  # asked again before the refit: still the old fit, no second refit
    assert computed == [1]
    assert len(refits.jobs) == 1
    refits.run()
    fresh = fits.get("k", compute)
    assert (fresh.value, fresh.version, fresh.stale) == ("fit of 2", 2, False)
    assert fresh.computed_at > first.computed_at
    assert computed == [1, 2]
    assert fits.refits == 1


def test_current_fits_the_new_version_in_the_request() -> None:
    fits, version, refits = _fits()
    fits.get("k", lambda: version.value)
    version.value = 5
    found = fits.current("k", lambda: version.value, read_now=True)
    assert (found.value, found.version, found.stale) == (5, 5, False)
    assert not refits.jobs


def test_a_failed_refit_is_raised_to_its_version_and_retried_on_the_next() -> None:
    fits, version, refits = _fits()
    fits.get("k", lambda: "ok")

    def broken() -> str:
        raise ValueError("no calendar")

    version.value = 2
    assert fits.get("k", broken).value == "ok"
    refits.run()
    with pytest.raises(ValueError, match="no calendar"):
        fits.get("k", broken)
    version.value = 3
    assert fits.get("k", lambda: "again").value == "again"  # a failure is never served stale


def test_the_least_recently_used_fit_leaves_first() -> None:
    fits, version, _ = _fits(size=2)
    for key in ("a", "b"):
        fits.get(key, lambda key=key: key)  # type: ignore[misc]
    fits.get("a", lambda: "again")  # a hit: "b" is now the oldest
    fits.get("c", lambda: "c")
    assert fits.get("a", lambda: "a2").value == "a"
    assert fits.get("b", lambda: "b2").value == "b2"  # pushed out: fitted again
    assert version.value == 1


def test_warm_queues_a_missing_key_once() -> None:
    fits, _, refits = _fits()
    fits.warm("k", lambda: "warm")
    fits.warm("k", lambda: "warm")
    assert len(refits.jobs) == 1
    refits.run()
    assert fits.get("k", lambda: "cold").value == "warm"
    fits.warm("k", lambda: "warm")
    assert not refits.jobs


def test_the_app_worker_runs_refits_in_order_on_one_daemon_thread() -> None:
    worker = DaemonWorker()
    seen: list[tuple[int, str]] = []

    def job(n: int) -> int:
        seen.append((n, threading.current_thread().name))
        return n

    futures = [worker.submit(job, n) for n in range(3)]
    assert [f.result(timeout=60) for f in futures] == [0, 1, 2]
    assert [n for n, _ in seen] == [0, 1, 2]
    assert {name for _, name in seen} == {"attain-refit"}
    failed = worker.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failed.result(timeout=60)
    assert worker.submit(job, 3).result(timeout=60) == 3  # a failure does not stop the worker
