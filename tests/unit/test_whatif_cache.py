"""The what-if cache: one slice per person and period, replaced by a newer data version, evicted least
recently used and after its time, closed when it goes, and built once when requests race for it."""

from __future__ import annotations

import threading
from typing import Any

from attain.app.runs.whatif_cache import WhatIfCache


class FakeSlice:
    """Stands in for a WhatIf: counts estimates and whether it was closed."""

    def __init__(self, name: str) -> None:
        self.name, self.closed, self.used = name, False, 0

    def close(self) -> None:
        self.closed = True


class Builds:
    def __init__(self) -> None:
        self.made: list[FakeSlice] = []

    def __call__(self, name: str) -> Any:
        def build() -> FakeSlice:
            made = FakeSlice(name)
            self.made.append(made)
            return made

        return build


def _use(cache: WhatIfCache, key: tuple[Any, ...], builds: Builds) -> str:
    def work(s: Any) -> str:
        assert not s.closed
        s.used += 1
        return str(s.name)

    return cache.use(key, builds(str(key)), work)


def test_a_slice_is_built_once_and_reused_for_its_key() -> None:
    cache, builds = WhatIfCache(), Builds()
    assert _use(cache, ("ann", "FY2025-Q1", 7), builds) == _use(cache, ("ann", "FY2025-Q1", 7), builds)
    assert [s.used for s in builds.made] == [2]


def test_a_newer_data_version_replaces_the_slice_and_closes_the_old_one() -> None:
    cache, builds = WhatIfCache(), Builds()
    _use(cache, ("ann", "FY2025-Q1", 7), builds)
    _use(cache, ("ben", "FY2025-Q1", 7), builds)
    _use(cache, ("ann", "FY2025-Q1", 8), builds)
    assert len(cache) == 2
    assert [(s.name, s.closed) for s in builds.made] == [
        (str(("ann", "FY2025-Q1", 7)), True),
        (str(("ben", "FY2025-Q1", 7)), False),
        (str(("ann", "FY2025-Q1", 8)), False),
    ]


def test_the_least_recently_used_slice_goes_first_and_is_closed() -> None:
    cache, builds = WhatIfCache(slices=2), Builds()
    _use(cache, ("ann", "Q1", 1), builds)
    _use(cache, ("ben", "Q1", 1), builds)
    _use(cache, ("ann", "Q1", 1), builds)  # ann is now the most recent
    _use(cache, ("cat", "Q1", 1), builds)
    assert [s.closed for s in builds.made] == [False, True, False]
    cache.clear()
    assert all(s.closed for s in builds.made)
    assert len(cache) == 0


def test_an_expired_slice_is_built_again() -> None:
    cache, builds = WhatIfCache(ttl=0.0), Builds()
    _use(cache, ("ann", "Q1", 1), builds)
    _use(cache, ("ann", "Q1", 1), builds)
    assert [s.closed for s in builds.made] == [True, False]


def test_racing_requests_build_a_slice_once() -> None:
    cache, builds = WhatIfCache(), Builds()
    start = threading.Barrier(6)

    def ask() -> None:
        start.wait()
        _use(cache, ("ann", "Q1", 1), builds)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s.used for s in builds.made] == [6]


def test_a_persons_plans_are_read_once_per_data_version() -> None:
    cache = WhatIfCache()
    reads: list[str] = []

    def read(what: str) -> Any:
        def run() -> str:
            reads.append(what)
            return what

        return run

    assert cache.person(("ann", 1), read("ann@1")) == cache.person(("ann", 1), read("again")) == "ann@1"
    assert cache.person(("ann", 2), read("ann@2")) == "ann@2"
    assert reads == ["ann@1", "ann@2"]
