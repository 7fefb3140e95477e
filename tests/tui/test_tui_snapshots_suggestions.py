"""Snapshots of the Suggestions queue and the keyword-in-context screen on the demo (coder resa).

Update with ``pytest tests/tui --snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

from tui_support import build_demo

from qualcode.tui.app import make_app

TERMINAL = (120, 36)


async def _wait_for_workers(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_suggestions_queue(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the Suggestions queue: a line "... suggestions for resa (score ≥ 75) ·
    accepted 0, rejected 0, skipped 0 · a accept  r reject  s skip  o open", then suggestions
    best first, each with its score in yellow, source and segment in bold, the code path in
    cyan and under it the cue (e.g. "keyword 'village'") and the matched phrase in quotes; the
    first is highlighted, and the panel at the bottom shows its segment with the matched phrase
    in reverse video. The footer shows "a Accept  r Reject  s Skip"."""
    app = make_app(str(build_demo(tmp_path)), coder="resa")
    assert snap_compare(app, terminal_size=TERMINAL, press=["S"], run_before=_wait_for_workers)


def test_kwic_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the keyword-in-context screen for "licencing" (typed with a typo): the
    line "7 hits of “licencing” in 3 sources", and a table of seven rows (hadi-sutrisno,
    komarudin, nurhayati) whose keyword column reads "licensing" between its left context
    (right-aligned, dim) and right context, with the informant and role, segment number and the
    names of the codes already applied over each hit; under the table, the first hit's line
    "hadi-sutrisno #11 · codes: none yet"."""
    app = make_app(str(build_demo(tmp_path)), coder="resa")
    assert snap_compare(app, terminal_size=TERMINAL, press=["K", *"licencing", "enter"])
