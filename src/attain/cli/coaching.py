"""`attain coaching ...`: sessions, action items, feedback, recommendations and reviews.

Commands act as an admin operator ("cli") unless `--as USER` names a login, whose roles and person
then scope what is shown (a rep sees their own records only). People are given by external id.
Training, skills, contests and badges are in `cli.coaching_training`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from attain.app.coaching.access import Viewer
from attain.app.coaching.feedback import feedback_about, feedback_visible, give_feedback
from attain.app.coaching.followup import ItemFilter, follow_up
from attain.app.coaching.sessions import (
    add_action_item,
    record_session,
    schedule_session,
    session_view,
    sessions_for,
    set_action_status,
)
from attain.app.coaching.wording import format_value
from attain.cli.context import state
from attain.cli.main import app
from attain.cli.output import err_console, print_rows
from attain.domain.errors import NotFound
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.unit_of_work import SqlStore

coaching_app = typer.Typer(help="Coaching, feedback, training and appraisals.", no_args_is_help=True)
app.add_typer(coaching_app, name="coaching")

DayOpt = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])]
PersonArg = Annotated[str, typer.Argument(help="The person's external id")]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="Period key, e.g. FY2025-Q2 (default: this quarter)")
]


@dataclass
class Coaching:
    """What every coaching command needs: the stores, the KPI source, who acts and which day it is."""

    store: SqlStore
    coaching: SqlCoachingStore
    kpis: AnalyticsKpis
    viewer: Viewer
    today: date

    def person(self, external_id: str) -> int:
        with self.coaching.transaction() as tx:
            found = tx.org.by_external_id(external_id)
        if found is None:
            raise NotFound(f"no person with id '{external_id}'", hint="people are given by their external id")
        return found.id

    def names(self, ids: list[int]) -> dict[int, str]:
        with self.coaching.transaction() as tx:
            return {k: v.external_id for k, v in tx.org.names(ids).items()}

    def period(self, key: str | None) -> str:
        if key:
            return key
        found = self.kpis.current_period("quarter", self.today)
        if found is None:
            raise NotFound(
                f"no fiscal quarter holds {self.today}", hint="run `attain init`, or give --period"
            )
        return found.period.key


def ctx_coaching(ctx: typer.Context) -> Coaching:
    found = ctx.meta.get("coaching")
    if not isinstance(found, Coaching):
        raise TypeError("the coaching callback did not run")
    return found


@coaching_app.callback()
def _coaching(
    ctx: typer.Context,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Act as this login (its roles and person scope the output)")
    ] = None,
    today: Annotated[
        datetime | None,
        typer.Option("--today", formats=["%Y-%m-%d"], help="The day to act on (default: today)"),
    ] = None,
) -> None:
    store = state(ctx).store()
    viewer = Viewer.operator("cli")
    if as_user is not None:
        with store.transaction() as tx:
            found = tx.users.by_username(as_user.strip().lower())
        if found is None or not found[0].is_active:
            raise NotFound(f"no active login '{as_user}'", hint="create it with `attain user add`")
        viewer = Viewer.of(found[0])
    day = today.date() if today else datetime.now().astimezone().date()  # the operator's own day
    ctx.meta["coaching"] = Coaching(store, SqlCoachingStore(store), AnalyticsKpis(store), viewer, day)


def output_format(ctx: typer.Context) -> Any:
    return state(ctx).fmt


# -- sessions -------------------------------------------------------------------------------------


@coaching_app.command("sessions")
def list_sessions(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option(help="Only sessions with this person")] = None,
) -> None:
    """Coaching sessions you may see (private notes only for their coach and admins)."""
    c = ctx_coaching(ctx)
    found = sessions_for(c.coaching, c.viewer, today=c.today, person_id=c.person(person) if person else None)
    names = c.names([s.rep_id for s in found] + [s.coach_id for s in found])
    rows = [
        {
            "id": s.id,
            "held_on": s.held_on,
            "kind": s.kind,
            "status": s.status,
            "rep": names[s.rep_id],
            "coach": names[s.coach_id],
            "topic": s.topic,
            "metrics": ", ".join(s.metrics),
            "notes": s.notes,
            "private_notes": s.private_notes,
        }
        for s in found
    ]
    print_rows(
        rows,
        output_format(ctx),
        title="Coaching sessions",
        columns=[
            "id",
            "held_on",
            "kind",
            "status",
            "rep",
            "coach",
            "topic",
            "metrics",
            "notes",
            "private_notes",
        ],
    )


@coaching_app.command("schedule")
def schedule(
    ctx: typer.Context,
    rep: PersonArg,
    on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], help="The session's day")],
    topic: Annotated[str, typer.Option(help="What the session is about")],
    kind: Annotated[str, typer.Option(help="one_to_one, deal_review, shadowing or role_play")] = "one_to_one",
    coach: Annotated[str | None, typer.Option(help="The coach (default: you)")] = None,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="A metric discussed; repeatable")
    ] = None,
    opportunity: Annotated[
        list[str] | None, typer.Option("--opportunity", help="A deal discussed (CRM id); repeatable")
    ] = None,
    held: Annotated[bool, typer.Option("--held", help="Record it as already held")] = False,
    notes: Annotated[str, typer.Option(help="Notes shared with the rep")] = "",
    private_notes: Annotated[str, typer.Option(help="Notes for the coach and admins only")] = "",
) -> None:
    """Plan a coaching session (or record one already held)."""
    c = ctx_coaching(ctx)
    record = schedule_session(
        c.coaching,
        c.viewer,
        rep_id=c.person(rep),
        kind=kind,
        held_on=on.date(),
        topic=topic,
        today=c.today,
        status="held" if held else "planned",
        coach_id=c.person(coach) if coach else None,
        notes=notes,
        private_notes=private_notes,
        metrics=metric or [],
        opportunities=opportunity or [],
    )
    err_console.print(f"[green]Session {record.id}[/green] {record.status} on {record.held_on}.")


@coaching_app.command("record")
def record(
    ctx: typer.Context,
    session_id: Annotated[int, typer.Argument(help="Session id")],
    notes: Annotated[str | None, typer.Option(help="Notes shared with the rep")] = None,
    private_notes: Annotated[str | None, typer.Option(help="Notes for the coach and admins only")] = None,
    status: Annotated[str, typer.Option(help="held, planned or cancelled")] = "held",
) -> None:
    """Record what happened in a session."""
    c = ctx_coaching(ctx)
    done = record_session(
        c.coaching,
        c.viewer,
        session_id,
        today=c.today,
        notes=notes,
        private_notes=private_notes,
        status=status,
    )
    err_console.print(f"[green]Session {done.id}[/green] is {done.status}.")


@coaching_app.command("session")
def show_session(ctx: typer.Context, session_id: Annotated[int, typer.Argument(help="Session id")]) -> None:
    """One session with its action items and feedback."""
    c = ctx_coaching(ctx)
    view = session_view(c.coaching, c.viewer, session_id, today=c.today)
    s = view.session
    names = c.names([s.rep_id, s.coach_id])
    print_rows(
        [
            {
                "id": s.id,
                "held_on": s.held_on,
                "kind": s.kind,
                "status": s.status,
                "rep": names[s.rep_id],
                "coach": names[s.coach_id],
                "topic": s.topic,
                "notes": s.notes,
                "private_notes": s.private_notes,
                "origin": s.origin,
                "items": ", ".join(f"#{i.id} {i.title}" for i in view.items),
                "feedback": len(view.feedback),
            }
        ],
        output_format(ctx),
        title=f"Session {s.id}",
    )


# -- action items -----------------------------------------------------------------------------------


@coaching_app.command("items")
def items(
    ctx: typer.Context,
    which: Annotated[ItemFilter, typer.Option(help="open, overdue or all")] = ItemFilter.OPEN,
    person: Annotated[str | None, typer.Option(help="Only this person's items")] = None,
) -> None:
    """Action items with the linked metric's movement since each was set."""
    c = ctx_coaching(ctx)
    found = follow_up(
        c.coaching,
        c.kpis,
        c.viewer,
        today=c.today,
        which=which,
        person_ids=[c.person(person)] if person else None,
    )
    rows = []
    for f in found:
        m = f.movement
        rows.append(
            {
                "id": f.item.id,
                "owner": f.owner.external_id,
                "title": f.item.title,
                "due_on": f.item.due_on,
                "status": f.item.status,
                "days_overdue": f.days_overdue,
                "metric": f.item.metric,
                "baseline": format_value(m.metric, m.baseline) if m else None,
                "current": format_value(m.metric, m.current) if m else None,
                "target": format_value(m.metric, m.target) if m else None,
                "progress": None if m is None or m.progress is None else f"{m.progress:.0%}",
            }
        )
    print_rows(
        rows,
        output_format(ctx),
        title=f"Action items ({which})",
        columns=[
            "id",
            "owner",
            "title",
            "due_on",
            "status",
            "days_overdue",
            "metric",
            "baseline",
            "current",
            "target",
            "progress",
        ],
    )


