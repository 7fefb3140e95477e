"""``refi export | import``: REFI-QDA projects (.qdpx, .qde) and codebooks (.qdc).

The same commands answer as ``qualcode export qdpx FILE`` / ``qualcode export qdc FILE`` (the
``export`` group of ``cli/export.py`` adds the two commands below) and as ``qualcode import
FILE.qdpx`` (``cli/importing.py`` hands REFI-QDA files to :func:`run_import`).
"""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import (
    QualcodeGroup,
    creating_project,
    current_user,
    open_project,
)
from qualcode.core.errors import QualcodeError

SEGMENT_MODES = ("turn", "paragraph", "sentence")
REFI_SUFFIXES = (".qdpx", ".qde", ".qdc")


@click.group(cls=QualcodeGroup)
def refi() -> None:
    """Exchange projects with NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette (REFI-QDA)."""


def _export(ctx: click.Context, file: Path, fmt: str) -> None:
    from qualcode.exchange.refi import export_qdc, export_qdpx

    with open_project(ctx) as project:
        report = (export_qdpx if fmt == "qdpx" else export_qdc)(project, file)
    click.echo(report.summary())


@refi.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["qdpx", "qdc"]),
    help="qdpx: the whole project; qdc: the codebook [default: from FILE's extension].",
)
@click.pass_context
def refi_export(ctx: click.Context, file: Path, fmt: str | None) -> None:
    """Write the project as FILE.qdpx, or its codebook as FILE.qdc (overwrites FILE)."""
    suffix = file.suffix.lower().lstrip(".")
    fmt = fmt or (suffix if suffix in ("qdpx", "qdc") else None)
    if fmt is None:
        raise QualcodeError(f"{file}: name the file .qdpx or .qdc, or give --format")
    _export(ctx, file, fmt)


@click.command("qdpx")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def export_qdpx_command(ctx: click.Context, file: Path) -> None:
    """The project as a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA, QualCoder (.qdpx)."""
    _export(ctx, file, "qdpx")


@click.command("qdc")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def export_qdc_command(ctx: click.Context, file: Path) -> None:
    """The codebook as a REFI-QDA codebook (.qdc)."""
    _export(ctx, file, "qdc")


@refi.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--segment",
    "segment_by",
    type=click.Choice(SEGMENT_MODES),
    default="turn",
    show_default=True,
    help="How to segment the imported sources.",
)
@click.option(
    "--strict", is_flag=True, help="Import nothing if any selection or source cannot be imported."
)
@click.option("--actor", default=None, help="Who is importing (for the audit log).")
@click.pass_context
def refi_import(
    ctx: click.Context, file: Path, segment_by: str, strict: bool, actor: str | None
) -> None:
    """Import a .qdpx, .qde or .qdc into the project (created if missing). All or nothing."""
    run_import(ctx, file, segment_by=segment_by, strict=strict, actor=actor)


def run_import(
    ctx: click.Context,
    file: Path,
    *,
    segment_by: str | None = "turn",
    strict: bool = False,
    actor: str | None = None,
) -> None:
    """Import one REFI-QDA file into the --db project, creating it if missing."""
    from qualcode.exchange.refi import import_refi

    with creating_project(ctx) as project:
        report = import_refi(
            project,
            file,
            actor=actor or current_user(),
            segment_by=segment_by or "turn",
            strict=strict,
        )
    for line in report.lines():
        click.echo(line, err=line.startswith("warning: "))


def import_from_import_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    *,
    segment_by: str | None,
    actor: str | None,
    informant: str | None = None,
    role: str | None = None,
    kind: str | None = None,
    meta: Path | None = None,
) -> None:
    """``qualcode import FILE.qdpx``: one REFI-QDA file, on its own."""
    if len(files) != 1 or any(f.suffix.lower() not in REFI_SUFFIXES for f in files):
        raise QualcodeError(
            "import a REFI-QDA file (.qdpx .qde .qdc) on its own, not with other files"
        )
    given = [
        flag
        for flag, value in (
            ("--informant", informant),
            ("--role", role),
            ("--kind", kind),
            ("--meta", meta),
        )
        if value
    ]
    if given:
        raise QualcodeError(
            f"{files[0]}: {', '.join(given)} does not apply to a REFI-QDA file "
            "(its cases and sources say who and what)"
        )
    run_import(ctx, files[0], segment_by=segment_by, actor=actor)


COMMANDS = [refi]
