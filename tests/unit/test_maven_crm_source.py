"""The Maven CRM adapter at the batch level, on a small invented folder shaped like the distribution."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from attain.app.imports.batch import Batch
from attain.app.imports.sources.maven_crm import read_maven_crm
from attain.domain.errors import InvalidInput

TEAMS = """sales_agent,manager,regional_office
Ada Quill,Max Boss,North
Ben Rook,Max Boss,North
Cy Vane,Nia Lead,South
Dee Idle,Nia Lead,South
"""
PRODUCTS = """product,series,sales_price
Widget Pro,WID,4821
Gizmo,GIZ,55
"""
ACCOUNTS = """account,sector,year_established,revenue,employees,office_location,subsidiary_of
Alpha Co,technolgy,1996,1100.04,2822,United States,
Beta Ltd,retail,2001,4.5,9,Philipines,Alpha Co
"""
PIPELINE = """opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
W1,Ada Quill,WidgetPro,Alpha Co,Won,2016-10-20,2017-03-01,4514
L1,Ben Rook,Gizmo,Beta Ltd,Lost,2016-11-04,2017-03-18,0
E1,Cy Vane,Widget Pro,,Engaging,2016-11-03,,
P1,Cy Vane,Gizmo,,Prospecting,,,
P2,Ada Quill,Gizmo,Beta Ltd,Prospecting,,,
"""


def write_folder(folder: Path, **overrides: str) -> Path:
    files = {"sales_teams": TEAMS, "products": PRODUCTS, "accounts": ACCOUNTS, "sales_pipeline": PIPELINE}
    files.update(overrides)
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    return folder


def frame(batch: Batch, entity: str) -> pl.DataFrame:
    return dict(batch.frames)[entity]


def quirk_counts(batch: Batch) -> dict[str, int]:
    return {q.code: q.count for q in batch.quirks}


@pytest.fixture
def batch(tmp_path: Path) -> Batch:
    return read_maven_crm(write_folder(tmp_path / "maven"))


def test_frames_come_in_load_order_without_errors(batch: Batch) -> None:
    assert batch.errors == []
    assert [e for e, _ in batch.frames] == [
        "person",
        "team",
        "account",
        "assignment",
        "product",
        "opportunity",
        "opportunity_stage",
        "order",
    ]
    assert [f["name"] for f in batch.files] == [
        "sales_teams.csv",
        "products.csv",
        "accounts.csv",
        "sales_pipeline.csv",
    ]


def test_offices_are_top_teams_and_each_manager_leads_a_team_nested_in_their_office(batch: Batch) -> None:
    teams = frame(batch, "team").select("external_id", "name", "parent").rows()
    assert teams == [
        ("office-north", "North", None),
        ("office-south", "South", None),
        ("team-max-boss", "Max Boss's team", "office-north"),
        ("team-nia-lead", "Nia Lead's team", "office-south"),
    ]


def test_agents_are_reps_in_their_managers_team_from_the_first_month_of_the_pipeline(batch: Batch) -> None:
    rows = frame(batch, "assignment").select("person", "role", "team", "manager", "valid_from").rows()
    first = date(2016, 10, 1)
    assert rows == [
        ("max-boss", "manager", "team-max-boss", None, first),
        ("nia-lead", "manager", "team-nia-lead", None, first),
        ("ada-quill", "rep", "team-max-boss", "max-boss", first),
        ("ben-rook", "rep", "team-max-boss", "max-boss", first),
        ("cy-vane", "rep", "team-nia-lead", "nia-lead", first),
        ("dee-idle", "rep", "team-nia-lead", "nia-lead", first),
    ]


def test_accounts_map_revenue_in_millions_parent_and_corrected_spellings(batch: Batch) -> None:
    rows = (
        frame(batch, "account")
        .select("external_id", "industry", "country", "annual_revenue", "employees", "founded_year", "parent")
        .rows()
    )
    assert rows == [
        ("alpha-co", "technology", "United States", 110_004_000_000, 2822, 1996, None),
        ("beta-ltd", "retail", "Philippines", 450_000_000, 9, 2001, "alpha-co"),
    ]
    assert quirk_counts(batch)["sector-typo"] == 1
    assert quirk_counts(batch)["country-typo"] == 1


def test_deals_map_to_opportunities_with_status_and_amount(batch: Batch) -> None:
    rows = (
        frame(batch, "opportunity")
        .select(
            "external_id",
            "owner",
            "product",
            "account",
            "stage",
            "status",
            "amount",
            "created_on",
            "close_on",
        )
        .rows()
    )
    assert rows == [
        (
            "W1",
            "ada-quill",
            "widget-pro",
            "alpha-co",
            "Won",
            "won",
            451_400,
            date(2016, 10, 20),
            date(2017, 3, 1),
        ),
        ("L1", "ben-rook", "gizmo", "beta-ltd", "Lost", "lost", 0, date(2016, 11, 4), date(2017, 3, 18)),
        ("E1", "cy-vane", "widget-pro", None, "Engaging", "open", 482_100, date(2016, 11, 3), None),
        ("P1", "cy-vane", "gizmo", None, "Prospecting", "open", 5_500, None, None),
        ("P2", "ada-quill", "gizmo", "beta-ltd", "Prospecting", "open", 5_500, None, None),
    ]


def test_stage_history_has_engaging_at_engage_date_and_the_outcome_at_close_date(batch: Batch) -> None:
    rows = frame(batch, "opportunity_stage").select("opportunity", "stage", "entered_at").rows()
    assert rows == [
        ("W1", "Engaging", datetime(2016, 10, 20, tzinfo=UTC)),
        ("W1", "Won", datetime(2017, 3, 1, tzinfo=UTC)),
        ("L1", "Engaging", datetime(2016, 11, 4, tzinfo=UTC)),
        ("L1", "Lost", datetime(2017, 3, 18, tzinfo=UTC)),
        ("E1", "Engaging", datetime(2016, 11, 3, tzinfo=UTC)),
    ]


def test_each_won_deal_becomes_a_new_order_booked_on_its_close_date(batch: Batch) -> None:
    rows = (
        frame(batch, "order")
        .select("external_id", "booked_on", "owner", "account", "product", "opportunity", "amount", "kind")
        .rows()
    )
    assert rows == [("W1", date(2017, 3, 1), "ada-quill", "alpha-co", "widget-pro", "W1", 451_400, "new")]


def test_every_quirk_is_reported_with_its_count_and_an_example(batch: Batch) -> None:
    assert quirk_counts(batch) == {
        "sector-typo": 1,
        "country-typo": 1,
        "product-name-variant": 1,
        "open-deal-without-account": 2,
        "open-deal-valued-at-list-price": 3,
        "lost-deal-zero-value": 1,
        "prospecting-without-engage-date": 2,
        "agent-without-deals": 1,
    }
    quirks = {q.code: q for q in batch.quirks}
    assert quirks["product-name-variant"].examples == (
        "sales_pipeline.csv row 2: 'WidgetPro' -> 'Widget Pro'",
    )
    assert quirks["agent-without-deals"].examples == ("sales_teams.csv row 5: Dee Idle",)


def test_every_fact_is_traced_to_its_file_and_row(batch: Batch) -> None:
    opportunities = frame(batch, "opportunity")
    assert opportunities.select("_source", "_row").row(0) == ("sales_pipeline.csv", 2)
    assert frame(batch, "product").schema["list_price"] == pl.Int64
    assert frame(batch, "opportunity_stage").schema["entered_at"] == pl.Datetime("us", "UTC")


@pytest.mark.parametrize(
    ("old", "new", "column", "message"),
    [
        ("2017-03-01,4514", "2017-03-01,12x4", "close_value", "is not a number"),
        ("2016-10-20,2017-03-01", "2016-10-20,2017-13-45", "close_date", "is not a valid date"),
        ("W1,Ada Quill", "W1,Zed Nobody", "sales_agent", "names no sales agent of sales_teams.csv"),
        ("Alpha Co,Won", "Nowhere Inc,Won", "account", "names no account of accounts.csv"),
        ("WidgetPro", "Sprocket", "product", "names no product of products.csv"),
        (",Won,", ",Closed,", "deal_stage", "is not a known stage"),
        ("2017-03-01,4514", ",4514", "close_date", "is empty for a Won deal"),
    ],
)
def test_a_bad_cell_is_a_row_error_naming_file_row_and_column_and_its_deal_is_left_out(
    tmp_path: Path, old: str, new: str, column: str, message: str
) -> None:
    batch = read_maven_crm(write_folder(tmp_path / "maven", sales_pipeline=PIPELINE.replace(old, new, 1)))
    assert [(e.source, e.row, e.column, e.message) for e in batch.errors] == [
        ("sales_pipeline.csv", 2, column, message)
    ]
    assert "W1" not in frame(batch, "opportunity")["external_id"].to_list()
    assert "order" not in dict(batch.frames)


def test_a_repeated_deal_id_is_an_error_on_the_second_row(tmp_path: Path) -> None:
    pipeline = PIPELINE.replace("L1,", "W1,", 1)
    batch = read_maven_crm(write_folder(tmp_path / "maven", sales_pipeline=pipeline))
    assert [e.render() for e in batch.errors] == [
        "sales_pipeline.csv row 3, column 'opportunity_id': repeats the deal of sales_pipeline.csv row 2 "
        "(value 'W1'); deal ids must be unique"
    ]


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "maven")
    (folder / "products.csv").unlink()
    with pytest.raises(InvalidInput, match=r"products\.csv is missing from"):
        read_maven_crm(folder)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "maven", products=PRODUCTS.replace("sales_price", "price"))
    with pytest.raises(InvalidInput, match=r"products\.csv has no column 'sales_price'"):
        read_maven_crm(folder)


def test_a_latin1_file_is_read_and_reported(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "maven")
    (folder / "accounts.csv").write_bytes(ACCOUNTS.replace("Beta Ltd", "Bêta Ltd").encode("latin-1"))
    (folder / "sales_pipeline.csv").write_text(PIPELINE.replace("Beta Ltd", "Bêta Ltd"), encoding="utf-8")
    batch = read_maven_crm(folder)
    assert batch.errors == []
    assert frame(batch, "account")["name"].to_list() == ["Alpha Co", "Bêta Ltd"]
    assert quirk_counts(batch)["latin1-file"] == 1


def test_prices_with_cents_are_kept_exactly_in_minor_units(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "maven", products=PRODUCTS.replace("4821", "4821.10"))
    batch = read_maven_crm(folder)
    assert frame(batch, "product")["list_price"].to_list() == [482_110, 5_500]


def test_a_price_with_fractions_of_a_cent_is_an_error(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "maven", products=PRODUCTS.replace("4821", "4821.105"))
    batch = read_maven_crm(folder)
    assert batch.errors[0].render() == (
        "products.csv row 2, column 'sales_price': has more decimals than USD allows (value '4821.105'); "
        "round to 2 decimals"
    )


def test_a_bad_agent_row_does_not_take_its_manager_and_office_with_it(tmp_path: Path) -> None:
    teams = TEAMS.replace("Ada Quill,Max Boss,North", ",Max Boss,North")
    batch = read_maven_crm(write_folder(tmp_path / "maven", sales_teams=teams))
    assert (batch.errors[0].source, batch.errors[0].row, batch.errors[0].column) == (
        "sales_teams.csv",
        2,
        "sales_agent",
    )
    people = frame(batch, "person").select("external_id", "_row").rows()
    assert ("max-boss", 3) in people
    assert frame(batch, "team").filter(pl.col("external_id") == "office-north")["_row"].to_list() == [3]
