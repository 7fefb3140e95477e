"""``log``: the project's audit log (who changed what, when), filtered."""

from __future__ import annotations

import click

from qualcode.cli.common import emit, format_option, open_project


@click.command("log")
@click.option("--coder", "actors", multiple=True, help="Only entries by this coder/user (repeat).")
@click.option(
    "--action",
    "actions",
    multiple=True,
    help="Only this action: create, update, delete, import, undo, redo... (repeat).",
)
@click.option(
    "--entity", "entities", multiple=True, help="Only about this: coding, code, source..."
)
@click.option("--source", "source_name", help="Only entries about this source and its codings.")
@click.option(
    "--since", help="Only entries from this time on: 2026-11-28, 2026-11-28T09:30, or 2h / 3d ago."
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="The most recent N entries (0: all).",
)
@format_option()
@click.pass_context
def log(
    ctx: click.Context,
    actors: tuple[str, ...],
    actions: tuple[str, ...],
    entities: tuple[str, ...],
    source_name: str | None,
    since: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Show the audit log, oldest first; every change to the project is in it."""
    from qualcode.storage.audit_query import AuditFilter, parse_since, query_audit

    wanted = AuditFilter(
        actors=list(actors),
        actions=list(actions),
        entities=list(entities),
        source=source_name,
        since=parse_since(since) if since else None,
        limit=limit or None,
    )
    with open_project(ctx) as project, project.read() as s:
        entries = query_audit(s, wanted)
    rows = [
        {
            "id": e.id,
            "at": e.at.strftime("%Y-%m-%d %H:%M:%S"),
            "actor": e.actor,
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "detail": e.detail,
        }
        for e in entries
    ]
    columns = ["id", "at", "actor", "action", "entity", "entity_id", "detail"]
    if fmt == "json":
        import json

        value = [
            {**r, "at": e.at.isoformat(), "detail": json.loads(e.detail)}
            for r, e in zip(rows, entries, strict=True)
        ]
        emit(rows, fmt, columns, json_value=value)
    else:
        emit(rows, fmt, columns)


COMMANDS = [log]
