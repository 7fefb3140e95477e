"""The ``qualcode`` command line: a thin shell over the library.

Commands live in one module per area and import their heavy dependencies inside the command, so
that ``qualcode status`` starts without loading Textual or the exporters.
"""

from __future__ import annotations

import importlib

import click

from qualcode import __version__
from qualcode.cli.common import QualcodeGroup

# Each command's module. A command imports only its own module, so that ``qualcode status``
# starts without importing every other command's (tests/cli/test_cli_commands.py keeps this table
# and the modules' COMMANDS in step).
COMMAND_MODULES = {
    "init": "project",
    "status": "project",
    "demo": "project",
    "import": "importing",
    "sources": "importing",
    "informants": "importing",
    "segments": "importing",
    "codebook": "codebook",
    "codings": "codings",
    "code": "app",
    "review": "app",
    "triangulate": "triangulation",
    "conclude": "triangulation",
    "matrix": "matrix",
    "summary": "matrix",
    "export": "export",
    "refi": "refi",
    "memo": "memos",
    "serve": "serve",
    "merge": "merge",
    "agree": "agreement",
    "adjudicate": "agreement",
    "blind": "agreement",
    "suggest": "suggest",
    "kwic": "kwic",
    "source": "source",
    "check": "maintenance",
    "backup": "maintenance",
    "restore": "maintenance",
    "log": "audit_log",
}


class _Commands(QualcodeGroup):
    """The top-level group: its commands are found in their modules when they are asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        commands = importlib.import_module(f"qualcode.cli.{module}").COMMANDS
        return next(c for c in commands if c.name == cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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
