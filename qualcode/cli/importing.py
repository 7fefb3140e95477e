"""``import``, ``sources``, ``informants`` and ``segments``."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import (
    creating_project,
    current_user,
    emit,
    format_option,
    open_project,
)
from qualcode.core.errors import QualcodeError

SOURCE_KINDS = ("interview", "document", "observation")
SEGMENT_MODES = ("turn", "paragraph", "sentence")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--informant", help="The informant these files belong to (created if new).")
@click.option("--role", help="The role (group) of a new informant, e.g. official.")
@click.option("--kind", type=click.Choice(SOURCE_KINDS), help="Source kind [default: interview].")
@click.option(
    "--segment",
    "segment_by",
    type=click.Choice(SEGMENT_MODES),
    help="Segmentation [default: turn].",
)
@click.option(
    "--meta",
    type=click.Path(path_type=Path),
    help="informants.yaml or .csv (default: the one beside the files, if any).",
)
@click.option("--actor", default=None, help="Who is importing (for the audit log).")
@click.option(
    "--max-size",
    type=click.FloatRange(min=0, min_open=True),
    metavar="MB",
    help="Refuse a file larger than this [default: 64, or env QUALCODE_MAX_SIZE].",
)
@click.pass_context
def import_(
    ctx: click.Context,
    files: tuple[Path, ...],
    informant: str | None,
    role: str | None,
    kind: str | None,
    segment_by: str | None,
    meta: Path | None,
    actor: str | None,
    max_size: float | None,
) -> None:
    """Import transcripts (.txt .md .docx .vtt .srt) and documents. All files or none.

    A REFI-QDA project or codebook (.qdpx .qde .qdc) is imported on its own (see 'refi import').
    """
    if any(f.suffix.lower() in (".qdpx", ".qde", ".qdc") for f in files):
        from qualcode.cli.refi import import_from_import_command

        import_from_import_command(
            ctx,
            files,
            segment_by=segment_by,
            actor=actor,
            informant=informant,
            role=role,
            kind=kind,
            meta=meta,
        )
        return
    from qualcode.ingest.importer import import_files

    with creating_project(ctx) as project:
        report = import_files(
            project,
            list(files),
            informant=informant,
            role=role,
            kind=kind,
            segment_by=segment_by,
            meta_path=meta,
            actor=actor or current_user(),
            max_bytes=int(max_size * 1024 * 1024) if max_size else None,
        )
    for m in report.metadata_files:
        click.echo(f"informant metadata from {m}")
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    for plan in report.imported:
        who = f", informant {plan.informant}" if plan.informant else ""
        click.echo(
            f"imported {plan.path} as '{plan.name}' ({plan.kind}, "
            f"{plan.segments} segments by {plan.segment_by}{who})"
        )
    for path, why in report.skipped:
        click.echo(f"skipped {path}: {why}")
    if report.created_informants:
        click.echo(f"new informants: {', '.join(report.created_informants)}")


@click.command()
@format_option()
@click.pass_context
def sources(ctx: click.Context, fmt: str) -> None:
    """List the sources with their informant, kind and segment counts."""
    from sqlalchemy import text

    sql = """
        SELECT s.name, s.kind, i.name AS informant, i.role, s.filename,
               (SELECT COUNT(*) FROM segment g WHERE g.source_id = s.id) AS segments,
               (SELECT COUNT(*) FROM coding c WHERE c.source_id = s.id) AS codings
        FROM source s LEFT JOIN informant i ON i.id = s.informant_id
        ORDER BY s.name
    """
    with open_project(ctx) as project, project.read() as s:
        rows = [dict(r._mapping) for r in s.connection().execute(text(sql))]
    emit(rows, fmt, ["name", "kind", "informant", "role", "filename", "segments", "codings"])


@click.command()
@format_option()
@click.pass_context
def informants(ctx: click.Context, fmt: str) -> None:
    """List the informants with role, pseudonym and attributes."""
    import json

    from sqlmodel import select

    from qualcode.storage.models import Informant

    with open_project(ctx) as project, project.read() as s:
        people = list(s.exec(select(Informant).order_by(Informant.role, Informant.name)))  # type: ignore[arg-type]
    rows = [
        {
            "name": p.name,
            "pseudonym": p.pseudonym,
            "role": p.role,
            "attributes": json.loads(p.attributes or "{}"),
        }
        for p in people
    ]
    if fmt != "json":
        for r in rows:
            r["attributes"] = "; ".join(f"{k}={v}" for k, v in r["attributes"].items())
    emit(rows, fmt, ["name", "pseudonym", "role", "attributes"])


@click.command()
@click.option("--source", "source_name", required=True, help="The source's name.")
@format_option()
@click.pass_context
def segments(ctx: click.Context, source_name: str, fmt: str) -> None:
    """List a source's segments: ordinal, speaker, offsets, timestamp and text."""
    from sqlmodel import select

    from qualcode.storage.models import Segment, Source

    with open_project(ctx) as project, project.read() as s:
        source = s.exec(select(Source).where(Source.name == source_name)).first()
        if source is None:
            raise QualcodeError(f"no source named '{source_name}' (see 'qualcode sources')")
        rows = [
            {
                "ordinal": g.ordinal,
                "speaker": g.speaker,
                "start": g.start,
                "end": g.end,
                "timestamp": g.timestamp,
                "text": source.text[g.start : g.end],
            }
            for g in s.exec(
                select(Segment).where(Segment.source_id == source.id).order_by(Segment.ordinal)  # type: ignore[arg-type]
            )
        ]
    emit(rows, fmt, ["ordinal", "speaker", "start", "end", "timestamp", "text"])


COMMANDS = [import_, sources, informants, segments]
