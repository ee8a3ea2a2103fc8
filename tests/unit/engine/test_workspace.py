"""Lines kept on disk (Parquet files in the workspace) give exactly the rows of lines kept in memory (on
generated plans: tests/unit/engine/test_fast_engine_properties.py)."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from attain.engine.plan_source import compile_text
from attain.engine.reference import evaluate
from attain.engine.relational import FactTables, run_period
from attain.engine.relational.workspace import Workspace
from tests.unit.engine.test_fast_engine import ORDERS, OVERRIDE, Q1, company


def _sorted(table: pa.Table) -> list[dict[str, object]]:
    return sorted(table.to_pylist(), key=lambda r: tuple(str(v) for v in r.values()))


def test_lines_on_disk_are_files_in_the_workspace_and_read_like_the_table() -> None:
    facts = FactTables.from_input(company(ORDERS))
    in_memory = run_period(facts, Q1)
    on_disk = run_period(facts, Q1, Workspace(lines_on_disk=True))
    try:
        kinds = on_disk.con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'lines'"
        ).fetchall()
        assert kinds == [("VIEW",)]
        assert _sorted(on_disk.lines_arrow()) == _sorted(in_memory.lines_arrow())
        assert on_disk.line_count() == in_memory.line_count() > 0
        assert on_disk.order_lines("o2") == in_memory.order_lines("o2")
        assert on_disk.totals() == in_memory.totals()
    finally:
        in_memory.close()
        on_disk.workspace.close()


def test_a_second_run_in_the_same_workspace_starts_from_no_lines() -> None:
    workspace = Workspace(lines_on_disk=True)
    try:
        facts = FactTables.from_input(company(ORDERS))
        first = run_period(facts, Q1, workspace).line_count()
        second = run_period(FactTables.from_input(company(ORDERS[:1])), Q1, workspace)
        alone = run_period(FactTables.from_input(company(ORDERS[:1])), Q1)
        assert first > second.line_count() == alone.line_count()
        assert _sorted(second.lines_arrow()) == _sorted(alone.lines_arrow())
        alone.close()
    finally:
        workspace.close()


def test_a_roll_up_plan_run_last_reads_its_credits_as_a_view_of_the_shared_direct_credits() -> None:
    # "team" sorts after "rep": the roll-up plan is the last to read the shared direct credits, so they may
    # only go once its lines are made (its credits are a view over them on disk).
    inp = company(ORDERS)
    team = compile_text(OVERRIDE.replace("plan: manager", "plan: team"))
    inp = replace(
        inp,
        plans={"rep": inp.plans["rep"], "team": team},
        assignments=tuple(
            replace(a, plan_key="team") if a.plan_key == "manager" else a for a in inp.assignments
        ),
    )
    run = run_period(FactTables.from_input(inp), Q1, Workspace(lines_on_disk=True))
    try:
        assert run.results() == evaluate(inp, Q1)
        assert any(r.plan_key == "team" and r.total for r in run.results())
    finally:
        run.workspace.close()
