"""The ``qualcode`` command line: a thin shell over the library.

Commands live in one module per area and import their heavy dependencies inside the command, so
that ``qualcode status`` starts without loading Textual or the exporters.
"""

from __future__ import annotations

import click

from qualcode import __version__
from qualcode.cli.common import QualcodeGroup


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="QUALCODE_DB",
    default="qualcode.db",
    show_default=True,
    metavar="PATH|URL",
    help="The project: a SQLite file, or a postgresql:// URL (env QUALCODE_DB).",
)
@click.version_option(__version__, prog_name="qualcode")
def main(db: str) -> None:
    """qualcode: code interview transcripts, build Miles-Huberman displays, triangulate."""


def _register() -> None:
    from qualcode.cli import (
        agreement,
        app,
        audit_log,
        codebook,
        codings,
        export,
        importing,
        kwic,
        maintenance,
        matrix,
        memos,
        merge,
        project,
        refi,
        serve,
        source,
        suggest,
        triangulation,
    )

    for module in (project, importing, codebook, codings, app, triangulation, matrix, export, refi):
        for command in module.COMMANDS:
            main.add_command(command)
    for module in (memos, serve, merge):  # review mode: memo list, serve; team: merge
        for command in module.COMMANDS:
            main.add_command(command)
    for command in agreement.COMMANDS:
        main.add_command(command)
    for module in (suggest, kwic, source):  # issue 7
        for command in module.COMMANDS:
            main.add_command(command)
    for module in (maintenance, audit_log):  # reliability: check, backup, restore, log
        for command in module.COMMANDS:
            main.add_command(command)


_register()
