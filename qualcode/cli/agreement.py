"""``agree``, ``adjudicate`` and ``blind``: comparing coders and settling their disagreements."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import click

from qualcode.cli.common import current_user, emit, format_option, open_project, render_table
from qualcode.core.errors import QualcodeError


class ManyValuesCommand(click.Command):
    """Lets one option take several values: ``--coders ana ben`` means
    ``--coders ana --coders ben`` (values run up to the next option)."""

    many = ("--coders", "--codes")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        current: str | None = None
        for arg in args:
            if arg in self.many:
                current = arg
                out.append(arg)
                continue
            if arg.startswith("-"):
                current = None
            elif current is not None and out[-1] != current:
                out.append(current)
            out.append(arg)
        return super().parse_args(ctx, out)


def coders_option(f: Any) -> Any:
    return click.option(
        "--coders",
        multiple=True,
        required=True,
        metavar="A B [C ...]",
        help="The coders to compare (two or more).",
    )(f)


def codes_option(f: Any) -> Any:
    return click.option(
        "--codes",
        multiple=True,
        metavar="PATH ...",
        help="Only these codes (default: every code a compared coder applied).",
    )(f)


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


@click.command("agree", cls=ManyValuesCommand)
@coders_option
@codes_option
@click.option(
    "--unit",
    type=click.Choice(["segment", "character"]),
    default="segment",
    show_default=True,
    help="What one unit of agreement is.",
)
@format_option()
@click.pass_context
def agree(
    ctx: click.Context, coders: tuple[str, ...], codes: tuple[str, ...], unit: str, fmt: str
) -> None:
    """Intercoder agreement per code and overall: percent agreement, Cohen's kappa (two coders),
    Krippendorff's alpha, on the sources every compared coder has coded."""
    from qualcode.analysis.agreement import agreement
    from qualcode.storage.blind import blind_mode

    with open_project(ctx) as project, project.read() as s:
        result = agreement(s, coders, codes, unit)
        blind = blind_mode(s)
    if blind.on:
        click.echo(f"note: {blind.describe()}; 'qualcode blind off' opens it", err=True)
    if not result.sources:
        click.echo(
            f"note: no source was coded by every one of {', '.join(result.coders)}: "
            "nothing to compare",
            err=True,
        )
    rows = [{"code": path, **f.as_json()} for path, f in result.codes.items()]
    rows.append({"code": "(overall)", **result.overall.as_json()})
    if fmt != "table":
        emit(rows, fmt, json_value=result.as_json())
        return
    click.echo(
        f"coders {', '.join(result.coders)} · unit {unit} · {len(result.sources)} compared sources"
    )
    figures = [*result.codes.items(), ("(overall)", result.overall)]
    table = [
        [
            path,
            f.units,
            _number(None if f.percent_agreement is None else 100 * f.percent_agreement, 1),
            _number(f.cohen_kappa),
            _number(f.krippendorff_alpha),
            f.flag,
        ]
        for path, f in figures
    ]

    click.echo(render_table(["code", "units", "agree %", "kappa", "alpha", "flag"], table))


@click.command("adjudicate", cls=ManyValuesCommand)
@coders_option
@codes_option
@click.option("--into", default="consensus", show_default=True, help="The consensus coder.")
@click.option("--list", "listing", is_flag=True, help="List the disagreements and stop.")
@click.option("--pending", is_flag=True, help="Only disagreements not decided yet.")
@click.option("--unit-id", "unit_id", metavar="SEGMENT:CODE", help="Decide this disagreement.")
@click.option("--accept", metavar="CODER|both|neither", help="The decision for --unit-id.")
@click.option(
    "--decisions",
    type=click.Path(path_type=Path),
    help="Apply a CSV of decisions (columns id, decision), e.g. the --list CSV filled in.",
)
@click.option(
    "--accept-agreed",
    "agreed",
    is_flag=True,
    help="Copy what every coder applied (the agreements) into the consensus coder.",
)
@format_option()
@click.pass_context
def adjudicate(
    ctx: click.Context,
    coders: tuple[str, ...],
    codes: tuple[str, ...],
    into: str,
    listing: bool,
    pending: bool,
    unit_id: str | None,
    accept: str | None,
    decisions: Path | None,
    agreed: bool,
    fmt: str,
) -> None:
    """Settle the coders' disagreements into a consensus coder: accept one coder's side, both, or
    neither. Without --list, --unit-id or --decisions, asks about each pending disagreement."""
    from qualcode.analysis.adjudication import accept_agreed, decide, disagreements

    if (unit_id is None) != (accept is None):
        raise QualcodeError("--unit-id and --accept go together")
    actor = current_user()
    with open_project(ctx) as project:
        if unit_id is not None and accept is not None:
            with project.write() as s:
                item = decide(s, coders, unit_id, accept, into=into, actor=actor)
            click.echo(f"{item.id} {item.source} #{item.ordinal} {item.code}: {item.decision}")
            return
        if agreed:
            with project.write() as s:
                copied = accept_agreed(s, coders, codes, into=into, actor=actor)
            click.echo(f"copied {copied} agreed codings (segment and code) into coder '{into}'")
            return
        if decisions is not None:
            with project.write() as s:
                done = _apply_decisions(s, coders, decisions, into, actor)
            click.echo(f"applied {done} decisions from {decisions} into coder '{into}'")
            return
        with project.read() as s:
            items = disagreements(s, coders, codes, into=into)
        if pending:
            items = [d for d in items if d.decision is None]
        if listing or not _interactive():
            _list(items, list(dict.fromkeys(coders)), fmt)
            return
        _ask(project, coders, [d for d in items if d.decision is None], into, actor)


