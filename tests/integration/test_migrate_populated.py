"""Upgrading a database that already holds facts keeps them (SQLite rebuilds tables to migrate)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from attain.app.imports.load import load_batch
from attain.app.imports.sources.maven_crm import read_maven_crm
from attain.app.setup import init_company
from attain.store.database import current_revision, downgrade, upgrade
from attain.store.unit_of_work import open_store
from tests.conftest import shared_dataset


def test_upgrade_from_the_first_revision_keeps_every_fact(tmp_path: Path) -> None:
    folder = shared_dataset("maven-crm-sales-opportunities")
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}")
    store.upgrade()
    init_company(store, first_fy=2016, last_fy=2018)
    load_batch(store, read_maven_crm(folder), actor="test")
    with store.engine.connect() as conn:
        before = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("people", "opportunities", "opportunity_stages", "orders")
        }
    # Back to the first revision and forward again over the data, as an older install would upgrade.
    downgrade(store.engine, "0002")
    upgrade(store.engine)
    with store.engine.connect() as conn:
        after = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in before}
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    assert after == before
    assert before["opportunities"] == 8800
    assert current_revision(store.engine) is not None
    store.dispose()
