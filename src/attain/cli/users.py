"""`attain user add`: create a login with roles, optionally linked to a person of the org."""

from __future__ import annotations

from typing import Annotated

import typer

from attain.app.users import ROLES, create_user
from attain.cli.context import state
from attain.cli.main import app
from attain.cli.output import err_console

user_app = typer.Typer(help="Logins and roles.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[list[str], typer.Option("--role", help=f"One of {', '.join(ROLES)}; repeatable")],
    person_id: Annotated[int | None, typer.Option(help="The person this login belongs to")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="ATTAIN_NEW_PASSWORD"),
    ] = "",
) -> None:
    """Create a login."""
    user = create_user(
        state(ctx).store(), username, password, role, email=email, person_id=person_id, actor="cli"
    )
    err_console.print(f"[green]Created[/green] {user.username} ({', '.join(user.roles)}).")
