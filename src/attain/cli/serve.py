"""`attain serve`: the web app under uvicorn, on the database given by --db."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from attain.cli.context import state
from attain.cli.main import app
from attain.cli.output import err_console
from attain.store.database import database_url


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (set ATTAIN_SECRET_KEY when > 1)")] = 1,
) -> None:
    """Serve the web app and its JSON API."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server; the others start faster without it

    st = state(ctx)
    st.store(upgrade=True)
    os.environ["ATTAIN_DATABASE_URL"] = database_url(st.db_url)
    err_console.print(f"Attain on http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)")
    uvicorn.run(
        "attain.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
