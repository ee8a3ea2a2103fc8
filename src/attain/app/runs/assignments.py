"""Plan assignments: give a person a plan version, a target incentive and dates (`attain plan assign`).

The plan text is compiled before it is saved, so only plans that compile are ever assigned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from attain.app.runs.calculate import Clock, utc_now
from attain.app.runs.ports import PayStore, PayTransaction, PlanVersionRecord
from attain.domain.errors import InvalidInput, NotFound
from attain.domain.money import to_minor
from attain.engine.plan_source import compile_text


@dataclass(frozen=True, slots=True)
class NewAssignment:
    person: str  # external id
    target_incentive: str  # major units of the plan currency, per plan year
    valid_from: date
    valid_to: date | None = None


def save_plan(tx: PayTransaction, document: str, *, actor: str, now: Clock = utc_now) -> PlanVersionRecord:
    """Compile and store `document` (a new version only when the text changed); its version record."""
    plan = compile_text(document)
    version_id = tx.plan_book.save(plan.key, plan.name, document, actor=actor, at=now())
    return tx.pay_inputs.plan_versions([version_id])[0]


def find_version(tx: PayTransaction, ref: str) -> PlanVersionRecord:
    """`key` (the latest version) or `key@N` (version N)."""
    key, _, number = ref.partition("@")
    if number and not number.isdigit():
        raise InvalidInput(f"'{ref}' is not a plan version", hint="write KEY or KEY@N, e.g. ae@2")
    found = tx.plan_book.version(key, int(number)) if number else tx.plan_book.latest(key)
    if found is None:
        raise NotFound(f"plan {ref} not found", hint="`attain plan versions KEY` lists the versions")
    return found


def assign_plan(
    store: PayStore,
    ref: str,
    assignments: Sequence[NewAssignment],
    *,
    actor: str = "system",
    now: Clock = utc_now,
) -> PlanVersionRecord:
    """Assign plan `ref` (KEY or KEY@N) to each person; re-assigning the same dates updates the row."""
    with store.transaction() as tx:
        version = find_version(tx, ref)
        plan = compile_text(version.document)
        ids = tx.pay_inputs.person_ids()
        for a in assignments:
            if a.person not in ids:
                raise NotFound(f"person {a.person} not found", hint="name people by their external id")
            if a.valid_to is not None and a.valid_to < a.valid_from:
                raise InvalidInput(f"{a.person}: the assignment ends ({a.valid_to}) before it starts")
            target = to_minor(a.target_incentive, plan.currency)
            tx.plan_book.assign(ids[a.person], version.id, target, plan.currency, a.valid_from, a.valid_to)
        tx.audit.record(
            at=now(),
            actor=actor,
            action="assign",
            entity="plan",
            entity_id=version.label,
            detail={"people": [a.person for a in assignments][:50], "count": len(assignments)},
        )
    return version
