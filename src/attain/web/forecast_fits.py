"""The forecast fits served stale while they are refitted: a change of the facts version makes the next
request answer at once from the last completed fit, marked stale, while one background worker refits it.

Fitting a company's models takes tens of seconds of CPU; nobody should wait for it because someone else
imported orders. So each entry remembers the facts version and the time it was computed at, a request under
a newer version gets the old fit (`Fit.stale`) and queues a refit of that key (once: a key already queued or
running is not queued again), and the refit replaces the entry when it completes. Only a key never fitted
is computed in the request, once however many requests wait for it (a warm-up at server start fits the
default page's keys). A refit that fails keeps the error with its version: the requests of that version get
the error, as they would have computing it themselves; the next facts version tries again.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from queue import SimpleQueue
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
ENTRIES = 64


class Version(Protocol):
    """The facts version: trusted for a moment when called, read now by `read` (freshness.FactsVersion)."""

    def __call__(self) -> int: ...
    def read(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Fit(Generic[T]):
    """A computed value with the facts version it was computed from and when; `stale` when a newer version
    exists (a refit of it is under way)."""

    value: T
    version: int
    computed_at: datetime
    stale: bool = False


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


class DaemonWorker(Executor):
    """One daemon thread running what is submitted in order. One, so refits queue behind each other instead
    of taking both cores from the requests; a daemon, so stopping the server never waits for a refit (a
    `ThreadPoolExecutor` would run every queued refit at exit)."""

    def __init__(self) -> None:
        self._queue: SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = SimpleQueue()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((lambda: fn(*args, **kwargs), future))
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="attain-refit", daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            job, future = self._queue.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)


class ForecastFits:
    """An LRU of fits by key, refitted in the background when the facts version moves on."""

    def __init__(
        self,
        version: Version,
        *,
        executor: Executor | None = None,
        size: int = ENTRIES,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._version, self._size, self._clock = version, size, clock
        self._executor = executor or DaemonWorker()
        self._entries: OrderedDict[Hashable, Fit[Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._gates: dict[Hashable, threading.Lock] = {}
        self._queued: set[Hashable] = set()
        self.refits = 0  # refits queued: what tests and the benchmark count

    def get(self, key: Hashable, compute: Callable[[], T]) -> Fit[T]:
        """The fit of the current facts version; else the last one, stale, with a refit queued; else (never
        fitted) computed now."""
        version = self._version()
        found = self._lookup(key)
        if found is not None and found.version >= version:
            return _unwrap(found)
        if found is not None and not isinstance(found.value, _Failed):
            self._queue(key, compute)
            return replace(found, stale=True)
        return self._compute(key, compute, version)

    def current(self, key: Hashable, compute: Callable[[], T], *, read_now: bool = False) -> Fit[T]:
        """The fit of the current facts version, computed now if need be; `read_now` reads the version now
        instead of trusting it for a moment (what a write records must be current)."""
        version = self._version.read() if read_now else self._version()
        found = self._lookup(key)
        if found is not None and found.version >= version:
            return _unwrap(found)
        return self._compute(key, compute, version)

    def warm(self, key: Hashable, compute: Callable[[], T]) -> None:
        """Queue a fit of `key` unless it is fitted under the current version or already queued."""
        found = self._lookup(key)
        if found is None or found.version < self._version():
            self._queue(key, compute)

    def _lookup(self, key: Hashable) -> Fit[Any] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _compute(self, key: Hashable, compute: Callable[[], T], version: int) -> Fit[T]:
        """Fit `key` as of `version` or newer; concurrent callers of one key wait for one computation."""
        with self._lock:
            gate = self._gates.setdefault(key, threading.Lock())
        with gate:
            found = self._lookup(key)
            if found is not None and found.version >= version:
                return _unwrap(found)  # fitted meanwhile (by the refit worker or another request)
            # The version is read before the facts: a write during the fit leaves the result older than the
            # data, so the next request sees a newer version and refits.
            version = max(version, self._version())
            try:
                fit: Fit[Any] = Fit(compute(), version, self._clock())
            except Exception as exc:
                self._keep(key, Fit(_Failed(exc), version, self._clock()))
                raise
            self._keep(key, fit)
            return fit

    def _keep(self, key: Hashable, fit: Fit[Any]) -> None:
        with self._lock:
            self._entries[key] = fit
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def _queue(self, key: Hashable, compute: Callable[[], Any]) -> None:
        with self._lock:
            if key in self._queued:
                return
            self._queued.add(key)
            self.refits += 1

        def refit() -> None:
            try:
                self._compute(key, compute, self._version())
            except Exception:  # kept with its version: the requests of that version see it
                log.exception("refitting forecast %r failed", key)
            finally:
                with self._lock:
                    self._queued.discard(key)

        self._executor.submit(refit)


def _unwrap(fit: Fit[Any]) -> Fit[Any]:
    if isinstance(fit.value, _Failed):
        raise fit.value.error
    return fit
