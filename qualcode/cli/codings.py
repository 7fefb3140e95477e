"""``codings import | export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qualcode.cli.common import QualcodeGroup, current_user, open_project, write_whole


@click.group(cls=QualcodeGroup)
def codings() -> None:
    """Codings in and out as CSV (source, segment, start, end, code, coder, magnitude, memo)."""


@codings.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--coder", help="Coder for rows whose coder column is empty.")
@click.pass_context
def import_(ctx: click.Context, file: Path, coder: str | None) -> None:
    """Import codings from a CSV file. All rows or none; rows already present are skipped."""
    from qualcode.exchange.codings_csv import import_codings_csv

    with open_project(ctx) as project:
        report = import_codings_csv(project, file, default_coder=coder, actor=current_user())
    click.echo(
        f"imported {report.imported} codings from {file} (coders: {', '.join(report.coders)})"
        + (f"; {report.already_present} already present" if report.already_present else "")
    )


@codings.command("export")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="File to write (default or -: stdout)."
)
@click.option("--coder", "coders", multiple=True, help="Only this coder's codings (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--code", "codes", multiple=True, help="Only this code, by path or name (repeatable)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.pass_context
def export(
    ctx: click.Context,
    output: Path | None,
    coders: tuple[str, ...],
    sources: tuple[str, ...],
    codes: tuple[str, ...],
    fmt: str,
) -> None:
    """Export codings; the CSV has the import columns plus the coded text."""
    import io
    import json

    from qualcode.exchange.codings_csv import export_rows, write_csv

    with open_project(ctx) as project, project.read() as s:
        rows = export_rows(s, coders=list(coders), sources=list(sources), codes=list(codes))
    buffer = io.StringIO()
    if fmt == "csv":
        write_csv(rows, buffer)
    else:
        buffer.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    if output is None or str(output) == "-":
        sys.stdout.write(buffer.getvalue())
    else:
        write_whole(output, buffer.getvalue().encode("utf-8"))
        click.echo(f"wrote {len(rows)} codings to {output}", err=True)


COMMANDS = [codings]
