"""Sales history as series per scope: facts summed by fiscal month or quarter for every rep, team and the
company, arranged on the hierarchy as of a date (reps under their team on that date, teams under theirs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
import polars as pl

from attain.analytics.forecast.hierarchy import Hierarchy, hierarchy_from_paths
from attain.domain.calendar import FiscalCalendar, Period, PeriodKind

COMPANY = "company"


class Grain(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"

    @property
    def kind(self) -> PeriodKind:
        return PeriodKind.MONTH if self is Grain.MONTH else PeriodKind.QUARTER

    @property
    def season_length(self) -> int:
        return 12 if self is Grain.MONTH else 4


def person_node(person_id: int) -> str:
    return f"person:{person_id}"


def team_node(team_id: int) -> str:
    return f"team:{team_id}"


@dataclass(frozen=True, slots=True)
class ScopeSeries:
    """Every node's history: `values[i, t]` is node i's total in `periods[t]`, in minor units."""

    hierarchy: Hierarchy
    periods: tuple[Period, ...]
    values: np.ndarray
    labels: dict[str, str]
    calendar: FiscalCalendar
    grain: Grain

    def of(self, node: str) -> np.ndarray:
        row: np.ndarray = self.values[self.hierarchy.index(node)]
        return row


def periods_between(calendar: FiscalCalendar, grain: Grain, start: date, end: date) -> list[Period]:
    """The periods of `grain` from the one containing `start` up to the last that starts before `end`."""
    out: list[Period] = []
    p = calendar.period_of(grain.kind, start)
    while p.start < end:
        out.append(p)
        p = calendar.period_of(grain.kind, p.end)
    return out


def team_on(assignments: pl.DataFrame, day: date) -> dict[int, int | None]:
    """Each person's team on `day`, or on their last assignment before it when they had left by then."""
    rows = (
        assignments.filter(pl.col("valid_from") <= day)
        .sort(["person_id", "valid_from"])
        .group_by("person_id", maintain_order=True)
        .last()
    )
    return {int(r["person_id"]): r["team_id"] for r in rows.iter_rows(named=True)}


def team_paths(teams: pl.DataFrame) -> dict[int, list[str]]:
    """Each team's path from the company down to itself, following `parent_id`."""
    parent: dict[int, int | None] = {int(r["id"]): r["parent_id"] for r in teams.iter_rows(named=True)}
    paths: dict[int, list[str]] = {}
    for team in parent:
        chain: list[str] = []
        seen: set[int] = set()
        node: int | None = team
        while node is not None and node not in seen:
            seen.add(node)
            chain.append(team_node(node))
            node = parent.get(node)
        paths[team] = [COMPANY, *reversed(chain)]
    return paths


def scope_series(
    facts: pl.DataFrame,
    *,
    assignments: pl.DataFrame,
    teams: pl.DataFrame,
    people: pl.DataFrame,
    calendar: FiscalCalendar,
    grain: Grain,
    start: date,
    end: date,
    as_of: date,
) -> ScopeSeries:
    """Series of `facts` (columns owner_id, day, amount in minor units) dated in [start, end).

    The hierarchy is the one on `as_of`: a rep's whole history sits under the team they are in then, so
    a move between teams does not cut the rep's series in two. Owners without a team sit under the company.
    """
    periods = periods_between(calendar, grain, start, end)
    if not periods:
        raise ValueError(f"no {grain} lies between {start} and {end}")
    dated = facts.filter((pl.col("day") >= periods[0].start) & (pl.col("day") < periods[-1].end))
    first = dated["day"].min()
    if isinstance(first, date):
        # Periods before the first fact are before the data began, not periods of zero sales.
        periods = [p for p in periods if p.end > first]
    starts = [p.start for p in periods]
    slot = (
        np.searchsorted(
            np.array(starts, dtype="datetime64[D]"),
            dated["day"].to_numpy().astype("datetime64[D]"),
            side="right",
        )
        - 1
    )
    dated = dated.with_columns(pl.Series("slot", slot))
    owners = sorted({int(o) for o in dated["owner_id"].drop_nulls().to_list()})
    on_day = team_on(assignments, as_of)
    paths_of = team_paths(teams)
    paths = [
        [*paths_of.get(team, [COMPANY]), person_node(o)]
        if (team := on_day.get(o)) is not None
        else [COMPANY, person_node(o)]
        for o in owners
    ]
    if not paths:
        paths = [[COMPANY, "person:none"]]
    hierarchy = hierarchy_from_paths(paths)
    bottom = np.zeros((len(hierarchy.bottom), len(periods)), dtype=np.int64)
    leaf_row = {leaf: j for j, leaf in enumerate(hierarchy.bottom)}
    sums = (
        dated.filter(pl.col("owner_id").is_not_null())
        .group_by("owner_id", "slot")
        .agg(pl.col("amount").sum())
    )
    for owner, t, amount in sums.iter_rows():
        bottom[leaf_row[person_node(int(owner))], int(t)] += int(amount)
    values = (hierarchy.summing_matrix().astype(np.int64) @ bottom).astype(np.int64)
    labels = {COMPANY: "Company"}
    labels.update({person_node(int(r["id"])): str(r["name"]) for r in people.iter_rows(named=True)})
    labels.update({team_node(int(r["id"])): str(r["name"]) for r in teams.iter_rows(named=True)})
    return ScopeSeries(hierarchy, tuple(periods), values, labels, calendar, grain)


def team_members(assignments: pl.DataFrame, teams: pl.DataFrame, day: date) -> dict[str, frozenset[int]]:
    """The people under each team node on `day` (in the team or any team below it), as the hierarchy of
    `scope_series` places them; who may see a team's figures depends on who is in it."""
    paths = team_paths(teams)
    out: dict[str, set[int]] = {node: set() for path in paths.values() for node in path[1:]}
    for person, team in team_on(assignments, day).items():
        if team is None:
            continue
        for node in paths.get(int(team), [])[1:]:
            out.setdefault(node, set()).add(person)
    return {node: frozenset(people) for node, people in out.items()}
