"""The sales organisation as frames: people, nested teams and their closure, and effective-dated assignments.

`attach` gives each fact the dimension keys of its owner on the fact's own date, so a mid-year
transfer credits the old team before the date and the new one after; a team's figures include its
whole subtree (a fact is repeated once per ancestor team).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

import polars as pl

from attain.analytics import frames
from attain.analytics.ports import FactReader
from attain.domain.errors import InvalidInput


class Dimension(StrEnum):
    PERSON = "person"
    TEAM = "team"
    TERRITORY = "territory"
    REGION = "region"
    PRODUCT = "product"
    PRODUCT_FAMILY = "product_family"
    SEGMENT = "segment"
    COMPANY = "company"


KEY_COLUMN: dict[Dimension, str] = {
    Dimension.PERSON: "person_id",
    Dimension.TEAM: "team_id",
    Dimension.TERRITORY: "territory_id",
    Dimension.REGION: "region",
    Dimension.PRODUCT: "product_id",
    Dimension.PRODUCT_FAMILY: "product_family",
    Dimension.SEGMENT: "segment",
}
ORG_DIMENSIONS = frozenset({Dimension.TEAM, Dimension.TERRITORY, Dimension.REGION})
PEOPLE_DIMENSIONS = frozenset(
    {Dimension.PERSON, Dimension.TEAM, Dimension.TERRITORY, Dimension.REGION, Dimension.COMPANY}
)


def parse_dimensions(text: str) -> tuple[Dimension, ...]:
    out = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        try:
            out.append(Dimension(part))
        except ValueError:
            raise InvalidInput(
                f"'{part}' is not a dimension", hint=f"one of: {', '.join(d.value for d in Dimension)}"
            ) from None
    return tuple(out)


@dataclass(slots=True)
class Org:
    people: pl.DataFrame
    teams: pl.DataFrame
    territories: pl.DataFrame
    # Accounts can be many and only the segment dimension needs them, so they are read on first use.
    account_source: Callable[[], pl.DataFrame]
    products: pl.DataFrame
    assignments: pl.DataFrame  # sorted by valid_from, as join_asof needs
    closure: pl.DataFrame  # team_id -> ancestor_id (a team is its own ancestor)
    team_region: pl.DataFrame  # team_id -> region of the nearest team up the tree that has one
    _accounts: pl.DataFrame | None = None

    @property
    def accounts(self) -> pl.DataFrame:
        if self._accounts is None:
            self._accounts = frames.conform(self.account_source(), frames.ACCOUNTS)
        return self._accounts

    @classmethod
    def build(
        cls,
        *,
        people: pl.DataFrame,
        teams: pl.DataFrame,
        territories: pl.DataFrame,
        accounts: pl.DataFrame | Callable[[], pl.DataFrame],
        products: pl.DataFrame,
        assignments: pl.DataFrame,
    ) -> Org:
        teams = frames.conform(teams, frames.TEAMS)
        parent = dict(zip(teams["id"].to_list(), teams["parent_id"].to_list(), strict=True))
        region = dict(zip(teams["id"].to_list(), teams["region"].to_list(), strict=True))
        pairs: list[tuple[int, int, int]] = []
        regions: list[tuple[int, str | None]] = []
        for team in parent:
            node: int | None = team
            seen: set[int] = set()
            depth = 0
            found: str | None = None
            while node is not None and node not in seen:  # `seen` guards against a cycle in bad data
                seen.add(node)
                pairs.append((team, node, depth))
                if found is None and region.get(node):
                    found = region[node]
                node = parent.get(node)
                depth += 1
            regions.append((team, found))
        closure = pl.DataFrame(
            pairs, schema={"_team": pl.Int64, "team_id": pl.Int64, "_depth": pl.Int64}, orient="row"
        )
        team_region = pl.DataFrame(regions, schema={"_team": pl.Int64, "region": pl.Utf8}, orient="row")
        return cls(
            people=frames.conform(people, frames.PEOPLE),
            teams=teams,
            territories=frames.conform(territories, frames.TERRITORIES),
            account_source=accounts if callable(accounts) else (lambda: accounts),
            products=frames.conform(products, frames.PRODUCTS),
            assignments=frames.conform(assignments, frames.ASSIGNMENTS).sort("valid_from"),
            closure=closure,
            team_region=team_region,
        )

    @classmethod
    def read(cls, reader: FactReader) -> Org:
        """The org as the reader's database holds it; kept per data version, which every import changes."""
        version = reader.data_version()
        org = _ORGS.get(version)
        if org is None:
            org = cls.build(
                people=reader.people(),
                teams=reader.teams(),
                territories=reader.territories(),
                accounts=reader.accounts,
                products=reader.products(),
                assignments=reader.assignments(),
            )
            if len(_ORGS) >= 16:
                _ORGS.clear()
            _ORGS[version] = org
        # The kept org reads its accounts (when first needed) through this transaction's reader.
        return replace(org, account_source=reader.accounts)

    def assignment_on(self, frame: pl.DataFrame, person_col: str, date_col: str) -> pl.DataFrame:
        """`frame` with `_team` and `territory_id` of the person's assignment on each row's date (or null)."""
        if frame.is_empty():
            return frame.with_columns(_team=pl.lit(None, pl.Int64), territory_id=pl.lit(None, pl.Int64))
        lookup = self.assignments.select(
            pl.col("person_id").alias(person_col),
            pl.col("valid_from").alias("_vf"),
            "valid_to",
            pl.col("team_id").alias("_team"),
            "territory_id",
        )
        rows = frame.sort(date_col)
        joined = rows.join_asof(
            lookup,
            left_on=date_col,
            right_on="_vf",
            by=person_col,
            strategy="backward",
            check_sortedness=False,
        )
        ended = pl.col("valid_to").is_not_null() & (pl.col(date_col) > pl.col("valid_to"))
        return joined.with_columns(
            _team=pl.when(ended).then(None).otherwise(pl.col("_team")),
            territory_id=pl.when(ended).then(None).otherwise(pl.col("territory_id")),
        ).drop("_vf", "valid_to")

    def attach(
        self,
        frame: pl.DataFrame,
        dims: set[Dimension],
        *,
        owner_col: str = "owner_id",
        date_col: str | None = None,
    ) -> pl.DataFrame:
        """Add the key column of each dimension in `dims` (TEAM adds `_team`, the owner's own team;
        `explode_teams` turns it into every team above).

        Rows that already carry `_team` and `territory_id` (from an assignment) keep them; others get
        them from the owner's assignment on `date_col`.
        """
        out = frame
        if dims & ORG_DIMENSIONS and "_team" not in out.columns:
            if date_col is None:
                raise ValueError("a date column is needed to find the team on each fact's date")
            out = self.assignment_on(out, owner_col, date_col)
        if Dimension.PERSON in dims and "person_id" not in out.columns:
            out = out.with_columns(person_id=pl.col(owner_col))
        if Dimension.REGION in dims:
            out = out.join(self.team_region, on="_team", how="left")
        if Dimension.PRODUCT_FAMILY in dims:
            out = out.join(
                self.products.select(
                    pl.col("id").alias("product_id"), pl.col("family").alias("product_family")
                ),
                on="product_id",
                how="left",
            )
        if Dimension.SEGMENT in dims:
            out = out.join(
                self.accounts.select(pl.col("id").alias("account_id"), "segment"), on="account_id", how="left"
            )
        return out

    def explode_teams(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` (with `_team`) once per ancestor team, as `team_id`: a team's rows are its subtree's."""
        return frame.join(self.closure.select("_team", "team_id"), on="_team", how="left")

    def team_members(self, team_id: int, on: date) -> list[int]:
        """People whose assignment on `on` puts them directly in `team_id`."""
        active = self.assignments.filter(
            (pl.col("team_id") == team_id)
            & (pl.col("valid_from") <= on)
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= on))
        )
        return sorted(set(active["person_id"].to_list()))

    def subtree(self, team_id: int) -> list[int]:
        return sorted(self.closure.filter(pl.col("team_id") == team_id)["_team"].to_list())

    def child_teams(self, team_id: int | None) -> list[int]:
        cond = pl.col("parent_id").is_null() if team_id is None else pl.col("parent_id") == team_id
        return sorted(self.teams.filter(cond)["id"].to_list())


_ORGS: dict[str, Org] = {}
