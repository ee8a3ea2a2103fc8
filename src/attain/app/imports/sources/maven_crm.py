"""The Maven CRM dataset (Maven Analytics "CRM + Sales + Opportunities") read into a Batch.

Reads the folder as distributed (accounts.csv, products.csv, sales_teams.csv, sales_pipeline.csv).
docs/imports.md describes how each file maps to Attain's facts and how every quirk is handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from attain.app.imports.batch import Batch
from attain.app.imports.sources.fact_rows import add_facts, slug
from attain.app.imports.sources.maven_pipeline import Catalogue, Pipeline, read_pipeline
from attain.app.imports.sources.named_rows import NamedRow, NameIndex
from attain.app.imports.sources.source_files import QuirkTally, SourceFile, read_csv, require_files
from attain.domain.errors import InvalidInput

SOURCE = "maven-crm"
CURRENCY = "USD"
MILLION = Decimal(1_000_000)
FILES: dict[str, tuple[str, ...]] = {
    "sales_teams.csv": ("sales_agent", "manager", "regional_office"),
    "products.csv": ("product", "series", "sales_price"),
    "accounts.csv": (
        "account",
        "sector",
        "year_established",
        "revenue",
        "employees",
        "office_location",
        "subsidiary_of",
    ),
    "sales_pipeline.csv": (
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
    ),
}
# What each file's rows mainly become, so that a rejected row is counted against that fact.
FILE_ENTITIES = {
    "sales_teams.csv": "person",
    "products.csv": "product",
    "accounts.csv": "account",
    "sales_pipeline.csv": "opportunity",
}
# Misspellings in accounts.csv, corrected (and reported) so that industry and country values group.
SECTOR_SPELLING = {"technolgy": "technology"}
COUNTRY_SPELLING = {"Philipines": "Philippines"}
AGENT_TITLE = "Sales Agent"
MANAGER_TITLE = "Sales Manager"


@dataclass(slots=True)
class OrgFacts:
    people: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    assignments: list[dict[str, Any]]


class SalesOrg:
    """sales_teams.csv: agents, the managers they report to, and the regional offices."""

    def __init__(self) -> None:
        self.agents = NameIndex("sales agent", "sales_teams.csv")
        self.managers = NameIndex("manager", "sales_teams.csv")
        self.offices = NameIndex("regional office", "sales_teams.csv")

    def read(self, file: SourceFile) -> None:
        for rec in file.records():
            agent = rec.required("sales_agent", "give the agent's full name")
            manager = rec.required("manager", "give the name of the agent's sales manager")
            office = rec.required("regional_office", "give the agent's regional office, e.g. Central")
            if office is not None:
                if office not in self.offices:
                    self.offices.add(rec, "regional_office", office, f"office-{slug(office)}", {})
                self.offices.mention(rec, office)
            if manager is not None and office is not None:
                known = self.managers.get(manager)
                if known is None:
                    self.managers.add(
                        rec, "manager", manager, slug(manager), {"office": office, "rows": [rec]}
                    )
                elif known.data["office"] != office:
                    rec.fail(
                        "regional_office",
                        f"differs from the office of manager {manager} "
                        f"({known.data['office']}, {known.record.where})",
                        "a manager leads one team in one regional office",
                    )
                else:
                    self.managers.mention(rec, manager)
            if agent is not None:
                if manager is not None and agent == manager:
                    rec.fail("manager", "names the agent themself", "give the agent's sales manager")
                self.agents.add(
                    rec, "sales_agent", agent, slug(agent), {"manager": manager, "office": office}
                )
        for name, row in self.agents.items():
            if name in self.managers:
                row.record.fail(
                    "sales_agent",
                    f"is also a manager ({self.managers[name].record.where})",
                    "a person is either an agent or a manager here",
                )

    def facts(self, valid_from: date) -> OrgFacts:
        """People, teams (offices, and a team per manager nested in its office) and assignments."""
        people: list[dict[str, Any]] = []
        teams: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []
        for name, office in self.offices.items():
            origin = office.first_valid_origin()
            if origin is not None:
                teams.append({"external_id": office.external_id, "name": name, "region": name, **origin})
        for name, manager in self.managers.items():
            office = manager.data["office"]
            team = _manager_team(manager)
            origin = manager.first_valid_origin()
            if origin is None:
                continue
            people.append(
                {"external_id": manager.external_id, "name": name, "title": MANAGER_TITLE, **origin}
            )
            teams.append(
                {
                    "external_id": team,
                    "name": f"{name}'s team",
                    "region": office,
                    "parent": self.offices[office].external_id,
                    **origin,
                }
            )
            assignments.append(
                {
                    "person": manager.external_id,
                    "role": "manager",
                    "team": team,
                    "title": MANAGER_TITLE,
                    "valid_from": valid_from,
                    **origin,
                }
            )
        for name, agent in self.agents.valid():
            manager = self.managers[agent.data["manager"]]
            people.append(
                {"external_id": agent.external_id, "name": name, "title": AGENT_TITLE, **agent.origin}
            )
            assignments.append(
                {
                    "person": agent.external_id,
                    "role": "rep",
                    "team": _manager_team(manager),
                    "manager": manager.external_id,
                    "title": AGENT_TITLE,
                    "valid_from": valid_from,
                    **agent.origin,
                }
            )
        return OrgFacts(people, teams, assignments)


def _manager_team(manager: NamedRow) -> str:
    return f"team-{manager.external_id}"


def read_products(file: SourceFile) -> Catalogue:
    catalogue = Catalogue()
    for rec in file.records():
        name = rec.required("product", "give the product name")
        price = rec.money("sales_price", CURRENCY)
        if name is not None:
            catalogue.products.add(
                rec,
                "product",
                name,
                slug(name),
                {"name": name, "family": rec.text("series"), "list_price": price, "currency": CURRENCY},
            )
    return catalogue


def read_accounts(file: SourceFile, quirks: QuirkTally) -> NameIndex:
    accounts = NameIndex("account", "accounts.csv")
    for rec in file.records():
        name = rec.required("account", "give the company name")
        sector = rec.text("sector")
        if sector in SECTOR_SPELLING:
            quirks.note(
                "sector-typo",
                f"sector '{sector}' in accounts.csv is read as '{SECTOR_SPELLING[sector]}'",
                f"{rec.where}: {name}",
            )
            sector = SECTOR_SPELLING[sector]
        country = rec.text("office_location")
        if country in COUNTRY_SPELLING:
            quirks.note(
                "country-typo",
                f"office_location '{country}' in accounts.csv is read as '{COUNTRY_SPELLING[country]}'",
                f"{rec.where}: {name}",
            )
            country = COUNTRY_SPELLING[country]
        fact = {
            "name": name,
            "industry": sector,
            "country": country,
            "founded_year": rec.integer("year_established"),
            "employees": rec.integer("employees"),
            "currency": CURRENCY,
            # revenue is in millions of USD
            "annual_revenue": rec.money("revenue", CURRENCY, unit=MILLION),
        }
        if name is not None:
            accounts.add(rec, "account", name, slug(name), fact)
    for account in accounts.values():
        parent = account.record.text("subsidiary_of")
        if parent is not None:
            account.data["parent"] = accounts.refer(account.record, "subsidiary_of", parent)
    return accounts


def read_maven_crm(folder: Path) -> Batch:
    """Read the Maven CRM folder into a batch of people, teams, assignments, accounts, products,
    opportunities with their stage history, and an order for every won deal."""
    require_files(folder, FILES, dataset="Maven CRM")
    batch = Batch(source=SOURCE)
    files = {name: read_csv(folder, name, cols, batch, FILE_ENTITIES[name]) for name, cols in FILES.items()}
    quirks = QuirkTally()
    org = SalesOrg()
    org.read(files["sales_teams.csv"])
    catalogue = read_products(files["products.csv"])
    accounts = read_accounts(files["accounts.csv"], quirks)
    pipeline = read_pipeline(files["sales_pipeline.csv"], org.agents, catalogue, accounts, quirks)
    for name, agent in org.agents.valid():
        if agent.external_id not in pipeline.owners:
            quirks.note(
                "agent-without-deals",
                "sales agents in sales_teams.csv with no deal in "
                "sales_pipeline.csv are loaded as people with their assignment",
                f"{agent.record.where}: {name}",
            )
    _assemble(batch, org, catalogue, accounts, pipeline)
    batch.quirks.extend(quirks.quirks())
    return batch


def _assemble(
    batch: Batch, org: SalesOrg, catalogue: Catalogue, accounts: NameIndex, pipeline: Pipeline
) -> None:
    if pipeline.earliest is None:
        raise InvalidInput(
            "sales_pipeline.csv has no valid engage_date or close_date",
            hint="assignments start on the first day of the month of the earliest deal date",
        )
    # The data has no hire dates: everyone is assigned from the first month the pipeline shows activity.
    valid_from = pipeline.earliest.replace(day=1)
    org_facts = org.facts(valid_from)
    add_facts(batch, "person", org_facts.people)
    add_facts(batch, "team", org_facts.teams)
    add_facts(batch, "account", accounts.facts())
    add_facts(batch, "assignment", org_facts.assignments)
    add_facts(batch, "product", catalogue.products.facts())
    add_facts(batch, "opportunity", pipeline.opportunities)
    add_facts(batch, "opportunity_stage", pipeline.stages)
    add_facts(batch, "order", pipeline.orders)
