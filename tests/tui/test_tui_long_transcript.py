"""A transcript too long to wrap before the first paint (over EXACT_AT_ONCE segments).

The first paint has exact heights around the cursor and estimates elsewhere; a thread then
computes the exact heights, which replace the estimates without moving the cursor on screen.
"""

from __future__ import annotations

import random
from pathlib import Path

from conftest import run

from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.widgets.transcript import EXACT_AT_ONCE, line_count

SEGMENTS = EXACT_AT_ONCE + 600
WORDS = "training capital permit village market packaging cooperative credit quality".split()


def long_project(folder: Path) -> Path:
    rng = random.Random(7)
    turns = []
    for i in range(SEGMENTS):
        speaker = "Interviewer" if i % 2 == 0 else "Ratna"
        # Lengths from one to many lines, so that estimates and exact heights differ.
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 70)))
        turns.append(f"{speaker}: turn{i + 1} {words}")
    path = folder / "long.txt"
    path.write_text("\n\n".join(turns) + "\n", encoding="utf-8")
    db = folder / "long.db"
    assert run("import", str(path), "--informant", "Ratna", db=db).exit_code == 0
    return db


async def test_a_long_transcript_opens_at_a_deep_segment_and_settles_on_exact_heights(
    tmp_path: Path,
) -> None:
    db = long_project(tmp_path)
    app = make_app(str(db), coder="ana")
    async with app.run_test(size=(110, 34)) as pilot:
        await pilot.pause()
        target = SEGMENTS - 300
        app.push_screen(CodingScreen(1, segment=target))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        view = screen.view
        assert view.cursor == target

        def cursor_row() -> int:
            return view._tops[view.cursor] - view.scroll_offset.y

        before = cursor_row()
        height = view.scrollable_content_region.height
        assert 0 <= before < height  # the deep segment is on screen from the first paint
        for _ in range(200):
            if view.heights_exact:
                break
            await pilot.pause(0.02)
        assert view.heights_exact
        exact = [line_count(view.text[a:b], view._text_width) + 2 for a, b in view.spans]
        assert view._heights == exact
        assert view._tops[-1] == sum(exact)
        assert cursor_row() == before  # the swap did not move the cursor on screen
        shown = "\n".join(view.render_line(y).text for y in range(height))
        assert f"turn{target + 1} " in shown
