"""`attain demo` end to end on SQLite: what it prints, refusing a database with data, and --replace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from attain.cli import commands  # noqa: F401  (registers the sub-commands on the app)
from attain.cli.main import app
from attain.domain.errors import Conflict, InvalidInput

DEMO = ["demo", "--reps", "10", "--seed", "3", "--as-of", "2025-11-03"]


def attain(db: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", f"sqlite:///{db}", "--format", "json", *args])


def created(stdout: str) -> dict[str, int]:
    return {row["entity"]: row["created"] for row in json.loads(stdout)}


def test_demo_prints_the_rows_it_created_and_the_demo_logins(tmp_path: Path) -> None:
    result = attain(tmp_path / "demo.db", *DEMO)
    assert result.exit_code == 0, result.output
    counts = created(result.stdout)
    assert counts["person"] == 28
    assert counts["account"] == 333
    assert counts["period"] == 68
    assert counts["order"] > 500
    assert "Demo logins" in result.stderr
    assert "compadmin" in result.stderr
    status = {row["table"]: row["rows"] for row in json.loads(attain(tmp_path / "demo.db", "status").stdout)}
    assert status["orders"] == counts["order"]
    assert status["users"] == 5


def test_demo_on_a_database_with_data_is_an_error_that_names_replace(tmp_path: Path) -> None:
    assert attain(tmp_path / "demo.db", *DEMO).exit_code == 0
    again = attain(tmp_path / "demo.db", *DEMO)
    assert isinstance(again.exception, Conflict)
    assert "--replace" in again.exception.render()


def test_replace_empties_the_sqlite_file_and_generates_again(tmp_path: Path) -> None:
    first = attain(tmp_path / "demo.db", *DEMO)
    replaced = attain(tmp_path / "demo.db", *DEMO, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert created(replaced.stdout) == created(first.stdout)
    assert "removed" in replaced.stderr


def test_replace_refuses_a_server_database_without_yes(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", "postgresql://nobody@127.0.0.1:1/none", *DEMO, "--replace"])
    assert isinstance(result.exception, InvalidInput)
    assert "--yes" in result.exception.render()
