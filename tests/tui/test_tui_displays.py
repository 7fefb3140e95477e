"""The Matrix and Triangulation screens: the displays in the app, and drilling into a cell."""

from __future__ import annotations

from pathlib import Path

from conftest import run
from textual.widgets import DataTable, OptionList
from tui_support import SIZE, demo_copy, sql

from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.displays import ExcerptsScreen, MatrixScreen, TriangulationScreen


def _cell(screen: MatrixScreen | TriangulationScreen, row: int, column: int) -> str:
    return str(screen.query_one(DataTable).get_cell_at((row, column)))


async def test_matrix_cell_drills_down_to_its_excerpts_and_into_the_source(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        screen = app.screen
        assert isinstance(screen, MatrixScreen)
        table = screen.table
        assert table is not None and table.columns[:3] == ["Enabling", "Empowering", "Protecting"]
        hadi = [r.label for r in table.rows].index("Hadi Sutrisno")
        # The count is distinct segments of Hadi's interview coded under Empowering.
        expected = sql(
            db,
            "SELECT COUNT(DISTINCT g.id) FROM coding cd JOIN code c ON c.id = cd.code_id "
            "JOIN source s ON s.id = cd.source_id JOIN segment g ON g.source_id = s.id "
            'AND g.start < cd."end" AND cd.start < g."end" '
            "WHERE s.name = 'hadi-sutrisno' "
            "AND (c.path = 'Empowering' OR c.path LIKE 'Empowering/%')",
        )[0][0]
        assert _cell(screen, hadi, 2) == str(expected)

        screen.query_one(DataTable).move_cursor(row=hadi, column=2)
        await pilot.press("enter")
        excerpts = app.screen
        assert isinstance(excerpts, ExcerptsScreen)
        assert {e.informant for e in excerpts.excerpts} == {"Hadi Sutrisno"}
        assert all(e.code_path.startswith("Empowering") for e in excerpts.excerpts)
        codings = sql(
            db,
            "SELECT COUNT(*) FROM coding cd JOIN code c ON c.id = cd.code_id JOIN source s "
            "ON s.id = cd.source_id WHERE s.name = 'hadi-sutrisno' AND c.path LIKE 'Empowering%'",
        )[0][0]
        assert len(excerpts.excerpts) == codings
        first = excerpts.excerpts[0]
        await pilot.press("enter")  # the first excerpt opens in its source
        coding = app.screen
        assert isinstance(coding, CodingScreen) and coding.source_name == "hadi-sutrisno"
        assert coding.segments.starts[coding.view.cursor] <= first.start


async def test_r_reads_codings_made_since_the_matrix_was_shown(tmp_path: Path) -> None:
    """As by another coder's command while the matrix is open: r shows them, cursor kept."""
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        screen = app.screen
        assert isinstance(screen, MatrixScreen) and screen.table is not None
        hadi = [r.label for r in screen.table.rows].index("Hadi Sutrisno")
        before = int(_cell(screen, hadi, 3))  # Protecting
        screen.query_one(DataTable).move_cursor(row=hadi, column=3)
        uncoded = sql(
            db,
            "SELECT g.ordinal FROM segment g JOIN source s ON s.id = g.source_id "
            "WHERE s.name = 'hadi-sutrisno' AND g.id NOT IN (SELECT cd.segment_id FROM coding cd "
            "JOIN code c ON c.id = cd.code_id WHERE c.path LIKE 'Protecting%' "
            "AND cd.segment_id IS NOT NULL) ORDER BY g.ordinal LIMIT 1",
        )[0][0]
        csv = tmp_path / "more.csv"
        csv.write_text(
            f"source,segment,code,coder\nhadi-sutrisno,{uncoded},Protecting,resa\n",
            encoding="utf-8",
        )
        assert run("codings", "import", str(csv), db=db).exit_code == 0
        assert int(_cell(screen, hadi, 3)) == before  # read when shown
        await pilot.press("r")
        await pilot.pause()
        assert int(_cell(screen, hadi, 3)) == before + 1
        assert screen.query_one(DataTable).cursor_coordinate == (hadi, 3)


async def test_matrix_switches_cells_and_kind_and_stores_a_summary(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        screen = app.screen
        assert isinstance(screen, MatrixScreen)
        await pilot.press("c")  # count -> magnitude
        assert screen.spec.cell_mode == "magnitude"
        kurnia = [r.label for r in screen.table.rows].index("Kurnia Supartina")  # type: ignore[union-attr]
        assert _cell(screen, kurnia, 1).startswith("+")
        screen.query_one(DataTable).move_cursor(row=kurnia, column=1)
        await pilot.press("e")
        await pilot.press(*"claims a climate")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert sql(db, "SELECT row_key, column_key, text FROM cell_summary") == [
            ("Kurnia Supartina", "Enabling", "claims a climate")
        ]
        assert screen.spec.cell_mode == "summary"
        assert _cell(screen, kurnia, 1) == "claims a climate"
        await pilot.press("k")  # clustered -> role-ordered, with subtotal rows
        assert screen.spec.kind == "role"
        assert any(r.subtotal for r in screen.table.rows)  # type: ignore[union-attr]


async def test_triangulation_shows_convergence_and_drills_into_a_group(tmp_path: Path) -> None:
    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, TriangulationScreen)
        table = screen.table
        assert table is not None and table.columns[0] == "convergence"
        labels = [r.label for r in table.rows]
        empowering = labels.index("Empowering")
        assert _cell(screen, empowering, 1) == "dissonance"
        officials = table.columns.index("official") + 1
        screen.query_one(DataTable).move_cursor(row=empowering, column=officials)
        await pilot.press("enter")
        excerpts = app.screen
        assert isinstance(excerpts, ExcerptsScreen)
        assert {e.role for e in excerpts.excerpts} == {"official"}
        assert len(excerpts.query_one(OptionList).options) == len(excerpts.excerpts) > 0
        await pilot.press("escape")
        await pilot.press("b")  # by method: interview and document
        assert screen.by == "kind"
        assert "document (sources)" in " ".join(screen.table.columns)  # type: ignore[union-attr]


async def test_conclusions_screen_checks_adds_and_removes(tmp_path: Path) -> None:
    from qualcode.tui.screens.conclusions import ConclusionsScreen

    db = demo_copy(tmp_path)
    app = make_app(str(db), coder="resa")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("V")
        screen = app.screen
        assert isinstance(screen, ConclusionsScreen)
        assert [c.verdict for c in screen.checks] == ["supported"] * 4
        await pilot.press("enter")  # the first conclusion's negative evidence
        assert isinstance(app.screen, ExcerptsScreen)
        assert len(app.screen.excerpts) == len(screen.checks[0].negative_evidence) > 0
        await pilot.press("escape")

        await pilot.press("a", *"Licensing is a barrier", "enter")
        await pilot.press(*"licensing cost", "enter")
        await pilot.pause()
        rows = sql(db, "SELECT id, statement FROM conclusion ORDER BY id")
        assert rows[-1][1] == "Licensing is a barrier" and len(rows) == 5
        codes = sql(
            db,
            "SELECT c.path FROM conclusion_code x JOIN code c ON c.id = x.code_id "
            "WHERE x.conclusion_id = ?",
            rows[-1][0],
        )
        assert codes == [("Obstacles/Licensing cost and procedure",)]
        assert len(screen.checks) == 5

        screen.query_one(OptionList).highlighted = 4
        await pilot.press("d")
        assert len(sql(db, "SELECT id FROM conclusion")) == 4
