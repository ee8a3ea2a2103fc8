"""Prior-period adjustments: a closed period whose facts changed is recalculated, and the delta against what
its close posted (plus deltas already posted for it) lands in the next open period, per component.

A closed period is looked at only when its facts' fingerprint differs from the one last reconciled (at its
close, or by a later closed period's run), so unchanged history costs one hash per period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from attain.app.ports import StoredPeriod
from attain.app.runs.engines import Evaluate
from attain.app.runs.inputs import Facts, calculation_input, fingerprint
from attain.app.runs.ports import PayTransaction
from attain.app.runs.records import PriorDelta

CLOSED = "closed"


def periods_to_reconcile(periods: Sequence[StoredPeriod], target: StoredPeriod) -> list[StoredPeriod]:
    """The closed periods (of the target's kind) for which `target` is the next open period."""
    same = sorted((p for p in periods if p.period.kind is target.period.kind), key=lambda p: p.period.start)
    earlier = [p for p in same if p.period.start < target.period.start]
    out: list[StoredPeriod] = []
    for p in reversed(earlier):
        if p.status != CLOSED:
            break
        out.append(p)
    return list(reversed(out))


def known_fingerprint(tx: PayTransaction, period: StoredPeriod, later: Sequence[StoredPeriod]) -> str | None:
    """The fingerprint of `period`'s facts as last reconciled: by the closing run of a later closed period
    that recalculated it, else by its own closing run."""
    for p in reversed(later):
        runs = [r for r in tx.runs.listing(p.id) if r.status == "succeeded"]
        if runs and period.period.key in runs[-1].reconciled:
            return runs[-1].reconciled[period.period.key]
    own = [r for r in tx.runs.listing(period.id) if r.status == "succeeded"]
    return own[-1].fingerprint if own else None


def prior_deltas(
    tx: PayTransaction,
    facts: Facts,
    closed: Sequence[StoredPeriod],
    evaluate: Evaluate,
    people: Collection[str] | None,
) -> tuple[list[PriorDelta], dict[str, str]]:
    """The deltas of every changed closed period in `closed`, and the fingerprints now reconciled."""
    deltas: list[PriorDelta] = []
    reconciled: dict[str, str] = {}
    people = None if people is None else frozenset(people)  # looked up once per result and entry
    for i, c in enumerate(closed):
        inp = calculation_input(facts, c.period)
        now_print, _ = fingerprint(inp, facts.versions.values())
        if now_print == known_fingerprint(tx, c, closed[i + 1 :]):
            continue
        reconciled[c.period.key] = now_print
        now: dict[tuple[str, str, str], int] = defaultdict(int)
        for result in evaluate(inp, c.period):
            if people is not None and result.person_id not in people:
                continue
            for line in result.lines:
                now[(result.person_id, result.plan_key, line.component)] += line.amount
        was: dict[tuple[str, str, str], int] = defaultdict(int)
        posted = tx.ledger.entries(period_ids=[c.id], kinds=["earning"]) + tx.ledger.entries(
            refers_period_ids=[c.id], kinds=["prior_period"]
        )
        for e in posted:
            if people is None or e.person in people:
                was[(e.person, e.plan_key, e.component or "")] += e.amount
        for key in sorted(set(now) | set(was)):
            if now[key] != was[key]:
                person, plan_key, component = key
                deltas.append(PriorDelta(person, plan_key, component, c.period.key, c.id, was[key], now[key]))
    return deltas, reconciled
