"""`attain plan whatif` end to end: the estimate as text and as JSON, splits, and errors as exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from attain.cli.main import _register, app
from attain.domain.errors import Conflict
from attain.store.unit_of_work import open_store
from tests.integration.whatif_company import build_whatif_company


def _cli(db: Path, *args: str) -> Any:
    _register()
    return CliRunner().invoke(app, ["--db", f"sqlite:///{db}", *args])


def _company(tmp_path: Path) -> Path:
    db = tmp_path / "attain.db"
    store = open_store(f"sqlite:///{db}")
    store.upgrade()
    build_whatif_company(store)
    store.dispose()
    return db


def test_the_estimate_prints_before_after_delta_and_the_lines(tmp_path: Path) -> None:
    db = _company(tmp_path)
    text = _cli(db, "plan", "whatif", "ann", "--opportunity", "OPP-1")
    assert text.exit_code == 0, text.output
    assert "What if opportunity OPP-1 (Deal OPP-1) closes at 20,000.00 USD on 2025-03-15" in text.stdout
    assert "Ann (ann), FY2025-Q1, plan ae@1; earnings in USD:" in text.stdout
    assert "  delta        +5,800.00" in text.stdout
    assert "ae core commission      +800.00  order OPP-1" in text.stdout
    assert "ae core gate    +4,500.00" in text.stdout
    data = json.loads(_cli(db, "plan", "whatif", "ann", "--opportunity", "OPP-1", "--format", "json").stdout)
    assert (data["before"], data["after"], data["delta"]) == (0, 5_800_00, 5_800_00)
    assert [(line["explanation"]["tier"], line["delta"]) for line in data["lines"]] == [
        (1, 500_00),
        (2, 800_00),
    ]
    global_json = json.loads(
        _cli(db, "--format", "json", "plan", "whatif", "ben", "--opportunity", "OPP-2").stdout
    )
    assert (global_json["currency"], global_json["delta"]) == ("EUR", 880_00)


def test_amount_and_splits_are_options(tmp_path: Path) -> None:
    db = _company(tmp_path)
    args = ["plan", "whatif", "ben", "--opportunity", "OPP-3", "--split", "ann:25%", "--split", "ben:0.75"]
    data = json.loads(_cli(db, *args, "--amount", "40,000", "--format", "json").stdout)
    assert (data["amount"], data["after"]) == (40_000_00, 9_000_00)
    assert data["splits"] == [
        {"person": "ann", "share": "0.25", "role": "direct"},
        {"person": "ben", "share": "0.75", "role": "direct"},
    ]


def test_errors_name_what_is_wrong(tmp_path: Path) -> None:
    db = _company(tmp_path)
    won = _cli(db, "plan", "whatif", "ann", "--opportunity", "OPP-WON")
    assert isinstance(won.exception, Conflict)
    assert won.exception.message == "opportunity OPP-WON is won already (stage Won)"
    bad = _cli(db, "plan", "whatif", "ann", "--opportunity", "OPP-1", "--split", "ann")
    assert bad.exception is not None
    assert "split 'ann' is not PERSON:SHARE[:overlay]" in str(bad.exception)
