"""``codebook load | show | validate``."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import QualcodeGroup, current_user, emit, format_option, open_project


@click.group(cls=QualcodeGroup)
def codebook() -> None:
    """The codebook: load a YAML codebook, show the project's, validate a file."""


@codebook.command()
@click.argument("file", type=click.Path(path_type=Path))
def validate(file: Path) -> None:
    """Check a codebook file; print what it holds, or the first problem with its line."""
    from qualcode.core.codebook import load_codebook

    book = load_codebook(file)
    top = sum(1 for c in book.codes if c.parent_path is None)
    scale = f", magnitude {book.magnitude.min}..{book.magnitude.max}" if book.magnitude else ""
    click.echo(f"{file}: ok: '{book.name}', {len(book.codes)} codes ({top} top-level){scale}")


@codebook.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def load(ctx: click.Context, file: Path) -> None:
    """Load (or reload) a YAML codebook into the project; codes match by GUID, then path."""
    from qualcode.core.codebook import load_codebook
    from qualcode.storage.codes import load_codebook_into

    book = load_codebook(file)  # a bad file fails here, before the project is touched
    with open_project(ctx) as project, project.write() as s:
        report = load_codebook_into(s, book, actor=current_user())
    click.echo(
        f"loaded '{book.name}' from {file}: {len(report.added)} added, "
        f"{len(report.updated)} updated, {report.unchanged} unchanged"
    )
    if report.kept:
        click.echo(
            f"kept {len(report.kept)} code(s) of the project that the file does not have: "
            + ", ".join(report.kept)
        )


@codebook.command()
@format_option(("table", "json", "csv", "yaml"))
@click.pass_context
def show(ctx: click.Context, fmt: str) -> None:
    """Show the project's codebook with coding counts per code."""
    from sqlalchemy import text

    from qualcode.storage.codes import codebook_from_project

    with open_project(ctx) as project, project.read() as s:
        book = codebook_from_project(s)
        sql = text(
            "SELECT c.path, COUNT(cd.id) FROM code c "
            "LEFT JOIN coding cd ON cd.code_id = c.id GROUP BY c.path"
        )
        counts = {path: n for path, n in s.connection().execute(sql)}
    if fmt == "yaml":
        click.echo(book.to_yaml(), nl=False)
        return
    rows = [
        {
            "path": c.path,
            "code": "  " * (c.depth - 1) + c.name,
            "key": c.shortcut,
            "codings": counts.get(c.path, 0),
            "brief": c.brief,
            "definition": c.definition,
            "when_to_use": c.when_to_use,
            "when_not_to_use": c.when_not_to_use,
            "example": c.example,
            "keywords": list(c.keywords),
            "color": c.color,
            "guid": c.guid,
        }
        for c in book.codes
    ]
    if fmt == "table":
        emit(rows, fmt, ["code", "key", "codings", "brief"])
    elif fmt == "csv":
        for r in rows:
            r["keywords"] = "; ".join(r["keywords"])
        emit(rows, fmt, [k for k in rows[0] if k != "code"] if rows else ["path"])
    else:
        for r in rows:
            del r["code"]
        emit(rows, fmt)


COMMANDS = [codebook]
