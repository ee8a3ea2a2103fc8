"""`attain inquiry list|show|raise|answer|resolve`: questions on statement lines and their answers.

The use cases live in attain.app.runs.inquiries; this module parses, names people by external id and prints.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from attain.app.runs.inquiries import answer_inquiry, inquiries, raise_inquiry, resolve_inquiry
from attain.app.runs.ports import InquiryRecord
from attain.cli.context import state
from attain.cli.main import app
from attain.cli.output import err_console, print_rows
from attain.domain.errors import InvalidInput, NotFound
from attain.store.unit_of_work import SqlStore

ACTOR = "cli"
STATUSES = ("open", "answered", "resolved")
inquiry_app = typer.Typer(
    help="Inquiries on statement lines: raise, answer, resolve (maybe with an adjustment).",
    no_args_is_help=True,
)
app.add_typer(inquiry_app, name="inquiry")


def _row(r: InquiryRecord) -> dict[str, Any]:
    last = r.history[-1] if r.history else None
    return {
        "id": r.id,
        "person_id": r.person,
        "period": r.period_key,
        "line": r.line.get("seq", ""),
        "status": r.status,
        "question": r.question,
        "raised_by": r.raised_by,
        "raised_at": r.raised_at.isoformat(timespec="seconds"),
        "last_action": f"{last[2]} by {last[1]}" if last else "",
        "adjustment_entry": r.adjustment_id,
    }


def _person_id(store: SqlStore, person: str) -> int:
    with store.transaction() as tx:
        ids = tx.pay_inputs.person_ids()
    if person not in ids:
        raise NotFound(f"person {person} not found", hint="name people by their external id")
    return ids[person]


@inquiry_app.command("list")
def list_command(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option("--person", help="Only this person's (external id)")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open, answered or resolved")] = None,
) -> None:
    """Inquiries, oldest first: who raised what on which line, and where each stands."""
    st = state(ctx)
    store = st.store()
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"unknown status '{status}'", hint=f"one of: {', '.join(STATUSES)}")
    people = None if person is None else [_person_id(store, person)]
    rows = [_row(r) for r in inquiries(store, people, status)]
    print_rows(rows, st.fmt, title="Inquiries")


@inquiry_app.command("show")
def show(ctx: typer.Context, inquiry: Annotated[int, typer.Argument(help="Inquiry id")]) -> None:
    """One inquiry with its history (raised, answered, resolved: when, who, what was said)."""
    st = state(ctx)
    found = [r for r in inquiries(st.store()) if r.id == inquiry]
    if not found:
        raise NotFound(f"inquiry {inquiry} not found", hint="`attain inquiry list` shows them")
    r = found[0]
    err_console.print(
        f"Inquiry {r.id} on {r.person}'s {r.period_key} statement"
        + (f", line {r.line['seq']} ({r.line.get('kind')})" if "seq" in r.line else "")
        + f": {r.status}",
        highlight=False,
    )
    rows = [
        {"at": at.isoformat(timespec="seconds"), "by": actor, "action": action, "text": text}
        for at, actor, action, text in r.history
    ]
    print_rows(rows, st.fmt, title=f"Inquiry {r.id}", columns=["at", "by", "action", "text"])


@inquiry_app.command("raise")
def raise_command(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Whose statement (external id)")],
    period: Annotated[str, typer.Option("--period", help="Period key, e.g. FY2025-Q1")],
    question: Annotated[str, typer.Option("--question", help="What looks wrong and why")],
    line: Annotated[int | None, typer.Option("--line", help="The statement line number (#)")] = None,
) -> None:
    """Raise an inquiry on a person's statement (on one line of it with --line)."""
    store = state(ctx).store()
    r = raise_inquiry(store, _person_id(store, person), period, question, line=line, actor=ACTOR)
    err_console.print(f"[green]Raised[/green] inquiry {r.id} on {r.person}'s {r.period_key} statement.")


@inquiry_app.command("answer")
def answer(
    ctx: typer.Context,
    inquiry: Annotated[int, typer.Argument(help="Inquiry id")],
    text: Annotated[str, typer.Option("--text", help="The answer")],
) -> None:
    """Answer an inquiry (it stays open to a resolution)."""
    r = answer_inquiry(state(ctx).store(), inquiry, text, actor=ACTOR)
    err_console.print(f"[green]Answered[/green] inquiry {r.id}.")


@inquiry_app.command("resolve")
def resolve(
    ctx: typer.Context,
    inquiry: Annotated[int, typer.Argument(help="Inquiry id")],
    text: Annotated[str, typer.Option("--text", help="How it was resolved")],
    adjustment: Annotated[
        str | None, typer.Option("--adjustment", help="Also adjust by this amount (major units, e.g. 150)")
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Open period of the adjustment (default: the inquiry's)")
    ] = None,
    approver: Annotated[
        str | None, typer.Option("--approver", help="Who approved the adjustment (needed with --adjustment)")
    ] = None,
) -> None:
    """Resolve an inquiry, with an adjustment appended to the ledger and linked to it if given."""
    if adjustment is not None and not (approver or "").strip():
        raise InvalidInput("an adjustment needs an approver", hint="add --approver NAME")
    r = resolve_inquiry(
        state(ctx).store(),
        inquiry,
        text,
        actor=ACTOR,
        adjustment=adjustment,
        period_key=period,
        approver=approver,
    )
    linked = f" with adjustment entry {r.adjustment_id}" if r.adjustment_id else ""
    err_console.print(f"[green]Resolved[/green] inquiry {r.id}{linked}.")
