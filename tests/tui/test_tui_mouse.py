"""Selecting words with the mouse in the transcript, then coding the selection.

Textual's Pilot has no drag, but ``mouse_down`` sends MouseMove + MouseDown and ``mouse_up`` sends
a MouseMove with button 1 held, then MouseUp: together they are a drag from one cell to another.
Cells are found in the rendered lines, where a user would point.
"""

from __future__ import annotations

from pathlib import Path

from tui_support import SIZE, codings, find_cell, open_source, segment_spans, source_text

from qualcode.tui.app import make_app


async def test_click_on_a_word_selects_it_and_a_shortcut_codes_it(project: Path) -> None:
    text = source_text(project, "ratna")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("j")
        x, y = find_cell(screen, "coaching")
        await pilot.click(screen.view, offset=(x + 3, y))
        assert screen.selection is not None
        start, end = screen.view.selection
        assert text[start:end] == "coaching"
        await pilot.press("2")
    [(_, path, coder, start, end, _, _)] = codings(project)
    assert (path, coder, text[start:end]) == ("Empowering", "ana", "coaching")


async def test_dragging_over_words_selects_them_and_coding_stores_that_span(
    project: Path,
) -> None:
    text = source_text(project, "ratna")
    spans = segment_spans(project, "ratna")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("j")
        x0, y0 = find_cell(screen, "training")
        x1, y1 = find_cell(screen, "coaching")
        await pilot.mouse_down(screen.view, offset=(x0 + 2, y0))
        await pilot.mouse_up(screen.view, offset=(x1 + 5, y1))
        assert "selected: “training and coaching”" in str(
            screen.query_one("#coding-status").render()
        )
        await pilot.press("1")
    [(_, path, _, start, end, _, _)] = codings(project)
    assert path == "Enabling"
    assert text[start:end] == "training and coaching"
    assert spans[1][0] < start < end < spans[1][1]


async def test_dragging_backwards_selects_the_same_words(project: Path) -> None:
    text = source_text(project, "ratna")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("j")
        x0, y0 = find_cell(screen, "MSME")
        x1, y1 = find_cell(screen, "run")
        await pilot.mouse_down(screen.view, offset=(x0, y0))
        await pilot.mouse_up(screen.view, offset=(x1, y1))
        await pilot.press("2")
    [row] = codings(project)
    assert text[row[3] : row[4]] == "run training and coaching for MSME"


async def test_click_on_a_word_of_another_segment_selects_that_word(project: Path) -> None:
    text = source_text(project, "ratna")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        assert screen.view.cursor == 0
        x, y = find_cell(screen, "coaching")  # in the second turn
        await pilot.click(screen.view, offset=(x + 1, y))
        assert screen.view.cursor == 1
        await pilot.press("2")
    [row] = codings(project)
    assert text[row[3] : row[4]] == "coaching"


async def test_click_after_a_wide_character_selects_the_word_under_the_mouse(
    project: Path,
) -> None:
    text = source_text(project, "ratna")
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("j")
        x, y = find_cell(screen, "The café")
        await pilot.click(screen.view, offset=(x + 2, y))  # the "e" of "The"
        assert screen.view.selection is not None
        start, end = screen.view.selection
        assert text[start:end] == "The"
