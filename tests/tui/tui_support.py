"""Helpers for the app tests: projects built through the CLI, SQL to check what the app stored.

Not a conftest (test folders have no ``__init__``, so a second ``conftest`` module would shadow
``tests/conftest.py`` for ``from conftest import run``); test files import these functions.
"""

from __future__ import annotations

import atexit
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from conftest import run
from rich.cells import cell_len
from textual.pilot import Pilot

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.sources import SourcesScreen

SIZE = (110, 34)
WORD = re.compile(r"\S+")

_demo_template: Path | None = None


def build_demo(folder: Path) -> Path:
    """A fresh demo project (``qualcode demo --no-app``) in ``folder``."""
    db = folder / "demo.db"
    result = run("demo", "--no-app", db=db)
    assert result.exit_code == 0, result.output
    return db


def demo_copy(folder: Path) -> Path:
    """A copy of a demo project built once per test run (building takes a second)."""
    global _demo_template
    if _demo_template is None:
        keep = tempfile.TemporaryDirectory(prefix="qualcode-tui-demo-")
        atexit.register(keep.cleanup)
        _demo_template = build_demo(Path(keep.name))
    db = folder / "demo.db"
    shutil.copyfile(_demo_template, db)
    return db


def sql(db: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return [tuple(r) for r in con.execute(query, params)]
    finally:
        con.close()


def codings(db: Path, coder: str = "ana") -> list[tuple[Any, ...]]:
    """(source, code path, coder, start, end, magnitude, memo) of ``coder``'s codings."""
    return sql(
        db,
        'SELECT s.name, c.path, k.name, cd.start, cd."end", cd.magnitude, cd.memo '
        "FROM coding cd JOIN source s ON s.id = cd.source_id JOIN code c ON c.id = cd.code_id "
        "JOIN coder k ON k.id = cd.coder_id WHERE k.name = ? ORDER BY cd.start, c.path",
        coder,
    )


def actions(db: Path, coder: str = "ana") -> list[tuple[str, str]]:
    """(kind, state) of ``coder``'s undo steps, oldest first."""
    return sql(
        db,
        "SELECT a.kind, a.state FROM coding_action a JOIN coder k ON k.id = a.coder_id "
        "WHERE k.name = ? ORDER BY a.id",
        coder,
    )


def source_id(db: Path, name: str) -> int:
    return sql(db, "SELECT id FROM source WHERE name = ?", name)[0][0]


def segment_spans(db: Path, name: str) -> list[tuple[int, int]]:
    return sql(
        db,
        'SELECT g.start, g."end" FROM segment g JOIN source s ON s.id = g.source_id '
        "WHERE s.name = ? ORDER BY g.ordinal",
        name,
    )


def source_text(db: Path, name: str) -> str:
    return sql(db, "SELECT text FROM source WHERE name = ?", name)[0][0]


def words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Absolute (start, end) of each whitespace-separated word in ``text[start:end]``."""
    return [(start + m.start(), start + m.end()) for m in WORD.finditer(text[start:end])]


async def open_source(pilot: Pilot, name: str) -> CodingScreen:
    """From the Sources screen, highlight the source called ``name`` and press Enter."""
    app = pilot.app
    assert isinstance(app, QualcodeApp)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SourcesScreen), screen
    listing = screen.query_one("#sources")
    wanted = f"source-{source_id(Path(app.project.location), name)}"
    index = next(
        i
        for i in range(listing.option_count)
        if listing.get_option_at_index(i).id == wanted  # type: ignore[attr-defined]
    )
    listing.highlighted = index  # type: ignore[attr-defined]
    await pilot.press("enter")
    await pilot.pause()
    coding = app.screen
    assert isinstance(coding, CodingScreen), coding
    assert coding.source_name == name
    return coding


def find_cell(screen: CodingScreen, needle: str, after: str = "") -> tuple[int, int]:
    """The (x, y) cell, in the transcript widget, where ``needle`` is drawn on screen (the first
    time after a line containing ``after``): found in the rendered lines, as a user sees them."""
    view = screen.view
    seen_after = not after
    for y in range(view.scrollable_content_region.height):
        line = view.render_line(y).text
        if not seen_after:
            seen_after = after in line
            continue
        if needle in line:
            return cell_len(line[: line.index(needle)]), y
    raise AssertionError(f"{needle!r} is not on screen")


def coded_here(screen: CodingScreen, index: int) -> list[Any]:
    """The coder's codings the screen shows on segment ``index``."""
    by_segment = screen.by_segment
    if isinstance(by_segment, dict):
        return list(by_segment.get(index, []))
    return list(by_segment[index])


def badge_labels(screen: CodingScreen, index: int) -> list[str]:
    badges = screen.view.badges
    here = badges.get(index, []) if isinstance(badges, dict) else badges[index]
    return [b.label for b in here]


def status_text(screen: CodingScreen) -> str:
    return str(screen.query_one("#coding-status").render())


def notifications(app: QualcodeApp) -> list[str]:
    return [n.message for n in app._notifications]
