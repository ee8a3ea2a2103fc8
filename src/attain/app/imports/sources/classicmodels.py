"""The classicmodels sample database (mysqltutorial.org), exported as one CSV per table, read into a Batch.

Offices become teams in territories, employees people with assignments, customers accounts, products
products, order lines orders (cancelled ones also get negative cancellation facts), payments payments.
docs/imports.md describes the mapping and every quirk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from attain.app.imports.batch import Batch
from attain.app.imports.sources.classicmodels_orders import Sales, read_sales
from attain.app.imports.sources.fact_rows import add_facts
from attain.app.imports.sources.named_rows import NameIndex
from attain.app.imports.sources.source_files import QuirkTally, SourceFile, read_csv, require_files
from attain.domain.errors import InvalidInput

SOURCE = "classicmodels"
CURRENCY = "USD"  # the dataset states no currency; its prices are US dollars
FILES: dict[str, tuple[str, ...]] = {
    "offices.csv": ("officeCode", "city", "country", "territory"),
    "employees.csv": (
        "employeeNumber",
        "lastName",
        "firstName",
        "email",
        "officeCode",
        "reportsTo",
        "jobTitle",
    ),
    "customers.csv": ("customerNumber", "customerName", "city", "country", "salesRepEmployeeNumber"),
    "productlines.csv": ("productLine",),
    "products.csv": ("productCode", "productName", "productLine", "MSRP"),
    "orders.csv": ("orderNumber", "orderDate", "requiredDate", "shippedDate", "status", "customerNumber"),
    "orderdetails.csv": ("orderNumber", "productCode", "quantityOrdered", "priceEach", "orderLineNumber"),
    "payments.csv": ("customerNumber", "checkNumber", "paymentDate", "amount"),
}
# What each file's rows mainly become, so that a rejected row is counted against that fact (product
# lines and order headers become no fact of their own: their dependent rows are counted instead).
FILE_ENTITIES = {
    "offices.csv": "team",
    "employees.csv": "person",
    "customers.csv": "account",
    "productlines.csv": None,
    "products.csv": "product",
    "orders.csv": None,
    "orderdetails.csv": "order",
    "payments.csv": "payment",
}
TERRITORY_NAMES = {
    "NA": "North America",
    "EMEA": "Europe, Middle East and Africa",
    "APAC": "Asia-Pacific",
    "Japan": "Japan",
}
SALES_MANAGER = re.compile(r"^Sales? Manager\b")


def role_for(title: str) -> str:
    """The Attain role of a classicmodels job title."""
    if title == "President" or title.startswith("VP "):
        return "executive"
    if SALES_MANAGER.match(title):
        return "manager"
    if title == "Sales Rep":
        return "rep"
    return "other"


@dataclass(slots=True)
class Organisation:
    offices: NameIndex = field(default_factory=lambda: NameIndex("office", "offices.csv"))
    territories: NameIndex = field(default_factory=lambda: NameIndex("territory", "offices.csv"))
    employees: NameIndex = field(default_factory=lambda: NameIndex("employee", "employees.csv"))


def read_offices(file: SourceFile, org: Organisation, quirks: QuirkTally) -> None:
    for rec in file.records():
        code = rec.required("officeCode", "give the office's code")
        city = rec.required("city", "give the office's city")
        territory = rec.required("territory", "give the office's sales territory, e.g. EMEA")
        if territory == "NA":
            quirks.note(
                "territory-na",
                "territory 'NA' in offices.csv is North America, a real value (not a missing one)",
                f"{rec.where}: {city}",
            )
        if territory is not None:
            if territory not in org.territories:
                name = TERRITORY_NAMES.get(territory, territory)
                org.territories.add(rec, "territory", territory, territory, {"name": name})
            org.territories.mention(rec, territory)
        if code is not None:
            data = {"name": city, "country": rec.text("country"), "territory": territory}
            org.offices.add(rec, "officeCode", code, f"office-{code}", data)


def read_employees(file: SourceFile, org: Organisation, quirks: QuirkTally) -> None:
    for rec in file.records():
        number = rec.required("employeeNumber", "give the employee's number")
        first, last = rec.text("firstName"), rec.text("lastName")
        name = " ".join(part for part in (first, last) if part)
        if not name:
            rec.fail("lastName", "is empty, and so is firstName", "give the employee's name")
        title = rec.required("jobTitle", "give the employee's job title, e.g. Sales Rep")
        office = rec.required("officeCode", "give the code of the employee's office")
        team = org.offices.refer(rec, "officeCode", office) if office is not None else None
        territory = org.offices[office].data["territory"] if team is not None and office is not None else None
        role = role_for(title) if title is not None else "other"
        if title is not None and role == "manager" and not title.startswith("Sales Manager"):
            quirks.note(
                "job-title-typo",
                "job titles such as 'Sale Manager (EMEA)' are read as a sales manager",
                f"{rec.where}: {name}, {title}",
            )
        if title is not None and role == "other":
            quirks.note(
                "unknown-job-title",
                "job titles not known to be sales roles get the role 'other'",
                f"{rec.where}: {name}, {title}",
            )
        if number is not None:
            data = {
                "name": name,
                "email": rec.text("email"),
                "title": title,
                "role": role,
                "team": team,
                "territory": territory,
                "reports_to": rec.text("reportsTo"),
            }
            org.employees.add(rec, "employeeNumber", number, number, data)
    for employee in org.employees.values():
        boss = employee.data.pop("reports_to")
        employee.data["manager"] = None
        if boss is None:
            continue
        manager = org.employees.refer(employee.record, "reportsTo", boss)
        employee.data["manager"] = manager
        boss_data = org.employees[boss].data if manager is not None else {}
        if boss_data.get("role") == "rep":
            quirks.note(
                "rep-as-manager",
                "employees reporting to a Sales Rep keep that rep as their manager",
                f"{employee.record.where}: {employee.data['name']} reports to {boss_data['name']}",
            )


def org_facts(org: Organisation, valid_from: date) -> dict[str, list[dict[str, Any]]]:
    territories = [
        {"external_id": t.external_id, "name": t.data["name"], **origin}
        for t in org.territories.values()
        if (origin := t.first_valid_origin()) is not None
    ]
    teams = [
        {"external_id": o.external_id, "name": o.data["name"], "region": o.data["territory"], **o.origin}
        for _, o in org.offices.valid()
    ]
    people: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    for _, e in org.employees.valid():
        people.append(
            {
                "external_id": e.external_id,
                "name": e.data["name"],
                "email": e.data["email"],
                "title": e.data["title"],
                **e.origin,
            }
        )
        assignments.append(
            {
                "person": e.external_id,
                "role": e.data["role"],
                "team": e.data["team"],
                "manager": e.data["manager"],
                "territory": e.data["territory"],
                "title": e.data["title"],
                "valid_from": valid_from,
                **e.origin,
            }
        )
    return {"person": people, "team": teams, "territory": territories, "assignment": assignments}


def read_customers(file: SourceFile, org: Organisation, quirks: QuirkTally) -> NameIndex:
    customers = NameIndex("customer", "customers.csv")
    for rec in file.records():
        number = rec.required("customerNumber", "give the customer's number")
        name = rec.required("customerName", "give the customer's name")
        rep = rec.text("salesRepEmployeeNumber")
        owner = org.employees.refer(rec, "salesRepEmployeeNumber", rep) if rep is not None else None
        if rep is None:
            quirks.note(
                "customer-without-rep",
                "customers without a sales rep (empty salesRepEmployeeNumber) "
                "are loaded without an owner and in no territory",
                f"{rec.where}: {name}",
            )
        territory = org.employees[rep].data["territory"] if owner is not None and rep is not None else None
        if number is not None:
            data = {"name": name, "city": rec.text("city"), "country": rec.text("country"), "owner": owner}
            customers.add(rec, "customerNumber", number, number, data | {"territory": territory})
    return customers


def account_facts(customers: NameIndex, valid_from: date) -> dict[str, list[dict[str, Any]]]:
    accounts: list[dict[str, Any]] = []
    listed: list[dict[str, Any]] = []
    for _, c in customers.valid():
        territory = c.data["territory"]
        accounts.append(
            {
                "external_id": c.external_id,
                **{k: v for k, v in c.data.items() if k != "territory"},
                **c.origin,
            }
        )
        if territory is not None:
            # A customer is in the territory of its sales rep's office, from the day the org starts.
            listed.append(
                {"territory": territory, "account": c.external_id, "valid_from": valid_from, **c.origin}
            )
    return {"account": accounts, "territory_account": listed}


def read_products(lines_file: SourceFile, products_file: SourceFile) -> NameIndex:
    lines = NameIndex("product line", "productlines.csv")
    for rec in lines_file.records():
        line = rec.required("productLine", "give the product line's name")
        if line is not None:
            lines.add(rec, "productLine", line, line, {})
    products = NameIndex("product", "products.csv")
    for rec in products_file.records():
        code = rec.required("productCode", "give the product's code")
        name = rec.required("productName", "give the product's name")
        line = rec.required("productLine", "give the product's line, e.g. Classic Cars")
        family = lines.refer(rec, "productLine", line) if line is not None else None
        price = rec.money("MSRP", CURRENCY)
        if code is not None:
            data = {"name": name, "family": family, "list_price": price, "currency": CURRENCY}
            products.add(rec, "productCode", code, code, data)
    return products


def read_classicmodels(folder: Path) -> Batch:
    """Read the classicmodels folder into a batch of territories, teams, people with assignments,
    accounts, products, order lines with cancellations, and payments."""
    require_files(folder, FILES, dataset="classicmodels")
    batch = Batch(source=SOURCE)
    files = {name: read_csv(folder, name, cols, batch, FILE_ENTITIES[name]) for name, cols in FILES.items()}
    quirks = QuirkTally()
    org = Organisation()
    read_offices(files["offices.csv"], org, quirks)
    read_employees(files["employees.csv"], org, quirks)
    customers = read_customers(files["customers.csv"], org, quirks)
    products = read_products(files["productlines.csv"], files["products.csv"])
    sales = read_sales(files, customers, products, quirks)
    _assemble(batch, org, customers, products, sales)
    batch.quirks.extend(quirks.quirks())
    return batch


def _assemble(
    batch: Batch, org: Organisation, customers: NameIndex, products: NameIndex, sales: Sales
) -> None:
    if sales.earliest is None:
        raise InvalidInput(
            "orders.csv and payments.csv have no valid date",
            hint="assignments start on the first day of the month of the earliest order or payment",
        )
    # The data has no hire dates: everyone is assigned from the first month with an order or payment.
    valid_from = sales.earliest.replace(day=1)
    facts = org_facts(org, valid_from) | account_facts(customers, valid_from)
    facts |= {"product": products.facts(), "order": sales.orders, "payment": sales.payments}
    for entity_name in (
        "person",
        "team",
        "territory",
        "account",
        "territory_account",
        "assignment",
        "product",
        "order",
        "payment",
    ):
        add_facts(batch, entity_name, facts[entity_name])
