"""``code``: open the coding app."""

from __future__ import annotations

import os

import click

from qualcode.cli.common import current_user, db_location


@click.command()
@click.option(
    "--coder",
    envvar="QUALCODE_CODER",
    help="Who is coding (env QUALCODE_CODER; default: your user name).",
)
@click.pass_context
def code(ctx: click.Context, coder: str | None) -> None:
    """Open the coding app on the project."""
    from qualcode.storage.project import Project
    from qualcode.tui.app import run_app

    location = db_location(ctx)
    Project.open(location).close()  # a missing or foreign file is a one-line error, not a crash
    run_app(location, coder=coder or os.environ.get("USER") or current_user())


COMMANDS = [code]
