"""`attain import maven-crm DIR` and `attain import classicmodels DIR` from the command line, on SQLite."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from attain.cli import commands  # noqa: F401  (registers the sub-commands on the app)
from attain.cli.main import app
from attain.domain.errors import InvalidInput
from tests.conftest import shared_dataset

pytestmark = pytest.mark.shared_data


def attain(db: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", f"sqlite:///{db}", "--format", "json", "import", *args])


def created(stdout: str) -> dict[str, int]:
    return {name: c["created"] for name, c in json.loads(stdout)["counts"].items()}


def test_import_maven_crm_prints_the_report_and_a_second_run_creates_nothing(tmp_path: Path) -> None:
    folder = shared_dataset("maven-crm-sales-opportunities")
    first = attain(tmp_path / "a.db", "maven-crm", str(folder))
    assert first.exit_code == 0, first.output
    assert created(first.stdout)["opportunity"] == 8800
    quirks = {q["code"]: q["count"] for q in json.loads(first.stdout)["quirks"]}
    assert quirks["product-name-variant"] == 1480
    second = attain(tmp_path / "a.db", "maven-crm", str(folder))
    assert second.exit_code == 0, second.output
    assert set(created(second.stdout).values()) == {0}


def corrupted_maven(tmp_path: Path) -> Path:
    """A copy of the Maven folder whose first deal (row 2) has close_value '12x4'."""
    folder = tmp_path / "maven"
    shutil.copytree(shared_dataset("maven-crm-sales-opportunities"), folder)
    pipeline = folder / "sales_pipeline.csv"
    text = pipeline.read_text(encoding="utf-8")
    pipeline.write_text(text.replace(",2017-03-01,1054", ",2017-03-01,12x4", 1), encoding="utf-8")
    return folder


def test_import_maven_crm_with_a_corrupted_row_exits_2_and_names_it(tmp_path: Path) -> None:
    folder = corrupted_maven(tmp_path)
    result = attain(tmp_path / "a.db", "maven-crm", str(folder))
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["status"] == "rejected"
    assert [(e["source"], e["row"], e["column"], e["value"]) for e in report["errors"]] == [
        ("sales_pipeline.csv", 2, "close_value", "12x4")
    ]


def test_import_maven_crm_skip_invalid_writes_the_rejects_file(tmp_path: Path) -> None:
    folder = corrupted_maven(tmp_path)
    rejects = tmp_path / "rejects.csv"
    result = attain(tmp_path / "a.db", "maven-crm", str(folder), "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    assert created(result.stdout)["opportunity"] == 8799
    assert (
        rejects.read_text(encoding="utf-8")
        .splitlines()[1]
        .startswith("sales_pipeline.csv,2,opportunity,close_value,12x4,is not a number")
    )


def test_import_maven_crm_names_a_missing_file(tmp_path: Path) -> None:
    folder = tmp_path / "maven"
    shutil.copytree(shared_dataset("maven-crm-sales-opportunities"), folder)
    (folder / "sales_teams.csv").unlink()
    result = attain(tmp_path / "a.db", "maven-crm", str(folder))
    assert isinstance(result.exception, InvalidInput)
    assert str(result.exception).startswith(f"sales_teams.csv is missing from {folder}")


def test_import_classicmodels_prints_the_report(tmp_path: Path) -> None:
    result = attain(tmp_path / "a.db", "classicmodels", str(shared_dataset("classicmodels")))
    assert result.exit_code == 0, result.output
    assert created(result.stdout) == {
        "person": 23,
        "team": 7,
        "territory": 4,
        "account": 122,
        "territory_account": 100,
        "assignment": 23,
        "product": 110,
        "order": 3075,
        "payment": 273,
    }
