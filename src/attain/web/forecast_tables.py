"""The tables and chart of the forecast pages: the outlook per scope, backtest accuracy, calibration by
decile, the weekly calls and the snapshot history pivoted week by week. Money arrives in minor units and
leaves as exact major-unit Decimals, as the other tables show it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from attain.app.forecasts.ports import Call
from attain.app.forecasts.submissions import RollupLine
from attain.web.pay_pages import major
from attain.web.tables import Column, Kind, Table

OUTLOOK_MONEY = (
    "actual_to_date",
    "statistical_lo_80",
    "statistical",
    "statistical_hi_80",
    "pipeline_weighted",
    "commit",
    "blended",
    "goal",
    "gap",
)
METHOD_LABELS = {
    "statistical": "Statistical",
    "pipeline_weighted": "Pipeline-weighted",
    "commit": "Commit call",
    "blended": "Blended",
    "best_case": "Best case call",
    "pipeline_call": "Pipeline call",
}


def _money(value: int | None, currency: str) -> Any:
    return None if value is None else major(value, currency)


def outlook_table(params: Mapping[str, str], rows: Sequence[Mapping[str, Any]], currency: str) -> Table:
    shown = [
        {
            **{k: r[k] for k in ("scope", "name", "method", "p_goal")},
            **{k: _money(r[k], currency) for k in OUTLOOK_MONEY},
        }
        for r in rows
    ]
    columns = [
        Column("name", "Scope", link=lambda r: f"/forecasts?scope={r['scope']}"),
        Column("actual_to_date", "Booked to date", Kind.MONEY),
        Column("statistical", "Statistical", Kind.MONEY),
        Column("statistical_lo_80", "80 % low", Kind.MONEY),
        Column("statistical_hi_80", "80 % high", Kind.MONEY),
        Column("pipeline_weighted", "Pipeline-weighted", Kind.MONEY),
        Column("commit", "Commit call", Kind.MONEY, link=lambda r: "/forecasts/calls"),
        Column("blended", "Blended", Kind.MONEY),
        Column("goal", "Goal", Kind.MONEY),
        Column("gap", "Gap to goal", Kind.MONEY),
        Column("p_goal", "P(reach goal)", Kind.PERCENT),
        Column("method", "Statistical method"),
    ]
    return Table(
        "outlook",
        f"Forecast against goal ({currency})",
        columns,
        shown,
        params,
        empty="No scope to forecast: import orders (attain import) so there is a history to forecast from.",
        currency=currency,
    )


def interval_chart(row: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """Each method's forecast of the chosen scope beside the goal, the statistical one with its 80 % band."""
    keys = ["actual_to_date", "statistical_lo_80", "statistical", "statistical_hi_80", "pipeline_weighted"]
    keys += ["commit", "blended"]
    labels = ["Booked to date", "Statistical 80 % low", "Statistical", "Statistical 80 % high"]
    labels += ["Pipeline-weighted", "Commit call", "Blended"]
    goal = row.get("goal")
    return {
        "type": "bar",
        "labels": labels,
        "series": [
            {"label": f"Forecast ({currency})", "data": [_float(row.get(k), currency) for k in keys]},
            {"label": "Goal", "data": [_float(goal, currency) for _ in keys]},
        ],
    }


def _float(value: int | None, currency: str) -> float | None:
    return None if value is None else float(major(value, currency))


def accuracy_table(params: Mapping[str, str], rows: Sequence[Mapping[str, Any]]) -> Table:
    columns = [
        Column("scope", "Scope"),
        Column("method", "Method"),
        Column("best", "Best (lowest WAPE)", Kind.STATUS),
        Column("wape", "WAPE", Kind.PERCENT),
        Column("mase", "MASE", Kind.NUMBER),
        Column("smape", "sMAPE", Kind.NUMBER),
        Column("bias", "Bias", Kind.PERCENT),
        Column("points", "Points", Kind.COUNT),
    ]
    return Table(
        "accuracy",
        "Backtest accuracy, 3 months ahead from 3 rolling origins",
        columns,
        list(rows),
        params,
        empty="Too little history to backtest: a scope needs at least 9 months of bookings.",
        default_sort="wape",
    )


def calibration_table(params: Mapping[str, str], rows: Sequence[Mapping[str, Any]]) -> Table:
    columns = [
        Column("decile", "Decile", Kind.COUNT),
        Column("deals", "Deals", Kind.COUNT),
        Column("predicted", "Predicted win rate", Kind.PERCENT),
        Column("observed", "Observed win rate", Kind.PERCENT),
    ]
    return Table(
        "calibration",
        "Win probabilities predicted a quarter ago against what was won",
        columns,
        list(rows),
        params,
        empty="No deals were open a quarter ago: import opportunities with their stage history to calibrate.",
        default_sort="decile",
    )


def _part(call: Call | None, name: str, currency: str) -> Any:
    return None if call is None else major(int(getattr(call, name)), currency)


def calls_table(params: Mapping[str, str], lines: Sequence[RollupLine], currency: str) -> Table:
    rows = [
        {
            "person": "· " * line.depth + line.name,
            "person_id": line.person_id,
            "submitted": _part(line.submitted, "commit", currency),
            "overridden": _part(line.overridden, "commit", currency),
            "team": _part(line.team, "commit", currency),
            "commit": _part(line.effective, "commit", currency),
            "best_case": _part(line.effective, "best_case", currency),
            "pipeline": _part(line.effective, "pipeline", currency),
            "note": line.override_note or "",
            "status": "missing" if line.missing else ("overridden" if line.overridden else "called"),
        }
        for line in lines
    ]
    columns = [
        Column("person", "Person", link=lambda r: f"/people/{r['person_id']}"),
        Column("status", "Status", Kind.STATUS),
        Column("submitted", "Own commit", Kind.MONEY),
        Column("overridden", "Override", Kind.MONEY),
        Column("team", "Team commit", Kind.MONEY),
        Column("commit", "Commit", Kind.MONEY),
        Column("best_case", "Best case", Kind.MONEY),
        Column("pipeline", "Pipeline", Kind.MONEY),
        Column("note", "Override note"),
    ]
    return Table(
        "calls",
        f"Roll-up of the calls ({currency})",
        columns,
        rows,
        params,
        empty="No call in reach this week: the roll-up follows the reporting lines of the week's last day.",
    )


def history_table(params: Mapping[str, str], rows: Sequence[Mapping[str, Any]], currency: str) -> Table:
    """One row per scope and method, one column per snapshotted week."""
    weeks = sorted({int(r["week"]) for r in rows})
    pivot: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (str(r["scope"]), str(r["method"]))
        line = pivot.setdefault(key, {"scope": key[0], "method": METHOD_LABELS.get(key[1], key[1])})
        line[f"w{r['week']}"] = major(int(r["amount"]), currency)
    columns = [Column("scope", "Scope"), Column("method", "Method")]
    columns += [Column(f"w{w}", f"Week {w}", Kind.MONEY) for w in weeks]
    return Table(
        "history",
        f"What was called and forecast, week by week ({currency})",
        columns,
        [pivot[k] for k in sorted(pivot)],
        params,
        empty="No week of this period was snapshotted yet: an admin freezes a week with "
        "`attain forecast snapshot --period ... --week ...` or POST /api/v1/forecasts/{period}/snapshots.",
    )
