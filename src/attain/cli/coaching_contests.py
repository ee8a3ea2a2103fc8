"""`attain coaching ...` (continued): contests and their leaderboards and prizes, badges, reminders and
the outbox, and the demo seed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import typer

from attain.app.coaching.contests import award_badges, badges_of, create_contest, define_badge, leaderboard
from attain.app.coaching.prizes import pay_prizes
from attain.app.coaching.records import Prize
from attain.app.coaching.reminders import mark_sent, outbox, queue_reminders
from attain.app.coaching.seed import seed_demo_coaching
from attain.app.coaching.wording import format_value
from attain.cli.coaching import coaching_app, ctx_coaching
from attain.cli.context import state
from attain.cli.output import err_console, print_rows
from attain.domain.errors import InvalidInput
from attain.domain.money import check_currency, from_minor, to_minor

# -- contests, badges, reminders, demo --------------------------------------------------------------


def _prize(text: str) -> Prize:
    """'RANK:AMOUNT:CURRENCY[:description]', e.g. '1:500:USD:Dinner for two'."""
    parts = text.split(":", 3)
    if len(parts) < 3 or not parts[0].isdigit():
        raise InvalidInput(f"'{text}' is not a prize", hint="write RANK:AMOUNT:CURRENCY[:description]")
    currency = check_currency(parts[2])
    return Prize(int(parts[0]), to_minor(parts[1], currency), currency, parts[3] if len(parts) > 3 else "")


@coaching_app.command("contest")
def contest(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option()],
    metric: Annotated[str, typer.Option(help="Any KPI metric, e.g. revenue or win_rate")],
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"])],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (inclusive)")],
    team: Annotated[str | None, typer.Option(help="Only this team's reps (external id)")] = None,
    display: Annotated[str, typer.Option(help="ranks, or bands (the bottom is not ranked)")] = "bands",
    prize: Annotated[list[str] | None, typer.Option(help="RANK:AMOUNT:CURRENCY[:description]")] = None,
) -> None:
    """Run a contest on a metric for a date range."""
    c = ctx_coaching(ctx)
    team_id = None
    if team is not None:
        with c.coaching.transaction() as tx:
            team_id = tx.org.team_id(team)
        if team_id is None:
            raise InvalidInput(f"no team with id '{team}'", hint="teams are given by their external id")
    made = create_contest(
        c.coaching,
        c.kpis,
        c.viewer,
        key=key,
        name=name,
        metric=metric,
        starts_on=start.date(),
        ends_on=end.date(),
        today=c.today,
        team_id=team_id,
        display=display,
        prizes=[_prize(p) for p in prize or []],
    )
    err_console.print(f"[green]Contest {made.key}[/green] from {made.starts_on} to {made.ends_on}.")


@coaching_app.command("leaderboard")
def board(ctx: typer.Context, key: Annotated[str, typer.Argument(help="Contest key")]) -> None:
    """A contest's standings (bands for reps when the contest shows bands)."""
    c = ctx_coaching(ctx)
    found = leaderboard(c.coaching, c.kpis, c.viewer, key, today=c.today)
    rows = [
        {
            "rank": s.rank,
            "band": s.band,
            "person": s.person.external_id,
            "name": s.person.name,
            "value": format_value(found.metric, s.value) if s.value is not None else None,
            "prize": None
            if s.prize is None
            else f"{from_minor(s.prize.amount, s.prize.currency):,} {s.prize.currency}",
        }
        for s in found.standings
    ]
    state_word = "final" if found.finished else f"as of {found.as_of}"
    print_rows(
        rows,
        state(ctx).fmt,
        title=f"{found.contest.name} ({state_word})",
        columns=["rank", "band", "person", "name", "value", "prize"],
    )


