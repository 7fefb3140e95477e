"""``source replace | history | reviews | reviewed``: a transcript corrected after coding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from qualcode.cli.common import QualcodeGroup, current_user, emit, format_option, open_project


@click.group(cls=QualcodeGroup)
def source() -> None:
    """A source's text corrected after coding began: replace it, see its history, review the
    codings whose text changed."""


@source.command()
@click.argument("name")
@click.argument("newfile", required=False, type=click.Path(path_type=Path))
@click.option("--undo", is_flag=True, help="Put back the text before the latest replacement.")
@click.option("--dry-run", is_flag=True, help="Report what would happen; change nothing.")
@click.option(  # as in `import`: the size-cap message names this option
    "--max-size",
    type=click.FloatRange(min=0, min_open=True),
    metavar="MB",
    help="Refuse a file larger than this [default: 64, or env QUALCODE_MAX_SIZE].",
)
@click.pass_context
def replace(
    ctx: click.Context,
    name: str,
    newfile: Path | None,
    undo: bool,
    dry_run: bool,
    max_size: float | None,
) -> None:
    """Replace source NAME's text with NEWFILE's, re-anchoring every coding on the new text.

    Codings whose text is untouched move to its new place; codings whose text changed move to
    the best match and are flagged for review ('qualcode source reviews'). The old text is kept
    ('qualcode source history'); '--undo' takes the latest replacement back.
    """
    from qualcode.ingest.readers import read_source
    from qualcode.storage.source_replace import replace_text, undo_replace
    from qualcode.storage.sources import resolve_source

    if undo == (newfile is not None):
        raise click.UsageError("give NEWFILE to replace with, or --undo (not both)")
    with open_project(ctx) as project:
        if undo:
            if dry_run:
                raise click.UsageError("--dry-run is for a replacement, not --undo")
            report = undo_replace(project, name, current_user())
        else:
            assert newfile is not None
            with project.read() as s:
                src = resolve_source(s, name)
                mode, kind = src.segmented_by, src.kind
            max_bytes = int(max_size * 1024 * 1024) if max_size else None
            parsed = read_source(newfile, segment_by=mode, kind=kind, max_bytes=max_bytes)
            if not parsed.segments:
                from qualcode.core.errors import InputError

                raise InputError(newfile, "no text to segment")
            for warning in parsed.warnings:
                click.echo(f"warning: {newfile}: {warning}", err=True)
            report = replace_text(
                project,
                name,
                parsed.text,
                parsed.segments,
                filename=newfile.name,
                encoding=parsed.encoding,
                actor=current_user(),
                dry_run=dry_run,
            )
    _print_report(report, newfile)


def _print_report(report: Any, newfile: Path | None) -> None:
    name = report.source
    if report.undo:
        click.echo(f"put back the text of '{name}' from before revision {report.revision}")
    elif report.dry_run:
        click.echo(f"dry run: replacing the text of '{name}' with {newfile} would:")
    else:
        click.echo(
            f"replaced the text of '{name}' with {newfile} (the old text is revision "
            f"{report.revision}; undo: qualcode source replace --undo {name})"
        )
    flagged = len(report.flagged)
    click.echo(
        f"codings: {report.codings} ({report.unchanged} unchanged, {report.moved} moved, "
        f"{flagged} flagged for review)"
    )
    click.echo(f"segments: {report.segments_before} -> {report.segments_after}")
    if report.rejections:
        click.echo(f"rejected suggestions carried over: {report.rejections}")
    if report.discarded_undo_steps:
        click.echo(f"coding-app undo steps on this source discarded: {report.discarded_undo_steps}")
    for f in report.flagged:
        click.echo(
            f"  coding {f.coding_id}  {f.code}  ({f.coder})  similarity {f.similarity:g}\n"
            f"    old [{f.old_start}, {f.old_end}): {_quote(f.old_text)}\n"
            f"    new [{f.new_start}, {f.new_end}): {_quote(f.new_text)}"
        )


def _quote(text: str, width: int = 100) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")


@source.command()
@click.argument("name")
@click.option("--show", "show", type=int, help="Print the text of revision N.")
@format_option()
@click.pass_context
def history(ctx: click.Context, name: str, show: int | None, fmt: str) -> None:
    """The texts source NAME had before each replacement (revision 1: as first imported)."""
    from qualcode.core.errors import QualcodeError
    from qualcode.storage.source_replace import revisions

    with open_project(ctx) as project, project.read() as s:
        rows = revisions(s, name)
    if show is not None:
        chosen = [r for r in rows if r.number == show]
        if not chosen:
            raise QualcodeError(f"source '{name}' has no revision {show}")
        click.echo(chosen[0].text, nl=False)
        return
    emit(
        [
            {
                "revision": r.number,
                "file": r.filename,
                "replaced_by": r.replaced_by,
                "replaced_at": r.replaced_at.strftime("%Y-%m-%d %H:%M:%S"),
                "actor": r.actor,
                "chars": len(r.text),
                "sha256": r.sha256[:12],
                "state": r.state,
            }
            for r in rows
        ],
        fmt,
        ["revision", "file", "replaced_by", "replaced_at", "actor", "chars", "sha256", "state"],
    )


@source.command()
@click.argument("name", required=False)
@format_option()
@click.pass_context
def reviews(ctx: click.Context, name: str | None, fmt: str) -> None:
    """Codings flagged by a replacement (their text changed), with old and new text."""
    from qualcode.storage.source_replace import open_reviews

    with open_project(ctx) as project, project.read() as s:
        rows = open_reviews(s, name)
    columns = ["review", "source", "code", "coder", "coding", "similarity", "old_text", "new_text"]
    emit(rows, fmt, columns)


@source.command()
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "all_", is_flag=True, help="Every open review (of --source, if given).")
@click.option("--source", "name", help="With --all: only this source's reviews.")
@click.pass_context
def reviewed(ctx: click.Context, ids: tuple[int, ...], all_: bool, name: str | None) -> None:
    """Mark flagged codings as reviewed (by review id, or --all)."""
    from qualcode.storage.source_replace import open_reviews, resolve_reviews

    if all_ == bool(ids):
        raise click.UsageError("give review ids, or --all")
    with open_project(ctx) as project:
        if all_:
            with project.read() as s:
                ids = tuple(r["review"] for r in open_reviews(s, name))
        done = resolve_reviews(project, list(ids), current_user())
    click.echo(f"marked {done} review(s) done")


COMMANDS = [source]
