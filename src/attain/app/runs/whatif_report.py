"""A what-if as data (JSON-ready, money in minor units) and as plain text (`attain plan whatif`)."""

from __future__ import annotations

from typing import Any

from attain.app.runs.statements import money
from attain.app.runs.whatif import WhatIfResult
from attain.app.runs.whatif_lines import WhatIfLine
from attain.engine.results import plain


def line_data(line: WhatIfLine) -> dict[str, Any]:
    return {
        "plan": line.plan_key,
        "component": line.component,
        "kind": line.kind,
        "order": line.order_id,
        "before": line.before,
        "after": line.after,
        "delta": line.delta,
        "explanation": line.explanation,
        "text": line.text,
    }


def as_data(r: WhatIfResult) -> dict[str, Any]:
    o = r.opportunity
    return {
        "person": r.person,
        "name": r.name,
        "period": r.period_key,
        "booked_on": r.booked_on.isoformat(),
        "opportunity": plain(
            {
                "id": o.external_id,
                "name": o.name,
                "owner": o.owner,
                "owner_name": o.owner_name,
                "account": o.account,
                "product": o.product,
                "product_family": o.product_family,
                "stage": o.stage,
                "amount": o.amount,
                "currency": o.currency,
                "close_on": o.close_on,
            }
        ),
        "amount": r.amount,
        "currency": r.currency,
        "plan_currency": r.plan_currency,
        "plans": list(r.plans),
        "before": r.before,
        "after": r.after,
        "delta": r.delta,
        "lines": [line_data(line) for line in r.lines],
        "changes": [line_data(line) for line in r.changes],
        "splits": [{"person": s.person, "share": str(s.share), "role": s.role.value} for s in r.splits],
    }


def _signed(amount: int, currency: str) -> str:
    return ("+" if amount > 0 else "") + money(amount, currency)


def whatif_text(r: WhatIfResult) -> str:
    """The estimate in words: the deal, before / after / delta, and every line that makes the delta."""
    o, unit = r.opportunity, r.plan_currency
    title = f" ({o.name})" if o.name else ""
    out = [
        f"What if opportunity {o.external_id}{title} closes at {money(r.amount, r.currency)} {r.currency} "
        f"on {r.booked_on}",
        f"{r.name} ({r.person}), {r.period_key}, plan {', '.join(r.plans)}; earnings in {unit}:",
        f"  before  {money(r.before, unit):>14}",
        f"  after   {money(r.after, unit):>14}",
        f"  delta   {_signed(r.delta, unit):>14}",
    ]
    if r.splits:
        shares = ", ".join(f"{s.person} {s.share * 100:g}% {s.role.value}" for s in r.splits)
        out.append(f"  credited by splits: {shares}")
    for heading, lines in (("Lines of the deal", r.lines), ("Other lines that change", r.changes)):
        if not lines:
            continue
        out += ["", f"{heading}:"]
        for line in lines:
            out.append(
                f"  {line.plan_key} {line.component} {line.kind} {_signed(line.delta, unit):>12}  {line.text}"
            )
    if not r.lines and not r.changes:
        out += ["", f"The deal does not credit {r.person} under their plan in {r.period_key}."]
    return "\n".join(out)
