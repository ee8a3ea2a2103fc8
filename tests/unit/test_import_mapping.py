"""Mapping files: validation errors, and vectorised parsing of CSV/XLSX cells into typed frames."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from attain.app.imports.batch import Batch, Chunk
from attain.app.imports.files import file_batch
from attain.app.imports.mapping import builtin_mapping, builtin_mappings, parse_mapping
from attain.domain.errors import InvalidInput

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"

PEOPLE = """
name: people
targets:
  - entity: person
    fields:
      external_id: Id
      name: {column: Name, null_values: [""]}
      title: {column: Title, null_values: ["", "NA", "N/A"]}
"""


def chunks(batch: Batch) -> list[Chunk]:
    return [c for stream in batch.streams for c in stream]


def test_unknown_field_is_named_with_its_place_in_the_file() -> None:
    text = "name: x\ntargets:\n  - entity: person\n    fields: {external_id: Id, name: Name, nick: Nick}\n"
    with pytest.raises(InvalidInput) as caught:
        parse_mapping(text, "m.yaml")
    assert "m.yaml: targets.0" in caught.value.message
    assert "person has no field ['nick']" in caught.value.message


def test_yaml_syntax_error_gives_line_and_column() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_mapping("name: x\ntargets: [\n  - a: b\n", "broken.yaml")
    assert caught.value.message.startswith("broken.yaml line 3 column 3: not valid YAML")


def test_a_field_needs_exactly_one_of_column_or_value() -> None:
    text = (
        "name: x\ntargets:\n  - entity: person\n    fields: {external_id: {column: Id, value: P1}, name: N}\n"
    )
    with pytest.raises(InvalidInput, match="exactly one of 'column'"):
        parse_mapping(text, "m.yaml")


def test_money_without_a_currency_is_refused_when_the_mapping_is_read() -> None:
    text = (
        "name: x\ntargets:\n  - entity: product\n    fields: {external_id: Id, name: N, list_price: Price}\n"
    )
    with pytest.raises(InvalidInput, match="list_price is money: map 'currency' too"):
        parse_mapping(text, "m.yaml")


def test_builtin_mappings_are_valid() -> None:
    assert {"hubspot-deals", "salesforce-opportunities"} <= set(builtin_mappings())
    for name in builtin_mappings():
        assert builtin_mapping(name).name == name


def test_missing_column_is_named_with_a_close_match(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Id,Nmae,Title\nP1,Ann,Rep\n")
    with pytest.raises(InvalidInput) as caught:
        file_batch([path], parse_mapping(PEOPLE, "people.yaml"))
    assert caught.value.message == "people.csv: missing column 'Name' that mapping 'people' reads"
    assert caught.value.hint == "'Name' (found 'Nmae'?); the file has: Id, Nmae, Title"


def test_na_is_a_real_value_where_the_column_says_so(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Id,Name,Title\nP1,NA,NA\nP2,Bob,N/A\n")
    [chunk] = chunks(file_batch([path], parse_mapping(PEOPLE, "people.yaml")))
    assert chunk.frame.select("external_id", "name", "title").rows() == [
        ("P1", "NA", None),
        ("P2", "Bob", None),
    ]


def test_salesforce_export_parses_money_dates_and_status() -> None:
    batch = file_batch(
        [FIXTURES / "salesforce-opportunities.csv"], builtin_mapping("salesforce-opportunities")
    )
    by_entity = {c.entity: c for c in chunks(batch)}
    opportunities = by_entity["opportunity"].frame
    assert opportunities.select("external_id", "amount", "currency", "status", "close_on").rows() == [
        ("0061x00000AAA01", 1_250_000, "USD", "won", date(2024, 3, 15)),
        ("0061x00000AAA02", 800_000, "USD", "lost", date(2024, 4, 2)),
        ("0061x00000AAA03", 325_050, "EUR", "open", date(2024, 6, 30)),
        ("0061x00000AAA04", None, "USD", "open", date(2024, 9, 1)),
    ]
    assert by_entity["person"].frame.get_column("external_id").to_list() == [
        "Dana Scully",
        "Fox Mulder",
        "Walter Skinner",
    ]
    assert by_entity["account"].frame.get_column("external_id").to_list() == [
        "0011x00000ACC01",
        "0011x00000ACC02",
        "0011x00000ACC03",
    ]
    assert batch.files[0]["rows"] == 4


def test_bad_cells_become_row_errors_naming_file_row_and_column() -> None:
    batch = file_batch(
        [FIXTURES / "salesforce-opportunities-bad.csv"], builtin_mapping("salesforce-opportunities")
    )
    errors = [e for c in chunks(batch) for e in c.errors]
    assert [(e.source, e.row, e.column, e.value) for e in errors] == [
        ("salesforce-opportunities-bad.csv", 3, "Amount", "10.505"),
        ("salesforce-opportunities-bad.csv", 4, "Close Date", "31/12/2024"),
        ("salesforce-opportunities-bad.csv", 5, "Opportunity Owner", ""),
    ]
    assert errors[0].message == "opportunity.amount has 3 decimals but USD allows 2"


def test_money_uses_the_currency_exponent_and_decimal_comma(tmp_path: Path) -> None:
    mapping = parse_mapping(
        "name: p\ndecimal_comma: true\ndelimiter: ';'\ntargets:\n  - entity: product\n    fields:\n"
        "      {external_id: Id, name: Id, list_price: Price, currency: Cur}\n",
        "p.yaml",
    )
    path = tmp_path / "products.csv"
    path.write_text("Id;Price;Cur\nA;1.234,50;EUR\nB;1500;JPY\nC;(12,5);EUR\nD;1,5;JPY\n")
    [chunk] = chunks(file_batch([path], mapping))
    assert chunk.frame.select("external_id", "list_price").rows() == [
        ("A", 123_450),
        ("B", 1_500),
        ("C", -1_250),
        ("D", None),
    ]
    assert [(e.row, e.message) for e in chunk.errors] == [
        (5, "product.list_price has 1 decimals but JPY allows 0")
    ]


def test_latin1_file_is_transcoded_and_reported_as_a_quirk(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("Id,Name,Title\nP1,Jürgen Müller,Verkäufer\n".encode("cp1252"))
    batch = file_batch([path], parse_mapping(PEOPLE, "people.yaml"))
    [chunk] = chunks(batch)
    assert chunk.frame.select("name", "title").row(0) == ("Jürgen Müller", "Verkäufer")
    assert [(q.code, q.count) for q in batch.quirks] == [("latin1_encoding", 1)]


def test_utf8_with_bom_reads_the_first_column_by_its_name(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("\ufeffId,Name,Title\nP1,Zoë,Rep\n".encode())
    batch = file_batch([path], parse_mapping(PEOPLE, "people.yaml"))
    assert chunks(batch)[0].frame.select("external_id", "name").row(0) == ("P1", "Zoë")
    assert batch.quirks == []


def test_xlsx_sheet_is_read_with_real_dates(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Deals")
    sheet.append(
        [
            "Record ID",
            "Deal Name",
            "Deal Stage",
            "Amount",
            "Close Date",
            "Create Date",
            "Deal owner",
            "Associated Company",
        ]
    )
    sheet.append(
        [
            9001,
            "Umbrella",
            "Closed Won",
            4200.5,
            date(2024, 3, 28),
            "2024-01-15 09:30",
            "Ellen Ripley",
            "Umbrella Corp",
        ]
    )
    path = tmp_path / "deals.xlsx"
    book.save(path)
    batch = file_batch([path], builtin_mapping("hubspot-deals"), sheet="Deals")
    opportunity = next(c for c in chunks(batch) if c.entity == "opportunity")
    assert opportunity.errors == []
    assert opportunity.frame.select("external_id", "amount", "close_on", "created_on", "status", "_row").row(
        0
    ) == ("9001", 420_050, date(2024, 3, 28), date(2024, 1, 15), "won", 2)


def test_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Deals"
    path = tmp_path / "deals.xlsx"
    book.save(path)
    with pytest.raises(InvalidInput, match=r"deals\.xlsx has no sheet 'Data'") as caught:
        file_batch([path], builtin_mapping("hubspot-deals"), sheet="Data")
    assert caught.value.hint == "sheets: Deals"


def test_frames_keep_their_origin_for_error_messages(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Id,Name,Title\nP1,Ann,\nP2,Bob,\n")
    [chunk] = chunks(file_batch([path], parse_mapping(PEOPLE, "people.yaml")))
    assert chunk.frame.select("_source", "_row").rows() == [("people.csv", 2), ("people.csv", 3)]
    assert chunk.frame.schema["_row"] == pl.Int64
