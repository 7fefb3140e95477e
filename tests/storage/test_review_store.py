"""Review mode at the storage layer: a read-only project refuses every write, the database
connection refuses writes too, and review memos are the one write, marked as the reviewer's."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import fingerprint
from sqlalchemy import exc, text

from qualcode.core.errors import QualcodeError
from qualcode.storage.codings import coder_id
from qualcode.storage.memos import list_memos, save_memo
from qualcode.storage.project import Project
from qualcode.storage.review import review_memo_text, save_review_memo

V1_PROJECT = Path(__file__).parent / "data" / "project-v1.db"


def dump(db: Path | str) -> str:
    """The project's content (tests/conftest.py fingerprint: an empty -wal file a read-only
    connection leaves behind counts as none; on PostgreSQL, the rows of every table)."""
    return fingerprint(db)


def _memos(db: Path | str) -> list[tuple]:
    with Project.open(db) as p, p.read() as s:
        return [
            tuple(r)
            for r in s.connection().execute(
                text(
                    "SELECT m.kind, m.target, m.target_id, k.name, m.text FROM memo m "
                    "JOIN coder k ON k.id = m.coder_id ORDER BY m.id"
                )
            )
        ]


def test_a_review_project_refuses_write_sessions(project: Path) -> None:
    before = dump(project)
    with Project.open(project, read_only=True) as p:
        with pytest.raises(QualcodeError, match="read-only for review"):
            with p.write() as s:
                s.connection().execute(text("DELETE FROM coding"))
    assert dump(project) == before


def test_its_connections_refuse_writes_too(project: Path) -> None:
    """Even SQL written past ``write()`` cannot change the project: the connection is
    read-only (SQLite mode=ro and query_only)."""
    before = dump(project)
    with Project.open(project, read_only=True) as p:
        for statement in (
            "UPDATE code SET name = 'changed'",
            "INSERT INTO coder (name, created_at) VALUES ('intruder', '2026-01-01')",
            "DELETE FROM segment",
        ):
            # SQLite: OperationalError; PostgreSQL: InternalError (read-only transaction).
            with pytest.raises(exc.DBAPIError, match="readonly|read-only|read only"):
                with p.read() as s:
                    s.connection().execute(text(statement))
                    s.commit()
        with p.read() as s:
            conn = s.connection()
            if conn.dialect.name == "sqlite":  # mode=ro: switching query_only off is no way out
                assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
                with pytest.raises(exc.OperationalError):
                    conn.exec_driver_sql("PRAGMA query_only = OFF")
                    conn.exec_driver_sql("DELETE FROM segment")
            else:
                assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
    assert dump(project) == before


def test_review_memo_is_saved_marked_and_audited(project: Path) -> None:
    with Project.open(project) as p, p.write() as s:
        ana = coder_id(s, "ana")
        save_memo(s, "project", None, ana, "Ana's analytic memo.", actor="ana")
    with Project.open(project, read_only=True) as p:
        assert review_memo_text(p, "prof", "project", None) == ""
        memo = save_review_memo(p, "prof", "project", None, "  Check the licensing codes.  ")
        assert memo is not None and memo.kind == "review"
        assert review_memo_text(p, "prof", "project", None) == "Check the licensing codes."
        # Edited in place, one per reviewer and target; never replaces the analytic memo.
        save_review_memo(p, "prof", "project", None, "Check the licensing codes again.")
        rows = list_memos(p.read().__enter__())
    assert _memos(project) == [
        ("analytic", "project", None, "ana", "Ana's analytic memo."),
        ("review", "project", None, "prof", "Check the licensing codes again."),
    ]
    assert [(r.kind, r.author, r.on) for r in rows] == [
        ("review", "prof", "project"),
        ("analytic", "ana", "project"),
    ]
    with Project.open(project) as p, p.read() as s:
        audit = (
            s.connection()
            .execute(
                text(
                    "SELECT actor, action, entity, detail FROM audit_log WHERE entity = 'memo' "
                    "ORDER BY id"
                )
            )
            .all()
        )
    assert [(a, b, c) for a, b, c, _ in audit][-2:] == [
        ("prof", "create", "memo"),
        ("prof", "update", "memo"),
    ]
    assert '"kind": "review"' in audit[-1][3]


def test_a_blank_review_memo_removes_only_the_reviewers_memo(project: Path) -> None:
    with Project.open(project, read_only=True) as p:
        save_review_memo(p, "prof", "project", None, "one")
        save_review_memo(p, "dr-lee", "project", None, "two")
        assert save_review_memo(p, "prof", "project", None, "   ") is None
    assert [(r[0], r[3], r[4]) for r in _memos(project)] == [("review", "dr-lee", "two")]


def test_review_memo_on_a_bad_target_is_refused(project: Path) -> None:
    before = dump(project)
    with Project.open(project, read_only=True) as p:
        with pytest.raises(QualcodeError, match="cannot be attached to 'segment'"):
            save_review_memo(p, "prof", "segment", 1, "text")
    assert dump(project) == before


def test_database_refuses_an_unknown_memo_kind(project: Path) -> None:
    with Project.open(project) as p:
        with pytest.raises(exc.IntegrityError, match="memo_kind|CHECK"):
            with p.write() as s:
                s.connection().execute(
                    text(
                        "INSERT INTO memo (target, title, text, created_at, updated_at, kind) "
                        "VALUES ('project', '', 'x', '2026-01-01', '2026-01-01', 'gossip')"
                    )
                )


def test_a_v1_project_opens_for_review_with_memo_kinds(tmp_path: Path) -> None:
    """An older project is upgraded (schema only) and its memos are analytic ones."""
    db = tmp_path / "old.db"
    shutil.copyfile(V1_PROJECT, db)
    con = sqlite3.connect(db)
    had = con.execute("SELECT COUNT(*) FROM memo").fetchone()[0]
    con.close()
    with Project.open(db, read_only=True) as p:
        with p.read() as s:
            applied = [
                r[0] for r in s.connection().execute(text("SELECT id FROM schema_migration"))
            ]
            kinds = {r.kind for r in list_memos(s)}
        save_review_memo(p, "prof", "project", None, "Reviewed.")
    assert 6 in applied
    assert kinds <= {"analytic"}
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM memo WHERE kind = 'analytic'").fetchone()[0] == had
    assert con.execute("SELECT text FROM memo WHERE kind = 'review'").fetchall() == [("Reviewed.",)]
    con.close()


def test_review_memo_keeps_its_mark_in_a_refi_export(project: Path, tmp_path: Path) -> None:
    """REFI-QDA has no memo kinds: the exported Note is named "Review memo"."""
    import zipfile

    from qualcode.exchange.refi import export_qdpx

    with Project.open(project, read_only=True) as p:
        save_review_memo(p, "prof", "project", None, "Reviewed.")
        export_qdpx(p, tmp_path / "p.qdpx")  # exporting needs no write either
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert 'name="Review memo"' in qde and "<PlainTextContent>Reviewed.</PlainTextContent>" in qde
