"""Moving around the demo project: Sources, picker, search, retrieval, help, palette, coders.

Each test works on its own copy of the demo project (seven sources, codings by coder ``resa``).
"""

from __future__ import annotations

import io
from pathlib import Path

from conftest import run
from rich.console import Console
from textual.command import CommandPalette
from textual.widgets import OptionList, Static, Tree
from tui_support import (
    SIZE,
    coded_here,
    codings,
    demo_copy,
    open_source,
    segment_spans,
    source_id,
    source_text,
    sql,
)

from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.picker import CodePicker
from qualcode.tui.screens.retrieval import RetrievalScreen
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.screens.sources import SourcesScreen


def _prompts(listing: OptionList) -> list[tuple[str, bool]]:
    return [
        (str(listing.get_option_at_index(i).prompt), listing.get_option_at_index(i).disabled)
        for i in range(listing.option_count)
    ]


def _segments_coded_by(db: Path, coder: str, source: str) -> tuple[int, int, int]:
    """(segments, segments overlapping the coder's codings, codings) computed here, in Python."""
    spans = segment_spans(db, source)
    mine = [(r[3], r[4]) for r in codings(db, coder) if r[0] == source]
    coded = sum(1 for a, b in spans if any(s < b and a < e for s, e in mine))
    return len(spans), coded, len(mine)


async def _focus_code(pilot, screen: CodingScreen, path: str) -> Tree:  # type: ignore[no-untyped-def]
    """Tab into the codebook tree and move down to the code ``path``."""
    tree = screen.query_one(Tree)
    await pilot.press("tab")
    assert screen.app.focused is tree
    # Put the cursor on the code's line, as ↓ would, without a keystroke per line.
    line = next(i for i in range(tree.last_line + 1) if tree.get_node_at_line(i).data.path == path)
    tree.cursor_line = line
    await pilot.pause()
    assert tree.cursor_node is not None and tree.cursor_node.data.path == path
    return tree


async def test_sources_are_grouped_by_role_with_the_coders_progress(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SourcesScreen)
        prompts = _prompts(app.screen.query_one("#sources", OptionList))
        headings = [p for p, disabled in prompts if disabled]
        assert headings == ["DOCUMENTS", "MSME ACTOR", "OFFICIAL"]
        group = ""
        found: dict[str, list[str]] = {}
        for prompt, disabled in prompts:
            if disabled:
                group = prompt
                continue
            found.setdefault(group, []).append(prompt.split()[0])
        assert found == {
            "DOCUMENTS": ["—"],
            "MSME ACTOR": ["Hadi", "Komarudin", "Nurhayati"],
            "OFFICIAL": ["Kurnia", "Ratna", "Slamet"],
        }
        for name in ("nurhayati", "kurnia-supartina", "MSME recapitulation 2021"):
            total, coded, n = _segments_coded_by(db, "resa", name)
            [label] = [p for p, _ in prompts if name in p]
            assert f"{coded}/{total} segments, {n} codings" in label
            assert f"{coded / total:>4.0%}" in label
        assert coded > 0  # the demo's coder has progress to show

        await pilot.press("down", "down")  # skips the MSME ACTOR heading
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        assert screen.source_id == source_id(db, "komarudin")
        assert screen.view.cursor == 0


async def test_each_source_is_one_line_in_a_narrow_terminal(tmp_path: Path) -> None:
    """The list is not wrapped (measuring wrapped lines for thousands of sources was most of the
    app's start): a line a source, the end of a long one cut short with an ellipsis."""
    app = make_app(str(demo_copy(tmp_path)), coder="resa")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        listing = app.screen.query_one("#sources", OptionList)
        assert listing.virtual_size.height == listing.option_count == 10
        shown = [line.text for line in (listing.render_line(y) for y in range(10))]
        assert all(len(line.rstrip()) <= 80 for line in shown)
        assert any(line.rstrip().endswith("…") for line in shown)


async def test_fuzzy_code_picker_applies_the_best_match(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    spans = segment_spans(db, "nurhayati")
    app = make_app(str(db), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "nurhayati")
        await pilot.press("j", "c")
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*"empowr trainng")
        await pilot.pause()
        listing = app.screen.query_one(OptionList)
        assert "Empowering/Training and coaching" in str(listing.get_option_at_index(0).prompt)
        await pilot.press("enter")
        assert isinstance(app.screen, CodingScreen)
    assert codings(db) == [
        ("nurhayati", "Empowering/Training and coaching", "ana", *spans[1], None, None)
    ]


