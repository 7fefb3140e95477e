"""``export quotes | codebook``: findings for papers; and the writing every display shares.

Every table command (``matrix``, ``triangulate``, ``export ...``) writes through
:func:`write_export`: the format (``--format table|md|csv|json|tex|docx|xlsx|html``), the output
(``-o FILE``; a bare name goes into ``exports/``), and ``--pseudonymize`` with its side report.
Other commands may join the ``export`` group with ``export.add_command(...)``.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from qualcode.cli.common import QualcodeGroup, format_option, open_project, write_whole
from qualcode.cli.refi import export_qdc_command, export_qdpx_command
from qualcode.core.errors import QualcodeError
from qualcode.exchange.formats import ALL_FORMATS, EXTENSIONS, is_binary

if TYPE_CHECKING:
    from qualcode.exchange.pseudonyms import Pseudonymizer
    from qualcode.exchange.tables import DisplayTable

F = TypeVar("F", bound=Callable[..., Any])

#: The formats of every display and of the triangulation summary.
DISPLAY_FORMATS = ALL_FORMATS
QUOTE_FORMATS = ("md", "tex", "csv", "docx", "xlsx", "html")
CODEBOOK_FORMATS = ("md", "tex", "docx", "html", "csv", "xlsx")
EXPORTS = Path("exports")  # the default folder, relative to the working directory
_UNSAFE = re.compile(r"[^\w.-]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{n}" for p in ("com", "lpt") for n in range(10)
}


def output_option(f: F, default: str = "stdout; docx and xlsx: exports/<command>.<format>") -> F:
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        help=f"File to write; a bare name goes into exports/; '-' is stdout. [default: {default}]",
    )(f)


def file_output_option(default: str) -> Callable[[F], F]:
    """``-o`` for commands that write a file unless told otherwise."""
    return lambda f: output_option(f, default)


def pseudonymize_option(f: F) -> F:
    return click.option(
        "--pseudonymize",
        is_flag=True,
        help="Informants by pseudonym, and their names replaced in all text (quotes too); "
        "what was replaced goes to FILE.pseudonyms.txt.",
    )(f)


def safe_filename(text: str, fallback: str = "export") -> str:
    """A file name from free text (a code path, an attribute): letters, digits, ``. _ -`` only,
    so it cannot leave its folder (no ``/``, ``\\``, ``..``), nor be a device name on Windows."""
    name = _UNSAFE.sub("-", unicodedata.normalize("NFKC", text).casefold())
    name = re.sub(r"-{2,}", "-", name).strip("-._")[:80].rstrip("-._")
    if not name or name.split(".")[0] in _WINDOWS_RESERVED:
        name = f"{fallback}-{name}" if name else fallback
    return name


def output_path(output: str | None, fmt: str, default_name: str, to_file: bool) -> Path | None:
    """Where to write: None for stdout; a bare name into exports/; the default name (made safe)
    into exports/ when there is no ``-o`` and the format or the command needs a file."""
    if output == "-":
        if is_binary(fmt):
            raise QualcodeError(f"--format {fmt} writes a file, not stdout: give -o FILE")
        return None
    if output is None:
        if not (to_file or is_binary(fmt)):
            return None
        return EXPORTS / f"{safe_filename(default_name)}.{EXTENSIONS[fmt]}"
    if output in ("", ".", ".."):
        raise QualcodeError(f"-o {output!r}: give a file name")
    separators = [os.sep] + ([os.altsep] if os.altsep else [])
    if not any(s in output for s in separators):
        return EXPORTS / output
    return Path(output)


def write_export(
    tables: Sequence[DisplayTable],
    fmt: str,
    output: str | None,
    what: str,
    *,
    names: Pseudonymizer | None = None,
    json_value: Any = None,
    default_name: str = "export",
    to_file: bool = False,
    width: int = 48,
) -> None:
    """Render ``tables`` (or ``json_value`` for ``--format json``, when given), pseudonymised
    by ``names`` if given, and write them to stdout or the file ``output`` names."""
    from qualcode.exchange.formats import render

    if names is not None:
        tables = names.tables(tables)
        json_value = names.value(json_value)
    if fmt == "json" and json_value is not None:
        body = (json.dumps(json_value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        body = render(tables, fmt, width=width)
    target = output_path(output, fmt, default_name, to_file)
    if target is None:
        click.echo(body.decode("utf-8"), nl=False)
    else:
        write_whole(target, body)
        click.echo(f"wrote {what} to {target}", err=True)
    # On stdout the export stays alone (pipes, and readers of the output, take it whole): the
    # side report comes with -o FILE.
    if names is not None and target is not None:
        side = target.with_name(target.name + ".pseudonyms.txt")
        write_whole(side, names.report(str(target)).encode("utf-8"))
        n = sum(names.replaced.values())
        click.echo(
            f"replaced {n} mention{'s' if n != 1 else ''} of informants' names; "
            f"listed in {side} (it names them: do not publish it)",
            err=True,
        )


@click.group(cls=QualcodeGroup)
def export() -> None:
    """Findings for papers: quote tables and the codebook appendix, in exports/.

    Displays and the triangulation summary are exported by 'qualcode matrix' and
    'qualcode triangulate' with --format tex|docx|xlsx|html and -o FILE.
    """


@export.command("quotes")
@click.option(
    "--codes",
    multiple=True,
    metavar="CODE",
    help="Only this code, with its sub-codes' excerpts (repeatable) [default: every code "
    "with codings, its own excerpts].",
)
@click.option(
    "--per-code",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Quotes per code, the most telling first, in turns across informants (0: all).",
)
@click.option("--coder", help="Only this coder's codings.")
@format_option(QUOTE_FORMATS, default="md")
@pseudonymize_option
@file_output_option("exports/quotes[-CODES].FORMAT")
@click.pass_context
def quotes(
    ctx: click.Context,
    codes: tuple[str, ...],
    per_code: int,
    coder: str | None,
    fmt: str,
    pseudonymize: bool,
    output: str | None,
) -> None:
    """Selected excerpts per code with their citations (informant, role, source, segment and
    timestamp): the quote table papers print under each finding."""
    from qualcode.exchange.pseudonyms import pseudonymizer_for
    from qualcode.exchange.quotes import quote_table

    with open_project(ctx) as project, project.read() as s:
        table = quote_table(s, codes, per_code, coder, pseudonymize)
        names = pseudonymizer_for(s) if pseudonymize else None
    n = len(table.rows)
    write_export(
        [table],
        fmt,
        output,
        f"{n} quote{'s' if n != 1 else ''}",
        names=names,
        default_name="-".join(["quotes", *codes]),
        to_file=True,
    )


@export.command("codebook")
@format_option(CODEBOOK_FORMATS, default="md")
@pseudonymize_option
@file_output_option("exports/codebook.FORMAT")
@click.pass_context
def codebook(ctx: click.Context, fmt: str, pseudonymize: bool, output: str | None) -> None:
    """The codebook appendix: each code (path) with its definition, when to use, when not to
    use and an example."""
    from qualcode.exchange.codebook_appendix import codebook_table
    from qualcode.exchange.pseudonyms import pseudonymizer_for

    with open_project(ctx) as project, project.read() as s:
        table = codebook_table(s)
        names = pseudonymizer_for(s) if pseudonymize else None
    if not table.rows:
        raise QualcodeError(
            "the project has no codebook yet (load one: qualcode codebook load FILE)"
        )
    write_export(
        [table],
        fmt,
        output,
        f"the codebook ({len(table.rows)} codes)",
        names=names,
        default_name="codebook",
        to_file=True,
    )


# The whole project and the codebook for other QDA programs: REFI-QDA's commands, which
# live with the others in cli/refi.py, answer here too.
export.add_command(export_qdpx_command)
export.add_command(export_qdc_command)

COMMANDS = [export]


@export.command("html-report")
@click.option(
    "--quotes",
    "per_code",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Selected quotes per code (0: all).",
)
@pseudonymize_option
@click.option(
    "-o",
    "--out",
    "--output",
    "output",
    metavar="FILE",
    help="File to write; a bare name goes into exports/; '-' is stdout. "
    "[default: exports/report.html]",
)
@click.pass_context
def html_report(ctx: click.Context, per_code: int, pseudonymize: bool, output: str | None) -> None:
    """One self-contained HTML file for a supervisor: the data displays, the triangulation,
    the codebook and selected quotes, tables sortable by any column; opens offline, loads
    nothing (docs/review.md)."""
    from qualcode.exchange.pseudonyms import pseudonymizer_for
    from qualcode.exchange.report import build_report, project_summary, report_html

    with open_project(ctx) as project, project.read() as s:
        sections = build_report(s, quotes_per_code=per_code, pseudonymize=pseudonymize)
        summary = project_summary(s)
        names = pseudonymizer_for(s) if pseudonymize else None
        name = project.setting("project_name") or Path(project.location).stem
    if names is not None:
        for section in sections:
            section.tables = names.tables(section.tables)
    body = report_html(f"Supervisor report: {name}", sections, summary).encode("utf-8")
    target = output_path(output, "html", "report", to_file=True)
    if target is None:
        click.echo(body.decode("utf-8"), nl=False)
        return
    write_whole(target, body)
    n = sum(len(s.tables) for s in sections)
    click.echo(f"wrote the HTML report ({n} tables) to {target}", err=True)
    if names is not None:
        side = target.with_name(target.name + ".pseudonyms.txt")
        write_whole(side, names.report(str(target)).encode("utf-8"))
        click.echo(
            f"names replaced are listed in {side} (it names them: do not publish it)", err=True
        )
