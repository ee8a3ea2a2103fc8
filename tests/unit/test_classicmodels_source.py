"""The classicmodels adapter at the batch level, on a small invented folder shaped like the export."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from attain.app.imports.batch import Batch
from attain.app.imports.sources.classicmodels import read_classicmodels, role_for
from attain.domain.errors import InvalidInput

FILES = {
    "offices": """officeCode,city,phone,addressLine1,addressLine2,state,country,postalCode,territory
1,Springfield,+1 555,1 Main St,,IL,USA,62701,NA
2,Lyon,+33 4,2 Rue,,,France,69001,EMEA
""",
    "employees": """employeeNumber,lastName,firstName,extension,email,officeCode,reportsTo,jobTitle
10,Chief,Ann,x1,ann@example.com,1,,President
20,Lead,Bob,x2,bob@example.com,2,10,Sale Manager (EMEA)
30,Seller,Cat,x3,cat@example.com,2,20,Sales Rep
40,Junior,Dan,x4,dan@example.com,2,30,Sales Rep
""",
    "customers": """customerNumber,customerName,contactLastName,contactFirstName,phone,addressLine1,\
addressLine2,city,state,postalCode,country,salesRepEmployeeNumber,creditLimit
100,Toy Barn,X,Y ,1,a,,Lyon,,1,France,30,21000.00
200,Lonely Shop,X,Y,1,a,,Oslo,,1,Norway,,0.00
""",
    "productlines": """productLine,textDescription,htmlDescription,image
Trains,"Model trains,
with a line break",,
""",
    "products": """productCode,productName,productLine,productScale,productVendor,productDescription,\
quantityInStock,buyPrice,MSRP
T1,Steam Engine,Trains,1:32,Acme,"Nice, really",10,20.00,95.70
""",
    "orders": """orderNumber,orderDate,requiredDate,shippedDate,status,comments,customerNumber
500,2003-02-06,2003-02-13,2003-02-10,Shipped,,100
501,2003-03-09,2003-03-18,,Cancelled,Changed their mind.,100
""",
    "orderdetails": """orderNumber,productCode,quantityOrdered,priceEach,orderLineNumber
500,T1,30,136.07,1
501,T1,3,55.09,2
501,T1,2,0.01,1
""",
    "payments": """customerNumber,checkNumber,paymentDate,amount
