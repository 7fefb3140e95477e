"""``init``, ``status`` and ``demo``."""

from __future__ import annotations

import click

from qualcode.cli.common import db_location, emit, format_option, open_project, render_table
from qualcode.core.errors import QualcodeError


@click.command()
@click.option("--name", help="A name for the project (shown in the app).")
@click.pass_context
def init(ctx: click.Context, name: str | None) -> None:
    """Create an empty project in --db (default ./qualcode.db)."""
    from pathlib import Path

    from qualcode.storage.db import display_location, is_url
    from qualcode.storage.project import set_setting

    location = db_location(ctx)
    if not is_url(location) and Path(location).exists() and Path(location).stat().st_size:
        raise QualcodeError(f"{location}: a file is already there; not overwriting it")
    with open_project(ctx, create=True) as project:
        with project.write() as s:
            set_setting(s, "project_name", name or Path(location).stem)
    click.echo(f"created project {display_location(location)}")


@click.command()
@format_option()
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Counts of informants, sources, segments, codes and codings."""
    from qualcode.analysis.status import project_counts

    with open_project(ctx) as project, project.read() as s:
        counts = project_counts(s)
    if fmt == "json":
        emit([], "json", json_value=counts)
    else:
        emit([{"what": k, "count": v} for k, v in counts.items()], fmt, ["what", "count"])


@click.command()
@click.option(
    "--no-app", is_flag=True, help="Build the demo and print a summary; do not open the app."
)
@click.option("--coder", default="resa", show_default=True, help="The coder the app opens as.")
@click.pass_context
def demo(ctx: click.Context, no_app: bool, coder: str) -> None:
    """Build the demo project (the Sampang MSME study) into --db and open the app on it.

    Refuses to overwrite a project that is not a demo. Without a terminal (or with --no-app) it
    prints the project status and the informant x code count matrix instead of opening the app.
    """
    import sys

    from qualcode.demo import build_demo

    location = db_location(ctx)
    report = build_demo(location, echo=lambda m: click.echo(m, err=True))
    click.echo(report, err=True)
    if no_app or not (sys.stdin.isatty() and sys.stdout.isatty()):
        print_summary(ctx)
        return
    from qualcode.tui.app import run_app
    from qualcode.tui.config import load_config

    run_app(location, coder=coder, keys=load_config().keys)


def print_summary(ctx: click.Context) -> None:
    """Status and the role-ordered informant x indicator count matrix (what `make demo` prints
    without a terminal)."""
    from qualcode.analysis.displays import DisplaySpec, build_display
    from qualcode.analysis.status import project_counts
    from qualcode.exchange.tables import to_text

    with open_project(ctx) as project, project.read() as s:
        counts = project_counts(s)
        matrix = build_display(s, DisplaySpec(kind="role", depth=1))
    click.echo(render_table(["what", "count"], list(counts.items())))
    click.echo("")
    click.echo(to_text(matrix), nl=False)


COMMANDS = [init, status, demo]
