"""The lines of a what-if: the extra order's own explained lines, and every other line the order changes.

With marginal tiers on a running total, an order dated before others moves their slices to higher tiers;
a gate may open, a cap may bite. So the difference of the person's explained results without and with the
order, line by line, is what explains the delta: the order's lines plus the changes add up to it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from attain.app.runs.ports import LineRecord
from attain.app.runs.records import EARNING, earning_explanation
from attain.app.runs.statements import line_text
from attain.engine.inputs import OrderRow
from attain.engine.relational.whatif import Estimate
from attain.engine.results import EarningLine


@dataclass(frozen=True, slots=True)
class WhatIfLine:
    """One explained line: what it was without the order and is with it (minor units of the plan currency)."""

    plan_key: str
    component: str
    kind: str  # commission, spiff, order_min, order_max, gate, cap, plan_cap, bonus, true_up, ...
    order_id: str | None
    before: int
    after: int
    explanation: dict[str, Any]
    text: str

    @property
    def delta(self) -> int:
        return self.after - self.before


def _line(
    plan_key: str, line: EarningLine, before: int, after: int, order: OrderRow | None, currency: str
) -> WhatIfLine:
    explanation = earning_explanation(line, order)
    record = LineRecord(0, EARNING, line.component, line.kind, after, line.order_id, explanation)
    return WhatIfLine(
        plan_key,
        line.component,
        line.kind,
        line.order_id,
        before,
        after,
        explanation,
        line_text(record, currency),
    )


def order_lines(estimate: Estimate, order: OrderRow, currency: str) -> tuple[WhatIfLine, ...]:
    """The order's own lines, as a statement would show them once it is booked."""
    return tuple(_line(c.plan_key, c.line, 0, c.after, order, currency) for c in estimate.own)


def changed_lines(estimate: Estimate, currency: str) -> tuple[WhatIfLine, ...]:
    """The other lines whose amount the order changes (or that appear or go), in the order of the results
    with the order booked, then those that go (see `Estimate.changes`)."""
    return tuple(_line(c.plan_key, c.line, c.before, c.after, None, currency) for c in estimate.changes)
