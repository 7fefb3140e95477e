"""Review mode in the app (``qualcode review``): every key that would write is absent, the
storage underneath refuses writes, and the one write left, a review memo, is saved and marked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.command import Hit
from textual.widgets import OptionList
from tui_support import SIZE, demo_copy, open_source, sql

from qualcode.core.errors import QualcodeError
from qualcode.storage.actions import CodingActions
from qualcode.tui.app import QualcodeApp, make_app
from qualcode.tui.commands import CodeCommands
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.conclusions import ConclusionsScreen
from qualcode.tui.screens.displays import MatrixScreen
from qualcode.tui.screens.help import key_table
from qualcode.tui.screens.memos import MemosScreen

# Each screen's keys that change the project; review mode must have none of them.
WRITE_KEYS = {
    CodingScreen: {"pick_code", "select_words", "magnitude", "coding_memo", "undo", "redo"},
    MatrixScreen: {"edit_summary"},
    ConclusionsScreen: {"add", "delete"},
}


def dump(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def footer_actions(app: QualcodeApp) -> set[str]:
    """The actions the footer would show now (what check_action lets through)."""
    return {
        b.binding.action.split("(")[0] for b in app.screen.active_bindings.values() if b.enabled
    }


async def test_review_mode_has_no_write_keys_and_changes_nothing(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    before = dump(db)
    app = make_app(str(db), coder="prof", review=True)
    async with app.run_test(size=SIZE) as pilot:
        assert app.actions is None and app.project.read_only
        coding = await open_source(pilot, "hadi-sutrisno")
        assert not WRITE_KEYS[CodingScreen] & footer_actions(app)
        # Every coder's codings are shown (resa's in the demo), with the coder's name.
        assert coding.codings and {c.coder for c in coding.codings} == {"resa"}
        # Shortcut keys, the picker, undo, magnitude and Enter in the codebook do nothing.
        await pilot.press("1", "2", "c", "u", "plus", "m", "v", "tab", "enter", "tab")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        await pilot.press("escape", "x")
        assert isinstance(app.screen, MatrixScreen)
        assert not WRITE_KEYS[MatrixScreen] & footer_actions(app)
        await pilot.press("e")
        assert isinstance(app.screen, MatrixScreen)  # no summary editor
        await pilot.press("escape", "V")
        assert isinstance(app.screen, ConclusionsScreen)
        assert not WRITE_KEYS[ConclusionsScreen] & footer_actions(app)
        await pilot.press("d", "a")
        await pilot.pause()
        assert isinstance(app.screen, ConclusionsScreen)  # no prompt, nothing deleted
    assert dump(db) == before  # not even the reviewer's name was written


async def test_the_same_keys_are_there_when_coding(tmp_path: Path) -> None:
    """The check above can fail: outside review mode the write keys are in the footer."""
    app = make_app(str(demo_copy(tmp_path)), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "hadi-sutrisno")
        assert {"pick_code", "undo"} <= footer_actions(app)


def test_help_lists_no_write_key_in_review_mode() -> None:
    def ids(review: bool) -> set[str]:
        table = key_table({}, review=review)
        return set(table.columns[3].cells)  # type: ignore[arg-type]

    coding, review = ids(False), ids(True)
    removed = coding - review
    assert {"coding.pick_code", "coding.undo", "matrix.summary", "conclusions.add"} <= removed
    assert {"coding.source_memo", "coding.search", "matrix.drill", "app.memos"} <= review
    assert "memos.review_memo" in review and "memos.review_memo" not in coding


async def test_palette_offers_no_apply_code_in_review_mode(tmp_path: Path) -> None:
    async def labels(review: bool) -> list[str]:
        app = make_app(str(demo_copy(tmp_path / str(review))), coder="resa", review=review)
        async with app.run_test(size=SIZE) as pilot:
            await open_source(pilot, "hadi-sutrisno")
            provider = CodeCommands(app.screen)
            hits = [h async for h in provider.search("training")]
            return [str(h.text) for h in hits if isinstance(h, Hit)]

    (tmp_path / "True").mkdir()
    (tmp_path / "False").mkdir()
    assert any(label.startswith("Apply code") for label in await labels(False))
    in_review = await labels(True)
    assert in_review and not any(label.startswith("Apply code") for label in in_review)


async def test_storage_refuses_writes_under_the_review_app(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="prof", review=True)
    async with app.run_test(size=SIZE):
        with pytest.raises(QualcodeError, match="read-only for review"):
            CodingActions(app.project, "prof")  # what the coding app would do
        with pytest.raises(QualcodeError, match="read-only for review"):
            with app.project.write():
                pass


async def test_review_memo_is_saved_marked_and_listed(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="prof", review=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "hadi-sutrisno")
        await pilot.press("M")
        await pilot.pause()
        for ch in "Is segment 4 packaging?":
            await pilot.press("space" if ch == " " else ch)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MemosScreen)
        listing = screen.query_one(OptionList)
        first = str(listing.get_option_at_index(0).prompt)
        assert first.startswith(" REVIEW  prof  on source hadi-sutrisno")
        assert "Is segment 4 packaging?" in first
        await pilot.press("a")  # the reviewer's memo on the project
        await pilot.pause()
        for ch in "Fine":
            await pilot.press(ch)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.sub_title == "2 memos (2 review memos)"
    assert sql(
        db,
        "SELECT m.kind, m.target, k.name, m.text FROM memo m JOIN coder k ON k.id = m.coder_id "
        "ORDER BY m.id",
    ) == [
        ("review", "source", "prof", "Is segment 4 packaging?"),
        ("review", "project", "prof", "Fine"),
    ]
    # The audit log says who left them.
    assert sql(db, "SELECT actor FROM audit_log WHERE entity = 'memo'") == [("prof",), ("prof",)]
    # No coding changed hands: the reviewer has none.
    assert sql(
        db, "SELECT COUNT(*) FROM coding JOIN coder k ON k.id = coder_id WHERE k.name = 'prof'"
    ) == [(0,)]


def _review_app_with_memos(tmp_path: Path) -> QualcodeApp:
    """The demo in review mode, with resa's analytic memo and prof's review memo on hadi's
    interview (the demo itself has no memos)."""
    from tui_support import build_demo, source_id

    from qualcode.storage.codings import coder_id
    from qualcode.storage.memos import save_memo
    from qualcode.storage.project import Project
    from qualcode.storage.review import save_review_memo

    db = build_demo(tmp_path)
    hadi = source_id(db, "hadi-sutrisno")
    with Project.open(db) as p, p.write() as s:
        resa = coder_id(s, "resa")
        save_memo(s, "source", hadi, resa, "Packaging comes up in every turn.", actor="resa")
    with Project.open(db, read_only=True) as p:
        save_review_memo(p, "prof", "source", hadi, "Is turn 4 packaging or marketing?")
    return make_app(str(db), coder="prof", review=True)


def test_review_coding_screen_snapshot(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the Coding screen on hadi-sutrisno in review mode: the title "qualcode
    review · Sampang MSME ...", the sub-title "hadi-sutrisno · coder: review, every coder ·
    reviewer: prof", the codebook tree without [1]..[4] shortcut marks, segment 4 current with
    the status "segment 4/22 · HR skills ✎ (resa)", and a footer with only "esc Back",
    "/ Search", "^q Quit", "? Help" (no Code…, no Undo)."""
    assert snap_compare(
        _review_app_with_memos(tmp_path),
        terminal_size=(120, 36),
        press=["down", "enter", "j", "j", "j"],
    )


def test_review_memos_screen_snapshot(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the Memos screen in review mode: "2 memos (1 review memo)" in the title,
    first prof's memo under a magenta reverse " REVIEW " mark ("REVIEW  prof  on source
    hadi-sutrisno", then "Is turn 4 packaging or marketing?"), then resa's analytic memo under a
    plain " memo " mark, and "a Review memo" in the footer."""
    assert snap_compare(_review_app_with_memos(tmp_path), terminal_size=(120, 36), press=["w"])
