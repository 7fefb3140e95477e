"""The project store: connection settings, atomic writes, the append-only audit log, schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from qualcode.core.errors import QualcodeError
from qualcode.storage.migrations import MIGRATIONS
from qualcode.storage.models import AuditEntry, Coder
from qualcode.storage.project import Project, audit


@pytest.fixture
def store(new_location):
    project = Project.open(new_location("p.db"), create=True)
    yield project
    project.close()


def test_connection_settings(store: Project, backend: str) -> None:
    with store.read() as s:
        conn = s.connection()
        if backend == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        else:  # timestamps are stored without a zone: the session's must be UTC
            assert conn.exec_driver_sql("SHOW timezone").scalar() == "UTC"


def test_write_is_one_transaction(store: Project) -> None:
    with pytest.raises(RuntimeError):
        with store.write() as s:
            s.add(Coder(name="ana"))
            s.flush()
            audit(s, "ana", "create", "coder")
            raise RuntimeError("crash in the middle")
    with store.read() as s:
        assert s.exec(select(Coder)).all() == []
        assert s.exec(select(AuditEntry)).all() == []


def test_audit_log_is_append_only(store: Project) -> None:
    with store.write() as s:
        audit(s, "ana", "create", "coder", 1, name="ana")
    for statement in ("UPDATE audit_log SET actor = 'eve'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            with store.write() as s:
                s.connection().exec_driver_sql(statement)
    with store.read() as s:
        assert [e.actor for e in s.exec(select(AuditEntry))] == ["ana"]


def test_foreign_keys_are_enforced(store: Project) -> None:
    with pytest.raises(Exception, match="(?i)FOREIGN KEY"):
        with store.write() as s:
            s.connection().exec_driver_sql(
                'INSERT INTO coding (source_id, code_id, coder_id, start, "end", created_at, '
                "updated_at) VALUES (99, 99, 99, 0, 1, '2020-01-01', '2020-01-01')"
            )


def test_schema_version_recorded(store: Project) -> None:
    with store.read() as s:
        versions = [r[0] for r in s.connection().execute(text("SELECT id FROM schema_migration"))]
    assert versions == [m.id for m in MIGRATIONS]  # ids are assigned per issue: gaps allowed


def test_project_from_a_newer_qualcode_is_refused(tmp_path: Path, store: Project) -> None:
    with store.write() as s:
        s.connection().exec_driver_sql(
            "INSERT INTO schema_migration (id, name, applied_at) VALUES (999, 'future', '2030-01-01')"
        )
    store.close()
    with pytest.raises(QualcodeError, match="newer qualcode"):
        Project.open(store.location)


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (x)")
    with pytest.raises(QualcodeError, match="not a qualcode project"):
        Project.open(other, create=True)


def test_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QualcodeError, match="is a directory"):
        Project.open(tmp_path)
    with pytest.raises(QualcodeError, match="no project here"):
        Project.open(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()


def test_writers_queue_and_hear_busy_only_after_the_wait(
    store: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second writer waits for the first (no "database is locked"); after WRITE_WAIT_S it is
    told, in qualcode's words, that the project is busy."""
    import threading
    import time

    from qualcode.storage import db

    monkeypatch.setattr(db, "WRITE_WAIT_S", 1.0)
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 100)  # each SQLite try waits this long
    other = Project.open(store.location)
    held, release = threading.Event(), threading.Event()

    def first_writer() -> None:
        with store.write() as s:
            s.add(Coder(name="ana"))
            s.flush()
            held.set()
            release.wait(10)

    try:
        thread = threading.Thread(target=first_writer)
        thread.start()
        held.wait(10)
        started = time.monotonic()
        with pytest.raises(db.ProjectBusy, match="the project is busy"):
            with other.write() as s:
                s.add(Coder(name="ben"))
        assert time.monotonic() - started >= 0.9
        threading.Timer(0.3, release.set).start()  # the first writer finishes while we wait
        with other.write() as s:
            s.add(Coder(name="ben"))
        thread.join()
        with other.read() as s:
            assert sorted(c.name for c in s.exec(select(Coder))) == ["ana", "ben"]
    finally:
        release.set()
        other.close()
