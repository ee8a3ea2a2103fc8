"""A manager's team as data: the leaderboard on a chosen metric, KPIs per rep against the prior period,
the reps at risk with the driver metrics that lag, and the team's goal pace. The page and the API use it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from attain.analytics.definitions import Additivity, definition
from attain.analytics.org import Dimension
from attain.analytics.pace import status
from attain.analytics.progress import thresholds_of
from attain.domain.calendar import Period
from attain.web.figures import TEAM_METRICS, Figures
from attain.web.reach import Reach

BOARD_METRICS = (
    "revenue",
    "won_revenue",
    "number_of_sales",
    "win_rate",
    "average_deal_size",
    "opportunities_created",
    "open_pipeline_value",
)
PRIOR = "__prior"
DRIVERS_SHOWN = 2


@dataclass
class TeamView:
    period: Period
    metric: str
    members: list[dict[str, Any]]  # the people shown (today's assignment)
    board: list[dict[str, Any]]
    kpis: list[dict[str, Any]]
    at_risk: list[dict[str, Any]]
    pace: list[dict[str, Any]]


def members_of(
    reach: Reach, lead: Mapping[str, Any] | None, subtree: set[int] | None
) -> list[dict[str, Any]]:
    """The people a team page shows: the lead's subtree (without the lead), else everyone in reach."""
    people = [dict(p) for p in reach.people if reach.scope.allows(int(p["id"]))]
    if subtree is not None:
        people = [p for p in people if int(p["id"]) in subtree]
    if lead is not None:
        people = [p for p in people if p["id"] != lead["id"]]
    return people


def team_view(
    figures: Figures, members: Sequence[Mapping[str, Any]], period: Period, metric: str
) -> TeamView:
    ids = {str(p["external_id"]): int(p["id"]) for p in members}

    def mine(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [dict(r, person_id=ids[r["person"]]) for r in rows if r.get("person") in ids]

    board = _rerank(mine(figures.board(metric, period)))
    now = mine(figures.kpis_by_person(period))
    before = {r["person"]: r for r in figures.kpis_before(Dimension.PERSON, period)}
    for row in now:
        prior = before.get(row["person"], {})
        row.update({f"{m}{PRIOR}": prior.get(m) for m in TEAM_METRICS})
    progress = figures.progress(period)
    return TeamView(
        period,
        metric,
        [dict(p) for p in members],
        board,
        now,
        at_risk_rows(mine(figures.at_risk(period)), progress, ids),
        _pace(figures, progress, members, period),
    )


def _rerank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ranks within the team (ties share a rank); the company rank stays as `company_rank`."""
    ranked = sorted((r for r in rows if r.get("rank") is not None), key=lambda r: int(r["rank"]))
    previous: tuple[Any, int] | None = None
    for position, row in enumerate(ranked, start=1):
        row["company_rank"] = row["rank"]
        if previous is not None and previous[0] == row["value"]:
            row["rank"] = previous[1]
        else:
            row["rank"] = position
        previous = (row["value"], int(row["rank"]))
    unranked = [dict(r, company_rank=None) for r in rows if r.get("rank") is None]
    return ranked + unranked


def at_risk_rows(
    drivers: list[dict[str, Any]], progress: Sequence[Mapping[str, Any]], ids: Mapping[str, int]
) -> list[dict[str, Any]]:
    """One row per person at risk or off track: their pace and the driver metrics that lag most."""
    out: dict[str, dict[str, Any]] = {}
    for d in sorted(drivers, key=lambda r: (r["person"], r.get("rank") or 99)):
        row = out.setdefault(
            d["person"],
            {
                "person": d["person"],
                "person_name": d.get("person_name"),
                "person_id": ids[d["person"]],
                "status": d.get("status"),
                "drivers": [],
            },
        )
        lag = d.get("lag")
        if lag is not None and lag > 0 and len(row["drivers"]) < DRIVERS_SHOWN:
            row["drivers"].append(
                {
                    "metric": d["metric"],
                    "current": d.get("current"),
                    "team_median": d.get("team_median"),
                    "own_baseline": d.get("own_baseline"),
                    "lag": lag,
                }
            )
    for row in out.values():
        goal = next(
            (g for g in progress if g["scope_kind"] == "person" and g["scope"] == row["person"]), None
        )
        row["pace"] = None if goal is None else goal.get("pace")
        row["attainment"] = None if goal is None else goal.get("attainment")
        row["lagging"] = ", ".join(str(x["metric"]) for x in row["drivers"]) or None
    order = {"off_track": 0, "at_risk": 1}
    return sorted(out.values(), key=lambda r: (order.get(str(r["status"]), 2), r.get("pace") or 0.0))


def _pace(
    figures: Figures,
    progress: Sequence[Mapping[str, Any]],
    members: Sequence[Mapping[str, Any]],
    period: Period,
) -> list[dict[str, Any]]:
    """The members' person goals added up per metric and kind: target, actual, projection, pace, status."""
    people = {str(p["external_id"]) for p in members}
    thresholds = figures.cache.get(("thresholds",), lambda: thresholds_of(figures.store))
    sums: dict[tuple[str, str], dict[str, Any]] = {}
    for g in progress:
        if g["scope_kind"] != "person" or g["scope"] not in people:
            continue
        if definition(g["metric"]).additivity is not Additivity.SUM:
            continue  # rates do not add up across people
        row = sums.setdefault(
            (g["metric"], g["kind"]),
            {
                "metric": g["metric"],
                "kind": g["kind"],
                "people": 0,
                "target": Decimal(0),
                "actual": Decimal(0),
                "projected": Decimal(0),
                "projected_known": True,
            },
        )
        row["people"] += 1
        row["target"] += Decimal(str(g["target"]))
        row["actual"] += Decimal(str(g["actual"] or 0))
        if g.get("projected") is None:
            row["projected_known"] = False
        else:
            row["projected"] += Decimal(str(g["projected"]))
    out = []
    for row in sums.values():
        projected = row.pop("projected") if row.pop("projected_known") else None
        pace = None if projected is None or not row["target"] else float(projected / row["target"])
        found = status(pace, thresholds)
        out.append(
            dict(
                row,
                period=period.key,
                projected=projected,
                attainment=None if not row["target"] else float(row["actual"] / row["target"]),
                pace=pace,
                status=None if found is None else str(found),
            )
        )
    return sorted(out, key=lambda r: (r["metric"], r["kind"]))
