"""What every command shares: the project option, output formats, errors as one line."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.core.errors import QualcodeError
from qualcode.storage.project import Project

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "csv")


class QualcodeGroup(click.Group):
    """A group whose commands report a user's mistake as one line and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


def db_location(ctx: click.Context) -> str:
    return str(ctx.find_root().params.get("db") or "qualcode.db")


@contextmanager
def open_project(ctx: click.Context, create: bool = False) -> Iterator[Project]:
    project = Project.open(db_location(ctx), create=create)
    try:
        yield project
    finally:
        project.close()


def project_exists(location: str) -> bool:
    """A server URL, or a non-empty file: something ``Project.open`` would have to open."""
    from pathlib import Path

    from qualcode.storage.db import is_url

    return is_url(location) or (Path(location).exists() and Path(location).stat().st_size > 0)


@contextmanager
def creating_project(ctx: click.Context) -> Iterator[Project]:
    """Open --db, creating it when missing; a failure inside the block removes a project file
    this call created, so a failed import leaves no trace. Says "created project" on success."""
    from qualcode.storage.project import remove_sqlite_files

    location = db_location(ctx)
    new = not project_exists(location)
    try:
        with open_project(ctx, create=True) as project:
            yield project
    except BaseException:
        if new:
            remove_sqlite_files(location)
        raise
    if new:
        click.echo(f"created project {location}")


def format_option(choices: Sequence[str] = FORMATS, default: str = "table") -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help="Output format.",
    )


def emit(
    rows: list[dict[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    json_value: Any = None,
) -> None:
    """Print ``rows`` as an aligned table, JSON (``json_value`` if given) or CSV."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        value = rows if json_value is None else json_value
        click.echo(json.dumps(value, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        # Listings end up in spreadsheets too: text cells made formula-safe, numbers kept.
        from qualcode.exchange.formats.csv_safe import csv_cell

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(row.get(c), csv_cell) for c in columns])
    else:
        click.echo(render_table(columns, [[row.get(c) for c in columns] for row in rows]))


def _csv_value(value: Any, csv_cell: Callable[[Any, str], str]) -> str:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return csv_cell(value, "" if value is None else str(value))


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 60) -> str:
    def cell(v: Any) -> str:
        s = "" if v is None else str(v)
        s = s.replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    body = [[cell(v) for v in r] for r in rows]
    widths = [len(c) for c in columns]
    for r in body:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], len(v))

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(values, widths, strict=True)
        ).rstrip()

    out = [line(list(columns)), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in body]
    return "\n".join(out)


def _numeric(s: str) -> bool:
    return s.replace(".", "", 1).lstrip("-").isdigit()


def current_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers; the audit log still needs an actor
        return "qualcode"


def write_whole(target: Path, body: bytes) -> None:
    """Written whole or not at all: a failed export never leaves half a file, and a path that
    cannot be written is one line naming it."""
    partial = target.with_name(target.name + ".part")
    if target.parent.exists() and not target.parent.is_dir():
        raise QualcodeError(f"{target}: cannot write ({target.parent} is a file, not a folder)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(body)
        os.replace(partial, target)
    except OSError as err:
        with contextlib.suppress(OSError):  # e.g. the "folder" is a file: nothing was written
            partial.unlink(missing_ok=True)
        raise QualcodeError(f"{target}: cannot write ({err.strerror or err})") from None
