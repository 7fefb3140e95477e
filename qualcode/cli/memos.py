"""``memo list``: every memo, review memos (a supervisor's, from review mode) first."""

from __future__ import annotations

import click

from qualcode.cli.common import QualcodeGroup, emit, format_option, open_project


@click.group(cls=QualcodeGroup)
def memo() -> None:
    """Memos: the coders' analytic memos and supervisors' review memos."""


@memo.command("list")
@click.option(
    "--kind",
    type=click.Choice(["analytic", "review"]),
    help="Only analytic memos (the coders') or review memos (supervisors').",
)
@format_option()
@click.pass_context
def list_(ctx: click.Context, kind: str | None, fmt: str) -> None:
    """List memos: kind (REVIEW for a supervisor's), what it is on, who wrote it, the text."""
    from qualcode.storage.memos import list_memos

    with open_project(ctx) as project, project.read() as session:
        memos = list_memos(session, kind)
    rows = [
        {
            "kind": m.kind.upper() if m.kind == "review" else m.kind,
            "on": m.on,
            "author": m.author,
            "title": m.title,
            "text": m.text,
            "updated": str(m.updated_at)[:19],
        }
        for m in memos
    ]
    columns = ["kind", "on", "author", "text", "updated"]
    if fmt != "table":
        columns.insert(3, "title")
        for row in rows:
            row["kind"] = row["kind"].lower()
    emit(rows, fmt, columns)


COMMANDS = [memo]
