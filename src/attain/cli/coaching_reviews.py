"""`attain coaching ...` (continued): recommendations, scheduling from one, reviews, calibration and
the standout lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from attain.app.coaching.appraisals import calibration, open_review, rate_review, reviews_of, standouts
from attain.app.coaching.nudges import plan_nudges
from attain.app.coaching.recommendations import recommendations, schedule_from_recommendation
from attain.app.coaching.wording import plain
from attain.cli.coaching import Coaching, PeriodOpt, PersonArg, coaching_app, ctx_coaching, output_format
from attain.cli.output import err_console, print_rows

# -- recommendations ----------------------------------------------------------------------------------


@coaching_app.command("recommendations")
def recommend(ctx: typer.Context, period: PeriodOpt = None) -> None:
    """For each at-risk rep you manage: the coaching focus, courses and the reason, from the KPI layer."""
    c = ctx_coaching(ctx)
    found = recommendations(
        c.coaching, c.kpis, c.viewer, period=c.period(period), today=c.today, nudges=plan_nudges(c.coaching)
    )
    rows = [
        {
            "person": r.person.external_id,
            "name": r.person.name,
            "status": r.pace.status,
            "attainment": None if r.pace.attainment is None else f"{r.pace.attainment:.0%}",
            "focus": ", ".join(s.key for s in r.focus),
            "courses": ", ".join(x.external_id for x in r.courses),
            "session": r.session_kind,
            "reason": r.reason,
            "nudges": "; ".join(r.nudges),
        }
        for r in found
    ]
    print_rows(
        rows,
        output_format(ctx),
        title="Recommendations",
        columns=["person", "name", "status", "attainment", "focus", "courses", "session", "reason", "nudges"],
    )


@coaching_app.command("schedule-recommended")
def schedule_recommended(
    ctx: typer.Context,
    rep: PersonArg,
    on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], help="The session's day")],
    period: PeriodOpt = None,
    kind: Annotated[str | None, typer.Option(help="Override the recommended session kind")] = None,
) -> None:
    """Plan a session on the recommended focus for an at-risk rep."""
    c = ctx_coaching(ctx)
    session, rec = schedule_from_recommendation(
        c.coaching,
        c.kpis,
        c.viewer,
        rep_id=c.person(rep),
        period=c.period(period),
        held_on=on.date(),
        today=c.today,
        kind=kind,
    )
    err_console.print(
        f"[green]Session {session.id}[/green] ({session.kind}) on {session.held_on}: {rec.reason}"
    )


# -- reviews ------------------------------------------------------------------------------------------


def _review_row(c: Coaching, r: Any) -> dict[str, Any]:
    names = c.names([r.person_id])
    figures = {x.metric: x.value for x in r.metrics}
    return {
        "id": r.id,
        "person": names[r.person_id],
        "period": r.period_key,
        "status": r.status,
        "snapshot_on": r.snapshot_on,
        "attainment": plain(r.attainment),
        "rank": r.rank,
        "rank_of": r.rank_of,
        "rating": r.rating,
        "revenue": plain(figures.get("revenue")),
        "win_rate": plain(figures.get("win_rate")),
        "comments": r.comments,
        "next_goals": r.next_goals,
    }


REVIEW_COLUMNS = [
    "id",
    "person",
    "period",
    "status",
    "snapshot_on",
    "attainment",
    "rank",
    "rank_of",
    "rating",
    "revenue",
    "win_rate",
    "comments",
    "next_goals",
]


@coaching_app.command("reviews")
def reviews(ctx: typer.Context, person: PersonArg) -> None:
    """A person's reviews (drafts only for the reviewer's side)."""
    c = ctx_coaching(ctx)
    found = reviews_of(c.coaching, c.viewer, c.person(person), today=c.today)
    print_rows(
        [_review_row(c, r) for r in found], output_format(ctx), title="Reviews", columns=REVIEW_COLUMNS
    )


@coaching_app.command("review")
def review(
    ctx: typer.Context,
    person: PersonArg,
    period: Annotated[str, typer.Option("--period", help="Period key, e.g. FY2025-Q2")],
    snapshot_on: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Figures as of (default: today or period end)"),
    ] = None,
) -> None:
    """Open a review: freezes attainment, KPIs and rank from the KPI layer."""
    c = ctx_coaching(ctx)
    made = open_review(
        c.coaching,
        c.kpis,
        c.viewer,
        person_id=c.person(person),
        period=period,
        today=c.today,
        snapshot_on=snapshot_on.date() if snapshot_on else None,
    )
    print_rows([_review_row(c, made)], output_format(ctx), title=f"Review {made.id}", columns=REVIEW_COLUMNS)


@coaching_app.command("rate")
def rate(
    ctx: typer.Context,
    review_id: Annotated[int, typer.Argument(help="Review id")],
    rating: Annotated[int | None, typer.Option(help="1 needs improvement .. 5 outstanding")] = None,
    comments: Annotated[str | None, typer.Option()] = None,
    goals: Annotated[str | None, typer.Option(help="Goals for the next period")] = None,
    final: Annotated[bool, typer.Option("--final", help="Finalise (locks the review)")] = False,
) -> None:
    """Rate a review and set comments and next-period goals."""
    c = ctx_coaching(ctx)
    done = rate_review(
        c.coaching,
        c.viewer,
        review_id,
        today=c.today,
        rating=rating,
        comments=comments,
        next_goals=goals,
        status="final" if final else "draft",
    )
    err_console.print(f"[green]Review {done.id}[/green] {done.status}, rating {done.rating}.")


@coaching_app.command("calibration")
def calibrate(ctx: typer.Context, period: Annotated[str, typer.Option("--period")]) -> None:
    """Ratings against attainment bands for your people's reviews, and the reviews that disagree."""
    c = ctx_coaching(ctx)
    view = calibration(c.coaching, c.viewer, period=period, today=c.today)
    rows: list[dict[str, Any]] = [
        {"band": band, **{f"rating {k}": v for k, v in counts.items()}} for band, counts in view.grid.items()
    ]
    print_rows(rows, output_format(ctx), title=f"Calibration {period}")
    for line, why in view.outliers:
        err_console.print(f"[yellow]{line.person.external_id}[/yellow]: {why}")


@coaching_app.command("standouts")
def standout_lists(ctx: typer.Context, period: Annotated[str, typer.Option("--period")]) -> None:
    """Top performers and those who need improvement, with their frozen figures as evidence."""
    c = ctx_coaching(ctx)
    top, low = standouts(c.coaching, c.viewer, period=period, today=c.today)
    rows = [
        {"list": name, **_review_row(c, x.review)}
        for name, lines in (("top", top), ("needs improvement", low))
        for x in lines
    ]
    print_rows(rows, output_format(ctx), title=f"Standouts {period}", columns=["list", *REVIEW_COLUMNS])
