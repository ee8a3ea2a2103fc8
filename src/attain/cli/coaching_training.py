"""`attain coaching ...` (continued): skills and assessments, the skill-gap view, courses, enrollments,
LMS imports, certifications, the course effect view, contests, badges, reminders and the demo seed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from attain.app.coaching.effect import course_effect
from attain.app.coaching.lms import import_completions
from attain.app.coaching.skills import (
    assess_skill,
    define_skill,
    list_skills,
    load_default_framework,
    skill_gap,
)
from attain.app.coaching.training import (
    certifications_expiring,
    certify,
    complete,
    define_course,
    enroll,
    list_courses,
    training_of,
)
from attain.app.coaching.wording import format_value
from attain.app.imports.batch import ImportRejected
from attain.cli.coaching import DayOpt, PersonArg, coaching_app, ctx_coaching
from attain.cli.context import state
from attain.cli.imports import Rejects, SkipInvalid, import_progress, invalid_rows, print_report, rejects_file
from attain.cli.output import EXIT_BAD_INPUT, err_console, print_rows

# -- skills ---------------------------------------------------------------------------------------


@coaching_app.command("skills")
def skills(ctx: typer.Context) -> None:
    """The skills framework and the metrics each skill drives."""
    rows = [
        {"key": s.key, "name": s.name, "metrics": ", ".join(s.metrics), "description": s.description}
        for s in list_skills(ctx_coaching(ctx).coaching)
    ]
    print_rows(rows, state(ctx).fmt, title="Skills", columns=["key", "name", "metrics", "description"])


@coaching_app.command("skill")
def skill(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Skill key, e.g. negotiation")],
    name: Annotated[str, typer.Option(help="Display name")],
    metric: Annotated[list[str], typer.Option("--metric", help="A metric this skill drives; repeatable")],
    description: Annotated[str, typer.Option()] = "",
) -> None:
    """Define or update a skill (admins)."""
    c = ctx_coaching(ctx)
    made = define_skill(
        c.coaching, c.viewer, c.kpis, key=key, name=name, description=description, metrics=metric
    )
    err_console.print(f"[green]Skill {made.key}[/green] drives {', '.join(made.metrics)}.")


@coaching_app.command("skills-default")
def skills_default(ctx: typer.Context) -> None:
    """Load the starting skills framework (prospecting, discovery, negotiation, closing, ...)."""
    c = ctx_coaching(ctx)
    made = load_default_framework(c.coaching, c.viewer, c.kpis)
    err_console.print(f"[green]{len(made)} skills[/green] defined.")


@coaching_app.command("assess")
def assess(
    ctx: typer.Context,
    person: PersonArg,
    skill_key: Annotated[str, typer.Option("--skill", help="Skill key")],
    level: Annotated[int, typer.Option(help="1 novice, 2 developing, 3 proficient, 4 advanced, 5 expert")],
    source: Annotated[
        str | None, typer.Option(help="self, manager or peer (default: from who you are)")
    ] = None,
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Record a skill assessment."""
    c = ctx_coaching(ctx)
    made = assess_skill(
        c.coaching,
        c.viewer,
        person_id=c.person(person),
        skill=skill_key,
        level=level,
        today=c.today,
        source=source,
        note=note,
    )
    err_console.print(f"[green]Assessment {made.id}[/green]: level {made.level} ({made.source}).")


@coaching_app.command("skill-gap")
def gap(
    ctx: typer.Context,
    person: PersonArg,
    window_days: Annotated[int, typer.Option(help="Days of figures up to today")] = 90,
) -> None:
    """Assessed skills next to the person's metrics they drive and the team medians."""
    c = ctx_coaching(ctx)
    rows = []
    for g in skill_gap(
        c.coaching, c.kpis, c.viewer, c.person(person), today=c.today, window_days=window_days
    ):
        for f in g.figures or ():
            rows.append(
                {
                    "skill": g.skill.key,
                    "self": g.self_level,
                    "manager": g.manager_level,
                    "gap": g.gap,
                    "metric": f.metric.key,
                    "value": format_value(f.metric, f.value),
                    "team_median": format_value(f.metric, f.team_median),
                }
            )
    print_rows(
        rows,
        state(ctx).fmt,
        title=f"Skill gap of {person}",
        columns=["skill", "self", "manager", "gap", "metric", "value", "team_median"],
    )


# -- courses and enrollments ------------------------------------------------------------------------


@coaching_app.command("courses")
def courses(ctx: typer.Context) -> None:
    """Courses and programmes with the skills they build."""
    rows = [
        {
            "id": x.external_id,
            "name": x.name,
            "kind": x.kind,
            "hours": x.hours,
            "skills": ", ".join(x.skills),
            "courses": ", ".join(x.courses),
        }
        for x in list_courses(ctx_coaching(ctx).coaching)
    ]
    print_rows(
        rows, state(ctx).fmt, title="Courses", columns=["id", "name", "kind", "hours", "skills", "courses"]
    )


