"""Maven CRM's sales_pipeline.csv: opportunities, their stage history, and an order for every won deal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from attain.app.imports.sources.named_rows import NamedRow, NameIndex
from attain.app.imports.sources.source_files import QuirkTally, Record, SourceFile

CURRENCY = "USD"
STATUS_BY_STAGE = {"Prospecting": "open", "Engaging": "open", "Won": "won", "Lost": "lost"}
ENGAGING = "Engaging"
PROSPECTING = "Prospecting"
VARIANT = "product-name-variant"


def _fold(name: str) -> str:
    return "".join(name.split()).casefold()


@dataclass(slots=True)
class Catalogue:
    """products.csv, looked up by name; a name differing only in spaces or case finds its product."""

    products: NameIndex = field(default_factory=lambda: NameIndex("product", "products.csv"))

    def resolve(self, rec: Record, column: str, name: str) -> NamedRow | None:
        row = self.products.get(name)
        if row is None:
            matches = [r for n, r in self.products.items() if _fold(n) == _fold(name)]
            row = matches[0] if len(matches) == 1 else None
        if row is None:
            rec.fail(column, "names no product of products.csv", "add it to products.csv or correct the name")
        elif row.record.failed:
            rec.fail(column, f"refers to {row.record.where}, which is invalid", "fix that row first")
            return None
        return row


@dataclass(slots=True)
class Pipeline:
    opportunities: list[dict[str, Any]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    owners: set[str] = field(default_factory=set)
    earliest: date | None = None

    def saw(self, day: date | None) -> None:
        if day is not None and (self.earliest is None or day < self.earliest):
            self.earliest = day


def _at(day: date) -> datetime:
    # The data has dates only; a stage is entered at the start of its day (UTC).
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _require_for_stage(rec: Record, column: str, stage: str, hint: str) -> None:
    if rec.text(column) is None:
        rec.fail(column, f"is empty for a {stage} deal", hint)


def read_pipeline(
    file: SourceFile, agents: NameIndex, catalogue: Catalogue, accounts: NameIndex, quirks: QuirkTally
) -> Pipeline:
    pipeline = Pipeline()
    seen: dict[str, Record] = {}
    variants: dict[str, str] = {}
    for rec in file.records():
        deal = rec.required("opportunity_id", "give the deal's unique id")
        if deal is not None:
            if deal in seen:
                rec.fail(
                    "opportunity_id", f"repeats the deal of {seen[deal].where}", "deal ids must be unique"
                )
            else:
                seen[deal] = rec
        agent = rec.required("sales_agent", "give the agent who owns the deal")
        owner = agents.refer(rec, "sales_agent", agent) if agent is not None else None
        product_name = rec.required("product", "give the product of the deal")
        product = catalogue.resolve(rec, "product", product_name) if product_name is not None else None
        account_name = rec.text("account")
        account = accounts.refer(rec, "account", account_name) if account_name is not None else None
        stage = rec.required("deal_stage", "give the deal's stage: Prospecting, Engaging, Won or Lost")
        status = STATUS_BY_STAGE.get(stage) if stage is not None else None
        if stage is not None and status is None:
            rec.fail("deal_stage", "is not a known stage", "use one of Prospecting, Engaging, Won, Lost")
        engaged = rec.date("engage_date")
        closed = rec.date("close_date")
        value = rec.money("close_value", CURRENCY)
        if stage == ENGAGING:
            _require_for_stage(rec, "engage_date", stage, "give the date the deal started engaging")
        if stage is not None and status in ("won", "lost"):
            _require_for_stage(rec, "close_date", stage, f"give the date the deal was {status}")
            _require_for_stage(rec, "close_value", stage, "give the deal's value (0 for a lost deal)")
        if rec.failed or deal is None or stage is None or status is None or owner is None:
            continue
        if product is None or product_name is None:
            continue
        pipeline.owners.add(owner)
        pipeline.saw(engaged)
        pipeline.saw(closed)
        example = f"{rec.where}: {deal}"
        if product_name != product.data["name"]:
            variants[product_name] = product.data["name"]
            quirks.note(
                VARIANT,
                "product names in sales_pipeline.csv that differ from "
                "products.csv only in spaces or case are mapped to the catalogue product",
                f"{rec.where}: {product_name!r} -> {product.data['name']!r}",
            )
        amount = value
        if status == "open":
            if account is None:
                quirks.note(
                    "open-deal-without-account",
                    "open deals (Engaging or Prospecting) without an account are loaded with no account",
                    example,
                )
            if amount is None:
                amount = product.data["list_price"]
                quirks.note(
                    "open-deal-valued-at-list-price",
                    "open deals carry no value in the data; their amount is the list price of their product",
                    example,
                )
        elif status == "lost" and value == 0:
            quirks.note(
                "lost-deal-zero-value",
                "lost deals have close_value 0 in the data; loaded with amount 0",
                example,
            )
        if engaged is None:
            if stage == PROSPECTING:
                quirks.note(
                    "prospecting-without-engage-date",
                    "Prospecting deals have no engage_date: "
                    "loaded without a created date and without a stage history row",
                    example,
                )
            else:
                quirks.note(
                    "closed-without-engage-date",
                    "closed deals without an engage_date are loaded "
                    "without a created date and without an Engaging stage row",
                    example,
                )
        pipeline.opportunities.append(
            {
                "external_id": deal,
                "account": account,
                "product": product.external_id,
                "owner": owner,
                "stage": stage,
                "status": status,
                "amount": amount,
                "currency": CURRENCY,
                "created_on": engaged,
                "close_on": closed,
                **rec.origin,
            }
        )
        if engaged is not None and stage != PROSPECTING:
            pipeline.stages.append(
                {"opportunity": deal, "stage": ENGAGING, "entered_at": _at(engaged), **rec.origin}
            )
        if closed is not None and status != "open":
            pipeline.stages.append(
                {"opportunity": deal, "stage": stage, "entered_at": _at(closed), **rec.origin}
            )
        if status == "won" and closed is not None:
            pipeline.orders.append(
                {
                    "external_id": deal,
                    "order_number": deal,
                    "booked_on": closed,
                    "account": account,
                    "product": product.external_id,
                    "owner": owner,
                    "opportunity": deal,
                    "amount": value,
                    "currency": CURRENCY,
                    "kind": "new",
                    **rec.origin,
                }
            )
    if variants:
        found = ", ".join(f"{a!r} -> {b!r}" for a, b in variants.items())
        quirks.reword(
            VARIANT,
            f"product names in sales_pipeline.csv that differ from products.csv only in "
            f"spaces or case are mapped to the catalogue product: {found}",
        )
    return pipeline