@coaching_app.command("item")
def add_item(
    ctx: typer.Context,
    owner: PersonArg,
    title: Annotated[str, typer.Option(help="What to do")],
    due: Annotated[datetime, typer.Option("--due", formats=["%Y-%m-%d"], help="Due date")],
    session: Annotated[int | None, typer.Option(help="The session it came from")] = None,
    metric: Annotated[str | None, typer.Option(help="A metric to move, e.g. win_rate")] = None,
    target: Annotated[Decimal | None, typer.Option(help="The metric's target, e.g. 0.28 for 28%")] = None,
    baseline: Annotated[
        Decimal | None, typer.Option(help="Default: measured over the window before today")
    ] = None,
    segment: Annotated[str | None, typer.Option(help="Measure on this account segment's deals only")] = None,
    window_days: Annotated[int, typer.Option(help="Days the baseline is measured over")] = 90,
) -> None:
    """Add an action item, optionally linked to a metric with a target."""
    c = ctx_coaching(ctx)
    made = add_action_item(
        c.coaching,
        c.viewer,
        c.kpis,
        owner_id=c.person(owner),
        title=title,
        due_on=due.date(),
        today=c.today,
        session_id=session,
        metric=metric,
        target=target,
        baseline=baseline,
        segment=segment,
        window_days=window_days,
    )
    base = "" if made.metric is None else f" (baseline {made.baseline}, target {made.target})"
    err_console.print(f"[green]Action item {made.id}[/green] due {made.due_on}{base}.")


