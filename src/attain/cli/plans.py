"""`attain plan check|test|save|versions`: compile plans (errors at line:col), run fixtures, keep versions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from attain.cli.context import state
from attain.cli.main import app
from attain.cli.output import console, err_console, print_rows
from attain.domain.errors import InvalidInput
from attain.engine.plan_source import compile_file
from attain.engine.plan_tests import run_fixtures

plan_app = typer.Typer(
    help="Compensation plans as code: check, test, save and list versions.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")

EXIT_TESTS_FAILED = 1


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", hint="check the path") from None


@plan_app.command("check")
def check(file: Annotated[Path, typer.Argument(help="Plan document (YAML)")]) -> None:
    """Compile a plan; errors say line:col and suggest a fix (exit code 2)."""
    _read(file)
    plan = compile_file(file)
    kinds = ", ".join(f"{type(c).__name__.lower()} {c.key}" for c in plan.components)
    err_console.print(
        f"[green]ok[/green] {file}: plan '{plan.key}' ({plan.currency}, paid per {plan.period}); "
        f"measures: {', '.join(plan.measures)}; components: {kinds}"
    )


@plan_app.command("test")
def test(
    file: Annotated[Path, typer.Argument(help="Fixture file, or a plan with <stem>.tests.yaml beside it")],
) -> None:
    """Run plan fixtures (inputs plus expected earnings and payouts) like unit tests."""
    _read(file)
    outcomes = run_fixtures(file)
    for outcome in outcomes:
        mark = "[green]PASS[/green]" if outcome.passed else "[red]FAIL[/red]"
        console.print(f"{mark} {outcome.name}")
        for failure in outcome.failures:
            console.print(f"     {failure}")
    failed = sum(1 for o in outcomes if not o.passed)
    console.print(f"{len(outcomes) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(EXIT_TESTS_FAILED)


@plan_app.command("save")
def save(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Plan document (YAML)")],
    key: Annotated[
        str | None, typer.Option("--key", help="Plan key (default: the document's 'plan:')")
    ] = None,
    comment: Annotated[str, typer.Option("--comment", help="What changed and why")] = "",
) -> None:
    """Store a plan as a new version when its text changed (it must compile first)."""
    text = _read(file)
    plan = compile_file(file)
    plan_key = key or plan.key
    at = datetime.now(UTC)
    with state(ctx).store().transaction() as tx:
        saved = tx.plans.save(plan_key, plan.name, text, comment=comment, actor="cli", at=at)
        if saved.created:
            tx.audit.record(
                at=at,
                actor="cli",
                action="plan.save",
                entity="plan",
                entity_id=plan_key,
                reason=comment or None,
                detail={"version": saved.version.version, "checksum": saved.version.checksum},
            )
    if saved.created:
        err_console.print(f"[green]Saved[/green] plan '{plan_key}' version {saved.version.version}.")
    else:
        err_console.print(f"Unchanged: plan '{plan_key}' version {saved.version.version} has the same text.")


@plan_app.command("versions")
def versions(ctx: typer.Context, key: Annotated[str, typer.Argument(help="Plan key")]) -> None:
    """The stored versions of a plan."""
    st = state(ctx)
    with st.store().transaction() as tx:
        rows = tx.plans.versions(key)
    if not rows:
        raise InvalidInput(f"no plan '{key}' is stored", hint="save one with: attain plan save FILE")
    print_rows(
        [
            {
                "version": r.version,
                "created_at": r.created_at.isoformat(timespec="seconds"),
                "created_by": r.created_by,
                "checksum": r.checksum[:12],
                "comment": r.comment,
            }
            for r in rows
        ],
        st.fmt,
        title=f"Plan {key}",
    )
