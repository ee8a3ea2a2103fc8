"""`attain plan test`: run a plan's fixtures (inputs plus expected earnings and payouts) like unit tests.

A fixture file lists the plans (paths relative to it) and cases; each case has inputs (the scenario format of
attain.engine.fixtures) and expectations in major units:
`{person: ann, period: FY2025-Q1, total: 26000}`, `{..., component: core, amount: 26000}` or
`{..., payout: 1500, balance: -1000}`. A plan file given directly is tested with `<stem>.tests.yaml`
beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from attain.domain.errors import AttainError, InvalidInput
from attain.domain.money import from_minor
from attain.engine.fixtures import load_plans, load_yaml, read_scenario, run_scenario


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    name: str
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def fixture_path(path: Path) -> Path:
    """The fixture file for `path`: itself when it has cases, else `<stem>.tests.yaml` beside the plan."""
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    if isinstance(data, dict) and "cases" in data:
        return path
    beside = path.with_name(f"{path.stem}.tests.yaml")
    if not beside.exists():
        raise InvalidInput(
            f"{path} has no cases and there is no {beside.name} beside it",
            hint="write fixtures as 'plans: [...]' and 'cases: [...]' (see docs/plans.md, Testing plans)",
        )
    return beside


def run_case_dir(case: Path) -> dict[str, Any]:
    """A golden case folder: inputs.yaml (naming its plans) -> the plain results and payouts."""
    data = load_yaml((case / "inputs.yaml").read_text(encoding="utf-8"), str(case / "inputs.yaml"))
    plans = load_plans([case / p for p in data.pop("plans", [])])
    return run_scenario(read_scenario(data, plans, str(case / "inputs.yaml")))


def run_fixtures(path: Path) -> list[CaseOutcome]:
    path = fixture_path(path)
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    plan_files = data.get("plans") or ([path.with_name(path.name.replace(".tests", ""))] if data else [])
    plans = load_plans([path.parent / p for p in plan_files])
    outcomes = []
    for i, case in enumerate(data.get("cases") or [], start=1):
        name = str(case.get("name", f"case {i}"))
        try:
            result = run_scenario(read_scenario(case.get("inputs") or {}, plans, f"{path} case '{name}'"))
            failures = [f for e in case.get("expect") or [] if (f := _check(result, e)) is not None]
        except AttainError as exc:
            failures = [f"error: {exc.render()}"]
        outcomes.append(CaseOutcome(name, tuple(failures)))
    return outcomes


def _check(result: dict[str, Any], expect: dict[str, str]) -> str | None:
    person, period = expect.get("person"), expect.get("period")
    where = f"{person} {period}"
    for payee in result["payees"]:
        if payee["person"] != person:
            continue
        currency = payee["periods"][0]["currency"] if payee["periods"] else "USD"
        for p in payee["periods"]:
            if p["period_key"] != period:
                continue
            if "component" in expect:
                got = sum(line["amount"] for line in p["lines"] if line["component"] == expect["component"])
                return _compare(f"{where} {expect['component']}", expect["amount"], got, currency)
            if "total" in expect:
                return _compare(f"{where} total", expect["total"], p["total"], currency)
        for payout in payee["payouts"]:
            if payout["period"] == period and "payout" in expect:
                wrong = _compare(f"{where} payout", expect["payout"], payout["amount"], currency)
                if wrong is None and "balance" in expect:
                    return _compare(f"{where} balance", expect["balance"], payout["balance"], currency)
                return wrong
    return f"{where}: no result (is {person} assigned a plan paying in {period}?)"


def _compare(what: str, expected: str, got_minor: int, currency: str) -> str | None:
    want = Decimal(str(expected).replace(",", ""))
    got = from_minor(got_minor, currency)
    return None if got == want else f"{what}: expected {want}, got {got}"
