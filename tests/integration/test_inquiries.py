"""Inquiries on statement lines: raised, answered, resolved with an adjustment that the next run pays; on
SQLite and PostgreSQL, and through `attain inquiry` on SQLite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from attain.app.runs.calculate import run_period
from attain.app.runs.close import close_period
from attain.app.runs.engines import EngineKind
from attain.app.runs.inquiries import answer_inquiry, inquiries, raise_inquiry, resolve_inquiry
from attain.app.runs.statements import statement
from attain.cli import commands  # noqa: F401  (registers the sub-commands on the app)
from attain.cli.main import app, main
from attain.domain.errors import Conflict, InvalidInput, NotFound
from attain.store.unit_of_work import SqlStore, open_store
from tests.integration.pay_company import build_company

REF = EngineKind.REFERENCE


def test_an_inquiry_on_a_line_resolved_with_an_adjustment_is_paid_by_the_next_run(store: SqlStore) -> None:
    company = build_company(store)
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    raised = raise_inquiry(store, company.ids["ann"], "FY2025-Q1", "O2 was a renewal", line=2, actor="ann")
    assert (raised.status, raised.line["seq"], raised.line["kind"], raised.line["amount"]) == (
        "open",
        2,
        "commission",
        250_000,
    )
    answer_inquiry(store, raised.id, "Checking the order type", actor="admin")
    done = resolve_inquiry(
        store, raised.id, "Paid the renewal rate", adjustment="-50", approver="boss", actor="admin"
    )
    assert done.status == "resolved"
    assert [(actor, action) for _, actor, action, _ in done.history] == [
        ("ann", "raised"),
        ("admin", "answered"),
        ("admin", "resolved"),
    ]
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    plan = statement(store, "ann", "FY2025-Q1").plans[0]
    assert [(x.kind, x.amount) for x in plan.payout_lines if x.kind == "adjustment"] == [
        ("adjustment", -5_000)
    ]
    assert plan.payout == 745_000


def test_close_waits_for_a_run_that_pays_a_resolutions_adjustment(store: SqlStore) -> None:
    company = build_company(store)
    run = run_period(store, "FY2025-Q1", engine=REF, actor="test")
    raised = raise_inquiry(store, company.ids["ben"], "FY2025-Q1", "Missing deal", actor="ben")
    done = resolve_inquiry(store, raised.id, "Credit it", adjustment="100", approver="boss", actor="admin")
    with pytest.raises(Conflict) as refused:
        close_period(store, "FY2025-Q1", actor="admin")
    assert refused.value.message == (
        f"adjustments were appended to FY2025-Q1 after run {run.run_id} started "
        f"(ledger entries {done.adjustment_id}): its payouts leave them out"
    )
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    closed = close_period(store, "FY2025-Q1", actor="admin")
    assert closed.payout == 750_000 + 400_000 + 10_000 + 230_000


def test_a_resolved_inquiry_takes_no_more_answers(store: SqlStore) -> None:
    company = build_company(store)
    raised = raise_inquiry(store, company.ids["ben"], "FY2025-Q1", "Is my quota right?", actor="ben")
    resolve_inquiry(store, raised.id, "Yes: 200,000", actor="admin")
    with pytest.raises(Conflict, match=f"inquiry {raised.id} is resolved"):
        answer_inquiry(store, raised.id, "again", actor="admin")


def test_an_inquiry_needs_a_question_and_an_existing_line(store: SqlStore) -> None:
    company = build_company(store)
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    with pytest.raises(InvalidInput, match="needs a question"):
        raise_inquiry(store, company.ids["ann"], "FY2025-Q1", "  ", actor="ann")
    with pytest.raises(NotFound, match="has no line 99"):
        raise_inquiry(store, company.ids["ann"], "FY2025-Q1", "why?", line=99, actor="ann")
    assert inquiries(store) == []


# --- attain inquiry ------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "pay.db"
    store = open_store(f"sqlite:///{path}")
    store.upgrade()
    build_company(store)
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    store.dispose()
    return path


def attain(db: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{db}", "--format", "json", "inquiry", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if result.stdout.strip().startswith("[") else result


def test_inquiry_commands_raise_list_answer_and_resolve(db: Path) -> None:
    raised = attain(db, "raise", "ann", "--period", "FY2025-Q1", "--line", "1", "--question", "Rate?")
    assert "Raised inquiry 1 on ann's FY2025-Q1 statement." in raised.output
    attain(db, "answer", "1", "--text", "5% of 100,000")
    rows = attain(db, "list", "--status", "answered")
    assert [(r["id"], r["person_id"], r["line"], r["status"], r["last_action"]) for r in rows] == [
        (1, "ann", 1, "answered", "answered by cli")
    ]
    resolved = attain(db, "resolve", "1", "--text", "Goodwill", "--adjustment", "20", "--approver", "boss")
    assert "Resolved inquiry 1 with adjustment entry 1." in resolved.output
    history = attain(db, "show", "1")
    assert [(h["action"], h["text"]) for h in history] == [
        ("raised", "Rate?"),
        ("answered", "5% of 100,000"),
        ("resolved", "Goodwill (adjustment entry 1)"),
    ]
    assert attain(db, "list", "--person", "ben") == []


def test_resolving_with_an_adjustment_needs_an_approver(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    attain(db, "raise", "ann", "--period", "FY2025-Q1", "--question", "Why so low?")
    argv = [
        "attain",
        "--db",
        f"sqlite:///{db}",
        "inquiry",
        "resolve",
        "1",
        "--text",
        "ok",
        "--adjustment",
        "20",
    ]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert "an adjustment needs an approver (add --approver NAME)" in capsys.readouterr().err
    assert attain(db, "list", "--status", "open")[0]["id"] == 1
