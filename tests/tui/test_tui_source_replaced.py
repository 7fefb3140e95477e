"""The Coding screen while ``qualcode source replace`` changes its source's text from elsewhere:
the screen notices before it writes, so a keystroke never codes the old text's offsets on the
new text."""

from __future__ import annotations

from pathlib import Path

from conftest import run
from tui_support import SIZE, codings, notifications, open_source, segment_spans, source_text

from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen


def replace_from_the_cli(project: Path, workdir: Path) -> None:
    """A new first turn, so every old offset now points at other words."""
    old = source_text(project, "ratna")
    corrected = workdir / "ratna-corrected.txt"
    corrected.write_text("INTERVIEWER: A question added before.\n\n" + old, encoding="utf-8")
    result = run("source", "replace", "ratna", str(corrected), db=project)
    assert result.exit_code == 0, result.output


async def test_a_replacement_made_meanwhile_reopens_the_source_before_coding(
    project: Path, workdir: Path
) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        first = await open_source(pilot, "ratna")
        await pilot.press("j")
        replace_from_the_cli(project, workdir)

        await pilot.press("2")  # on the old text: refused, and the new text is shown
        await pilot.pause()
        assert codings(project) == []
        screen = app.screen
        assert isinstance(screen, CodingScreen) and screen is not first
        assert screen.text == source_text(project, "ratna")
        assert any("was replaced meanwhile" in n for n in notifications(app))

        await pilot.press("2")  # now on the new text's segment under the cursor
        spans = segment_spans(project, "ratna")
        assert codings(project) == [
            ("ratna", "Empowering", "ana", *spans[screen.view.cursor], None, None)
        ]


async def test_undo_after_a_replacement_does_not_say_there_is_nothing_to_undo(
    project: Path, workdir: Path
) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "ratna")
        replace_from_the_cli(project, workdir)
        await pilot.press("u")
        await pilot.pause()
        said = notifications(app)
        assert any("was replaced meanwhile" in n for n in said)
        assert not any("nothing to undo" in n for n in said)


async def test_coming_back_to_the_source_after_a_replacement_shows_the_new_text(
    project: Path, workdir: Path
) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        first = await open_source(pilot, "ratna")
        await pilot.press("K")  # another screen on top
        await pilot.pause()
        replace_from_the_cli(project, workdir)
        await pilot.press("escape")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen) and screen is not first
        assert screen.text == source_text(project, "ratna")
        assert len(screen.segments) == len(segment_spans(project, "ratna"))
