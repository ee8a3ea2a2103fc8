"""Goal use cases: set a goal (a target, or growth over a past period), allocate it down the org, and
show progress with pace and status. They read facts and write goals through the AnalyticsStore port.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl

from attain.analytics.allocation import COMPANY, AllocationMethod, Level, Node, allocate, home_team
from attain.analytics.compute import check_metrics, fact_scope, measure
from attain.analytics.definitions import Additivity, Unit, definition
from attain.analytics.facts import Facts, read_facts
from attain.analytics.org import Dimension, Org
from attain.analytics.ports import AnalyticsStore, FactReader, GoalRecord
from attain.analytics.queries import check_currency, id_of, require_calendar
from attain.analytics.rowsets import Query
from attain.analytics.timeframe import Shift, TimeFrame
from attain.domain.calendar import FiscalCalendar, Period
from attain.domain.errors import InvalidInput
from attain.domain.money import from_minor, minor_exponent

SCOPE_DIMENSION = {"person": Dimension.PERSON, "team": Dimension.TEAM, "territory": Dimension.TERRITORY}


@dataclass(frozen=True, slots=True)
class GoalSpec:
    """What `attain goals set` asks for. Either `target`, or `growth` over the `base` period's actual."""

    metric: str
    period: str
    scope_kind: str = "company"
    scope: str | None = None  # external id of the person, team or territory
    kind: str = "goal"
    target: Decimal | None = None
    growth: Decimal | None = None  # 0.10 is +10 %
    base: Shift = Shift.YEAR_AGO
    allocate: AllocationMethod | None = None
    levels: tuple[Level, ...] = (Level.TEAM, Level.PERSON)
    weights: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)  # (kind, external id) -> weight


@dataclass(frozen=True, slots=True)
class SetGoal:
    goal: GoalRecord
    parent: GoalRecord | None
    label: str
    method: str = ""  # how the parent's goal was split to give this one


def _scale(metric: str, currency: str) -> int:
    """Goals are split in whole units: minor units for money, whole items for counts."""
    unit = definition(metric).unit
    return 10 ** minor_exponent(currency) if unit is Unit.MONEY else 1


def to_target(metric: str, units: int | Decimal, currency: str) -> Decimal:
    if definition(metric).unit is Unit.MONEY:
        return from_minor(int(units), currency)
    return Decimal(units)


def _units(value: Decimal, metric: str, currency: str) -> int:
    return int((value * _scale(metric, currency)).to_integral_value(ROUND_HALF_EVEN))


def value_by(
    facts: Facts,
    metric: str,
    dim: Dimension | None,
    frame: TimeFrame,
    filters: tuple[tuple[Dimension, int | str], ...] = (),
) -> dict[int | str | None, float | None]:
    """The metric's value over the whole frame per person/team/territory (or for the company: key None)."""
    by = (dim,) if dim is not None else ()
    table = measure(
        facts, Query((metric,), by, TimeFrame(frame.calendar, frame.start, frame.end, frame.as_of), filters)
    )
    if dim is None:
        return {None: table[metric][0] if table.height else None}
    col = table.columns[0]
    return dict(zip(table[col].to_list(), table[metric].to_list(), strict=True))


def full_period(calendar: FiscalCalendar, period: Period) -> TimeFrame:
    return TimeFrame.for_period(calendar, period, period.last_day)


def load_facts_for(reader: FactReader, org: Org, metric: str, start: date, end: date, currency: str) -> Facts:
    probe = Query((metric,), (), TimeFrame(FiscalCalendar(1), start, end, end))
    scope, sources = fact_scope(probe)
    return read_facts(reader, scope, sources, org, currency=currency)


def _node_label(org: Org, node: Node) -> str:
    if node.kind == "company":
        return "company"
    frame = org.people if node.kind == "person" else org.teams
    hit = frame.filter(pl.col("id") == node.id)
    return f"{node.kind} {hit['external_id'][0]}" if hit.height else f"{node.kind} {node.id}"


