"""The forecast of a period per scope as the CLI and the web show it: statistical, pipeline-weighted, the
commit call, the blend of the three weighted by recorded accuracy, and the goal with its gap and the
probability of reaching it; and who is inside each team scope, which decides who may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from attain.analytics.facts import Source, read_facts
from attain.analytics.forecast.blend import accuracy_weights, against_goal, blend, sigma_from_interval
from attain.analytics.forecast.outlook import ForecastRequest, PeriodOutlook, period_outlook, revenue_goals
from attain.analytics.forecast.pipeline import win_chances
from attain.analytics.forecast.series import COMPANY, team_members
from attain.analytics.forecast.winrates import calibration, calibration_error
from attain.analytics.ports import AnalyticsStore, FactScope
from attain.app.access import PeopleScope
from attain.app.forecasts.ports import Call, ForecastStore
from attain.app.forecasts.submissions import Rollup, find_period, rollup, week_of

MONEY_METHODS = ("statistical", "pipeline_weighted")


def complete_calls(roll: Rollup) -> dict[int, bool]:
    """Whether each person's effective call is whole: their own call or override, or a team sum in which
    every report's call is whole."""
    reports: dict[int, list[int]] = {}
    for line in roll.lines:
        if line.manager_id is not None:
            reports.setdefault(line.manager_id, []).append(line.person_id)
    out: dict[int, bool] = {}
    for line in reversed(roll.lines):  # reports come after their managers
        own = line.submitted is not None or line.overridden is not None
        under = reports.get(line.person_id, [])
        out[line.person_id] = own or (bool(under) and all(out[p] for p in under))
    return out


@dataclass(frozen=True, slots=True)
class Outlook:
    period: str
    as_of: date
    currency: str
    rows: list[dict[str, Any]]  # one per scope, money in minor units
    weights: dict[str, float]  # of the blend, by method


def outlook_rows(store: AnalyticsStore, calls_store: ForecastStore, request: ForecastRequest) -> Outlook:
    """Per scope (facts from `store`, calls from `calls_store`, usually the same store): actual to date,
    statistical (with its 80 % interval), pipeline-weighted, commit call, blended, goal, gap and the
    probability of reaching the goal (minor units); the blend weighs methods by their recorded accuracy."""
    return blended_outlook(store, calls_store, period_outlook(store, request))


def blended_outlook(store: AnalyticsStore, calls_store: ForecastStore, out: PeriodOutlook) -> Outlook:
    """`outlook_rows` from the fitted models `out`: the goals, the calls and the recorded errors are read
    now, so a cached fit still shows the latest call and goal."""
    goals = revenue_goals(store, out.period)
    with calls_store.transaction() as tx:
        stored = find_period(tx, out.period.key)
        errors = [(r.method, r.forecast, r.actual) for _, r in tx.forecasts.errors()]
    in_period = out.period.contains(out.as_of)
    week = week_of(out.period, out.as_of) if in_period else 1
    roll = rollup(calls_store, period=stored.period.key, week=week)
    complete = complete_calls(roll)
    # A call counts in the blend only when nobody under it is missing: a partial roll-up is not a forecast.
    calls = {line.person_id: line.effective for line in roll.lines if complete[line.person_id]}
    whole = all(complete[line.person_id] for line in roll.lines if line.depth == 0)
    company_call = roll.company if whole else None
    weights = accuracy_weights(errors, [*MONEY_METHODS, "commit"])
    rows = []
    for r in out.frame.iter_rows(named=True):
        scope = str(r["scope"])
        call: Call | None = company_call if scope == COMPANY else None
        if scope.startswith("person:"):
            call = calls.get(int(scope.split(":")[1]))
        present = {m: r[m] for m in MONEY_METHODS if r[m] is not None}
        if call is not None and call.commit > 0:
            present["commit"] = call.commit
        blended = blend(present, weights)
        sigma = sigma_from_interval(r["statistical_lo_80"], r["statistical_hi_80"])
        row = {
            **r,
            "commit": call.commit if call and call.commit > 0 else None,
            "blended": blended,
            "goal": goals.get(scope),
            "gap": None,
            "p_goal": None,
        }
        if scope in goals:
            g = against_goal(blended, sigma, goals[scope])
            row["gap"], row["p_goal"] = g.gap, round(g.probability, 3)
        rows.append(row)
    return Outlook(out.period.key, out.as_of, out.currency, rows, weights)


def scope_members(store: AnalyticsStore, day: date) -> dict[str, frozenset[int]]:
    """The people inside each team scope (`team:<id>`) on `day`."""
    with store.transaction() as tx:
        reader = tx.fact_reader
        return team_members(reader.assignments(), reader.teams(), day)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Win probabilities predicted `horizon_days` before `as_of` against what was won by `as_of`."""

    cutoff: date
    as_of: date
    deals: int
    predicted: float
    observed: float
    error: float  # expected calibration error
    table: pl.DataFrame  # decile, deals, predicted, observed


def win_calibration(store: AnalyticsStore, as_of: date, horizon_days: int = 91) -> Calibration:
    """Out of sample: the model as it would have been fitted on `as_of - horizon_days` scores the deals open
    then, and each is checked against whether it was won by `as_of`."""
    cutoff = as_of - timedelta(days=horizon_days)
    with store.transaction() as tx:
        reader = tx.fact_reader
        cal = reader.calendar()
        currency = cal.currency if cal is not None else "USD"
        facts = read_facts(
            reader,
            FactScope(end=as_of + timedelta(days=1)),
            {Source.OPPORTUNITIES, Source.STAGES},
            currency=currency,
        )
    opp = facts.opportunities.filter(pl.col("created_on").is_not_null() & (pl.col("created_on") <= as_of))
    # What was known on the cut-off: deals closed after it were still open then.
    try:
        chances = win_chances(opp, facts.stages, cutoff, horizon_days)
    except ValueError:  # no deal history to learn from: nothing to calibrate
        return Calibration(cutoff, as_of, 0, 0.0, 0.0, 0.0, pl.DataFrame())
    deals = chances.join(opp.select("id", "status", "close_on"), on="id")
    won = (deals["status"] == "won") & (deals["close_on"] <= as_of)
    predicted = deals["p"].to_numpy()
    outcome = won.to_numpy().astype(float)
    table = calibration(predicted, outcome) if deals.height else pl.DataFrame()
    return Calibration(
        cutoff,
        as_of,
        deals.height,
        float(predicted.mean()) if deals.height else 0.0,
        float(outcome.mean()) if deals.height else 0.0,
        calibration_error(table) if deals.height else 0.0,
        table,
    )


@dataclass(frozen=True, slots=True)
class ScopeView:
    """Which forecast scopes a caller may see: the company only org-wide, a person in their reach, a team
    whose every member is in their reach (a manager sees the teams under them, not a sibling's)."""

    people: PeopleScope
    members: dict[str, frozenset[int]]

    def sees(self, scope: str) -> bool:
        if self.people.everyone:
            return True
        kind, _, rest = scope.partition(":")
        if kind == "person":
            return rest.isdigit() and self.people.allows(int(rest))
        if kind == "team":
            inside = self.members.get(scope, frozenset())
            return bool(inside) and all(self.people.allows(p) for p in inside)
        return False


def scope_view(store: AnalyticsStore, people: PeopleScope, day: date) -> ScopeView:
    return ScopeView(people, {} if people.everyone else scope_members(store, day))
