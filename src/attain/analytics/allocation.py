"""Top-down goal allocation: a parent target split over the org tree so children sum exactly to it.

Sums split by largest remainder in whole minor units (Money.allocate); rates are copied down.
Pure: the caller supplies the org, the weights' inputs, and the period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

import polars as pl

from attain.analytics.org import Org
from attain.domain.errors import InvalidInput
from attain.domain.money import Money


class AllocationMethod(StrEnum):
    EQUAL = "equal"
    LAST_YEAR_SHARE = "last-year-share"  # each child's value of the metric in the same period last year
    TERRITORY_POTENTIAL = "territory-potential"  # the potential of the territories the child covers
    WEIGHT = "weight"  # weights given by the caller (e.g. imported from a file)


class Level(StrEnum):
    TEAM = "team"
    PERSON = "person"


@dataclass(frozen=True, slots=True, order=True)
class Node:
    """A goal holder: kind is company, team or person; id is None for the company."""

    kind: str
    id: int | None


COMPANY = Node("company", None)
SELLING_ROLES = ("rep",)


def split_units(total: int, weights: Sequence[Decimal]) -> list[int]:
    """`total` whole units split by `weights`, largest remainder first, summing exactly to `total`.

    Money.allocate implements the method; the currency is irrelevant to whole units, so ISO 4217's
    'no currency' code stands in.
    """
    return [m.minor for m in Money(total, "XXX").allocate(list(weights))]


def home_team(org: Org, start: date, end: date) -> pl.DataFrame:
    """person_id -> team_id for sellers active in [start, end): the assignment in force on `start`,
    else the first one that begins inside the period (a rep hired mid-period)."""
    active = org.assignments.filter(
        pl.col("role").is_in(SELLING_ROLES)
        & (pl.col("valid_from") < end)
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= start))
    )
    ranked = active.with_columns(_late=pl.col("valid_from") > start).sort(
        ["person_id", "_late", "valid_from"], descending=[False, False, True]
    )
    # Among assignments already in force on `start`, the latest wins; otherwise the earliest after.
    in_force = ranked.filter(~pl.col("_late")).unique("person_id", keep="first")
    later = ranked.filter(pl.col("_late")).sort("valid_from").unique("person_id", keep="first")
    later = later.join(in_force.select("person_id"), on="person_id", how="anti")
    return pl.concat([in_force, later]).select("person_id", "team_id", "territory_id").sort("person_id")


def children(org: Org, node: Node, levels: set[Level], homes: pl.DataFrame) -> list[Node]:
    """The nodes a goal of `node` is split over at the next level down."""
    if node.kind == "person":
        return []
    team_id = node.id if node.kind == "team" else None
    out: list[Node] = []
    if Level.TEAM in levels:
        out += [Node("team", t) for t in org.child_teams(team_id)]
    if Level.PERSON in levels:
        if Level.TEAM in levels:  # people sit beside the sub-teams of their own team
            teams: list[int] = [team_id] if team_id is not None else []
            members = homes.filter(pl.col("team_id").is_in(teams))["person_id"].to_list()
        elif team_id is None:  # straight from the company to every seller
            members = homes["person_id"].to_list()
        else:  # straight to people: everyone in the team's subtree
            members = homes.filter(pl.col("team_id").is_in(org.subtree(team_id)))["person_id"].to_list()
        out += [Node("person", p) for p in sorted(members)]
    return out


def weights_for(
    nodes: Sequence[Node],
    method: AllocationMethod,
    *,
    last_year: Mapping[Node, int] | None = None,
    potential: Mapping[Node, int] | None = None,
    given: Mapping[Node, Decimal] | None = None,
) -> list[Decimal]:
    if method is AllocationMethod.EQUAL:
        return [Decimal(1)] * len(nodes)
    source: Mapping[Node, int] | Mapping[Node, Decimal] | None = {
        AllocationMethod.LAST_YEAR_SHARE: last_year,
        AllocationMethod.TERRITORY_POTENTIAL: potential,
        AllocationMethod.WEIGHT: given,
    }[method]
    if source is None:
        raise ValueError(f"weights for {method} were not supplied")
    # A negative history (net returns) earns no share rather than a negative goal.
    return [max(Decimal(source.get(n, 0)), Decimal(0)) for n in nodes]


@dataclass(frozen=True, slots=True)
class Allocation:
    node: Node
    parent: Node | None
    units: int  # the target in minor units (sums) or the copied target scaled the same way (rates)
    method: str = ""  # how this node's share was set (by its parent's split)


def allocate(
    org: Org,
    root: Node,
    total: int,
    levels: set[Level],
    method: AllocationMethod,
    homes: pl.DataFrame,
    *,
    additive: bool,
    last_year: Mapping[Node, int] | None = None,
    potential: Mapping[Node, int] | None = None,
    given: Mapping[Node, Decimal] | None = None,
    names: Mapping[Node, str] | None = None,
) -> list[Allocation]:
    """Split `total` from `root` down through `levels`; every parent's children sum exactly to it.

    Where no child of a node has any last-year value (a team of new hires), that node is split
    equally instead, and its children's `method` says so; other methods with all-zero weights fail.
    """
    out = [Allocation(root, None, total, "")]
    frontier = [(root, total)]
    while frontier:
        parent, amount = frontier.pop(0)
        kids = children(org, parent, levels, homes)
        if not kids:
            continue
        used = str(method) if additive else "copied"
        if additive and amount == 0:
            parts = [0] * len(kids)
        elif additive:
            weights = weights_for(kids, method, last_year=last_year, potential=potential, given=given)
            if sum(weights) <= 0 and method is AllocationMethod.LAST_YEAR_SHARE:
                weights, used = [Decimal(1)] * len(kids), "equal (no history)"
            if sum(weights) <= 0:
                who = (names or {}).get(parent, f"{parent.kind} {parent.id or ''}".strip())
                raise InvalidInput(
                    f"cannot split the goal of {who} by {method}: every child's weight is zero",
                    hint="use --method equal, or give weights with --method weight",
                )
            parts = split_units(amount, weights)
        else:
            parts = [amount] * len(kids)
        for kid, part in zip(kids, parts, strict=True):
            out.append(Allocation(kid, parent, part, used))
            frontier.append((kid, part))
    return out
