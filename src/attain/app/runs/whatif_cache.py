"""The what-if's memory: a period's company facts and each person's slice of them, per data version.

A slice costs a read of the period's facts and a pass over them; an estimate on it costs milliseconds. So a
page listing several opportunities, or a rep moving an amount slider, reads the facts once. Entries are
keyed by the data version (the newest audit entry id: every import, plan edit, assignment, run and close is
audited), so any change to facts or plans makes the next estimate build a fresh slice; they also expire.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from attain.engine.relational import FactTables, WhatIf

T = TypeVar("T")
TTL_SECONDS = 600.0
SLICES = 32  # people with a slice in memory; each holds an in-process DuckDB of their own orders
COMPANIES = 2  # periods whose company-wide facts are kept, to slice the next person without a read
PEOPLE = 256  # people whose plans (assignments, compiled versions) are kept


@dataclass
class _Slice:
    whatif: WhatIf
    made_at: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False

    def close(self) -> None:
        with self.lock:  # never under an estimate that is still running on it
            if not self.closed:
                self.whatif.close()
                self.closed = True


class WhatIfCache:
    """Slices by (person, period) and company facts by period, each for one data version; thread-safe.

    Keys are `(what, version)`: a newer version replaces the entry of the same `what`."""

    def __init__(self, *, slices: int = SLICES, ttl: float = TTL_SECONDS) -> None:
        self._size, self._ttl = slices, ttl
        self._slices: OrderedDict[Hashable, _Slice] = OrderedDict()
        self._companies: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._people: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._building = threading.Lock()  # builds are rare and heavy: one at a time

    def company(self, key: Hashable, read: Callable[[], FactTables]) -> FactTables:
        """The company's facts for `key`, read once."""
        found = self._remember(self._companies, COMPANIES, key, read)
        assert isinstance(found, FactTables)
        return found

    def person(self, key: Hashable, read: Callable[[], T]) -> T:
        """What `read` tells about a person (their name and plans) for `key`, read once."""
        return self._remember(self._people, PEOPLE, key, read)  # type: ignore[return-value]

    def _remember(
        self,
        table: OrderedDict[Hashable, tuple[float, object]],
        size: int,
        key: Hashable,
        read: Callable[[], T],
    ) -> T | object:
        with self._lock:
            found = table.get(key)
            if found is not None and time.monotonic() - found[0] <= self._ttl:
                table.move_to_end(key)
                return found[1]
        value = read()
        with self._lock:
            for k in [k for k in table if _same_what(k, key)]:
                del table[k]
            table[key] = (time.monotonic(), value)
            while len(table) > size:
                table.popitem(last=False)
        return value

    def use(self, key: Hashable, build: Callable[[], WhatIf], work: Callable[[WhatIf], T]) -> T:
        """`work` on the slice for `key` (built first when missing or expired), alone on that slice."""
        while True:
            entry = self._get(key) or self._build(key, build)
            with entry.lock:
                if not entry.closed:  # else it was evicted while we waited: take the fresh one
                    return work(entry.whatif)

    def clear(self) -> None:
        with self._lock:
            gone = list(self._slices.values())
            self._slices.clear()
            self._companies.clear()
            self._people.clear()
        for entry in gone:
            entry.close()

    def __len__(self) -> int:
        return len(self._slices)

    def _get(self, key: Hashable) -> _Slice | None:
        stale: _Slice | None = None
        with self._lock:
            entry = self._slices.get(key)
            if entry is not None and time.monotonic() - entry.made_at > self._ttl:
                stale, entry = self._slices.pop(key), None
            elif entry is not None:
                self._slices.move_to_end(key)
        if stale is not None:
            stale.close()
        return entry

    def _build(self, key: Hashable, build: Callable[[], WhatIf]) -> _Slice:
        with self._building:
            entry = self._get(key)  # another request may have built it while we waited
            if entry is not None:
                return entry
            entry = _Slice(build(), time.monotonic())
            with self._lock:
                evicted = [self._slices.pop(k) for k in list(self._slices) if _same_what(k, key)]
                self._slices[key] = entry
                while len(self._slices) > self._size:
                    evicted.append(self._slices.popitem(last=False)[1])
        for old in evicted:
            old.close()
        return entry


def _same_what(a: Hashable, b: Hashable) -> bool:
    """Whether two `(what, version)` keys name the same thing (at any version)."""
    return isinstance(a, tuple) and isinstance(b, tuple) and a[:-1] == b[:-1]
