"""``matrix [KIND]`` (the Miles–Huberman displays) and ``summary set | delete | list``."""

from __future__ import annotations

import click

from qualcode.cli.common import QualcodeGroup, current_user, emit, format_option, open_project
from qualcode.cli.export import DISPLAY_FORMATS, output_option, write_export

# Kept here rather than imported so that ``qualcode --help`` does not load the analysis package.
KINDS = ("clustered", "role", "checklist", "time", "cooccurrence", "method")
CELLS = ("count", "quotes", "magnitude", "summary", "presence")
SOURCE_KINDS = ("interview", "document", "observation")


@click.command("matrix")
@click.argument("kind", type=click.Choice(KINDS), default="clustered", required=False)
@format_option(DISPLAY_FORMATS)
@click.option(
    "--rows",
    type=click.Choice(["informant", "source"]),
    default="informant",
    show_default=True,
    help="Rows of the clustered, role-ordered and checklist displays.",
)
@click.option(
    "--depth",
    type=int,
    default=1,
    show_default=True,
    help="Code columns: the codes at this depth (1 = top level); deeper codings count for them.",
)
@click.option(
    "--cells",
    type=click.Choice(CELLS),
    help="Cell content [default: presence for checklist, else count].",
)
@click.option(
    "--quotes",
    "n_quotes",
    type=int,
    default=2,
    show_default=True,
    help="With --cells quotes: the most telling excerpts per cell.",
)
@click.option("--code", help="checklist: the indicator whose sub-codes are the columns.")
@click.option(
    "--by",
    type=click.Choice(["date", "timestamp"]),
    default="date",
    show_default=True,
    help="time: interview date (informant attribute interview_date) or segment timestamps.",
)
@click.option(
    "--bin",
    "bin_",
    help="time: day|week|month|year for dates [day]; a duration (30s, 10m, 1h) for "
    "timestamps [10m].",
)
@click.option("--codes", multiple=True, help="Only this code and its sub-codes (repeatable).")
@click.option(
    "--informants", multiple=True, help="Only this informant, by name or pseudonym (repeatable)."
)
@click.option("--role", "roles", multiple=True, help="Only informants with this role (repeatable).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(SOURCE_KINDS),
    help="Only sources of this kind (repeatable).",
)
@click.option("--coder", "coders", multiple=True, help="Only this coder's codings (repeatable).")
@click.option(
    "--pseudonymize",
    is_flag=True,
    help="Pseudonyms for informants (and their sources); names in quotes replaced too, listed "
    "in FILE.pseudonyms.txt.",
)
@output_option
@click.pass_context
def matrix(
    ctx: click.Context,
    kind: str,
    fmt: str,
    rows: str,
    depth: int,
    cells: str | None,
    n_quotes: int,
    code: str | None,
    by: str,
    bin_: str | None,
    codes: tuple[str, ...],
    informants: tuple[str, ...],
    roles: tuple[str, ...],
    kinds: tuple[str, ...],
    coders: tuple[str, ...],
    pseudonymize: bool,
    output: str | None,
) -> None:
    """A Miles–Huberman data display: clustered (default), role, checklist, time, cooccurrence
    or method. Rules and examples: docs/displays.md."""
    from qualcode.analysis.displays import DisplaySpec, build_display
    from qualcode.exchange.pseudonyms import pseudonymizer_for

    spec = DisplaySpec(
        kind=kind,
        rows=rows,
        depth=depth,
        cells=cells,
        quotes=n_quotes,
        code=code,
        by=by,
        bin=bin_,
        codes=codes,
        informants=informants,
        roles=roles,
        kinds=kinds,
        coders=coders,
        pseudonymize=pseudonymize,
    )
    spec.check()  # before opening the project: a bad option changes nothing and says so first
    with open_project(ctx) as project, project.read() as session:
        # Spreadsheets get the numeric form of the co-occurrence table, as CSV does.
        table = build_display(session, spec, "csv" if fmt == "xlsx" else fmt)
        names = pseudonymizer_for(session) if pseudonymize else None
    what = f"the {kind} display ({len(table.rows)} rows)"
    write_export([table], fmt, output, what, names=names, default_name=f"matrix-{kind}")


@click.group(cls=QualcodeGroup)
def summary() -> None:
    """Condensed summaries of display cells (shown by matrix --cells summary)."""


_display_option = click.option(
    "--display",
    type=click.Choice(["clustered", "role", "time", "method"]),
    default="clustered",
    show_default=True,
    help="clustered: informant/source x code; role: role x code; time: code x date; "
    "method: code x kind.",
)
_cell_options = [
    click.option("--row", required=True, help="Row: informant or source, role, or code."),
    click.option("--column", required=True, help="Column: code, interview date, or kind."),
]


def _cell(f):  # type: ignore[no-untyped-def]
    for option in reversed(_cell_options):
        f = option(f)
    return _display_option(f)


@summary.command("set")
@_cell
@click.argument("text")
@click.option(
    "--coder",
    envvar="QUALCODE_CODER",
    help="Who wrote it (env QUALCODE_CODER) [default: your user name].",
)
@click.pass_context
def set_(
    ctx: click.Context, display: str, row: str, column: str, text: str, coder: str | None
) -> None:
    """Write the summary of one cell (replacing any); recorded in the audit log."""
    from qualcode.analysis.displays.summaries import set_summary
    from qualcode.core.errors import QualcodeError

    if not text.strip():
        raise QualcodeError("an empty summary: use 'qualcode summary delete' to remove one")
    actor = current_user()
    with open_project(ctx) as project, project.write() as session:
        saved = set_summary(session, display, row, column, text, coder=coder or actor, actor=actor)
        assert saved is not None
        where = f"{saved.row_key} × {saved.column_key}"
    click.echo(f"summary saved for {where} ({display})")


@summary.command()
@_cell
@click.pass_context
def delete(ctx: click.Context, display: str, row: str, column: str) -> None:
    """Delete the summary of one cell; recorded in the audit log with its text."""
    from qualcode.analysis.displays.summaries import set_summary

    actor = current_user()
    with open_project(ctx) as project, project.write() as session:
        set_summary(session, display, row, column, "", coder=actor, actor=actor)
    click.echo(f"summary deleted ({display}: {row} × {column})")


@summary.command("list")
@click.option(
    "--display", type=click.Choice(["clustered", "role", "time", "method"]), help="Only this store."
)
@format_option()
@click.pass_context
def list_(ctx: click.Context, display: str | None, fmt: str) -> None:
    """List the cell summaries."""
    from dataclasses import asdict

    from qualcode.analysis.displays.summaries import list_summaries

    with open_project(ctx) as project, project.read() as session:
        rows = [asdict(r) for r in list_summaries(session, display)]
    emit(rows, fmt, ["display", "row", "column", "text", "coder"])


COMMANDS = [matrix, summary]