@coaching_app.command("pay-prizes")
def prizes(ctx: typer.Context, key: Annotated[str, typer.Argument(help="Contest key")]) -> None:
    """Pay a finished contest's prizes as ledger adjustments through the incentive engine (once)."""
    c = ctx_coaching(ctx)
    paid = pay_prizes(c.coaching, c.store, c.kpis, c.viewer, key, today=c.today)
    rows = [
        {
            "person": p.person,
            "rank": p.rank,
            "amount": from_minor(p.amount, p.currency),
            "currency": p.currency,
            "ledger_entry": p.ledger_entry_id,
            "state": "paid" if p.ledger_entry_id else "paid before",
        }
        for p in paid
    ]
    print_rows(
        rows,
        state(ctx).fmt,
        title=f"Prizes of {key}",
        columns=["person", "rank", "amount", "currency", "ledger_entry", "state"],
    )


@coaching_app.command("badge")
def badge(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option()],
    metric: Annotated[str | None, typer.Option()] = None,
    threshold: Annotated[Decimal | None, typer.Option()] = None,
    period_kind: Annotated[str | None, typer.Option(help="month, quarter or year")] = None,
    course_key: Annotated[str | None, typer.Option("--course")] = None,
    description: Annotated[str, typer.Option()] = "",
) -> None:
    """Define a milestone badge (a metric threshold in a period, or a course completed)."""
    c = ctx_coaching(ctx)
    made = define_badge(
        c.coaching,
        c.kpis,
        c.viewer,
        key=key,
        name=name,
        description=description,
        metric=metric,
        threshold=threshold,
        period_kind=period_kind,
        course=course_key,
    )
    err_console.print(f"[green]Badge {made.key}[/green] defined.")


@coaching_app.command("badges")
def badges(
    ctx: typer.Context,
    award: Annotated[bool, typer.Option("--award", help="Award the badges earned first")] = False,
) -> None:
    """Badges held (by the people you may see)."""
    c = ctx_coaching(ctx)
    if award:
        err_console.print(
            f"[green]{len(award_badges(c.coaching, c.kpis, c.viewer, today=c.today))}[/green] awarded."
        )
    found = badges_of(c.coaching, c.viewer, today=c.today)
    names = c.names([a.person_id for a in found])
    rows = [
        {
            "badge": a.badge_key,
            "person": names[a.person_id],
            "period": a.period_key,
            "awarded_on": a.awarded_on,
        }
        for a in found
    ]
    print_rows(rows, state(ctx).fmt, title="Badges", columns=["badge", "person", "period", "awarded_on"])


@coaching_app.command("remind")
def remind(ctx: typer.Context) -> None:
    """Queue reminders (overdue items, overdue courses, expiring certifications) in the outbox."""
    c = ctx_coaching(ctx)
    err_console.print(
        f"[green]{queue_reminders(c.coaching, c.viewer, today=c.today)}[/green] new reminders queued."
    )


@coaching_app.command("outbox")
def show_outbox(
    ctx: typer.Context,
    mark_sent_ids: Annotated[
        list[int] | None, typer.Option("--mark-sent", help="Notification ids sent")
    ] = None,
) -> None:
    """Notifications waiting to be sent (an email or chat integration reads them)."""
    c = ctx_coaching(ctx)
    if mark_sent_ids:
        mark_sent(c.coaching, c.viewer, mark_sent_ids)
    queued = outbox(c.coaching)
    names = c.names([q.notice.recipient_id for q in queued])
    rows = [
        {
            "id": q.notice_id,
            "to": names[q.notice.recipient_id],
            "kind": q.notice.kind,
            "subject": q.notice.subject,
        }
        for q in queued
    ]
    print_rows(rows, state(ctx).fmt, title="Outbox", columns=["id", "to", "kind", "subject"])


@coaching_app.command("seed-demo")
def seed_demo(ctx: typer.Context) -> None:
    """Seed coaching data (sessions, items, feedback, reviews, courses, a contest) into the demo company."""
    c = ctx_coaching(ctx)
    with err_console.status("seeding coaching data through the use cases"):
        result = seed_demo_coaching(c.coaching, c.kpis, today=c.today)
    print_rows(
        result.as_rows(), state(ctx).fmt, title=f"Coaching data as of {c.today}", columns=["what", "count"]
    )
