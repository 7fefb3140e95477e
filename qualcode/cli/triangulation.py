"""``triangulate`` and ``conclude add | list | check | remove``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.cli.common import QualcodeGroup, current_user, emit, format_option, open_project
from qualcode.cli.export import DISPLAY_FORMATS, write_export
from qualcode.cli.export import output_option as export_output_option

F = TypeVar("F", bound=Callable[..., Any])


def rule_options(f: F) -> F:
    """The convergence rule's thresholds (docs/triangulation.md); env variables set defaults."""
    f = click.option(
        "--direction",
        type=click.FloatRange(min=0),
        default=0.5,
        show_default=True,
        envvar="QUALCODE_TRIANGULATION_DIRECTION",
        help="A group leans positive or negative when |mean magnitude| is at least this.",
    )(f)
    f = click.option(
        "--prominence",
        type=click.FloatRange(0, 1),
        default=0.5,
        show_default=True,
        envvar="QUALCODE_TRIANGULATION_PROMINENCE",
        help="Agreement needs the groups' shares of informants to differ by at most this.",
    )(f)
    f = click.option(
        "--presence",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        envvar="QUALCODE_TRIANGULATION_PRESENCE",
        help="A group mentions a code when at least this many of its informants do.",
    )(f)
    return f


def output_option(f: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="File to write (default: stdout).",
    )(f)


def pseudonyms_option(f: F) -> F:
    return click.option("--pseudonyms", is_flag=True, help="Cite informants by their pseudonyms.")(
        f
    )


def write(body: str, output: Path | None, what: str) -> None:
    if output is None:
        click.echo(body, nl=False)
        return
    try:
        output.write_text(body, encoding="utf-8", newline="")
    except OSError as err:
        from qualcode.core.errors import QualcodeError

        raise QualcodeError(f"{output}: cannot write ({err.strerror or err})") from None
    click.echo(f"wrote {what} to {output}", err=True)


def render_tables(tables: list[Any], fmt: str, width: int = 64) -> str:
    """Terminal tables cut cells at ``width`` characters; other formats keep them whole."""
    from qualcode.exchange.tables import render, to_text

    if fmt == "table":
        return "\n".join(to_text(t, max_width=width) for t in tables)
    return "\n".join(render(t, fmt) for t in tables)


