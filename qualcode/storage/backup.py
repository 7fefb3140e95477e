"""Backups of a SQLite project with SQLite's online backup API, and restoring one.

The online backup copies the database page by page through SQLite itself, so the copy is a
consistent snapshot even while the coding app (or anything else) has the project open and is
writing: a plain file copy of a WAL database can miss the committed pages still in ``-wal``.
A copy is written to a temporary name in the destination folder, checked with
``PRAGMA integrity_check``, flushed to disk and only then renamed into place, so a crash never
leaves a half-written file under the backup's name.

Backups go to the folder ``<project file>.backups/`` beside the project unless a file is named.
Before a schema migration, :func:`backup_before_migration` puts a copy there named
``<stem>-before-schema-<N>-<time>.db`` and keeps the :data:`KEEP_MIGRATION_BACKUPS` most recent
of those; backups made by ``qualcode backup`` or before a restore are never pruned.

A PostgreSQL project is backed up by the server's own tools (``pg_dump``).
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from qualcode.core.errors import QualcodeError
from qualcode.storage.db import BUSY_TIMEOUT_MS, is_url

KEEP_MIGRATION_BACKUPS = 3
PG_DUMP = (
    "a PostgreSQL project is backed up by PostgreSQL: use pg_dump (e.g. pg_dump -Fc URL > FILE) "
    "and pg_restore"
)


def backup_folder(project: str | Path) -> Path:
    project = Path(project)
    return project.with_name(project.name + ".backups")


def default_backup_path(project: str | Path, label: str = "") -> Path:
    """``PROJECT.backups/STEM[-LABEL]-YYYYMMDD-HHMMSS.db`` (UTC), made unique with ``-2``..."""
    stem = Path(project).stem + (f"-{label}" if label else "")
    when = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = backup_folder(project)
    candidate, n = folder / f"{stem}-{when}.db", 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{when}-{n}.db"
    return candidate


def refuse_url(location: str) -> None:
    if is_url(location):
        raise QualcodeError(f"{_redacted(location)}: {PG_DUMP}")


def backup(project: str | Path, target: str | Path, *, overwrite: bool = False) -> Path:
    """Copy the SQLite project ``project`` to ``target`` (consistent while it is in use).

    Refuses to replace an existing ``target`` unless ``overwrite``. Returns ``target``.
    """
    project, target = Path(project), Path(target)
    if target.resolve() == project.resolve():
        raise QualcodeError(f"{target}: is the project itself; name another file")
    if target.exists() and not overwrite:
        raise QualcodeError(f"{target}: a file is already there; not overwriting it")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_partials(target.parent, target.name)
    temporary = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(_connect(project), temporary)
        problem = integrity_problem(temporary)
        if problem:
            raise QualcodeError(f"{project}: the copy failed its integrity check ({problem})")
        os.replace(temporary, target)
        _fsync_folder(target.parent)
    except sqlite3.Error as err:
        raise QualcodeError(f"{project}: cannot back up ({err})") from err
    except OSError as err:
        raise QualcodeError(f"{target}: cannot write the backup ({err.strerror or err})") from err
    finally:
        temporary.unlink(missing_ok=True)
    return target


def restore(backup_file: str | Path, project: str | Path) -> None:
    """Replace the content of ``project`` by that of ``backup_file``, through SQLite.

    Written into the project with the backup API (in one transaction, under SQLite's locks), so
    a process that has the project open sees the restored content afterwards rather than a
    file swapped under it, and a crash half-way leaves the project as it was.
    """
    backup_file, project = Path(backup_file), Path(project)
    source = _connect(backup_file)
    try:
        target = sqlite3.connect(project, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as err:
        raise QualcodeError(f"{project}: cannot restore ({err})") from err
    finally:
        source.close()


def backup_before_migration(project: str | Path, target_version: int) -> Path:
    """The automatic copy made before migrating ``project`` to ``target_version``; keeps the
    KEEP_MIGRATION_BACKUPS most recent such copies."""
    _remove_abandoned_partials(backup_folder(project), "*")
    made = backup(project, default_backup_path(project, f"before-schema-{target_version}"))
    pattern = f"{Path(project).stem}-before-schema-*.db"
    old = sorted(backup_folder(project).glob(pattern), key=lambda p: (p.stat().st_mtime, p.name))
    for stale in old[:-KEEP_MIGRATION_BACKUPS]:
        stale.unlink(missing_ok=True)
    return made


def _remove_abandoned_partials(folder: Path, name: str) -> None:
    """Half-written copies of ``name`` (a glob) left by a backup that was killed: its process
    is gone."""
    for partial in folder.glob(f".{name}.partial-*"):
        pid = partial.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            partial.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but not ours to signal
        return True
    return True


def integrity_problem(path: str | Path) -> str | None:
    """None if ``path`` passes ``PRAGMA integrity_check``, else SQLite's first complaint."""
    try:
        conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
        try:
            first = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as err:
        return str(err)
    return None if first == "ok" else str(first)


def is_qualcode_file(path: str | Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise QualcodeError(f"{path}: no such file")
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _copy(source: sqlite3.Connection, temporary: Path) -> None:
    try:
        target = sqlite3.connect(temporary)
        try:
            # pages=-1: the whole database in one step, so writers cannot force restarts forever.
            source.backup(target, pages=-1)
            target.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        finally:
            target.close()
    finally:
        source.close()
    with open(temporary, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not every platform can open a folder; the rename is still atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _redacted(url: str) -> str:
    """A URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: say nothing of it
        return "the project URL"
