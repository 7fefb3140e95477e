"""``qualcode backup`` / ``restore``, the backup made before a schema migration, and
``qualcode log``."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import fingerprint, run
from sqlalchemy import text
from test_crash_safety import (
    Child,
    coding_state,
    make_sqlite_project,
)

from qualcode.storage.backup import KEEP_MIGRATION_BACKUPS, backup_before_migration
from qualcode.storage.integrity import check_project
from qualcode.storage.migrations import SCHEMA_VERSION
from qualcode.storage.project import Project

V1_PROJECT = Path(__file__).parent / "data" / "project-v1.db"


@pytest.fixture
def sqlite_project(workdir: Path) -> Path:
    return make_sqlite_project(workdir)


def table_rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_backup_while_the_app_is_writing_is_a_consistent_snapshot(
    sqlite_project: Path, tmp_path: Path
) -> None:
    writer = Child("code", str(sqlite_project), "ana", "1000000")
    try:
        for _ in range(30):  # the writer is well under way ...
            writer.wait_for(next_ack(writer))
        copy = tmp_path / "copy.db"
        result = run("backup", str(copy), db=sqlite_project)  # ... and goes on while we copy
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"backed up {sqlite_project} to {copy} (")
        writer.wait_for(next_ack(writer))  # it was not stopped by the backup
    finally:
        writer.kill()
    assert table_rows(copy, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    acked_before = 30
    ids, audited, steps = coding_state(copy, "ana")
    # A snapshot between two transactions: each coding with its audit entry and undo step.
    assert len(ids) >= acked_before and audited == steps == len(ids)
    assert table_rows(copy, "PRAGMA integrity_check") == [("ok",)]
    with Project.open(copy) as p, p.engine.connect() as conn:
        assert check_project(conn).ok
    assert not list(tmp_path.glob(".*partial*"))


def next_ack(child: Child) -> str:
    n = sum(1 for line in child.lines if line.startswith("ack "))
    return f"ack {n + 1}"  # the child's codings are numbered from 1 in an uncoded project


def test_backup_default_place_and_no_clobbering(sqlite_project: Path) -> None:
    result = run("backup", db=sqlite_project)
    assert result.exit_code == 0, result.output
    made = list((sqlite_project.parent / "p.db.backups").glob("p-*.db"))
    assert len(made) == 1 and str(made[0]) in result.output
    again = run("backup", str(made[0]), db=sqlite_project)
    assert again.exit_code == 1
    assert again.stderr == f"error: {made[0]}: a file is already there; not overwriting it\n"
    assert run("backup", str(made[0]), "--force", db=sqlite_project).exit_code == 0
    assert run("backup", str(sqlite_project), db=sqlite_project).exit_code == 1  # not onto itself


def test_backup_into_a_folder(sqlite_project: Path, tmp_path: Path) -> None:
    """A folder named as FILE (e.g. a USB stick's) gets the copy under the usual name; it used
    to be refused as 'a file is already there'."""
    stick = tmp_path / "stick"
    stick.mkdir()
    result = run("backup", str(stick), db=sqlite_project)
    assert result.exit_code == 0, result.output
    [made] = stick.glob("p-*.db")
    assert str(made) in result.output
    with Project.open(made) as p, p.read() as s:
        assert check_project(s.connection()).ok


def test_restore_refuses_to_clobber_then_keeps_a_safety_copy(
    sqlite_project: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "saved.db"
    assert run("backup", str(saved), db=sqlite_project).exit_code == 0
    assert (
        run("codebook", "load", str(tmp_path / "codebook.yaml"), db=sqlite_project).exit_code == 0
    )
    with Project.open(sqlite_project) as p, p.write() as s:
        s.connection().execute(
            text("UPDATE setting SET value = '\"changed\"' WHERE key = 'project_name'")
        )
    changed = fingerprint(sqlite_project)
    refused = run("restore", str(saved), db=sqlite_project)
    assert refused.exit_code == 1
    assert "a project is already there; give --force" in refused.stderr
    assert fingerprint(sqlite_project) == changed
    result = run("restore", str(saved), "--force", db=sqlite_project)
    assert result.exit_code == 0, result.output
    safety = list((sqlite_project.parent / "p.db.backups").glob("p-before-restore-*.db"))
    assert len(safety) == 1 and str(safety[0]) in result.output
    assert table_rows(safety[0], "SELECT value FROM setting WHERE key = 'project_name'") == [
        ('"changed"',)
    ]
    with Project.open(sqlite_project) as p:
        assert p.setting("project_name") == "p"  # the backup's content is back
    # ... and its log says so last, after the backup's own entries (the log is unbroken)
    saved_log = table_rows(saved, "SELECT id FROM audit_log ORDER BY id")
    entries = log_json(sqlite_project, "--limit", "0")
    assert [e["id"] for e in entries] == [i for (i,) in saved_log] + [len(saved_log) + 1]
    assert (entries[-1]["action"], entries[-1]["entity"]) == ("restore", "project")
    assert entries[-1]["detail"] == {"file": str(saved), "safety_copy": str(safety[0])}
    assert run("check", db=sqlite_project).exit_code == 0


def test_restore_to_a_new_place_and_bad_backups(sqlite_project: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved.db"
    assert run("backup", str(saved), db=sqlite_project).exit_code == 0
    fresh = tmp_path / "fresh.db"
    assert run("restore", str(saved), db=fresh).exit_code == 0
    assert table_rows(fresh, "SELECT COUNT(*) FROM source") == [(1,)]
    not_project = tmp_path / "other.db"
    sqlite3.connect(not_project).execute("CREATE TABLE t (x)").connection.close()
    for bad, reason in [
        (tmp_path / "missing.db", "no such file"),
        (tmp_path / "codebook.yaml", "not a qualcode project backup"),
        (not_project, "not a qualcode project backup"),
    ]:
        result = run("restore", str(bad), "--force", db=sqlite_project)
        assert result.exit_code == 1 and result.stderr == f"error: {bad}: {reason}\n"


def test_postgresql_projects_are_pg_dumps_job() -> None:
    for command in (["backup"], ["restore", "x.db"]):
        result = run("--db", "postgresql://ana:secret@db.example/study", *command)
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1 and "pg_dump" in result.stderr
        assert "secret" not in result.stderr


def test_an_old_project_is_backed_up_before_it_is_migrated(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copy(V1_PROJECT, old)
    Project.open(old).close()
    made = list((tmp_path / "old.db.backups").glob(f"old-before-schema-{SCHEMA_VERSION}-*.db"))
    assert len(made) == 1
    assert table_rows(made[0], "SELECT id FROM schema_migration") == [(1,)]
    assert table_rows(made[0], "SELECT COUNT(*) FROM coding") == [(3,)]
    Project.open(old).close()  # up to date: no second backup
    assert len(list((tmp_path / "old.db.backups").iterdir())) == 1


def test_only_the_most_recent_migration_backups_are_kept(sqlite_project: Path) -> None:
    assert run("backup", db=sqlite_project).exit_code == 0  # a manual one: never pruned
    for _ in range(KEEP_MIGRATION_BACKUPS + 2):
        backup_before_migration(sqlite_project, 99)
    folder = sqlite_project.parent / "p.db.backups"
    assert len(list(folder.glob("p-before-schema-99-*.db"))) == KEEP_MIGRATION_BACKUPS
    assert len(list(folder.glob("p-2*.db"))) == 1


# -- qualcode log -------------------------------------------------------------------------------


@pytest.fixture
def logged(sqlite_project: Path, workdir: Path) -> Path:
    from qualcode.storage.actions import CodingActions

    (workdir / "budi.txt").write_text("INTERVIEWER: Hello?\n\nBudi: Hello there.\n", "utf-8")
    assert (
        run("import", str(workdir / "budi.txt"), "--informant", "Budi", db=sqlite_project).exit_code
        == 0
    )
    with Project.open(sqlite_project) as p:
        ana = CodingActions(p, "ana")
        ana.apply(1, 2, 0, 10)
        ana.apply(2, 2, 0, 5)
        ana.undo()
        CodingActions(p, "budi").apply(1, 2, 5, 9)
    return sqlite_project


def log_json(db: Path, *args: str) -> list[dict]:
    result = run("log", "--format", "json", *args, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_log_shows_every_change_and_filters(logged: Path) -> None:
    everything = log_json(logged, "--limit", "0")
    assert [e["id"] for e in everything] == list(range(1, len(everything) + 1))
    assert {e["action"] for e in everything} >= {"create", "import", "undo"}
    ana = log_json(logged, "--coder", "ana")
    assert [(e["action"], e["entity"]) for e in ana] == [
        ("create", "coder"),
        ("create", "coding"),
        ("create", "coding"),
        ("undo", "coding"),
    ]
    assert ana[1]["detail"]["after"]["start"] == 0
    undone = log_json(logged, "--action", "undo")
    assert len(undone) == 1 and undone[0]["actor"] == "ana"
    assert [e["entity_id"] for e in log_json(logged, "--source", "budi")] == [2, 2, 2]
    assert log_json(logged, "--limit", "2") == everything[-2:]
    assert log_json(logged, "--since", "2h") == everything
    assert log_json(logged, "--since", "2999-01-01") == []


def test_log_formats_and_bad_options(logged: Path) -> None:
    table = run("log", db=logged).output.splitlines()
    assert table[0].split() == ["id", "at", "actor", "action", "entity", "entity_id", "detail"]
    rows = list(csv.DictReader(io.StringIO(run("log", "--format", "csv", db=logged).output)))
    assert rows[-1]["actor"] == "budi" and json.loads(rows[-1]["detail"])["kind"] == "apply"
    bad = run("log", "--since", "yesterday", db=logged)
    assert bad.exit_code == 1 and bad.stderr.startswith("error: --since 'yesterday': give a date")
    missing = run("log", "--source", "nobody", db=logged)
    assert missing.exit_code == 1 and "no source named 'nobody'" in missing.stderr
