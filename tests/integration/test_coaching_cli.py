"""`attain coaching ...` on SQLite: JSON output, acting as a login with --as, and exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from attain.cli import commands  # noqa: F401  (registers the sub-commands on the app)
from attain.cli.main import app, main
from attain.store.unit_of_work import open_store
from tests.coaching_company import build_company

TODAY = "2025-05-15"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "coaching.db"
    store = open_store(f"sqlite:///{path}")
    store.upgrade()
    build_company(store)
    store.dispose()
    return path


def attain(db: Path, *args: str, as_user: str | None = None) -> Any:
    who = ["--as", as_user] if as_user else []
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{db}", "--format", "json", "coaching", "--today", TODAY, *who, *args]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if result.stdout.strip().startswith("[") else result


def test_a_manager_plans_from_the_recommendation_and_the_rep_sees_only_their_part(db: Path) -> None:
    assert attain(db, "skills-default").exit_code == 0
    recs = attain(db, "recommendations", "--period", "FY2025-Q2", as_user="mia")
    assert [(r["person"], r["status"], r["attainment"], r["focus"]) for r in recs] == [
        ("ann", "off_track", "30%", "prospecting"),
        ("cat", "at_risk", "45%", recs[1]["focus"]),
    ]
    attain(
        db,
        "schedule-recommended",
        "ann",
        "--on",
        "2025-05-16",
        "--period",
        "FY2025-Q2",
        "--kind",
        "one_to_one",
        as_user="mia",
    )
    attain(db, "record", "1", "--notes", "Plan agreed", "--private-notes", "Watch morale", as_user="mia")
    attain(
        db,
        "item",
        "ann",
        "--title",
        "Win rate up",
        "--due",
        "2025-06-30",
        "--metric",
        "win_rate",
        "--target",
        "0.3",
        "--session",
        "1",
        as_user="mia",
    )
    attain(
        db,
        "give-feedback",
        "ann",
        "--summary",
        "Good calls",
        "--strength",
        "Rapport",
        "--improve",
        "Qualify earlier",
        as_user="mia",
    )
    attain(db, "give-feedback", "ann", "--summary", "Private worry", "--visibility", "private", as_user="mia")

    sessions = attain(db, "sessions", as_user="ann")
    assert [(s["id"], s["notes"], s["private_notes"]) for s in sessions] == [(1, "Plan agreed", "")]
    assert [f["summary"] for f in attain(db, "feedback", as_user="ann")] == ["Good calls"]
    items = attain(db, "items", as_user="ann")
    # Set today: the baseline is the last 90 days (1 won of 4), nothing is measured since yet.
    assert [(i["owner"], i["metric"], i["baseline"], i["current"], i["target"]) for i in items] == [
        ("ann", "win_rate", "25%", "n/a", "30%")
    ]
    assert attain(db, "sessions", as_user="dan") == []
    assert attain(db, "feedback", as_user="dan") == []
    assert attain(db, "items", as_user="dan") == []
    assert [s["private_notes"] for s in attain(db, "sessions")] == ["Watch morale"]


def test_reviews_and_calibration_from_the_command_line(db: Path) -> None:
    review = attain(db, "review", "bob", "--period", "FY2025-Q2", as_user="mia")
    assert [(r["person"], r["attainment"], r["rank"], r["rank_of"]) for r in review] == [("bob", "0.6", 1, 3)]
    attain(db, "rate", str(review[0]["id"]), "--rating", "4", "--final", as_user="mia")
    grid = attain(db, "calibration", "--period", "FY2025-Q2", as_user="mia")
    assert grid[1] == {
        "band": "50-80%",
        "rating 1": 0,
        "rating 2": 0,
        "rating 3": 0,
        "rating 4": 1,
        "rating 5": 0,
    }
    assert attain(db, "reviews", "bob", as_user="bob")[0]["rating"] == 4


def test_bad_input_exits_with_code_2_and_says_what_to_do(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "sys.argv",
        [
            "attain",
            "--db",
            f"sqlite:///{db}",
            "coaching",
            "--today",
            TODAY,
            "item",
            "ann",
            "--title",
            "x",
            "--due",
            "2025-06-30",
            "--metric",
            "win_rate",
        ],
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert "a metric and its target go together" in capsys.readouterr().err