def set_goal(store: AnalyticsStore, spec: GoalSpec, *, actor: str, today: date) -> list[SetGoal]:
    """Create or update the goal, then (if asked) allocate it down the org; all in one transaction."""
    check_metrics([spec.metric])
    if (spec.target is None) == (spec.growth is None):
        raise InvalidInput(
            "give either a target or a growth over a past period", hint="--target 250000 or --growth 10%"
        )
    with store.transaction() as tx:
        reader = tx.fact_reader
        info, calendar = require_calendar(reader)
        period = calendar.parse_key(spec.period)
        org = Org.read(reader)
        root = COMPANY if spec.scope_kind == "company" else Node(spec.scope_kind, _scope_id(org, spec))
        base = (
            calendar.same_period_last_year(period)
            if spec.base is Shift.YEAR_AGO
            else calendar.previous(period)
        )
        facts = load_facts_for(
            reader, org, spec.metric, min(base.start, period.start), period.end, info.currency
        )
        check_currency(facts, info.currency)
        if spec.target is not None:
            target = spec.target
        else:
            assert spec.growth is not None
            dim = SCOPE_DIMENSION.get(spec.scope_kind)
            past = value_by(facts, spec.metric, dim, full_period(calendar, base)).get(root.id)
            if past is None:
                raise InvalidInput(
                    f"{spec.metric} of {_node_label(org, root)} in {base.key} cannot be computed",
                    hint="set an explicit --target",
                )
            exact = Decimal(str(past)) / _scale(spec.metric, info.currency) * (1 + spec.growth)
            target = (
                to_target(spec.metric, _units(exact, spec.metric, info.currency), info.currency)
                if definition(spec.metric).additivity is Additivity.SUM
                else exact
            )
        out = _allocated(org, facts, calendar, period, spec, root, target, info.currency)
        saved = tx.goals.save([g.goal for g in out])
        tx.audit.record(
            at=datetime.now(UTC),
            actor=actor,
            action="goals.set",
            entity="goal",
            entity_id=f"{spec.metric}/{spec.scope_kind}/{spec.scope or ''}/{spec.period}",
            detail={
                "target": str(target),
                "goals": len(out),
                "created": saved.created,
                "updated": saved.updated,
                "allocate": spec.allocate or "",
                "growth": str(spec.growth) if spec.growth is not None else "",
            },
        )
    return out


def _scope_id(org: Org, spec: GoalSpec) -> int:
    if spec.scope is None:
        raise InvalidInput(f"a {spec.scope_kind} goal needs --scope {spec.scope_kind}:<id>")
    return id_of(org, spec.scope_kind, spec.scope)


def _allocated(
    org: Org,
    facts: Facts,
    calendar: FiscalCalendar,
    period: Period,
    spec: GoalSpec,
    root: Node,
    target: Decimal,
    currency: str,
) -> list[SetGoal]:
    cur = currency if definition(spec.metric).unit is Unit.MONEY else None
    if spec.allocate is None:
        return [
            SetGoal(
                GoalRecord(spec.metric, root.kind, root.id, period.key, spec.kind, target, cur),
                None,
                _node_label(org, root),
            )
        ]
    if root.kind not in ("company", "team"):
        raise InvalidInput(f"a {root.kind} goal cannot be allocated", hint="allocate a company or team goal")
    additive = definition(spec.metric).additivity is Additivity.SUM
    total = _units(target, spec.metric, currency)
    homes = home_team(org, period.start, period.end)
    last_year: dict[Node, int] = {}
    if spec.allocate is AllocationMethod.LAST_YEAR_SHARE:
        ly = full_period(calendar, calendar.same_period_last_year(period))
        for kind, dim in (("team", Dimension.TEAM), ("person", Dimension.PERSON)):
            for key, value in value_by(facts, spec.metric, dim, ly).items():
                if key is not None and value is not None:
                    last_year[Node(kind, int(key))] = int(value)
    potential = _potentials(org, homes) if spec.allocate is AllocationMethod.TERRITORY_POTENTIAL else {}
    given = {Node(kind, id_of(org, kind, ext)): w for (kind, ext), w in spec.weights.items()}
    names = {n: _node_label(org, n) for n in [root]}
    parts = allocate(
        org,
        root,
        total,
        set(spec.levels),
        spec.allocate,
        homes,
        additive=additive,
        last_year=last_year,
        potential=potential,
        given=given,
        names=names,
    )
    goals: dict[Node, GoalRecord] = {}
    out = []
    for part in parts:
        amount = to_target(spec.metric, part.units, currency) if additive else target
        goal = GoalRecord(spec.metric, part.node.kind, part.node.id, period.key, spec.kind, amount, cur)
        goals[part.node] = goal
        out.append(
            SetGoal(
                goal,
                goals.get(part.parent) if part.parent else None,
                _node_label(org, part.node),
                part.method,
            )
        )
    return out


def _potentials(org: Org, homes: pl.DataFrame) -> dict[Node, int]:
    """A person's potential is their territory's; a team's sums the distinct territories of its subtree."""
    pot = homes.join(
        org.territories.select(pl.col("id").alias("territory_id"), "potential"), on="territory_id", how="left"
    )
    out: dict[Node, int] = {
        Node("person", int(p)): int(v or 0)
        for p, v in zip(pot["person_id"].to_list(), pot["potential"].to_list(), strict=True)
    }
    for team in org.teams["id"].to_list():
        covered = pot.filter(pl.col("team_id").is_in(org.subtree(int(team)))).unique("territory_id")
        out[Node("team", int(team))] = int(covered["potential"].fill_null(0).sum())
    return out


def elapsed_days(period: Period, as_of: date) -> int:
    return max(0, min((as_of - period.start).days + 1, period.days))


def partial(period: Period, days: int) -> date:
    """The last day covered after `days` days of `period` (the day before it, for 0 days)."""
    return period.start + timedelta(days=days - 1)