async def test_escape_closes_the_picker_without_coding(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "nurhayati")
        await pilot.press("c", *"lic", "escape")
        assert isinstance(app.screen, CodingScreen)
    assert codings(db) == []


async def test_search_jumps_to_the_hit_in_another_source(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    [(ordinal,)] = sql(
        db,
        "SELECT g.ordinal FROM segment g JOIN source s ON s.id = g.source_id "
        "WHERE s.name = 'nurhayati' AND substr(s.text, g.start + 1, g.\"end\" - g.start) "
        "LIKE '%crispier%'",
    )
    app = make_app(str(db), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "komarudin")
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"crispier", "enter")
        hits = app.screen.query_one(OptionList)
        assert hits.option_count >= 1
        assert str(hits.get_option_at_index(0).prompt).startswith(f"nurhayati #{ordinal}")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        assert screen.source_id == source_id(db, "nurhayati")
        assert screen.view.cursor == ordinal - 1
        await pilot.press("escape")  # the jump replaced the Coding screen: back is Sources
        assert isinstance(app.screen, SourcesScreen)


async def test_retrieval_lists_a_codes_excerpts_by_informant_and_jumps_to_one(
    tmp_path: Path,
) -> None:
    db = demo_copy(tmp_path)
    path = "Empowering/Training and coaching"
    rows = sql(
        db,
        "SELECT i.role, i.name, s.name, cd.start FROM coding cd JOIN code c ON c.id = cd.code_id "
        "JOIN source s ON s.id = cd.source_id LEFT JOIN informant i ON i.id = s.informant_id "
        "WHERE c.path = ? ORDER BY COALESCE(i.role, '~'), COALESCE(i.name, '~'), s.name, "
        "cd.start",
        path,
    )
    expected_headings = list(
        dict.fromkeys(
            f"{(role or 'document').upper()} · {who or src}" for role, who, src, _ in rows
        )
    )
    first_source, first_start = rows[0][2], rows[0][3]
    first_index = next(
        i for i, (a, b) in enumerate(segment_spans(db, first_source)) if a <= first_start < b
    )
    app = make_app(str(db), coder="resa")  # retrieval shows the coder's own excerpts (blind)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "komarudin")
        await _focus_code(pilot, screen, path)
        await pilot.press("r")
        retrieval = app.screen
        assert isinstance(retrieval, RetrievalScreen)
        prompts = _prompts(retrieval.query_one("#excerpts", OptionList))
        assert [p for p, disabled in prompts if disabled] == expected_headings
        assert sum(1 for _, disabled in prompts if not disabled) == len(rows)
        assert f"{path}: {len(rows)} excerpts" in retrieval.sub_title

        await pilot.press("enter")  # the first excerpt is highlighted
        await pilot.pause()
        target = app.screen
        assert isinstance(target, CodingScreen)
        assert target.source_name == first_source
        assert target.view.cursor == first_index


async def test_r_in_retrieval_reads_excerpts_coded_since(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    path = "Empowering/Training and coaching"
    coded = len(
        sql(
            db,
            "SELECT cd.id FROM coding cd JOIN code c ON c.id = cd.code_id WHERE c.path = ?",
            path,
        )
    )
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "komarudin")
        await _focus_code(pilot, screen, path)
        await pilot.press("r")
        retrieval = app.screen
        assert isinstance(retrieval, RetrievalScreen) and len(retrieval.excerpts) == coded
        # Coded meanwhile from the command line (as by a colleague on a shared project).
        csv = tmp_path / "more.csv"
        csv.write_text(f"source,segment,code,coder\nslamet-riyanto,1,{path},resa\n", "utf-8")
        assert run("codings", "import", str(csv), db=db).exit_code == 0
        await pilot.press("r")
        await pilot.pause()
        assert len(retrieval.excerpts) == coded + 1
        assert f"{path}: {coded + 1} excerpts" in retrieval.sub_title


async def test_help_lists_every_binding_id(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "ratna")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = _help_text(app.screen)
        for binding_id in ("coding.undo", "coding.next", "sources.open", "app.help", "coding.memo"):
            assert binding_id in help_text
        await pilot.press("escape")
        assert isinstance(app.screen, CodingScreen)