@click.command()
@click.option(
    "--by",
    default="role",
    show_default=True,
    metavar="role|ATTRIBUTE|kind",
    help="Groups: informant role, an informant attribute (e.g. gender), or kind "
    "(method triangulation: interview / document / observation).",
)
@click.option(
    "--codes",
    "codes",
    multiple=True,
    metavar="CODE",
    help="Only this code (path or unique name) and its sub-codes (repeatable).",
)
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    help="Codes down to this depth (1: the indicators); a row always includes its sub-codes.",
)
@click.option("--coder", help="Only this coder's codings.")
@rule_options
@click.option(
    "--evidence",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Negative evidence listed per code and group (0: none).",
)
@click.option("--all-evidence", is_flag=True, help="List all negative evidence.")
@click.option(
    "--pseudonymize",
    "--pseudonyms",
    "pseudonyms",
    is_flag=True,
    help="Cite informants by their pseudonyms; names in all text replaced too, listed in "
    "FILE.pseudonyms.txt.",
)
@format_option(DISPLAY_FORMATS)
@export_output_option
@click.pass_context
def triangulate(
    ctx: click.Context,
    by: str,
    codes: tuple[str, ...],
    depth: int | None,
    coder: str | None,
    presence: int,
    prominence: float,
    direction: float,
    evidence: int,
    all_evidence: bool,
    pseudonyms: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Compare groups (roles, an attribute, or source kinds) code by code.

    Per code and group: codings, informants who mention it out of all in the group, mean
    magnitude (n); the convergence (agreement, partial agreement, silence, dissonance) by the
    rule in docs/triangulation.md; and the negative evidence: codings whose magnitude opposes
    their group's mean, with citations.
    """
    from qualcode.analysis import triangulation as tri
    from qualcode.exchange.pseudonyms import pseudonymizer_for

    rule = tri.ConvergenceRule(presence=presence, prominence=prominence, direction=direction)
    flat = fmt in ("csv", "xlsx")  # spreadsheets: numeric columns, one row per code
    with open_project(ctx) as project, project.read() as s:
        result = tri.triangulate(
            s,
            by=by,
            codes=codes,
            depth=depth,
            coder=coder,
            rule=rule,
            evidence=0 if flat else None if all_evidence else evidence,
        )
        names = pseudonymizer_for(s) if pseudonyms else None
    value = tri.to_json_value(result, pseudonymize=pseudonyms) if fmt == "json" else None
    table = tri.summary_table(result, flat=flat, pseudonymize=pseudonyms)
    what = f"triangulation of {len(result.rows)} codes"
    write_export(
        [table],
        fmt,
        output,
        what,
        names=names,
        json_value=value,
        default_name=f"triangulation-by-{by}",
        width=64,
    )


@click.group(cls=QualcodeGroup)
def conclude() -> None:
    """Record conclusions with their evidence and verify them (check)."""


@conclude.command("add")
@click.argument("statement")
@click.option(
    "--code",
    "codes",
    multiple=True,
    metavar="CODE",
    help="A code the conclusion is about: its codings and its sub-codes' are evidence.",
)
@click.option(
    "--coding",
    "codings",
    multiple=True,
    metavar="ID|SOURCE#SEGMENT:CODE",
    help="A coding chosen as direct evidence: its id, or e.g. 'nurhayati#6:Training and "
    "coaching' (repeatable).",
)
@click.option("--coder", help="Who draws the conclusion (recorded with it).")
@click.pass_context
def add(
    ctx: click.Context,
    statement: str,
    codes: tuple[str, ...],
    codings: tuple[str, ...],
    coder: str | None,
) -> None:
    """Record a conclusion STATEMENT linked to codes and codings (all checked first)."""
    from qualcode.analysis.conclusions import add_conclusion, coding_id_of

    with open_project(ctx) as project, project.write() as s:
        ids = [coding_id_of(s, c, coder) for c in codings]
        cid = add_conclusion(s, statement, codes, ids, actor=current_user(), coder=coder)
    click.echo(f"recorded conclusion {cid}")


@conclude.command("list")
@format_option(("table", "json", "csv"))
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> None:
    """List the conclusions with their codes and linked codings."""
    from qualcode.analysis.conclusions import list_conclusions

    with open_project(ctx) as project, project.read() as s:
        rows = [c.as_json() for c in list_conclusions(s)]
    if fmt != "json":
        for r in rows:
            r["codes"] = "; ".join(r["codes"])
            r["codings"] = " ".join(map(str, r["codings"]))
    emit(rows, fmt, ["id", "statement", "codes", "codings", "coder", "created_at"])


@conclude.command("check")
@click.argument("ids", nargs=-1, type=int, metavar="[ID]...")
@click.option("--coder", help="Only this coder's codings count as evidence.")
@rule_options
@click.option(
    "--contest-share",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.5,
    show_default=True,
    envvar="QUALCODE_CONCLUSION_CONTEST_SHARE",
    help="Contested when informants contradicting it are at least this share of those "
    "whose codings are its evidence.",
)
@click.option(
    "--min-informants",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    envvar="QUALCODE_CONCLUSION_MIN_INFORMANTS",
    help="Unsupported below this many corroborating informants.",
)
@click.option(
    "--evidence",
    type=click.IntRange(min=0),
    help="Negative evidence listed per conclusion and group (default: all; 0: none).",
)
@pseudonyms_option
@format_option(("table", "md", "json"))
@output_option
@click.pass_context
def check(
    ctx: click.Context,
    ids: tuple[int, ...],
    coder: str | None,
    presence: int,
    prominence: float,
    direction: float,
    contest_share: float,
    min_informants: int,
    evidence: int | None,
    pseudonyms: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Verify the conclusions (all, or the IDs given) against their evidence.

    For each: its direction, the informants, groups and methods that corroborate it (is it
    triangulated?), the convergence of its codes, who contradicts it and the negative
    evidence; and a verdict (supported; supported, not triangulated; contested: negative
    evidence; unsupported) by the rule in docs/triangulation.md. A report: exits 0 whatever
    the verdicts.
    """
    import json

    from qualcode.analysis import conclusions as con
    from qualcode.analysis.triangulation import ConvergenceRule

    rule = con.VerdictRule(
        min_informants=min_informants, contest_share=contest_share, direction=direction
    )
    convergence_rule = ConvergenceRule(
        presence=presence, prominence=prominence, direction=direction
    )
    with open_project(ctx) as project, project.read() as s:
        checks = con.check_conclusions(
            s,
            list(ids) or None,
            rule=rule,
            convergence_rule=convergence_rule,
            coder=coder,
            evidence=evidence,
        )
    if fmt == "json":
        value = [c.as_json(pseudonymize=pseudonyms) for c in checks]
        body = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    elif not checks:
        body = "no conclusions yet (record one with 'qualcode conclude add')\n"
    else:
        body = render_tables(con.check_tables(checks, pseudonymize=pseudonyms), fmt, width=88)
        counts: dict[str, int] = {}
        for c in checks:
            counts[c.verdict] = counts.get(c.verdict, 0) + 1
        summary = ", ".join(f"{n} {v}" for v, n in counts.items())
        body += f"\n{len(checks)} conclusions: {summary}\n"
    write(body, output, f"the check of {len(checks)} conclusions")


@conclude.command("remove")
@click.argument("conclusion_id", type=int, metavar="ID")
@click.pass_context
def remove(ctx: click.Context, conclusion_id: int) -> None:
    """Remove conclusion ID (the audit log keeps it)."""
    from qualcode.analysis.conclusions import remove_conclusion

    with open_project(ctx) as project, project.write() as s:
        statement = remove_conclusion(s, conclusion_id, actor=current_user())
    short = statement if len(statement) <= 60 else statement[:59] + "…"
    click.echo(f"removed conclusion {conclusion_id}: {short}")


COMMANDS = [triangulate, conclude]
