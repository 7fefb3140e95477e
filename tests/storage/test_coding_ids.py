"""A deleted coding's id is never given to a new coding (schema 7), on a new project (both back
ends) and on an older SQLite project upgraded to it; the upgrade keeps links to codings."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc, text

from qualcode.core.errors import QualcodeError
from qualcode.storage import migrations
from qualcode.storage.actions import CodingActions
from qualcode.storage.project import Project

V1_PROJECT = Path(__file__).parent / "data" / "project-v1.db"


def a_segment(project: Project, ordinal: int) -> tuple[int, int, int, int]:
    """Source, code, start and end of ratna's segment ``ordinal`` and a codable code."""
    with project.read() as s:
        conn = s.connection()
        source = conn.execute(text("SELECT id FROM source WHERE name = 'ratna'")).scalar_one()
        start, end = conn.execute(
            text('SELECT start, "end" FROM segment WHERE source_id = :s AND ordinal = :o'),
            {"s": source, "o": ordinal},
        ).one()
        code = conn.execute(
            text("SELECT id FROM code WHERE path = 'Empowering/Training and coaching'")
        ).scalar_one()
    return source, code, start, end


def coding_ids(project: Project) -> list[int]:
    with project.read() as s:
        return list(s.connection().execute(text("SELECT id FROM coding ORDER BY id")).scalars())


def assert_highest_id_not_reused(project: Project) -> None:
    """Code two segments, remove the later coding (the highest id), code again: a new id."""
    actions = CodingActions(project, "zoe")
    before = set(coding_ids(project))
    actions.apply(*a_segment(project, 2))
    last = actions.apply(*a_segment(project, 4))
    assert last.coding_id == max(coding_ids(project))
    actions.remove(last.coding_id)
    again = actions.apply(*a_segment(project, 4))
    assert again.coding_id > last.coding_id
    assert len(set(coding_ids(project)) - before) == 2


def test_a_new_project_never_reuses_a_deleted_coding_id(project: Path | str) -> None:
    with Project.open(project) as p:
        assert_highest_id_not_reused(p)


def open_v1(tmp_path: Path) -> Path:
    db = tmp_path / "old.db"
    shutil.copy(V1_PROJECT, db)
    return db


def test_an_upgraded_project_never_reuses_a_deleted_coding_id(tmp_path: Path) -> None:
    db = open_v1(tmp_path)
    with Project.open(db) as p:
        assert coding_ids(p) == [1, 2, 3]  # the v1 codings, kept with their ids
        assert_highest_id_not_reused(p)


def test_the_upgrade_starts_ids_after_the_highest_one_the_history_names(tmp_path: Path) -> None:
    """Codings 4..9 were made and deleted in schema 1; the audit log remembers 9."""
    db = open_v1(tmp_path)
    raw = sqlite3.connect(db)
    with raw:
        raw.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) "
            "VALUES ('2025-01-01 00:00:00', 'ana', 'delete', 'coding', 9, '{}')"
        )
    raw.close()
    with Project.open(db) as p:
        made = CodingActions(p, "zoe").apply(*a_segment(p, 4))
    assert made.coding_id == 10


@pytest.fixture
def schema_6_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The v1 project upgraded up to schema 6, with a conclusion, a memo and a coding to review
    on its coding 3 (links made before migration 7 that it must keep)."""
    db = open_v1(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS", [x for x in migrations.MIGRATIONS if x.id <= 6])
        Project.open(db).close()
    raw = sqlite3.connect(db)
    with raw:
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute(
            "INSERT INTO conclusion (id, statement, created_at, updated_at) "
            "VALUES (1, 'training matters', '2025-01-01', '2025-01-01')"
        )
        raw.execute("INSERT INTO conclusion_coding (conclusion_id, coding_id) VALUES (1, 3)")
        raw.execute(
            "INSERT INTO memo (target, target_id, title, text, created_at, updated_at) "
            "VALUES ('coding', 3, 'why', 'a memo on coding 3', '2025-01-01', '2025-01-01')"
        )
        raw.execute(
            "INSERT INTO source_revision (id, source_id, number, text, sha256, segments, "
            "codings, replaced_by, actor, state, replaced_at) "
            "VALUES (1, 1, 1, 'old', 'x', '[]', '[]', 'new.txt', 'ana', 'current', '2025-01-01')"
        )
        raw.execute(
            "INSERT INTO coding_review (coding_id, revision_id, old_start, old_end, old_text, "
            "new_text, similarity, resolved, created_at) "
            "VALUES (3, 1, 0, 5, 'a', 'b', 90.0, 0, '2025-01-01')"
        )
    raw.close()
    return db


def test_the_rebuild_keeps_every_link_to_a_coding(schema_6_project: Path) -> None:
    with Project.open(schema_6_project) as p:
        with p.read() as s:
            conn = s.connection()
            versions = list(conn.execute(text("SELECT id FROM schema_migration")).scalars())
            links = conn.execute(text("SELECT conclusion_id, coding_id FROM conclusion_coding"))
            assert [tuple(r) for r in links] == [(1, 3)]
            reviews = conn.execute(text("SELECT coding_id FROM coding_review")).scalars()
            assert list(reviews) == [3]
            # Foreign keys are on again, and the links point at the rebuilt table.
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert versions == [m.id for m in migrations.MIGRATIONS]
        with pytest.raises(exc.IntegrityError), p.write() as s:
            s.connection().execute(
                text("INSERT INTO conclusion_coding (conclusion_id, coding_id) VALUES (1, 99)")
            )
        # The segment triggers (on coding and on segment) were made again.
        with p.read() as s:
            segments = s.connection().execute(text("SELECT id, segment_id FROM coding"))
            assert dict(segments.all()) == {1: 2, 2: 2, 3: 4}
        actions = CodingActions(p, "ana")
        actions.remove(3)  # cascades to its conclusion link and its review, as before
        with p.read() as s:
            conn = s.connection()
            assert conn.execute(text("SELECT COUNT(*) FROM conclusion_coding")).scalar() == 0
            assert conn.execute(text("SELECT COUNT(*) FROM coding_review")).scalar() == 0
        # The memo on coding 3 stays on a coding that is gone: never on a new one.
        made = actions.apply(*a_segment(p, 4))
        assert made.coding_id == 4
        actions.undo()
        restored = actions.undo()  # the removal undone: coding 3 back under its own id
        assert restored is not None and restored.coding_id == 3
        assert coding_ids(p) == [1, 2, 3]


def test_a_project_with_a_broken_link_is_not_migrated(schema_6_project: Path) -> None:
    raw = sqlite3.connect(schema_6_project)  # foreign keys off: a link to no coding slips in
    with raw:
        raw.execute("INSERT INTO conclusion_coding (conclusion_id, coding_id) VALUES (1, 77)")
    raw.close()
    with pytest.raises(QualcodeError, match="migration 7 .* conclusion_coding row"):
        Project.open(schema_6_project)
    raw = sqlite3.connect(schema_6_project)
    try:
        versions = [r[0] for r in raw.execute("SELECT id FROM schema_migration")]
        table = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'coding'").fetchone()[0]
        codings = raw.execute("SELECT COUNT(*) FROM coding").fetchone()[0]
    finally:
        raw.close()
    assert versions == [1, 2, 3, 4, 5, 6] and "AUTOINCREMENT" not in table and codings == 3
