"""Plan fixtures: scenarios of plain inputs (YAML) run through the reference evaluator and settlement.

One format serves `attain plan test` and the golden tests. Every value is read as text (YAML's BaseLoader),
so amounts stay exact decimals; amounts are written in major units (600000 or 1500.50) and converted to
minor units of their currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from attain.domain.calendar import FiscalCalendar, Period
from attain.domain.errors import InvalidInput
from attain.domain.money import to_minor
from attain.domain.plans.model import CompiledPlan, CreditRole
from attain.domain.settlement import Adjustment
from attain.engine.inputs import (
    CalculationInput,
    CreditSplit,
    ExchangeRate,
    Leave,
    ManagerLink,
    MboAchievement,
    OrderRow,
    PersonRow,
    PlanAssignmentRow,
    QuotaRow,
    TerritoryLink,
)
from attain.engine.payouts import Clawbacks, cancellations_of, settle_payee
from attain.engine.reference import evaluate_history
from attain.engine.results import PayeeResult, plain

SECTIONS = (
    "plans",
    "calendar",
    "periods",
    "people",
    "managers",
    "territories",
    "leaves",
    "assignments",
    "orders",
    "splits",
    "quotas",
    "rates",
    "mbo",
    "adjustments",
)


def load_yaml(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str, list, dict
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{where}: not valid YAML: {exc}") from None


class _Row:
    """One mapping of a fixture section, read field by field with errors naming the section and row."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise InvalidInput(f"{where}: expected a mapping of fields")
        self.data, self.where = data, where

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise InvalidInput(f"{self.where}: missing '{key}'")
        return str(value)

    def opt(self, key: str) -> str | None:
        value = self.data.get(key)
        return None if value in (None, "") else str(value)

    def day(self, key: str) -> date:
        return self._date(self.text(key), key)

    def opt_day(self, key: str) -> date | None:
        value = self.opt(key)
        return None if value is None else self._date(value, key)

    def _date(self, value: str, key: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{self.where}: '{key}' must be YYYY-MM-DD, got '{value}'") from None

    def number(self, key: str, default: str | None = None) -> Decimal:
        value = self.text(key, default).replace(",", "").replace("_", "")
        try:
            return Decimal(value[:-1]) / 100 if value.endswith("%") else Decimal(value)
        except InvalidOperation:
            raise InvalidInput(f"{self.where}: '{key}' must be a number, got '{value}'") from None

    def money(self, key: str, currency: str) -> int:
        return to_minor(self.number(key), currency)


@dataclass(frozen=True, slots=True)
class Scenario:
    inputs: CalculationInput
    periods: tuple[Period, ...]
    adjustments: dict[str, tuple[Adjustment, ...]]


def read_scenario(data: Any, plans: Mapping[str, CompiledPlan], where: str) -> Scenario:
    top = _Row(data, where)
    for key in top.data:
        if key not in SECTIONS:
            raise InvalidInput(f"{where}: unknown section '{key}'", hint=f"sections: {', '.join(SECTIONS)}")
    cal = FiscalCalendar(
        int(_Row(data.get("calendar") or {}, f"{where} calendar").text("fiscal_year_start", "1"))
    )
    currency = next(iter(plans.values())).currency if plans else "USD"

    def rows(section: str) -> list[_Row]:
        items = data.get(section) or []
        if not isinstance(items, list):
            raise InvalidInput(f"{where}: '{section}' must be a list")
        return [_Row(item, f"{where} {section}[{i + 1}]") for i, item in enumerate(items)]

    orders = tuple(_order(r, currency) for r in rows("orders"))
    inputs = CalculationInput(
        calendar=cal,
        plans=plans,
        assignments=tuple(
            PlanAssignmentRow(
                r.text("person"),
                r.text("plan"),
                r.money("target_incentive", plans[r.text("plan")].currency) if r.text("plan") in plans else 0,
                r.day("from"),
                r.opt_day("to"),
            )
            for r in rows("assignments")
        ),
        orders=orders,
        people=tuple(
            PersonRow(r.text("id"), r.text("name", ""), r.opt_day("hired_on"), r.opt_day("left_on"))
            for r in rows("people")
        ),
        managers=tuple(
            ManagerLink(r.text("person"), r.text("manager"), r.day("from"), r.opt_day("to"))
            for r in rows("managers")
        ),
        territories=tuple(
            TerritoryLink(r.text("person"), r.text("territory"), r.day("from"), r.opt_day("to"))
            for r in rows("territories")
        ),
        leaves=tuple(Leave(r.text("person"), r.day("from"), r.day("to")) for r in rows("leaves")),
        splits=tuple(
            CreditSplit(
                r.text("order"),
                r.text("person"),
                r.number("share"),
                CreditRole(r.text("role", "direct")),
                int(r.text("sequence", "1")),
            )
            for r in rows("splits")
        ),
        quotas=tuple(
            QuotaRow(r.text("person"), r.text("metric"), r.text("period"), r.number("target"))
            for r in rows("quotas")
        ),
        rates=tuple(
            ExchangeRate(r.text("from"), r.text("to"), r.day("on"), r.number("rate")) for r in rows("rates")
        ),
        mbo=tuple(
            MboAchievement(r.text("person"), r.text("period"), r.text("objective"), r.number("achievement"))
            for r in rows("mbo")
        ),
    )
    periods = tuple(cal.parse_key(str(k)) for k in (data.get("periods") or []))
    if not periods:
        raise InvalidInput(f"{where}: 'periods' must list at least one period key, e.g. [FY2025-Q1]")
    adjustments: dict[str, list[Adjustment]] = {}
    for r in rows("adjustments"):
        adjustments.setdefault(r.text("person"), []).append(
            Adjustment(
                r.text("period"), r.money("amount", currency), r.text("reason", ""), r.text("approver", "")
            )
        )
    return Scenario(inputs, periods, {k: tuple(v) for k, v in adjustments.items()})


def _order(r: _Row, default_currency: str) -> OrderRow:
    currency = r.text("currency", default_currency)
    return OrderRow(
        order_id=r.text("id"),
        booked_on=r.day("booked_on"),
        amount=r.money("amount", currency),
        currency=currency,
        kind=r.text("kind", "new"),
        owner=r.opt("owner"),
        product=r.opt("product"),
        product_family=r.opt("product_family"),
        segment=r.opt("segment"),
        account=r.opt("account"),
        territory=r.opt("territory"),
        invoiced_on=r.opt_day("invoiced_on"),
        paid_on=r.opt_day("paid_on"),
        original=r.opt("original"),
    )


def run_scenario(scenario: Scenario) -> dict[str, Any]:
    """Results and payouts of every payee in every period of the scenario, as plain data."""
    inp = scenario.inputs
    by_payee: dict[tuple[str, str, date], dict[str, PayeeResult]] = {}
    for period in scenario.periods:
        for key, history in evaluate_history(inp, period).items():
            by_payee.setdefault(key, {})[history[-1].period_key] = history[-1]
    payees = []
    clawbacks: dict[str, Clawbacks] = {}
    for (person, plan_key, _), results in sorted(by_payee.items()):
        plan = inp.plans[plan_key]
        keys = [p.key for p in scenario.periods if p.kind is plan.period]
        if plan_key not in clawbacks:
            clawbacks[plan_key] = Clawbacks(cancellations_of(inp.orders, plan, inp.calendar))
        payouts = settle_payee(
            plan,
            keys,
            [results[k] for k in keys if k in results],
            inp.orders,
            inp.calendar,
            scenario.adjustments.get(person, ()),
            clawbacks=clawbacks[plan_key],
        )
        payees.append(
            {
                "person": person,
                "plan": plan_key,
                "periods": [plain(results[k]) for k in keys if k in results],
                "payouts": [_payout(p) for p in payouts],
            }
        )
    return {"payees": payees}


def _payout(p: Any) -> dict[str, Any]:
    return {
        "period": p.period_key,
        "amount": p.amount,
        "balance": p.balance,
        "lines": [{"kind": line.kind, "amount": line.amount, **dict(line.detail)} for line in p.lines],
    }


def load_plans(paths: list[Path]) -> dict[str, CompiledPlan]:
    from attain.engine.plan_source import compile_file  # noqa: PLC0415 - keeps this module's imports light

    plans: dict[str, CompiledPlan] = {}
    for path in paths:
        plan = compile_file(path)
        plans[plan.key] = plan
    return plans
