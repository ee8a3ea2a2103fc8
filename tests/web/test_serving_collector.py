"""The served app tunes the garbage collector: rare young collections, the warm-up's objects frozen."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from attain.app.setup import init_company
from attain.store.unit_of_work import SqlStore
from attain.web.app import app_from_environment
from attain.web.collector import OLDER_THRESHOLDS, YOUNG_THRESHOLD


def test_the_served_app_collects_rarely_and_freezes_what_it_warmed_up(
    sqlite_store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_company(sqlite_store, first_fy=2025, last_fy=2027)
    monkeypatch.setenv("ATTAIN_DATABASE_URL", f"sqlite:///{tmp_path / 'attain.db'}")
    monkeypatch.setenv("ATTAIN_SECRET_KEY", "collector-test-secret")
    before = gc.get_threshold()
    gc.unfreeze()
    try:
        app = app_from_environment()
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
        # The app itself (and whatever the warm-up cached) is out of the collector's generations.
        assert gc.get_freeze_count() > 0
        assert not any(o is app for o in gc.get_objects())
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
