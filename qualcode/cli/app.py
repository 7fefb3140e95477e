"""``code``: open the coding app; ``review``: open it read-only for a supervisor."""

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
    _run(ctx, coder, review=False)


@click.command()
@click.option(
    "--reviewer",
    envvar="QUALCODE_REVIEWER",
    help="Who is reviewing: the name on your review memos (env QUALCODE_REVIEWER; default: "
    "your user name).",
)
@click.pass_context
def review(ctx: click.Context, reviewer: str | None) -> None:
    """Open the app read-only for a supervisor: sources, retrieval, matrices, triangulation,
    conclusions and memos to browse; nothing can be changed except your own review memos
    (docs/review.md)."""
    _run(ctx, reviewer, review=True)


def _run(ctx: click.Context, who: str | None, review: bool) -> None:
    from qualcode.storage.project import Project
    from qualcode.tui.app import run_app
    from qualcode.tui.config import load_config

    location = db_location(ctx)
    Project.open(location).close()  # a missing or foreign file is a one-line error, not a crash
    config = load_config()
    run_app(location, coder=who or config.coder or current_user(), keys=config.keys, review=review)


COMMANDS = [code, review]