def _help_text(screen: HelpScreen) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    for static in screen.query(Static):
        console.print(static.content)
    return console.export_text()


async def test_a_keymap_rebinds_a_key_by_its_id(project: Path) -> None:
    app = make_app(str(project), coder="ana", keys={"coding.next": "x"})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        await pilot.press("x")
        assert screen.view.cursor == 1
        await pilot.press("j")  # replaced by x
        assert screen.view.cursor == 1
        await pilot.press("x", "x")
        assert screen.view.cursor == 3
        await pilot.press("question_mark")
        [row] = [line for line in _help_text(app.screen).splitlines() if "coding.next " in line]
        assert " x " in row


async def test_command_palette_opens_a_source(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"open nurhayati")
        for _ in range(50):  # the palette searches in a worker
            await pilot.pause(0.02)
            hits = app.screen.query_one("CommandList", OptionList)
            if hits.option_count and "nurhayati" in str(hits.get_option_at_index(0).prompt):
                break
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        assert screen.source_id == source_id(db, "nurhayati")
        assert screen.view.cursor == 0


async def test_blind_coding_shows_only_the_coders_own_codings(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    spans = segment_spans(db, "nurhayati")
    resa = [(r[3], r[4]) for r in codings(db, "resa") if r[0] == "nurhayati"]
    coded = [i for i, (a, b) in enumerate(spans) if any(s < b and a < e for s, e in resa)]
    assert coded  # resa coded this interview

    app = make_app(str(db), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "nurhayati")
        assert all(coded_here(screen, i) == [] for i in range(len(spans)))
        assert screen.codings == []
        assert "not coded" in str(screen.query_one("#coding-status").render())
        await pilot.press("n")  # every segment is uncoded for ana
        assert screen.view.cursor == 1

    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "nurhayati")
        assert [i for i in range(len(spans)) if coded_here(screen, i)] == coded
        assert {c.coder for i in coded for c in coded_here(screen, i)} == {"resa"}


async def test_the_transcript_shows_every_word_of_a_long_line(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    text = source_text(db, "MSME recapitulation 2021")
    first = " ".join(text[slice(*segment_spans(db, "MSME recapitulation 2021")[0])].split())
    app = make_app(str(db), coder="ana")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_source(pilot, "MSME recapitulation 2021")
        view = screen.view
        shown = " ".join(
            " ".join(view.render_line(y).text.split())
            for y in range(1, 4)  # the text lines of segment 1
        )
        assert first in shown


async def test_the_rule_book_shows_the_highlighted_code_from_the_start(project: Path) -> None:
    app = make_app(str(project), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_source(pilot, "ratna")
        tree = screen.query_one(Tree)
        assert tree.cursor_node is not None and tree.cursor_node.data.path == "Enabling"
        rule_book = str(screen.query_one("#rulebook").render())
        assert "Enabling" in rule_book and "Creating a climate for growth." in rule_book


async def test_a_coding_screen_shows_codings_made_while_it_was_covered(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")  # retrieval lists the coder's own excerpts
    async with app.run_test(size=SIZE) as pilot:
        first = await open_source(pilot, "hadi-sutrisno")
        await _focus_code(pilot, first, "Empowering/Training and coaching")
        await pilot.press("r", "enter")  # first excerpt: hadi-sutrisno #8
        await pilot.pause()
        second = app.screen
        assert isinstance(second, CodingScreen) and second is not first
        assert (second.source_name, second.view.cursor) == ("hadi-sutrisno", 7)
        before = len(codings(db, "resa"))
        await pilot.press("4")  # Obstacles, not yet on that segment
        assert len(codings(db, "resa")) == before + 1
        now = len(coded_here(second, 7))
        await pilot.press("escape")
        assert app.screen is first
        assert len(coded_here(first, 7)) == now


async def test_undo_in_another_source_shows_where_it_happened(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await open_source(pilot, "hadi-sutrisno")
        await pilot.press("g", "8", "enter", "2", "escape")
        await open_source(pilot, "nurhayati")
        await pilot.press("u")
        await pilot.pause()
        assert codings(db) == []
        screen = app.screen
        assert isinstance(screen, CodingScreen) and screen.source_name == "hadi-sutrisno"
        assert screen.view.cursor == 7