def _interactive() -> bool:
    import sys

    return sys.stdin.isatty()


def _list(items: list[Any], coders: list[str], fmt: str) -> None:
    def cut(value: str) -> str:  # the table stays readable; CSV and JSON keep every character
        if fmt != "table":
            return value
        value = " ".join(value.split())
        return value if len(value) <= 30 else value[:29] + "…"

    rows = []
    for d in items:
        row: dict[str, Any] = {"id": d.id, "source": d.source, "segment": d.ordinal, "code": d.code}
        for coder in coders:
            applied = d.applied.get(coder, [])
            row[coder] = cut(" | ".join(a.text for a in applied))
            row[f"{coder} memo"] = cut(" | ".join(a.memo for a in applied if a.memo))
        row["decision"] = d.decision or ""
        rows.append(row)
    columns = ["id", "source", "segment", "code"]
    columns += [c for coder in coders for c in (coder, f"{coder} memo")] + ["decision"]
    emit(rows, fmt, columns=columns, json_value=[d.as_json() for d in items])
    if fmt == "table":
        decided = sum(1 for d in items if d.decision)
        click.echo(f"{len(items)} disagreements, {decided} decided")


def _apply_decisions(s: Any, coders: tuple[str, ...], path: Path, into: str, actor: str) -> int:
    """Every decision of the file, in one transaction: a bad line changes nothing."""
    from qualcode.analysis.adjudication import decide

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not {"id", "decision"} <= set(reader.fieldnames or ()):
                raise QualcodeError(f"{path}: needs the columns 'id' and 'decision'")
            lines = [(reader.line_num, row) for row in reader]
    except OSError as err:
        raise QualcodeError(f"{path}: cannot read ({err.strerror})") from err
    done = 0
    for line, row in lines:
        choice = (row.get("decision") or "").strip()
        if not choice:
            continue
        try:
            decide(s, coders, (row.get("id") or "").strip(), choice, into=into, actor=actor)
        except QualcodeError as err:
            raise QualcodeError(f"{path}:{line}: {err}") from err
        done += 1
    return done


def _ask(project: Any, coders: tuple[str, ...], items: list[Any], into: str, actor: str) -> None:
    """One disagreement at a time on the terminal; each answer is saved at once."""
    from qualcode.analysis.adjudication import decide

    names = list(dict.fromkeys(coders))
    choices = [*names, "both", "neither", "skip", "quit"]
    if not items:
        click.echo("no pending disagreements")
        return
    for n, d in enumerate(items, 1):
        click.echo(f"\n[{n}/{len(items)}] {d.id}  {d.source} #{d.ordinal}  code {d.code}")
        click.echo(f"  {d.text.strip()}")
        for coder in names:
            applied = d.applied.get(coder, [])
            if not applied:
                click.echo(f"  {coder}: did not apply it")
            for a in applied:
                memo = f"  (memo: {a.memo})" if a.memo else ""
                what = (
                    "the whole segment"
                    if a.text.strip() == d.text.strip()
                    else f"“{a.text.strip()}”"
                )
                click.echo(f"  {coder}: applied it to {what}{memo}")
        answer = click.prompt("accept", type=click.Choice(choices), show_choices=True)
        if answer == "quit":
            return
        if answer == "skip":
            continue
        with project.write() as s:
            decide(s, coders, d.id, answer, into=into, actor=actor)
        click.echo(f"  → {answer} into '{into}'")


@click.command("blind")
@click.argument("state", required=False, type=click.Choice(["on", "off"]))
@click.option(
    "--supervisor",
    "supervisors",
    multiple=True,
    metavar="NAME",
    help="Who may see everyone's codings while blind (repeatable; replaces the list).",
)
@click.pass_context
def blind(ctx: click.Context, state: str | None, supervisors: tuple[str, ...]) -> None:
    """Blind mode: coders see only their own codings in the app until it is turned off."""
    from qualcode.storage.blind import blind_mode, set_blind

    with open_project(ctx) as project:
        if state is None:
            if supervisors:
                raise QualcodeError(
                    "give 'on' with --supervisor (qualcode blind on --supervisor NAME)"
                )
            with project.read() as s:
                click.echo(blind_mode(s).describe())
            return
        with project.write() as s:
            mode = set_blind(s, state == "on", supervisors or None, actor=current_user())
    click.echo(mode.describe())


COMMANDS = [agree, adjudicate, blind]
