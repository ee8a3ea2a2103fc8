"""load_batch on SQLite and PostgreSQL: all-or-nothing, skip-invalid, idempotence, updates, references."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from attain.app.imports.batch import Batch, ImportRejected, ImportReport, InvalidRows, RowError
from attain.app.imports.files import file_batch
from attain.app.imports.load import load_batch
from attain.app.imports.mapping import builtin_mapping
from attain.app.setup import init_company
from attain.cli.main import _register, app
from attain.store.unit_of_work import SqlStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
SALESFORCE = FIXTURES / "salesforce-opportunities.csv"
SALESFORCE_BAD = FIXTURES / "salesforce-opportunities-bad.csv"


def rows(store: SqlStore, sql: str) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        return [tuple(r) for r in tx.session.execute(text(sql)).all()]


def counts(report: ImportReport) -> dict[str, tuple[int, int, int, int]]:
    return {name: (c.created, c.updated, c.unchanged, c.rejected) for name, c in report.counts.items()}


def salesforce(path: Path = SALESFORCE) -> Batch:
    return file_batch([path], builtin_mapping("salesforce-opportunities"))


def test_salesforce_export_creates_opportunities_owners_and_accounts(store: SqlStore) -> None:
    report = load_batch(store, salesforce(), actor="test")
    assert counts(report) == {"person": (3, 0, 0, 0), "account": (3, 0, 0, 0), "opportunity": (4, 0, 0, 0)}
    assert rows(
        store,
        "SELECT o.external_id, p.external_id, a.name, o.amount, o.status FROM opportunities o "
        "JOIN people p ON p.id = o.owner_id JOIN accounts a ON a.id = o.account_id "
        "WHERE o.external_id = '0061x00000AAA03'",
    ) == [("0061x00000AAA03", "Dana Scully", "Initech", 325_050, "open")]
    assert rows(store, "SELECT status FROM import_batches") == [("committed",)]
    assert rows(store, "SELECT action FROM audit_log") == [("import",)]


def test_reimporting_the_same_file_changes_nothing(store: SqlStore) -> None:
    load_batch(store, salesforce(), actor="test")
    again = load_batch(store, salesforce(), actor="test")
    assert counts(again) == {"person": (0, 0, 3, 0), "account": (0, 0, 3, 0), "opportunity": (0, 0, 4, 0)}
    assert rows(store, "SELECT count(*) FROM opportunities") == [(4,)]


def test_changed_rows_are_counted_as_updated(store: SqlStore, tmp_path: Path) -> None:
    load_batch(store, salesforce(), actor="test")
    changed = tmp_path / "changed.csv"
    changed.write_text(
        SALESFORCE.read_text().replace('Negotiation/Review,"3,250.50"', 'Closed Won,"3,300.00"')
    )
    report = load_batch(store, salesforce(changed), actor="test")
    assert counts(report)["opportunity"] == (0, 1, 3, 0)
    assert rows(
        store, "SELECT stage, status, amount FROM opportunities WHERE external_id = '0061x00000AAA03'"
    ) == [("Closed Won", "won", 330_000)]


def test_one_bad_row_rejects_the_whole_batch_and_names_the_row(store: SqlStore) -> None:
    with pytest.raises(ImportRejected) as caught:
        load_batch(store, salesforce(SALESFORCE_BAD), actor="test")
    report = caught.value.report
    assert report.status == "rejected"
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "Amount"),
        (4, "Close Date"),
        (5, "Opportunity Owner"),
    ]
    assert report.error_count == 3
    assert counts(report)["opportunity"] == (0, 0, 0, 3)
    assert rows(store, "SELECT count(*) FROM opportunities") == [(0,)]
    assert rows(store, "SELECT count(*) FROM people") == [(0,)]
    assert rows(store, "SELECT status FROM import_batches") == [("rejected",)]


def test_skip_invalid_writes_the_valid_rows_and_a_rejects_file(store: SqlStore, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    report = load_batch(
        store, salesforce(SALESFORCE_BAD), actor="test", on_invalid=InvalidRows.SKIP, rejects_path=rejects
    )
    assert report.committed
    assert counts(report)["opportunity"] == (1, 0, 0, 3)
    assert rows(store, "SELECT external_id FROM opportunities") == [("0061x00000BBB01",)]
    with rejects.open() as fh:
        listed = [(r["row"], r["column"], r["value"]) for r in csv.DictReader(fh)]
    assert listed == [
        ("3", "Amount", "10.505"),
        ("4", "Close Date", "31/12/2024"),
        ("5", "Opportunity Owner", ""),
    ]
    assert report.rejects_file == str(rejects)


def test_unresolved_reference_is_a_row_error(store: SqlStore) -> None:
    batch = Batch("orders")
    batch.add(
        "order",
        pl.DataFrame(
            {
                "external_id": ["O1"],
                "booked_on": [date(2024, 1, 2)],
                "owner": ["nobody"],
                "amount": [100],
                "currency": ["USD"],
                "kind": ["new"],
                "_source": ["orders.csv"],
                "_row": [2],
            }
        ),
    )
    with pytest.raises(ImportRejected) as caught:
        load_batch(store, batch, actor="test")
    [error] = caught.value.report.errors
    assert (error.source, error.row, error.column, error.value) == ("orders.csv", 2, "owner", "nobody")
    assert error.message == "no person has this external id"


def test_rows_depending_on_a_rejected_row_are_rejected_too(store: SqlStore) -> None:
    batch = Batch("crm")
    batch.add(
        "person",
        pl.DataFrame(
            {
                "external_id": ["P1", "P2"],
                "name": ["Ann", "Bob"],
                "_source": ["people.csv"] * 2,
                "_row": [2, 3],
            }
        ),
    )
    batch.errors.append(RowError("people.csv", 3, "hired", "31/31/2020", "is not a date", None, "person"))
    batch.add(
        "opportunity",
        pl.DataFrame(
            {
                "external_id": ["D1", "D2"],
                "owner": ["P1", "P2"],
                "stage": ["New"] * 2,
                "status": ["open"] * 2,
                "_source": ["deals.csv"] * 2,
                "_row": [2, 3],
            }
        ),
    )
    report = load_batch(store, batch, actor="test", on_invalid=InvalidRows.SKIP)
    assert counts(report) == {"person": (1, 0, 0, 1), "opportunity": (1, 0, 0, 1)}
    dependent = report.errors[1]
    assert (dependent.source, dependent.row, dependent.column) == ("deals.csv", 3, "owner")
    assert dependent.message == "refers to a person whose own row was rejected"
    assert dependent.hint == "fix people.csv row 3 first, then import again"


def test_self_references_resolve_within_one_frame(store: SqlStore) -> None:
    batch = Batch("org")
    batch.add(
        "team",
        pl.DataFrame(
            {
                "external_id": ["EMEA-N", "EMEA", "WORLD"],
                "name": ["North", "EMEA", "World"],
                "parent": ["EMEA", "WORLD", None],
            }
        ),
    )
    batch.add(
        "order",
        pl.DataFrame(
            {
                "external_id": ["R1", "O1"],
                "booked_on": [date(2024, 2, 1), date(2024, 1, 2)],
                "amount": [-50, 50],
                "currency": ["USD"] * 2,
                "kind": ["return", "new"],
                "original": ["O1", None],
            }
        ),
    )
    report = load_batch(store, batch, actor="test")
    assert counts(report) == {"team": (3, 0, 0, 0), "order": (2, 0, 0, 0)}
    assert rows(
        store,
        "SELECT t.external_id, p.external_id FROM teams t LEFT JOIN teams p ON p.id = t.parent_id "
        "ORDER BY t.id",
    ) == [("EMEA-N", "EMEA"), ("EMEA", "WORLD"), ("WORLD", None)]
    assert rows(
        store, "SELECT o.external_id, p.external_id FROM orders o JOIN orders p ON p.id = o.original_id"
    ) == [("R1", "O1")]
    assert counts(load_batch(store, batch, actor="test")) == {"team": (0, 0, 3, 0), "order": (0, 0, 2, 0)}


def test_goals_resolve_period_keys_and_match_on_keys_with_empty_parts(store: SqlStore) -> None:
    init_company(store, first_fy=2025, last_fy=2025)
    batch = Batch("goals")
    batch.add("person", pl.DataFrame({"external_id": ["P1"], "name": ["Ann"]}))
    target = pl.Series([100000, 250000]).cast(pl.Decimal(38, 6))
    batch.add(
        "goal",
        pl.DataFrame(
            {
                "metric": ["revenue"] * 2,
                "scope_kind": ["person", "company"],
                "person": ["P1", None],
                "period": ["FY2025-Q1", "FY2025"],
                "kind": ["quota", "goal"],
                "target": target,
                "currency": ["USD"] * 2,
            }
        ),
    )
    assert counts(load_batch(store, batch, actor="test"))["goal"] == (2, 0, 0, 0)
    assert counts(load_batch(store, batch, actor="test"))["goal"] == (0, 0, 2, 0)
    assert rows(
        store, "SELECT g.scope_kind, p.key FROM goals g JOIN periods p ON p.id = g.period_id ORDER BY g.id"
    ) == [("person", "FY2025-Q1"), ("company", "FY2025")]


def test_unknown_period_and_inconsistent_goal_scope_are_row_errors(store: SqlStore) -> None:
    init_company(store, first_fy=2025, last_fy=2025)
    batch = Batch("goals")
    batch.add(
        "goal",
        pl.DataFrame(
            {
                "metric": ["revenue"] * 2,
                "scope_kind": ["company", "person"],
                "period": ["FY2031", "FY2025"],
                "kind": ["goal"] * 2,
                "target": pl.Series([1, 2]).cast(pl.Decimal(38, 6)),
                "currency": ["USD"] * 2,
            }
        ),
    )
    with pytest.raises(ImportRejected) as caught:
        load_batch(store, batch, actor="test")
    assert sorted((e.row, e.column, e.message) for e in caught.value.report.errors) == [
        (1, "period", "no period has this key in the default calendar"),
        (2, "scope_kind", "scope_kind 'person' needs only 'person', got none"),
    ]


def test_duplicate_keys_in_one_batch_keep_the_last_row_and_are_reported(store: SqlStore) -> None:
    batch = Batch("people")
    batch.add("person", pl.DataFrame({"external_id": ["P1", "P2", "P1"], "name": ["Ann", "Bob", "Ann Lee"]}))
    report = load_batch(store, batch, actor="test")
    assert counts(report)["person"] == (2, 0, 0, 0)
    assert [(q.code, q.count) for q in report.quirks] == [("duplicate_keys", 1)]
    assert rows(store, "SELECT name FROM people WHERE external_id = 'P1'") == [("Ann Lee",)]


def test_an_order_id_repeated_in_one_batch_rejects_it_naming_the_id_and_the_rows(store: SqlStore) -> None:
    batch = Batch("orders")
    batch.add("person", pl.DataFrame({"external_id": ["P1"], "name": ["Ann"]}))
    orders = {
        "external_id": ["O1", "O2", "O1"],
        "booked_on": [date(2025, 1, 5)] * 3,
        "owner": ["P1"] * 3,
        "amount": [100, 200, 150],
        "currency": ["USD"] * 3,
        "kind": ["new"] * 3,
        "_source": ["orders.csv"] * 3,
        "_row": [2, 3, 4],
    }
    batch.add("order", pl.DataFrame(orders))
    with pytest.raises(ImportRejected) as refused:
        load_batch(store, batch, actor="test")
    assert [(e.source, e.row, e.column, e.value, e.message) for e in refused.value.report.errors] == [
        (
            "orders.csv",
            2,
            "external_id",
            "O1",
            "order 'O1' appears more than once in this batch: also at orders.csv row 4",
        ),
        (
            "orders.csv",
            4,
            "external_id",
            "O1",
            "order 'O1' appears more than once in this batch: also at orders.csv row 2",
        ),
    ]
    assert rows(store, "SELECT count(*) FROM orders") == [(0,)]


def test_cli_exits_with_code_2_and_prints_the_errors_when_rejected(sqlite_store: SqlStore) -> None:
    _register()
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        app, ["--db", url, "--format", "json", "import", "salesforce", str(SALESFORCE_BAD)]
    )
    assert result.exit_code == 2
    assert '"status": "rejected"' in result.stdout
    assert '"error_count": 3' in result.stdout
    ok = CliRunner().invoke(app, ["--db", url, "--format", "csv", "import", "salesforce", str(SALESFORCE)])
    assert ok.exit_code == 0
    assert ok.stdout.splitlines()[:2] == ["entity,created,updated,unchanged,rejected", "person,3,0,0,0"]
