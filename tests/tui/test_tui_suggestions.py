"""The Suggestions queue and keyword in context in the app, driven with Pilot."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run
from textual.widgets import DataTable, Input, OptionList, Static
from tui_support import SIZE, demo_copy, sql

from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.kwic import KwicScreen
from qualcode.tui.screens.suggestions import SuggestionsScreen


async def _queue(pilot) -> SuggestionsScreen:  # type: ignore[no-untyped-def]
    await pilot.press("S")
    screen = pilot.app.screen
    assert isinstance(screen, SuggestionsScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert screen.queue
    return screen


async def test_accept_reject_and_skip_in_the_queue(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _queue(pilot)
        total = len(screen.queue)
        first, second, third = screen.queue[:3]

        await pilot.press("a")
        rows = sql(
            db,
            'SELECT cd.source_id, cd.code_id, cd.start, cd."end" FROM coding cd '
            "JOIN coder k ON k.id = cd.coder_id WHERE k.name = 'ana'",
        )
        assert rows == [(first.source_id, first.code_id, first.segment_start, first.segment_end)]
        detail = json.loads(
            sql(db, "SELECT detail FROM audit_log WHERE entity = 'coding' ORDER BY id DESC")[0][0]
        )
        assert detail["origin"] == "suggestion" and detail["matched"] == first.matched

        assert screen.current() == second
        await pilot.press("r")
        assert sql(db, "SELECT segment_id, code_id FROM suggestion_rejection") == [
            (second.segment_id, second.code_id)
        ]
        assert screen.current() == third
        await pilot.press("s")  # skipped: nothing written, the next one is up
        assert len(sql(db, "SELECT id FROM suggestion_rejection")) == 1
        assert len(screen.queue) == total - 3
        assert screen.query_one(OptionList).option_count == total - 3
        assert "accepted 1, rejected 1, skipped 1" in str(
            screen.query_one("#suggestions-help").render()
        )

        await pilot.press("o")  # the current suggestion's segment, in the Coding screen
        await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen) and coding.source_id == screen.queue[0].source_id

    # a new session: the accepted and rejected ones are gone, the skipped one is back
    again = make_app(str(db), coder="ana")
    async with again.run_test(size=SIZE) as pilot:
        screen = await _queue(pilot)
        pairs = {(g.segment_id, g.code_id) for g in screen.queue}
        assert (third.segment_id, third.code_id) in pairs
        assert not {(first.segment_id, first.code_id), (second.segment_id, second.code_id)} & pairs


async def test_kwic_from_the_command_palette_and_into_a_segment(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Keyword in context")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, KwicScreen)
        screen.query_one(Input).value = "licencing"  # a typo: finds "licensing"
        await pilot.press("enter")
        await pilot.pause()
        table = screen.query_one(DataTable)
        assert table.row_count == len(screen.hits) == 7
        assert {str(table.get_cell_at((i, 4))) for i in range(table.row_count)} == {"licensing"}
        hit = screen.hits[1]
        table.move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        assert (coding.source_id, coding.view.cursor) == (hit.source_id, hit.ordinal - 1)


async def test_kwic_key_opens_the_screen(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("K")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, KwicScreen)
        await pilot.press(*"packaging", "enter")
        await pilot.pause()
        # every "packaging" of the corpus, counted independently in SQL
        texts = [t for (t,) in sql(db, "SELECT text FROM source")]
        assert len(screen.hits) == sum(t.lower().count("packaging") for t in texts)
        await pilot.press("escape")
        assert not isinstance(app.screen, KwicScreen)


async def test_kwic_spells_out_the_highlighted_hits_codes_in_full(tmp_path: Path) -> None:
    """The codes column can be past the right edge of a narrow terminal; the line under the
    table names the highlighted hit's codes whatever the width."""
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("K", *"KUR", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, KwicScreen)
        line = screen.query_one("#kwic-codes", Static)
        first = screen.hits[0]
        assert str(line.render()) == f"{first.source} #{first.ordinal} · codes: " + "; ".join(
            first.codes
        )
        uncoded = next(i for i, h in enumerate(screen.hits) if not h.codes)
        screen.query_one(DataTable).move_cursor(row=uncoded)
        await pilot.pause()
        assert str(line.render()).endswith("codes: none yet")


async def test_a_queue_made_before_source_replace_is_made_again_not_crashed(
    tmp_path: Path,
) -> None:
    """`qualcode source replace` runs while the queue is open: r (or a) on a suggestion of the
    old text says so, writes nothing and makes the queue again on the new text."""
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _queue(pilot)
        first = screen.queue[0]
        name, old = sql(db, "SELECT name, text FROM source WHERE id = ?", first.source_id)[0]
        corrected = tmp_path / "corrected.txt"
        corrected.write_text("INTERVIEWER: A first question.\n\n" + old, encoding="utf-8")
        assert run("source", "replace", name, str(corrected), db=db).exit_code == 0
        screen.shown_text = None  # as when moving to a suggestion of another source and back
        screen._show_context()  # the new text is read: the old offsets no longer fit it
        panel = screen.query_one("#suggestion-context")
        assert "was replaced after the queue was made" in str(panel.render())

        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert sql(db, "SELECT COUNT(*) FROM suggestion_rejection") == [(0,)]
        assert any("was replaced" in n.message for n in app._notifications)
        fresh = screen.queue[0]
        assert fresh.segment_id != first.segment_id
        assert screen._source_text(fresh.source_id)[fresh.start : fresh.end] == fresh.matched

        await pilot.press("a")  # the queue made again works
        assert sql(
            db,
            'SELECT cd.code_id, cd.start, cd."end" FROM coding cd '
            "JOIN coder k ON k.id = cd.coder_id WHERE k.name = 'ana'",
        ) == [(fresh.code_id, fresh.segment_start, fresh.segment_end)]
