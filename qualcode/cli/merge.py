"""``merge``: bring another coder's copy of the project in (see docs/team.md)."""

from __future__ import annotations

import click

from qualcode.cli.common import current_user, emit, format_option, open_project, render_table


@click.command()
@click.argument("other", metavar="OTHER")
@click.option("--dry-run", is_flag=True, help="Show what the merge would add; write nothing.")
@format_option(("table", "json"))
@click.pass_context
def merge(ctx: click.Context, other: str, dry_run: bool, fmt: str) -> None:
    """Merge OTHER (another coder's copy: a project file or a postgresql:// URL) into --db.

    Sources are matched by the sha256 of their text, codes by GUID then path, coders and
    informants by name; OTHER's codings, memos, cell summaries and conclusions that are not here
    are added, and its sources that are not here are imported. Where both have the same thing
    with different values, this project's values are kept and the conflict is listed. One
    transaction; recorded in the audit log; merging the same copy again changes nothing.
    """
    from qualcode.exchange.merge import WHAT, merge_projects

    with open_project(ctx) as project:
        report = merge_projects(project, other, actor=current_user(), dry_run=dry_run)
    if fmt == "json":
        emit([], "json", json_value=report.as_json())
        return
    added = "would add" if dry_run else "added"
    rows = [
        [label, report.added.get(key, 0), "" if key == "segment" else report.already_here[key]]
        for key, label in WHAT.items()
    ]
    click.echo(render_table(["what", added, "already here"], rows))
    if report.conflicts:
        click.echo(f"\n{len(report.conflicts)} conflicts (this project's values are kept):")
        click.echo(
            render_table(
                ["kind", "what", "ours", "theirs", "outcome"],
                [[c.kind, c.what, c.ours, c.theirs, c.outcome] for c in report.conflicts],
                max_width=48,
            )
        )
    if dry_run:
        click.echo(f"\ndry run: nothing written (merge {report.other} without --dry-run to do it)")
    elif report.changed:
        from qualcode.storage.db import display_location

        click.echo(f"\nmerged {report.other} into {display_location(project.location)}")
    else:
        click.echo(f"\nnothing new in {report.other}: the project is unchanged")


COMMANDS = [merge]