@coaching_app.command("course")
def course(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Course id (as the LMS names it)")],
    name: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option(help="course or programme")] = "course",
    skill_key: Annotated[
        list[str] | None, typer.Option("--skill", help="A skill it builds; repeatable")
    ] = None,
    member: Annotated[
        list[str] | None, typer.Option("--course", help="A programme's course, in order")
    ] = None,
    hours: Annotated[Decimal | None, typer.Option()] = None,
    provider: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Define or update a course or programme (admins)."""
    c = ctx_coaching(ctx)
    made = define_course(
        c.coaching,
        c.viewer,
        key=key,
        name=name,
        kind=kind,
        provider=provider,
        hours=hours,
        skills=skill_key or [],
        courses=member or [],
    )
    err_console.print(
        f"[green]{made.kind.title()} {made.external_id}[/green] builds {', '.join(made.skills) or '-'}."
    )


@coaching_app.command("enroll")
def enroll_command(
    ctx: typer.Context,
    person: PersonArg,
    course_key: Annotated[str, typer.Argument(help="Course id")],
    due: DayOpt = None,
) -> None:
    """Enroll a person on a course (or every course of a programme)."""
    c = ctx_coaching(ctx)
    made = enroll(
        c.coaching,
        c.viewer,
        person_id=c.person(person),
        course=course_key,
        today=c.today,
        due_on=due.date() if due else None,
    )
    err_console.print(f"[green]Enrollment {made.id}[/green] ({made.status}).")


@coaching_app.command("complete")
def complete_command(
    ctx: typer.Context,
    person: PersonArg,
    course_key: Annotated[str, typer.Argument(help="Course id")],
    on: DayOpt = None,
    score: Annotated[Decimal | None, typer.Option()] = None,
) -> None:
    """Record a course completion by hand."""
    c = ctx_coaching(ctx)
    made = complete(
        c.coaching,
        c.viewer,
        person_id=c.person(person),
        course=course_key,
        completed_on=on.date() if on else c.today,
        today=c.today,
        score=score,
    )
    err_console.print(f"[green]Completed[/green] on {made.completed_on}.")


@coaching_app.command("enrollments")
def enrollments(ctx: typer.Context, person: Annotated[str | None, typer.Option()] = None) -> None:
    """Enrollments you may see, with due dates, completions and scores."""
    c = ctx_coaching(ctx)
    lines = training_of(c.coaching, c.viewer, today=c.today, person_id=c.person(person) if person else None)
    rows = [
        {
            "person": x.person.external_id,
            "course": x.course.external_id,
            "status": x.enrollment.status,
            "due_on": x.enrollment.due_on,
            "completed_on": x.enrollment.completed_on,
            "score": x.enrollment.score,
            "overdue": x.overdue,
        }
        for x in lines
    ]
    print_rows(
        rows,
        state(ctx).fmt,
        title="Enrollments",
        columns=["person", "course", "status", "due_on", "completed_on", "score", "overdue"],
    )


@coaching_app.command("import-lms")
def import_lms(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="LMS export files (CSV or XLSX), see docs/coaching.md")],
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
) -> None:
    """Import LMS completions (all-or-nothing unless --skip-invalid)."""
    st = state(ctx)
    on_invalid = invalid_rows(skip_invalid)
    try:
        with import_progress() as progress:
            report = import_completions(
                st.store(),
                paths,
                actor="cli",
                on_invalid=on_invalid,
                rejects_path=rejects_file(rejects, on_invalid, paths[0]),
                progress=progress,
            )
    except ImportRejected as exc:
        print_report(exc.report, st.fmt)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    print_report(report, st.fmt)


@coaching_app.command("certify")
def certify_command(
    ctx: typer.Context,
    person: PersonArg,
    name: Annotated[str, typer.Option(help="Certification name")],
    on: DayOpt = None,
    expires: DayOpt = None,
    course_key: Annotated[str | None, typer.Option("--course")] = None,
) -> None:
    """Record a certification (with its expiry)."""
    c = ctx_coaching(ctx)
    made = certify(
        c.coaching,
        c.viewer,
        person_id=c.person(person),
        name=name,
        certified_on=on.date() if on else c.today,
        today=c.today,
        expires_on=expires.date() if expires else None,
        course=course_key,
    )
    err_console.print(f"[green]Certification {made.id}[/green] expires {made.expires_on or 'never'}.")


@coaching_app.command("certifications")
def certifications(ctx: typer.Context, within_days: Annotated[int, typer.Option()] = 60) -> None:
    """Certifications that expire within the next days (or have expired)."""
    c = ctx_coaching(ctx)
    rows = [
        {
            "person": x.person.external_id,
            "certification": x.certification.name,
            "expires_on": x.certification.expires_on,
            "days_left": x.days_left,
        }
        for x in certifications_expiring(c.coaching, c.viewer, today=c.today, within_days=within_days)
    ]
    print_rows(
        rows,
        state(ctx).fmt,
        title="Expiring certifications",
        columns=["person", "certification", "expires_on", "days_left"],
    )


@coaching_app.command("effect")
def effect(
    ctx: typer.Context,
    course_key: Annotated[str, typer.Argument(help="Course id")],
    person: Annotated[
        str | None, typer.Option(help="One person instead of everyone who completed it")
    ] = None,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="Metrics to compare; repeatable")
    ] = None,
    window_days: Annotated[int, typer.Option(help="Days before and after completion")] = 90,
) -> None:
    """Metrics before and after a course, beside reps who had not taken it (observational)."""
    c = ctx_coaching(ctx)
    kwargs = {"metrics": metric} if metric else {}
    view = course_effect(
        c.coaching,
        c.kpis,
        c.viewer,
        course=course_key,
        today=c.today,
        window_days=window_days,
        person_id=c.person(person) if person else None,
        **kwargs,
    )
    rows = [
        {
            "metric": e.metric.key,
            "people": e.people,
            "before": format_value(e.metric, e.before_median),
            "after": format_value(e.metric, e.after_median),
            "change": format_value(e.metric, e.change_median),
            "comparison_change": format_value(e.metric, e.comparison_change_median),
        }
        for e in view.metrics
    ]
    print_rows(
        rows,
        state(ctx).fmt,
        title=f"Effect of {view.course.name} ({window_days} days either side)",
        columns=["metric", "people", "before", "after", "change", "comparison_change"],
    )
    err_console.print(f"[yellow]{view.caveat}[/yellow]")
