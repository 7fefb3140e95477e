"""``code``: open the coding app."""

from __future__ import annotations

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
    from qualcode.tui.config import load_config

    location = db_location(ctx)
    Project.open(location).close()  # a missing or foreign file is a one-line error, not a crash
    config = load_config()
    run_app(location, coder=coder or config.coder or current_user(), keys=config.keys)


COMMANDS = [code]
