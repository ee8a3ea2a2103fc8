"""Plan versions in the store, and the `attain plan` commands end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from attain.cli.main import _register, app
from attain.store.unit_of_work import SqlStore

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "attain" / "engine" / "plans" / "examples"
AT = datetime(2025, 1, 2, 9, 30, tzinfo=UTC)


def test_a_new_version_is_stored_only_when_the_text_changes(store: SqlStore) -> None:
    with store.transaction() as tx:
        first = tx.plans.save("ae", "AE", "plan: ae\n", comment="first", actor="ops", at=AT)
        same = tx.plans.save("ae", "AE", "plan: ae\n", comment="again", actor="ops", at=AT)
        second = tx.plans.save("ae", "AE", "plan: ae\nname: AE\n", comment="named", actor="ops", at=AT)
    assert (first.created, first.version.version) == (True, 1)
    assert (same.created, same.version.version) == (False, 1)
    assert (second.created, second.version.version) == (True, 2)
    with store.transaction() as tx:
        versions = tx.plans.versions("ae")
        assert [(v.version, v.comment, v.created_by) for v in versions] == [
            (1, "first", "ops"),
            (2, "named", "ops"),
        ]
        assert tx.plans.document("ae") == "plan: ae\nname: AE\n"
        assert tx.plans.document("ae", 1) == "plan: ae\n"
        assert tx.plans.versions("nope") == []


def _cli(db: Path, *args: str) -> object:
    _register()
    return CliRunner().invoke(app, ["--db", f"sqlite:///{db}", "--format", "json", *args])


def test_plan_save_and_versions_commands(tmp_path: Path) -> None:
    db = tmp_path / "attain.db"
    plan = tmp_path / "ae.yaml"
    plan.write_text((EXAMPLES / "ae.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    saved = _cli(db, "plan", "save", str(plan), "--comment", "first cut")
    assert saved.exit_code == 0, saved.output
    assert "Saved plan 'ae' version 1" in saved.output
    again = _cli(db, "plan", "save", str(plan))
    assert "Unchanged: plan 'ae' version 1" in again.output
    plan.write_text(plan.read_text(encoding="utf-8").replace("rate: 5%", "rate: 6%"), encoding="utf-8")
    _cli(db, "plan", "save", str(plan), "--key", "ae", "--comment", "richer base rate")
    listed = _cli(db, "plan", "versions", "ae")
    rows = json.loads(listed.stdout)
    assert [(r["version"], r["comment"], r["created_by"]) for r in rows] == [
        (1, "first cut", "cli"),
        (2, "richer base rate", "cli"),
    ]


def _attain(*args: str) -> subprocess.CompletedProcess[str]:
    code = "from attain.cli.main import main; main()"
    env = {**os.environ, "COLUMNS": "400"}  # Rich wraps at the terminal width; keep messages on one line
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env
    )


def test_plan_check_reports_line_col_and_a_suggestion_with_exit_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (EXAMPLES / "ae.yaml").read_text(encoding="utf-8").replace("measure: bookings", "measure: bokings", 1)
    )
    result = _attain("plan", "check", str(bad))
    assert result.returncode == 2
    assert f"{bad}:21:14: unknown measure 'bokings'" in " ".join(result.stderr.split())
    assert "did you mean 'bookings'?" in " ".join(result.stderr.split())


def test_plan_check_accepts_the_examples() -> None:
    result = _attain("plan", "check", str(EXAMPLES / "manager.yaml"))
    assert result.returncode == 0, result.stderr
    assert "plan 'first_line_manager'" in " ".join(result.stderr.split())


def test_plan_test_runs_fixtures_and_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    assert _attain("plan", "test", str(EXAMPLES / "ae.yaml")).returncode == 0
    fixture = tmp_path / "ae.tests.yaml"
    text = (EXAMPLES / "ae.tests.yaml").read_text(encoding="utf-8")
    fixture.write_text(
        text.replace("plans: [ae.yaml]", f"plans: [{EXAMPLES / 'ae.yaml'}]").replace(
            "total: 12500", "total: 12600"
        )
    )
    result = _attain("plan", "test", str(fixture))
    assert result.returncode == 1
    out = " ".join(result.stdout.split())
    assert "ann FY2025-Q1 total: expected 12600, got 12500.00" in out
    assert "2 passed, 1 failed" in out
