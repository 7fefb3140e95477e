"""``check``, ``backup`` and ``restore``: keeping a project safe (see docs/reliability.md)."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import db_location, emit, format_option, open_project
from qualcode.core.errors import QualcodeError


@click.command()
@format_option()
@click.pass_context
def check(ctx: click.Context, fmt: str) -> None:
    """Check the project's integrity and consistency; exit 1 if anything is wrong.

    SQLite's integrity check, no orphans (codings of missing codes, coders or sources...),
    every coding inside its source's text, segments that tile their source, an unbroken audit
    log. Warnings alone do not fail the check.
    """
    from qualcode.storage.integrity import check_project

    with open_project(ctx) as project, project.engine.connect() as conn:
        report = check_project(conn)
    rows = [
        {"check": f.check, "severity": f.severity, "finding": f.message} for f in report.findings
    ]
    if fmt != "table":
        emit(rows, fmt, ["check", "severity", "finding"])
    else:
        for name in report.checked:
            found = [f for f in report.findings if f.check == name]
            click.echo(f"{name:<15} {'ok' if not found else f'{len(found)} finding(s)'}")
            for f in found:
                click.echo(f"  {f.severity}: {f.message}")
        errors, warnings = len(report.errors), len(report.findings) - len(report.errors)
        verdict = "project is consistent" if report.ok else f"{errors} error(s)"
        click.echo(f"{verdict}" + (f", {warnings} warning(s)" if warnings else ""))
    if not report.ok:
        ctx.exit(1)


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_context
def backup(ctx: click.Context, file: Path | None, force: bool) -> None:
    """Copy the project to FILE (default: PROJECT.backups/STEM-TIME.db), safely while in use.

    FILE may be a folder: the copy goes into it as STEM-TIME.db.

    Uses SQLite's online backup, so the copy is consistent even while the coding app is open
    and writing. A PostgreSQL project is backed up with pg_dump.
    """
    from qualcode.storage import backup as B

    location = db_location(ctx)
    B.refuse_url(location)
    if not Path(location).is_file():
        raise QualcodeError(f"{location}: no project here")
    if not B.is_qualcode_file(location):
        raise QualcodeError(f"{location}: not a qualcode project")
    target = file or B.default_backup_path(location)
    if target.is_dir():  # a folder named: the backup goes into it, under the usual name
        target = target / B.default_backup_path(location).name
    made = B.backup(location, target, overwrite=force)
    click.echo(f"backed up {location} to {made} ({_size(made)})")


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace the existing project (a safety copy of it is made first).",
)
@click.pass_context
def restore(ctx: click.Context, file: Path, force: bool) -> None:
    """Put the backup FILE back as the project (--db).

    Refuses to replace an existing project without --force; with --force the project as it was
    is first copied to PROJECT.backups/STEM-before-restore-TIME.db.
    """
    from qualcode.cli.common import current_user, project_exists
    from qualcode.storage import backup as B
    from qualcode.storage.project import Project, audit

    location = db_location(ctx)
    B.refuse_url(location)
    if not file.is_file():
        raise QualcodeError(f"{file}: no such file")
    if not B.is_qualcode_file(file):
        raise QualcodeError(f"{file}: not a qualcode project backup")
    problem = B.integrity_problem(file)
    if problem:
        raise QualcodeError(f"{file}: damaged backup, not restoring it ({problem})")
    if Path(location).exists() and Path(location).resolve() == file.resolve():
        raise QualcodeError(f"{file}: is the project itself")
    safety = None
    if project_exists(location):
        if not force:
            raise QualcodeError(
                f"{location}: a project is already there; give --force to replace it "
                "(a safety copy of it is made first)"
            )
        safety = B.backup(location, B.default_backup_path(location, "before-restore"))
    B.restore(file, location)
    # A backup from an older qualcode is upgraded now. The restore itself goes into the
    # restored log: without it, the entries made since the backup simply vanish from `log`.
    with Project.open(location) as project, project.write() as s:
        audit(
            s, current_user(), "restore", "project", file=str(file),
            safety_copy=str(safety) if safety else None,
        )  # fmt: skip
    if safety:
        click.echo(f"the project as it was is in {safety}")
    click.echo(f"restored {location} from {file}")


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


COMMANDS = [check, backup, restore]