@coaching_app.command("item-status")
def item_status(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(help="Action item id")],
    status: Annotated[str, typer.Argument(help="done, dropped or open")],
) -> None:
    """Close or reopen an action item."""
    c = ctx_coaching(ctx)
    done = set_action_status(c.coaching, c.viewer, item_id, status, today=c.today)
    err_console.print(f"[green]Action item {done.id}[/green] is {done.status}.")


# -- feedback ---------------------------------------------------------------------------------------


def _points(strengths: list[str], improvements: list[str]) -> list[tuple[str | None, str, str]]:
    """`skill:text` options (or plain text for general points) into (skill, strengths, improvements)."""

    def split(text: str) -> tuple[str | None, str]:
        key, sep, rest = text.partition(":")
        return (key.strip(), rest.strip()) if sep and key.strip() and " " not in key.strip() else (None, text)

    out: dict[str | None, list[str]] = {}
    order: list[str | None] = []
    for kind, texts in (("s", strengths), ("i", improvements)):
        for text in texts:
            skill, body = split(text)
            if skill not in out:
                out[skill] = ["", ""]
                order.append(skill)
            slot = 0 if kind == "s" else 1
            out[skill][slot] = "; ".join(x for x in (out[skill][slot], body) if x)
    return [(skill, out[skill][0], out[skill][1]) for skill in order]


@coaching_app.command("feedback")
def feedback(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option(help="About this person (default: all you may read)")] = None,
) -> None:
    """Feedback you may read: shared feedback about you, your people's, and what you wrote."""
    c = ctx_coaching(ctx)
    found = (
        feedback_about(c.coaching, c.viewer, c.person(person), today=c.today)
        if person
        else feedback_visible(c.coaching, c.viewer, today=c.today)
    )
    names = c.names([f.subject_id for f in found])
    rows = [
        {
            "id": f.id,
            "given_on": f.given_on,
            "about": names[f.subject_id],
            "by": f.author_user,
            "visibility": f.visibility,
            "summary": f.summary,
            "strengths": " | ".join(p.strengths for p in f.points if p.strengths),
            "improvements": " | ".join(p.improvements for p in f.points if p.improvements),
        }
        for f in found
    ]
    print_rows(
        rows,
        output_format(ctx),
        title="Feedback",
        columns=["id", "given_on", "about", "by", "visibility", "summary", "strengths", "improvements"],
    )


@coaching_app.command("give-feedback")
def give(
    ctx: typer.Context,
    about: PersonArg,
    summary: Annotated[str, typer.Option(help="The gist")] = "",
    strength: Annotated[list[str] | None, typer.Option(help="'skill:text' or text; repeatable")] = None,
    improve: Annotated[list[str] | None, typer.Option(help="'skill:text' or text; repeatable")] = None,
    visibility: Annotated[str, typer.Option(help="shared (the person reads it) or private")] = "shared",
    session: Annotated[int | None, typer.Option(help="The session it belongs to")] = None,
) -> None:
    """Give structured feedback (per skill: strengths and improvements)."""
    c = ctx_coaching(ctx)
    made = give_feedback(
        c.coaching,
        c.viewer,
        subject_id=c.person(about),
        visibility=visibility,
        summary=summary,
        points=_points(strength or [], improve or []),
        today=c.today,
        session_id=session,
    )
    err_console.print(f"[green]Feedback {made.id}[/green] ({made.visibility}).")


# The commands of the other coaching modules register themselves on `coaching_app` when imported.
from attain.cli import coaching_contests, coaching_reviews  # noqa: E402, F401
