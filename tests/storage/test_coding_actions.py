"""Coding actions and their persistent undo/redo history (what the app does on each key)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from qualcode.core.errors import QualcodeError
from qualcode.storage.actions import CodingActions
from qualcode.storage.migrations import MIGRATIONS
from qualcode.storage.models import Coder, Coding
from qualcode.storage.project import Project

V1_PROJECT = Path(__file__).parent / "data" / "project-v1.db"


def codings(project: Project) -> list[tuple]:
    with project.read() as s:
        return [
            tuple(r)
            for r in s.connection().execute(
                text('SELECT id, code_id, start, "end", magnitude, memo FROM coding ORDER BY id')
            )
        ]


def segment_ids(project: Project) -> dict[int, int | None]:
    with project.read() as s:
        return dict(
            s.connection().execute(text("SELECT id, segment_id FROM coding ORDER BY id")).all()
        )


def ids(project: Project) -> tuple[int, int, int, int]:
    with project.read() as s:
        conn = s.connection()
        source = conn.execute(text("SELECT id FROM source WHERE name = 'ratna'")).scalar_one()
        seg = conn.execute(
            text('SELECT start, "end" FROM segment WHERE source_id = :s AND ordinal = 2'),
            {"s": source},
        ).one()
        code = conn.execute(
            text("SELECT id FROM code WHERE path = 'Empowering/Training and coaching'")
        ).scalar_one()
    return source, code, seg[0], seg[1]


@pytest.fixture
def opened(project: Path):
    p = Project.open(project)
    yield p
    p.close()


def test_apply_toggle_magnitude_memo_and_undo_everything(opened: Project) -> None:
    source, code, start, end = ids(opened)
    actions = CodingActions(opened, "ana")
    applied = actions.apply(source, code, start, end)
    assert codings(opened) == [(applied.coding_id, code, start, end, None, None)]
    actions.step_magnitude(applied.coding_id, +1)
    actions.step_magnitude(applied.coding_id, +1)
    actions.step_magnitude(applied.coding_id, +1)  # stays at the top of the scale
    actions.set_memo(applied.coding_id, "  claims training reaches all  ")
    assert codings(opened) == [
        (applied.coding_id, code, start, end, 2, "claims training reaches all")
    ]
    assert actions.history() == (5, 0)

    for expected in [
        (applied.coding_id, code, start, end, 2, None),
        (applied.coding_id, code, start, end, 2, None),
        (applied.coding_id, code, start, end, 1, None),
        (applied.coding_id, code, start, end, None, None),
    ]:
        actions.undo()
        assert codings(opened) == [expected]
    actions.undo()
    assert codings(opened) == []
    assert actions.undo() is None
    assert actions.history() == (0, 5)

    actions.redo()
    actions.redo()
    assert codings(opened) == [(applied.coding_id, code, start, end, 1, None)]


def test_toggle_removes_and_undo_restores_same_id(opened: Project) -> None:
    source, code, start, end = ids(opened)
    actions = CodingActions(opened, "ana")
    first = actions.toggle(source, code, start, end)
    actions.set_memo(first.coding_id, "memo")
    removed = actions.toggle(source, code, start, end)
    assert removed.kind == "remove" and codings(opened) == []
    actions.undo()
    assert codings(opened) == [(first.coding_id, code, start, end, None, "memo")]


def test_new_action_discards_redo(opened: Project) -> None:
    source, code, start, end = ids(opened)
    actions = CodingActions(opened, "ana")
    actions.apply(source, code, start, end)
    actions.undo()
    actions.apply(source, code, start, start + 5)
    assert actions.redo() is None
    assert [(c[2], c[3]) for c in codings(opened)] == [(start, start + 5)]


def test_undo_survives_reopening_the_project(project: Path) -> None:
    p = Project.open(project)
    source, code, start, end = ids(p)
    CodingActions(p, "ana").apply(source, code, start, end)
    p.close()
    again = Project.open(project)
    try:
        result = CodingActions(again, "ana").undo()
        assert result is not None and result.kind == "apply"
        assert codings(again) == []
    finally:
        again.close()


def test_coders_have_separate_histories_and_cannot_touch_each_other(opened: Project) -> None:
    source, code, start, end = ids(opened)
    ana, ben = CodingActions(opened, "ana"), CodingActions(opened, "ben")
    mine = ana.apply(source, code, start, end)
    theirs = ben.apply(source, code, start, end)
    assert ben.undo() is not None
    assert [c[0] for c in codings(opened)] == [mine.coding_id]
    with pytest.raises(QualcodeError, match="another coder"):
        ben.remove(mine.coding_id)
    assert theirs != mine.coding_id


def test_bad_actions_are_refused_and_change_nothing(opened: Project) -> None:
    source, code, start, end = ids(opened)
    actions = CodingActions(opened, "ana")
    with pytest.raises(QualcodeError, match="outside source"):
        actions.apply(source, code, 0, 10**9)
    with pytest.raises(QualcodeError, match="outside the scale"):
        actions.apply(source, code, start, end, magnitude=5)
    actions.apply(source, code, start, end)
    with pytest.raises(QualcodeError, match="already applied"):
        actions.apply(source, code, start, end)
    assert len(codings(opened)) == 1 and actions.history() == (1, 0)


def test_schema_v1_project_upgrades_and_keeps_its_data(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(V1_PROJECT, copy)
    p = Project.open(copy)
    try:
        with p.read() as s:
            versions = [
                r[0] for r in s.connection().execute(text("SELECT id FROM schema_migration"))
            ]
        assert versions == [m.id for m in MIGRATIONS]
        tables = set(inspect(p.engine).get_table_names())
        assert {"suggestion_rejection", "source_revision", "coding_review"} <= tables
        assert len(codings(p)) == 3
        # Migration 4 computed each coding's segment: ratna's turns 2 and 4 hold the spans.
        assert segment_ids(p) == {1: 2, 2: 2, 3: 4}
        source, code, start, end = ids(p)
        actions = CodingActions(p, "ana")
        actions.toggle(source, code, start, end)  # the v1 coding is removed ...
        actions.undo()  # ... and restored, its segment computed again by the new trigger
        assert len(codings(p)) == 3
        assert segment_ids(p) == {1: 2, 2: 2, 3: 4}
    finally:
        p.close()


def test_undo_never_touches_another_coders_coding_that_got_the_same_id(opened: Project) -> None:
    """Before schema 7, SQLite handed the id of a removed last coding to the next new one; when
    that was another coder's, undoing the removal (history kept from then) brings ours back under
    a new id and leaves theirs alone. The reuse is replayed here by giving ben's coding the id."""
    source, code, start, end = ids(opened)
    ana = CodingActions(opened, "ana")
    mine = ana.apply(source, code, start, end, memo="ana's")
    ana.remove(mine.coding_id)
    with opened.write() as s:
        ben = Coder(name="ben")
        s.add(ben)
        s.flush()
        s.add(
            Coding(
                id=mine.coding_id,
                source_id=source,
                code_id=code,
                coder_id=ben.id,
                start=start,
                end=end,
                memo="ben's",
            )
        )
    theirs = mine.coding_id
    restored = ana.undo()
    assert restored is not None and restored.coding_id != theirs
    assert sorted(c[1:] for c in codings(opened)) == [
        (code, start, end, None, "ana's"),
        (code, start, end, None, "ben's"),
    ]
    ana.redo()  # the removal again: of ana's coding, wherever it is now
    assert codings(opened) == [(theirs, code, start, end, None, "ben's")]
    ana.undo()
    ana.undo()  # and her apply: ben's coding stays
    assert codings(opened) == [(theirs, code, start, end, None, "ben's")]
