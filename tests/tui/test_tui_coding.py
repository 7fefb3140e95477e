"""The Coding screen driven by keys: what each key stores in the project.

Uses the small project of ``tests/conftest.py``: one interview ``ratna`` with four turns and the
small codebook (``1`` Enabling, ``2`` Empowering, magnitude -2..+2).
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea, Tree
from tui_support import (
    SIZE,
    actions,
    badge_labels,
    coded_here,
    codings,
    notifications,
    open_source,
    segment_spans,
    source_id,
    source_text,
    sql,
    status_text,
    words,
)

from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.prompt import MemoEditor, TextPrompt
from qualcode.tui.screens.sources import SourcesScreen


async def test_sources_screen_lists_the_project_and_enter_opens_it(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SourcesScreen)
        listing = app.screen.query_one("#sources")
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert prompts[0] == "OFFICIAL"
        assert "ratna" in prompts[1] and "Ratna Kurniasih" in prompts[1]
        assert "0/4 segments, 0 codings" in prompts[1]
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        assert screen.source_id == source_id(project, "ratna")
        assert screen.view.cursor == 0
        assert "segment 1/4" in status_text(screen)


async def test_shortcut_key_toggles_the_code_on_the_current_segment(project: Path) -> None:
    spans = segment_spans(project, "ratna")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("j", "2")
        assert screen.view.cursor == 1
        assert codings(project) == [("ratna", "Empowering", "ana", *spans[1], None, None)]
        assert [len(coded_here(screen, i)) for i in range(4)] == [0, 1, 0, 0]
        assert badge_labels(screen, 1) == ["2"]

        await pilot.press("2")
        assert codings(project) == []
        assert coded_here(screen, 1) == []
        assert actions(project) == [("apply", "done"), ("remove", "done")]


async def test_v_and_l_select_three_words_and_a_shortcut_codes_them(project: Path) -> None:
    text = source_text(project, "ratna")
    spans = segment_spans(project, "ratna")
    first, _, third = words(text, *spans[1])[:3]
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("j", "v", "l", "l")
        assert screen.view.selection == (first[0], third[1])
        assert "selected: “We run training”" in status_text(screen)
        await pilot.press("2")
        assert screen.selection is None  # coding the selection clears it
    [row] = codings(project)
    assert row == ("ratna", "Empowering", "ana", first[0], third[1], None, None)
    assert text[row[3] : row[4]] == "We run training"


async def test_shift_arrows_move_the_start_of_the_selection(project: Path) -> None:
    text = source_text(project, "ratna")
    spans = segment_spans(project, "ratna")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "ratna")
        # words 0..3 of the second turn, then drop the first word: "run training and"
        await pilot.press("j", "v", "right", "right", "right", "shift+right", "1")
    [(_, path, _, start, end, _, _)] = codings(project)
    assert path == "Enabling"
    assert text[start:end] == "run training and"
    assert spans[1][0] < start < end < spans[1][1]


async def test_plus_minus_change_the_chosen_codings_magnitude_within_the_scale(
    project: Path,
) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("j", "1", "2")
        # the coding just made is the chosen one: Empowering
        await pilot.press("plus")
        assert _magnitudes(project) == {"Enabling": None, "Empowering": 1}
        await pilot.press("plus", "plus", "plus")  # the scale ends at +2
        assert _magnitudes(project) == {"Enabling": None, "Empowering": 2}
        assert "Empowering +2" in status_text(screen)

        await pilot.press("]")  # ] chooses the next coding: Enabling
        await pilot.press("minus")
        assert _magnitudes(project) == {"Enabling": -1, "Empowering": 2}
        await pilot.press("minus", "minus", "minus")  # the scale ends at -2
        assert _magnitudes(project) == {"Enabling": -2, "Empowering": 2}
        await pilot.press("[", "minus")  # [ back to Empowering
        assert _magnitudes(project) == {"Enabling": -2, "Empowering": 1}


def _magnitudes(db: Path) -> dict[str, int | None]:
    return {path: magnitude for _, path, _, _, _, magnitude, _ in codings(db)}


async def test_m_writes_a_memo_on_the_chosen_coding(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("j", "2", "m")
        assert isinstance(app.screen, MemoEditor)
        assert isinstance(app.focused, TextArea)
        await pilot.press(*"Budget", "ctrl+s")
        assert app.screen is screen
        assert "✎" in status_text(screen)
    [row] = codings(project)
    assert row[1] == "Empowering" and row[6] == "Budget"
    assert actions(project) == [("apply", "done"), ("memo", "done")]


async def test_escape_in_the_memo_editor_stores_nothing(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "ratna")
        await pilot.press("2", "m", *"no", "escape")
        assert isinstance(app.screen, CodingScreen)
    assert codings(project)[0][6] is None
    assert actions(project) == [("apply", "done")]


async def test_shift_m_stores_a_memo_on_the_source(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "ratna")
        await pilot.press("M")
        assert isinstance(app.screen, MemoEditor)
        await pilot.press(*"Pilot", "ctrl+s")
        assert isinstance(app.screen, CodingScreen)
    assert sql(
        project,
        "SELECT m.target, m.target_id, k.name, m.text "
        "FROM memo m JOIN coder k ON k.id = m.coder_id",
    ) == [("source", source_id(project, "ratna"), "ana", "Pilot")]


async def test_shift_c_stores_a_memo_on_the_highlighted_code(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("tab", "down")
        tree = screen.query_one(Tree)
        assert app.focused is tree
        assert tree.cursor_node is not None and tree.cursor_node.data.path == "Enabling/Motivation"
        await pilot.press("C")
        assert isinstance(app.screen, MemoEditor)
        await pilot.press(*"Also", "ctrl+s")
    motivation = sql(project, "SELECT id FROM code WHERE path = 'Enabling/Motivation'")[0][0]
    assert sql(project, "SELECT target, target_id, text FROM memo") == [
        ("code", motivation, "Also")
    ]


async def test_enter_in_the_codebook_tree_applies_the_highlighted_code(project: Path) -> None:
    spans = segment_spans(project, "ratna")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "ratna")
        await pilot.press("j", "tab", "down", "enter")
    assert codings(project) == [("ratna", "Enabling/Motivation", "ana", *spans[1], None, None)]


async def test_undo_and_redo_change_the_project(project: Path) -> None:
    spans = segment_spans(project, "ratna")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("2")
        [before] = sql(project, "SELECT id FROM coding")
        await pilot.press("u")
        assert codings(project) == []
        assert coded_here(screen, 0) == []
        assert actions(project) == [("apply", "undone")]

        await pilot.press("ctrl+r")
        assert codings(project) == [("ratna", "Empowering", "ana", *spans[0], None, None)]
        assert sql(project, "SELECT id FROM coding") == [before]  # same id after redo
        assert actions(project) == [("apply", "done")]
        assert len(coded_here(screen, 0)) == 1

        await pilot.press("plus", "plus")
        assert codings(project)[0][5] == 2
        await pilot.press("u")
        assert codings(project)[0][5] == 1
        await pilot.press("u")
        assert codings(project)[0][5] is None
        await pilot.press("ctrl+y")  # the other redo key
        assert codings(project)[0][5] == 1
        await pilot.press("u", "u", "u")
        assert codings(project) == []
        await pilot.press("u")
        assert "nothing to undo" in notifications(app)


async def test_undo_survives_restarting_the_app(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "ratna")
        await pilot.press("j", "j", "1")
    assert [r[1] for r in codings(project)] == ["Enabling"]

    again = make_app(str(project), coder="ana")
    async with again.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        assert len(coded_here(screen, 2)) == 1
        await pilot.press("u")
        assert codings(project) == []
        assert coded_here(screen, 2) == []
        assert screen.view.cursor == 2  # undo shows where it happened
    assert actions(project) == [("apply", "undone")]


async def test_undo_of_another_coder_is_not_mine(project: Path) -> None:
    app = make_app(str(project), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "ratna")
        await pilot.press("1")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "ratna")
        await pilot.press("u")
        assert "nothing to undo" in notifications(app)
    assert [r[1] for r in codings(project, "resa")] == ["Enabling"]


async def test_n_jumps_to_the_next_segment_i_have_not_coded(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("1", "j", "2", "home")
        assert screen.view.cursor == 0
        await pilot.press("n")
        assert screen.view.cursor == 2
        await pilot.press("n")
        assert screen.view.cursor == 3
        await pilot.press("n")
        assert screen.view.cursor == 3
        assert "no uncoded segment below" in notifications(app)
        await pilot.press("N")  # previous uncoded skips the two coded turns
        assert screen.view.cursor == 2


async def test_g_and_a_number_go_to_that_segment(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("g")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("3", "enter")
        assert app.screen is screen
        assert screen.view.cursor == 2
        assert "segment 3/4" in status_text(screen)
        await pilot.press("g", "9", "enter")
        assert screen.view.cursor == 2
        assert any("no segment 9" in n for n in notifications(app))


async def test_end_home_and_k_move_the_cursor(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("end")
        assert screen.view.cursor == 3
        await pilot.press("j")
        assert screen.view.cursor == 3
        await pilot.press("k", "up")
        assert screen.view.cursor == 1
        await pilot.press("home")
        assert screen.view.cursor == 0


async def test_escape_clears_the_selection_then_goes_back(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("v", "l")
        assert screen.selection is not None
        await pilot.press("escape")
        assert app.screen is screen and screen.selection is None
        assert screen.view.selection is None
        await pilot.press("2", "escape")
        assert isinstance(app.screen, SourcesScreen)
        listing = app.screen.query_one("#sources")
        # the Sources screen shows the new progress when it comes back
        assert "1/4 segments, 1 codings" in str(listing.get_option_at_index(1).prompt)


async def test_a_category_cannot_be_applied_from_the_tree(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        tree = screen.query_one(Tree)
        await pilot.press("tab")
        while tree.cursor_node is None or tree.cursor_node.data.path != "Obstacles":
            await pilot.press("down")
        await pilot.press("enter")
        assert any("is a category" in n for n in notifications(app))
    assert codings(project) == []
