"""Repositories for the read side: goals (by metric, scope and period), admin settings, metric definitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, select
from sqlalchemy.orm import Session

from attain.analytics.ports import GoalRecord, SavedGoals
from attain.domain.errors import InvalidInput, NotFound
from attain.store import models as m

_SCOPE_COLUMN = {"person": "person_id", "team": "team_id", "territory": "territory_id"}


def _tidy(value: Decimal) -> Decimal:
    """The stored target without the column's trailing zeros (and never in exponent notation)."""
    plain = value.normalize()
    return plain.quantize(Decimal(1)) if plain == plain.to_integral_value() else plain


def _scope_id(row: m.Goal) -> int | None:
    column = _SCOPE_COLUMN.get(row.scope_kind)
    return None if column is None else getattr(row, column)


class SqlGoals:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _period_ids(self, keys: set[str]) -> dict[str, int]:
        calendar = self._s.scalars(select(m.Calendar).where(m.Calendar.is_default.is_(True))).first()
        if calendar is None:
            raise NotFound("there is no fiscal calendar", hint="run `attain init` first")
        rows = self._s.execute(
            select(m.Period.key, m.Period.id).where(
                m.Period.calendar_id == calendar.id, m.Period.key.in_(sorted(keys))
            )
        )
        found: dict[str, int] = {str(k): int(i) for k, i in rows}
        missing = sorted(keys - set(found))
        if missing:
            raise NotFound(
                f"no period {', '.join(missing)} in the calendar",
                hint="create it with `attain init --first-year/--last-year`",
            )
        return found

    def save(self, goals: Sequence[GoalRecord]) -> SavedGoals:
        if not goals:
            return SavedGoals(0, 0)
        periods = self._period_ids({g.period for g in goals})
        existing: dict[tuple[Any, ...], m.Goal] = {}
        for row in self._s.scalars(select(m.Goal).where(m.Goal.period_id.in_(sorted(periods.values())))):
            existing[(row.metric, row.scope_kind, _scope_id(row), row.period_id, row.kind)] = row
        created = updated = 0
        for g in goals:
            if g.scope_kind != "company" and g.scope_id is None:
                raise InvalidInput(f"a {g.scope_kind} goal needs the {g.scope_kind} it is for")
            key = (g.metric, g.scope_kind, g.scope_id, periods[g.period], g.kind)
            found = existing.get(key)
            if found is None:
                refs = {_SCOPE_COLUMN[g.scope_kind]: g.scope_id} if g.scope_kind in _SCOPE_COLUMN else {}
                row = m.Goal(
                    metric=g.metric,
                    scope_kind=g.scope_kind,
                    period_id=periods[g.period],
                    kind=g.kind,
                    target=g.target,
                    currency=g.currency,
                    **refs,
                )
                self._s.add(row)
                existing[key] = row
                created += 1
            elif found.target != g.target or found.currency != g.currency:
                found.target, found.currency = g.target, g.currency
                updated += 1
        self._s.flush()
        return SavedGoals(created, updated)

    def find(
        self,
        *,
        periods: Sequence[str] | None = None,
        metric: str | None = None,
        scope_kind: str | None = None,
        scope_ids: Sequence[int] | None = None,
    ) -> list[GoalRecord]:
        g = m.Goal
        query = select(
            g.metric,
            g.scope_kind,
            g.person_id,
            g.team_id,
            g.territory_id,
            m.Period.key,
            g.kind,
            g.target,
            g.currency,
        ).join(m.Period, m.Period.id == g.period_id)
        conds: list[ColumnElement[bool]] = []
        if periods is not None:
            conds.append(m.Period.key.in_(list(periods)))
        if metric is not None:
            conds.append(g.metric == metric)
        if scope_kind is not None:
            conds.append(g.scope_kind == scope_kind)
            if scope_ids is not None and scope_kind in _SCOPE_COLUMN:
                conds.append(getattr(g, _SCOPE_COLUMN[scope_kind]).in_(list(scope_ids)))
        if conds:
            query = query.where(and_(*conds))
        out = []
        for metric_, kind_, person, team, territory, key, goal_kind, target, currency in self._s.execute(
            query.order_by(g.id)
        ):
            scope_id = {"person": person, "team": team, "territory": territory}.get(kind_)
            out.append(GoalRecord(metric_, kind_, scope_id, key, goal_kind, _tidy(target), currency))
        return out


class SqlSettings:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._s.scalars(select(m.Setting).where(m.Setting.key == key)).first()
        return None if row is None else dict(row.value)

    def put(self, key: str, value: dict[str, Any], *, actor: str, at: datetime) -> None:
        row = self._s.scalars(select(m.Setting).where(m.Setting.key == key)).first()
        if row is None:
            self._s.add(m.Setting(key=key, value=value, updated_at=at, updated_by=actor))
        else:
            row.value, row.updated_at, row.updated_by = value, at, actor
        self._s.flush()


class SqlMetricDefinitions:
    def __init__(self, session: Session) -> None:
        self._s = session

    def publish(self, rows: Sequence[dict[str, str]]) -> int:
        current = {r.key: r for r in self._s.scalars(select(m.MetricDefinition))}
        wanted = {r["key"] for r in rows}
        changed = 0
        for r in rows:
            row = current.get(r["key"])
            if row is None:
                self._s.add(m.MetricDefinition(**r))
                changed += 1
            elif any(getattr(row, k) != v for k, v in r.items()):
                for k, v in r.items():
                    setattr(row, k, v)
                changed += 1
        stale = sorted(set(current) - wanted)
        if stale:
            self._s.execute(delete(m.MetricDefinition).where(m.MetricDefinition.key.in_(stale)))
            changed += len(stale)
        self._s.flush()
        return changed
