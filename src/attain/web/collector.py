"""Garbage-collector settings of a serving process: rare, short collections while requests are in flight.

Under load, CPython's default thresholds (700, 10, 10) made each worker run a full collection about every
two seconds: the objects of the requests in flight get promoted to the oldest generation at every young
collection, so the oldest one fills quickly, and a full collection then walks every object of the process,
the dashboards' cached figures included (about 390,000 objects, 70-540 ms a pass, almost nothing
collected). Those pauses were the p95 of the load benchmark (benchmarks/RESULTS.md, "Dashboards under
load"). Most of a request's objects are freed by reference counting, so a young generation of 100,000
objects is reached rarely, and what the warm-up cached is moved out of the collector's sight.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 100_000  # container objects allocated and not yet freed before a young collection
OLDER_THRESHOLDS = (20, 20)  # young collections per middle one, middle ones per full one


def tune_for_serving() -> None:
    """Fewer young collections, so that objects of requests in flight are rarely promoted."""
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


def freeze_warm_objects() -> None:
    """Collect once, then exempt every object alive now (modules, the app, the warm-up's caches) from
    later collections; they are still freed by reference counting when a cache drops them."""
    gc.collect()
    gc.freeze()
