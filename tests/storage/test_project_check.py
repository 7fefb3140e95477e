"""``qualcode check``: a sound project passes; each kind of damage, made by hand on a copy with
raw SQL behind qualcode's back, is reported by the right check with a non-zero exit."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import run
from test_crash_safety import make_sqlite_project

from qualcode.storage.actions import CodingActions
from qualcode.storage.project import Project


@pytest.fixture
def sqlite_project(workdir: Path) -> Path:
    return make_sqlite_project(workdir)


@pytest.fixture
def coded(sqlite_project: Path) -> Path:
    """The small project with three codings by two coders and a memo on a coding."""
    with Project.open(sqlite_project) as p, p.read() as s:
        conn = s.connection()
        source = conn.exec_driver_sql("SELECT id FROM source").scalar_one()
        code = conn.exec_driver_sql(
            "SELECT id FROM code WHERE path = 'Enabling/Motivation'"
        ).scalar_one()
        turns = conn.exec_driver_sql('SELECT start, "end" FROM segment ORDER BY ordinal').all()
    with Project.open(sqlite_project) as p:
        ana, budi = CodingActions(p, "ana"), CodingActions(p, "budi")
        ana.apply(source, code, *turns[1])
        ana.apply(source, code, *turns[3])
        budi.apply(source, code, turns[1][0], turns[1][0] + 5, memo="short")
    return sqlite_project


def damage(db: Path, *statements: str) -> None:
    """Run SQL on the file as any SQLite tool would: foreign keys off, no qualcode rules."""
    conn = sqlite3.connect(db)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def check(db: Path, *args: str):
    return run("check", *args, db=db)


def test_a_sound_project_passes(coded: Path) -> None:
    result = check(coded)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "project is consistent"
    assert "integrity       ok" in result.output


REVISION = (
    "INSERT INTO source_revision (source_id, number, text, sha256, segments, codings, "
    "replaced_by, actor, state, replaced_at) "
    "VALUES ({source}, 1, 'old', 'abc', '[]', '[]', 'new.txt', 'ana', 'current', '2026-01-01')"
)

CASES: dict[str, tuple[list[str], str, str]] = {
    "code deleted under its codings": (
        ["DELETE FROM code WHERE path = 'Enabling/Motivation'"],
        "orphan",
        ": code_id = {code}, no code with that id",
    ),
    "coder deleted": (
        ["DELETE FROM coder WHERE name = 'budi'"],
        "orphan",
        "coding 3: coder_id = {budi}, no coder with that id",
    ),
    "source deleted": (
        ["DELETE FROM source"],
        "orphan",
        "segment 1: source_id = 1, no source with that id",
    ),
    "informant deleted": (
        ["DELETE FROM informant"],
        "orphan",
        "source 1: informant_id = 1, no informant with that id",
    ),
    "coding beyond its text": (
        ['UPDATE coding SET "end" = 100000 WHERE id = 1'],
        "coding range",
        "coding 1 [",
    ),
    "segment overlapping the one before": (
        [
            'UPDATE segment SET start = (SELECT "end" - 3 FROM segment WHERE ordinal = 2) '
            "WHERE ordinal = 3"
        ],
        "segments",
        "segment 3 [",
    ),
    "segment missing": (
        ["DELETE FROM segment WHERE ordinal = 2"],
        "segments",
        "follows segment 1: ordinals have a gap",
    ),
    "segment past the end of the text": (
        ['UPDATE segment SET "end" = 100000 WHERE ordinal = 4'],
        "segments",
        "is outside the text",
    ),
    "stale segment of a coding": (
        ["UPDATE coding SET segment_id = 3 WHERE id = 1"],
        "coding segment",
        "coding 1 records segment 3, but its span starts in segment 2",
    ),
    "stale mark of a coding over several segments": (
        ["UPDATE coding SET multi_segment = 1 WHERE id = 1"],
        "coding segment",
        "coding 1 records multi_segment 1, but its span gives 0",
    ),
    "audit entries deleted behind the triggers": (
        [
            "DROP TRIGGER audit_log_no_delete",
            "DELETE FROM audit_log WHERE id IN (3, 4)",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        ],
        "audit log",
        "entries 3..4 are missing (the log jumps from 2 to 5)",
    ),
    "audit triggers dropped": (
        ["DROP TRIGGER audit_log_no_update"],
        "audit log",
        "the append-only triggers are missing",
    ),
    "memo about a coding that is gone": (
        [
            "INSERT INTO memo (target, target_id, title, text, created_at, updated_at) "
            "VALUES ('coding', 999, '', 'x', '2026-01-01', '2026-01-01')"
        ],
        "orphan",
        "memo 1 is about coding 999, which does not exist",
    ),
    # The tables of suggestions, source replacement and review mode (migrations 5 and 6).
    "rejected suggestion of a segment that is gone": (
        [
            "INSERT INTO suggestion_rejection (segment_id, code_id, score, matched, rejected_at) "
            "VALUES (999, 1, 90, 'x', '2026-01-01')"
        ],
        "orphan",
        "suggestion_rejection 1: segment_id = 999, no segment with that id",
    ),
    "revision of a source that is gone": (
        [REVISION.format(source=999)],
        "orphan",
        "source_revision 1: source_id = 999, no source with that id",
    ),
    "review flag of a coding that is gone": (
        [
            REVISION.format(source=1),
            "INSERT INTO coding_review (coding_id, revision_id, old_start, old_end, old_text, "
            "new_text, similarity, resolved, created_at) "
            "VALUES (999, 1, 0, 1, 'a', 'b', 50, 0, '2026-01-01')",
        ],
        "orphan",
        "coding_review 1: coding_id = 999, no coding with that id",
    ),
    "review memo about a coding that is gone": (
        [
            "INSERT INTO memo (target, target_id, title, text, created_at, updated_at, kind) "
            "VALUES ('coding', 999, '', 'x', '2026-01-01', '2026-01-01', 'review')"
        ],
        "orphan",
        "memo 1 is about coding 999, which does not exist",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_kind_of_damage_is_found(coded: Path, case: str) -> None:
    statements, check_name, expected = CASES[case]
    with Project.open(coded) as p, p.read() as s:
        conn = s.connection()
        ids = {
            "code": conn.exec_driver_sql(
                "SELECT id FROM code WHERE path = 'Enabling/Motivation'"
            ).scalar_one(),
            "budi": conn.exec_driver_sql("SELECT id FROM coder WHERE name = 'budi'").scalar_one(),
        }
    damage(coded, *statements)
    result = check(coded, "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)
    assert any(
        f["check"] == check_name
        and f["severity"] == "error"
        and expected.format(**ids) in f["finding"]
        for f in findings
    ), findings
    table = check(coded)
    assert table.exit_code == 1 and table.output.splitlines()[-1].endswith("error(s)")


def test_a_clock_that_went_back_is_a_warning_only(coded: Path) -> None:
    damage(
        coded,
        "INSERT INTO audit_log (at, actor, action, entity, detail) "
        "VALUES ('2000-01-01 00:00:00.000000', 'x', 'update', 'code', '{}')",
    )
    result = check(coded)
    assert result.exit_code == 0, result.output
    assert "warning: entry" in result.output and "the clock went back" in result.output
    assert result.output.splitlines()[-1] == "project is consistent, 1 warning(s)"


def test_a_damaged_index_fails_sqlites_integrity_check(coded: Path) -> None:
    # Make the schema claim an index holds other columns than it does: SQLite's own check must
    # then find index entries that do not match their rows.
    damage(
        coded,
        "PRAGMA writable_schema = ON",
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_coding_source_start ON coding "
        "(source_id, \"end\")' WHERE name = 'ix_coding_source_start'",
    )
    result = check(coded, "--format", "csv")
    assert result.exit_code == 1
    assert "integrity,error,SQLite:" in result.output, result.output


def test_many_problems_are_listed_up_to_a_limit(coded: Path) -> None:
    from qualcode.storage.integrity import SHOWN

    with Project.open(coded) as p, p.read() as s:
        conn = s.connection()
        source = conn.exec_driver_sql("SELECT id FROM source").scalar_one()
        code = conn.exec_driver_sql("SELECT id FROM code WHERE codable LIMIT 1").scalar_one()
    with Project.open(coded) as p:
        actions = CodingActions(p, "ana")
        for i in range(SHOWN + 5):
            actions.apply(source, code, i, i + 1)
    damage(coded, "DELETE FROM coder WHERE name = 'ana'")
    findings = json.loads(check(coded, "--format", "json").output)
    orphans = [f["finding"] for f in findings if f["check"] == "orphan"]
    assert len([o for o in orphans if o.startswith("coding ") and "coder_id" in o]) == SHOWN
    assert any(o.startswith("... and ") for o in orphans)


def test_a_file_that_is_not_sqlite_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    result = check(bad)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad}: cannot open project")
    assert result.stderr.count("\n") == 1
