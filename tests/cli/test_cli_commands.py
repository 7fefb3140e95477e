"""The top-level commands are found in their modules when asked for (cli/__init__.py's table):
the table names every command of every command module, and nothing else; ``status`` imports no
other command's module."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import qualcode.cli
from qualcode.cli import COMMAND_MODULES, main


def test_the_table_names_every_command_of_every_module() -> None:
    found = {}
    for info in pkgutil.iter_modules(qualcode.cli.__path__):
        module = importlib.import_module(f"qualcode.cli.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            found[command.name] = info.name
    assert found == COMMAND_MODULES


def test_help_lists_every_command_and_each_resolves() -> None:
    ctx = main.make_context("qualcode", ["--help"], resilient_parsing=True)
    names = main.list_commands(ctx)
    assert names == sorted(COMMAND_MODULES)
    assert all(main.get_command(ctx, name).name == name for name in names)  # type: ignore[union-attr]
    assert main.get_command(ctx, "no-such-command") is None


def test_status_imports_no_other_command_module(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys\n"
        "from qualcode.cli import main\n"
        f"main(['--db', {str(tmp_path / 'p.db')!r}, 'init'], standalone_mode=False)\n"
        f"main(['--db', {str(tmp_path / 'p.db')!r}, 'status'], standalone_mode=False)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('qualcode.cli.'))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = done.stdout.strip().splitlines()[-1].split(",")
    assert set(loaded) <= {"qualcode.cli.common", "qualcode.cli.project"}, loaded


def test_each_group_has_its_subcommands_in_a_fresh_process() -> None:
    """A group's subcommands may come from another command's module (``export qdpx`` from
    cli/refi.py); in a test run that module may be imported already, so ask a new process."""
    code = (
        "from qualcode.cli import main\n"
        "ctx = main.make_context('qualcode', ['export'], resilient_parsing=True)\n"
        "group = main.get_command(ctx, 'export')\n"
        "print(','.join(group.list_commands(ctx)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert {"qdpx", "qdc", "quotes", "codebook"} <= set(done.stdout.strip().split(","))
