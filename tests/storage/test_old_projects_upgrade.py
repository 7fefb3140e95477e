"""A project made by each earlier schema version opens and upgrades in this one, its data whole.

``data/project-vN.db`` (N = 2..5, 7) is the demo project built by the qualcode of the commit that
introduced schema N (``qualcode demo --no-app`` run from that commit's tree), with what that
version added put to use by that version's own code:

- v2: one coding applied through ``CodingActions`` (an undo step), by coder ``ana``;
- v5: a rejected suggestion, and ``source replace`` of hadi-sutrisno (the corrected text of
  docs/source-replace.md: a revision and one coding flagged for review), and an analytic memo
  on the flagged coding 68 (before memo.kind existed);
- v7: coding 107 applied and removed through ``CodingActions`` by coder ``ana`` (its id is
  taken: the next coding must not reuse it).

``project-v1.db`` (the first schema) is tested in test_coding_actions.py. Add a file here for
every new schema version.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import run
from sqlalchemy import text

from qualcode.storage.actions import CodingActions
from qualcode.storage.integrity import check_project
from qualcode.storage.migrations import MIGRATIONS
from qualcode.storage.project import Project

DATA = Path(__file__).parent / "data"
COUNTED = ("source", "segment", "code", "coder", "coding", "informant", "memo", "audit_log")


def raw_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED}
    finally:
        conn.close()


@pytest.fixture(params=[2, 3, 4, 5, 7])
def old(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[int, Path]:
    version: int = request.param
    copy = tmp_path / f"v{version}.db"
    shutil.copy(DATA / f"project-v{version}.db", copy)
    return version, copy


def test_an_old_project_upgrades_whole_and_consistent(old: tuple[int, Path]) -> None:
    version, db = old
    before = raw_counts(db)
    with Project.open(db) as p, p.read() as s:
        conn = s.connection()
        done = [r[0] for r in conn.execute(text("SELECT id FROM schema_migration ORDER BY id"))]
        report = check_project(conn)
        kinds = set(conn.execute(text("SELECT kind FROM memo")).scalars())
    assert done == [m.id for m in MIGRATIONS]
    assert report.ok, report.findings
    after = raw_counts(db)
    # Opening adds nothing but what a migration writes (no audit entries, no rows).
    assert after == before
    assert kinds <= {"analytic"}
    # The copy made before the migration is the project as it was.
    [saved] = (db.parent / f"{db.name}.backups").glob(f"v{version}-before-schema-*.db")
    assert raw_counts(saved) == before


def test_v2_undo_history_still_undoes(tmp_path: Path) -> None:
    db = tmp_path / "v2.db"
    shutil.copy(DATA / "project-v2.db", db)
    with Project.open(db) as p:
        undone = CodingActions(p, "ana").undo()
        assert undone is not None and undone.coding_id == 107
        with p.read() as s:
            gone = s.connection().execute(text("SELECT COUNT(*) FROM coding WHERE id = 107"))
            assert gone.scalar_one() == 0


def test_v5_revision_review_and_rejection_survive_and_undo(tmp_path: Path) -> None:
    db = tmp_path / "v5.db"
    shutil.copy(DATA / "project-v5.db", db)
    reviews = run("source", "reviews", "--format", "csv", db=db)
    assert reviews.exit_code == 0, reviews.output
    assert reviews.output.splitlines()[1].startswith("1,hadi-sutrisno,Obstacles/HR skills,resa,68,")
    history = run("source", "history", "hadi-sutrisno", "--show", "1", db=db)
    assert "Good afternoon, Pak Hadi." in history.output
    undo = run("source", "replace", "--undo", "hadi-sutrisno", db=db)
    assert undo.exit_code == 0, undo.output
    with Project.open(db) as p, p.read() as s:
        conn = s.connection()
        assert check_project(conn).ok
        memo = conn.execute(text("SELECT target, target_id, kind, text FROM memo")).one()
        rejected = conn.execute(text("SELECT COUNT(*) FROM suggestion_rejection")).scalar_one()
    assert tuple(memo) == ("coding", 68, "analytic", "check the rewording")
    assert rejected == 1


def test_v7_index_covers_magnitudes_and_removed_ids_stay_taken(tmp_path: Path) -> None:
    db = tmp_path / "v7.db"
    shutil.copy(DATA / "project-v7.db", db)
    with Project.open(db) as p:
        with p.read() as s:
            conn = s.connection()
            index = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'ix_coding_segment'")
            ).scalar_one()
            seg = conn.execute(text('SELECT source_id, start, "end" FROM segment LIMIT 1')).one()
            code = conn.execute(text("SELECT id FROM code WHERE path LIKE '%/%' LIMIT 1")).scalar()
        made = CodingActions(p, "ana").apply(seg[0], code, seg[1], seg[2])
    assert index.endswith("(source_id, code_id, coder_id, segment_id, magnitude)")
    assert made.coding_id == 108