100,HQ1,2003-02-20,4082.10
""",
}


def write_folder(folder: Path, **overrides: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in (FILES | overrides).items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def frame(batch: Batch, entity: str) -> pl.DataFrame:
    return dict(batch.frames)[entity]


@pytest.fixture
def batch(tmp_path: Path) -> Batch:
    return read_classicmodels(write_folder(tmp_path / "cm"))


def test_frames_come_in_load_order_without_errors(batch: Batch) -> None:
    assert batch.errors == []
    assert [e for e, _ in batch.frames] == [
        "person",
        "team",
        "territory",
        "account",
        "territory_account",
        "assignment",
        "product",
        "order",
        "payment",
    ]


def test_offices_are_teams_in_territories_and_na_is_north_america(batch: Batch) -> None:
    assert frame(batch, "territory").select("external_id", "name").rows() == [
        ("NA", "North America"),
        ("EMEA", "Europe, Middle East and Africa"),
    ]
    assert frame(batch, "team").select("external_id", "name", "region").rows() == [
        ("office-1", "Springfield", "NA"),
        ("office-2", "Lyon", "EMEA"),
    ]
    quirks = {q.code: q for q in batch.quirks}
    assert quirks["territory-na"].count == 1


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("President", "executive"),
        ("VP Sales", "executive"),
        ("VP Marketing", "executive"),
        ("Sales Manager (APAC)", "manager"),
        ("Sale Manager (EMEA)", "manager"),
        ("Sales Rep", "rep"),
        ("Accountant", "other"),
    ],
)
def test_job_titles_map_to_roles(title: str, role: str) -> None:
    assert role_for(title) == role


def test_employees_are_assigned_their_role_office_territory_and_manager(batch: Batch) -> None:
    rows = (
        frame(batch, "assignment")
        .select("person", "role", "team", "manager", "territory", "valid_from")
        .rows()
    )
    first = date(2003, 2, 1)
    assert rows == [
        ("10", "executive", "office-1", None, "NA", first),
        ("20", "manager", "office-2", "10", "EMEA", first),
        ("30", "rep", "office-2", "20", "EMEA", first),
        ("40", "rep", "office-2", "30", "EMEA", first),
    ]
    assert frame(batch, "person").select("external_id", "name", "email").row(0) == (
        "10",
        "Ann Chief",
        "ann@example.com",
    )
    counts = {q.code: q.count for q in batch.quirks}
    assert counts["job-title-typo"] == 1
    assert counts["rep-as-manager"] == 1


def test_customers_become_accounts_owned_by_their_rep_and_listed_in_the_rep_territory(batch: Batch) -> None:
    assert frame(batch, "account").select("external_id", "name", "city", "country", "owner").rows() == [
        ("100", "Toy Barn", "Lyon", "France", "30"),
        ("200", "Lonely Shop", "Oslo", "Norway", None),
    ]
    assert frame(batch, "territory_account").select("territory", "account").rows() == [("EMEA", "100")]
    assert {q.code: q.count for q in batch.quirks}["customer-without-rep"] == 1


def test_products_take_their_line_as_family_and_msrp_as_list_price(batch: Batch) -> None:
    assert frame(batch, "product").select("external_id", "name", "family", "list_price").rows() == [
        ("T1", "Steam Engine", "Trains", 9_570)
    ]


def test_each_order_line_is_an_order_fact_with_an_exact_amount(batch: Batch) -> None:
    new = frame(batch, "order").filter(pl.col("kind") == "new")
    rows = new.select(
        "external_id",
        "order_number",
        "line_number",
        "booked_on",
        "owner",
        "account",
        "product",
        "quantity",
        "amount",
        "status",
    ).rows()
    assert rows == [
        ("500-1", "500", 1, date(2003, 2, 6), "30", "100", "T1", Decimal(30), 408_210, "Shipped"),
        ("501-2", "501", 2, date(2003, 3, 9), "30", "100", "T1", Decimal(3), 16_527, "Cancelled"),
        ("501-1", "501", 1, date(2003, 3, 9), "30", "100", "T1", Decimal(2), 2, "Cancelled"),
    ]


def test_cancelled_order_lines_get_negative_facts_on_the_required_date(batch: Batch) -> None:
    cancelled = frame(batch, "order").filter(pl.col("kind") == "cancellation")
    assert cancelled.select("external_id", "original", "booked_on", "quantity", "amount").rows() == [
        ("501-2-cancel", "501-2", date(2003, 3, 18), Decimal(-3), -16_527),
        ("501-1-cancel", "501-1", date(2003, 3, 18), Decimal(-2), -2),
    ]
    assert {q.code: q.count for q in batch.quirks}["cancelled-order-lines"] == 2


def test_payments_are_keyed_by_cheque_number(batch: Batch) -> None:
    assert frame(batch, "payment").select("external_id", "account", "paid_on", "amount").rows() == [
        ("HQ1", "100", date(2003, 2, 20), 408_210)
    ]


def test_a_line_of_an_unknown_order_is_an_error(tmp_path: Path) -> None:
    details = FILES["orderdetails"].replace("500,T1,30", "999,T1,30")
    batch = read_classicmodels(write_folder(tmp_path / "cm", orderdetails=details))
    assert [e.render() for e in batch.errors] == [
        "orderdetails.csv row 2, column 'orderNumber': names no order of orders.csv (value '999'); "
        "add it to orders.csv or correct the name"
    ]


def test_a_repeated_line_number_is_an_error(tmp_path: Path) -> None:
    details = FILES["orderdetails"].replace("2,0.01,1", "2,0.01,2")
    batch = read_classicmodels(write_folder(tmp_path / "cm", orderdetails=details))
    assert [(e.source, e.row, e.column) for e in batch.errors] == [("orderdetails.csv", 4, "orderLineNumber")]


def test_a_bad_date_names_file_row_and_column(tmp_path: Path) -> None:
    orders = FILES["orders"].replace("2003-02-06", "2003-13-45")
    batch = read_classicmodels(write_folder(tmp_path / "cm", orders=orders))
    assert (batch.errors[0].source, batch.errors[0].row, batch.errors[0].column) == (
        "orders.csv",
        2,
        "orderDate",
    )
    # the lines of the invalid order point at it rather than being loaded without their order
    assert (
        batch.errors[1]
        .render()
        .startswith(
            "orderdetails.csv row 2, column 'orderNumber': refers to orders.csv row 2, which is invalid"
        )
    )


def test_missing_files_are_all_named(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "cm")
    (folder / "payments.csv").unlink()
    (folder / "offices.csv").unlink()
    with pytest.raises(InvalidInput, match=r"offices\.csv, payments\.csv are missing"):
        read_classicmodels(folder)
