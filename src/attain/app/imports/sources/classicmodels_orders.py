"""classicmodels orders, order lines and payments: one order fact per line, a negative cancellation
fact per line of a Cancelled order, and one payment per cheque."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from attain.app.imports.sources.named_rows import NameIndex
from attain.app.imports.sources.source_files import QuirkTally, Record, SourceFile

CURRENCY = "USD"
CANCELLED = "Cancelled"


@dataclass(slots=True)
class Sales:
    orders: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    earliest: date | None = None

    def saw(self, day: date | None) -> None:
        if day is not None and (self.earliest is None or day < self.earliest):
            self.earliest = day


def _required_date(rec: Record, column: str, hint: str) -> date | None:
    return rec.date(column) if rec.required(column, hint) is not None else None


def read_orders(file: SourceFile, customers: NameIndex, sales: Sales) -> NameIndex:
    orders = NameIndex("order", "orders.csv")
    for rec in file.records():
        number = rec.required("orderNumber", "give the order's number")
        ordered = _required_date(rec, "orderDate", "give the date the order was placed")
        required_by = rec.date("requiredDate")
        rec.date("shippedDate")  # not loaded, but a malformed date is still an error in the file
        status = rec.text("status")
        if status == CANCELLED and rec.text("requiredDate") is None:
            rec.fail(
                "requiredDate",
                "is empty for a Cancelled order",
                "give the date the order was required by: its cancellation is booked on that day",
            )
        customer = rec.required("customerNumber", "give the number of the customer who placed the order")
        account = customers.refer(rec, "customerNumber", customer) if customer is not None else None
        owner = customers[customer].data["owner"] if account is not None and customer is not None else None
        if number is not None:
            data = {
                "booked_on": ordered,
                "required_by": required_by,
                "status": status,
                "account": account,
                "owner": owner,
                "lines": 0,
            }
            orders.add(rec, "orderNumber", number, number, data)
        if not rec.failed:
            sales.saw(ordered)
    return orders


def read_order_lines(
    file: SourceFile, orders: NameIndex, products: NameIndex, sales: Sales, quirks: QuirkTally
) -> None:
    seen: dict[str, Record] = {}
    for rec in file.records():
        number = rec.required("orderNumber", "give the number of the order the line belongs to")
        order = orders.refer(rec, "orderNumber", number) if number is not None else None
        code = rec.required("productCode", "give the code of the product ordered")
        product = products.refer(rec, "productCode", code) if code is not None else None
        quantity = (
            rec.integer("quantityOrdered") if rec.required("quantityOrdered", "give the quantity") else None
        )
        price = rec.money("priceEach", CURRENCY) if rec.required("priceEach", "give the unit price") else None
        line = (
            rec.integer("orderLineNumber")
            if rec.required("orderLineNumber", "give the line number")
            else None
        )
        external_id = f"{number}-{line}"
        if number is not None and line is not None:
            if external_id in seen:
                rec.fail(
                    "orderLineNumber",
                    f"repeats line {line} of order {number} ({seen[external_id].where})",
                    "number the lines of an order uniquely",
                )
            else:
                seen[external_id] = rec
        if rec.failed or order is None or number is None or quantity is None or price is None or line is None:
            continue
        header = orders[number].data
        header["lines"] += 1
        fact = {
            "external_id": external_id,
            "order_number": number,
            "line_number": line,
            "booked_on": header["booked_on"],
            "account": header["account"],
            "product": product,
            "owner": header["owner"],
            "quantity": Decimal(quantity),
            "amount": quantity * price,
            "currency": CURRENCY,
            "kind": "new",
            "status": header["status"],
            **rec.origin,
        }
        sales.orders.append(fact)
        if header["status"] == CANCELLED:
            quirks.note(
                "cancelled-order-lines",
                "lines of Cancelled orders are loaded as booked and each gets a negative cancellation fact "
                "(kind cancellation, pointing at the line) booked on the order's requiredDate",
                f"{rec.where}: {external_id}",
            )
            sales.orders.append(
                fact
                | {
                    "external_id": f"{external_id}-cancel",
                    "booked_on": header["required_by"],
                    "quantity": -Decimal(quantity),
                    "amount": -(quantity * price),
                    "kind": "cancellation",
                    "original": external_id,
                }
            )
    for number, header_row in orders.valid():
        if header_row.data["lines"] == 0:
            quirks.note(
                "order-without-lines",
                "orders with no line in orderdetails.csv have nothing to book and are not loaded",
                f"{header_row.record.where}: {number}",
            )
        elif header_row.data["owner"] is None:
            quirks.note(
                "order-without-owner",
                "orders of customers without a sales rep are loaded without an owner",
                f"{header_row.record.where}: {number}",
            )


def read_payments(file: SourceFile, customers: NameIndex, sales: Sales) -> None:
    payments = NameIndex("cheque", "payments.csv")
    for rec in file.records():
        check = rec.required("checkNumber", "give the cheque number")
        customer = rec.required("customerNumber", "give the number of the paying customer")
        account = customers.refer(rec, "customerNumber", customer) if customer is not None else None
        paid = _required_date(rec, "paymentDate", "give the date of the payment")
        amount = rec.money("amount", CURRENCY) if rec.required("amount", "give the amount paid") else None
        if check is not None:
            data = {"account": account, "paid_on": paid, "amount": amount, "currency": CURRENCY}
            payments.add(rec, "checkNumber", check, check, data)
        if not rec.failed:
            sales.saw(paid)
    sales.payments.extend(payments.facts())


def read_sales(
    files: dict[str, SourceFile], customers: NameIndex, products: NameIndex, quirks: QuirkTally
) -> Sales:
    sales = Sales()
    orders = read_orders(files["orders.csv"], customers, sales)
    read_order_lines(files["orderdetails.csv"], orders, products, sales, quirks)
    read_payments(files["payments.csv"], customers, sales)
    return sales
