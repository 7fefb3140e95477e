"""The Matrix and Triangulation screens: Miles–Huberman displays you can drill into.

Matrix keys: ``k`` next display kind, ``c`` next cell content (count, magnitude, quotes,
summary), ``+``/``-`` code depth, ``o`` rows by informant or source, Enter on a cell lists the
excerpts behind it (numbers keep their words), ``e`` edits the cell's summary, ``r`` reads the
project again, Escape goes back.

Triangulation keys: ``b`` groups by role or by source kind (method), Enter on a group's cell lists
the excerpts of that code from that group, ``r`` reads the project again, Escape goes back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.analysis.displays import DisplaySpec, build_display, cell_excerpts
from qualcode.analysis.displays.summaries import set_summary
from qualcode.analysis.retrieval import Excerpt, retrieve
from qualcode.analysis.triangulation import summary_table, triangulate
from qualcode.core.errors import QualcodeError
from qualcode.exchange.tables import DisplayTable, cell_text
from qualcode.storage.codes import resolve_code
from qualcode.tui.blind import visible_coder
from qualcode.tui.review import ReviewAware
from qualcode.tui.screens.retrieval import excerpt_label

MATRIX_KINDS = ("clustered", "role", "method", "time", "cooccurrence")
CELL_MODES = ("count", "magnitude", "quotes", "summary")


class DisplayScreen(Screen[None]):
    """A display table in a DataTable with a cell cursor, its notes underneath."""

    table: DisplayTable | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="display-body"):
            yield DataTable(id="display", cursor_type="cell", zebra_stripes=True)
            yield Static(id="display-notes")
        yield Footer()

    def show(self, table: DisplayTable, front: str | None = None) -> None:
        """Show ``table``; the column ``front`` (if any) is moved next to the row labels."""
        if front in table.columns:
            i = table.columns.index(front)
            order = [i] + [j for j in range(len(table.columns)) if j != i]
            table = DisplayTable(
                title=table.title,
                row_dimension=table.row_dimension,
                columns=[table.columns[j] for j in order],
                rows=[
                    type(r)(r.label, [r.cells[j] for j in order], r.group, r.subtotal)
                    for r in table.rows
                ],
                notes=table.notes,
                meta=table.meta,
            )
        self.table = table
        self.sub_title = table.title
        grid = self.query_one(DataTable)
        row, column = grid.cursor_coordinate
        grid.clear(columns=True)
        grid.add_column(table.row_dimension, key="__row__")
        for name in table.columns:
            grid.add_column(_short(name), key=name)
        for i, r in enumerate(table.rows):
            shown = r.label if len(r.label) <= 60 else r.label[:59] + "…"
            label = Text(shown, style="bold" if r.subtotal or not r.label.startswith(" ") else "")
            grid.add_row(label, *(_cell(v) for v in r.cells), key=str(i))
        self.query_one("#display-notes", Static).update("\n".join(table.notes))
        if table.rows:
            grid.move_cursor(
                row=min(row, len(table.rows) - 1), column=min(max(column, 1), len(table.columns))
            )
        grid.focus()

    def current(self) -> tuple[Any, str] | None:
        """(the display row, the column label) under the cursor, if on a data cell."""
        if self.table is None or not self.table.rows:
            return None
        grid = self.query_one(DataTable)
        row, column = grid.cursor_coordinate
        if column == 0:
            return None
        return self.table.rows[row], self.table.columns[column - 1]

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()  # the table has Enter: a selected cell is a drill-down
        self.action_drill()

    def rebuild(self) -> None:
        """Overridden: read the display from the project and show it."""

    def action_reload(self) -> None:
        # A display is read once when shown: codings made since (in the Coding screen, from the
        # command line, by a colleague on a shared project) show after a reload, the cursor
        # kept. Not on every return to the screen: a quotes matrix of a large study takes
        # seconds.
        self.rebuild()
        self.notify("reloaded", timeout=1)

    def action_drill(self) -> None:
        """Overridden: the excerpts behind the cell under the cursor."""

    def open_excerpts(self, title: str, excerpts: list[Excerpt]) -> None:
        if not excerpts:
            self.notify("no excerpts behind this cell", timeout=2)
            return
        self.app.push_screen(ExcerptsScreen(title, excerpts))

    def action_back(self) -> None:
        self.app.pop_screen()


class MatrixScreen(ReviewAware, DisplayScreen):
    """Miles–Huberman matrices (see the module docstring for the keys)."""

    WRITE_ACTIONS = frozenset({"edit_summary"})

    BINDINGS = [
        Binding("escape", "back", "Back", id="matrix.back"),
        Binding("enter", "drill", "Excerpts", id="matrix.drill"),
        Binding("k", "next_kind", "Display", id="matrix.kind"),
        Binding("c", "next_cells", "Cells", id="matrix.cells"),
        Binding("plus,equals_sign", "depth(1)", "Deeper", id="matrix.deeper"),
        Binding("minus", "depth(-1)", "Shallower", id="matrix.shallower"),
        Binding("o", "toggle_rows", "Rows", id="matrix.rows"),
        Binding("e", "edit_summary", "Summary", id="matrix.summary"),
        Binding("r", "reload", "Reload", id="matrix.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.spec = DisplaySpec()

    def on_mount(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        try:
            with self.app.project.read() as s:  # type: ignore[attr-defined]
                table = build_display(s, self.shown_spec(s))
        except QualcodeError as err:
            self.notify(str(err), severity="error")
            return
        self.show(table)

    def shown_spec(self, session: Any) -> DisplaySpec:
        """The spec as shown: in blind mode, a coder's matrix counts their own codings only."""
        who = visible_coder(session, self.app)
        return self.spec if who is None else replace(self.spec, coders=(who,))

    def _replace(self, **changes: Any) -> None:
        values = {**self.spec.__dict__, **changes}
        self.spec = DisplaySpec(**values)
        self.rebuild()

    def action_next_kind(self) -> None:
        kind = MATRIX_KINDS[(MATRIX_KINDS.index(self.spec.kind) + 1) % len(MATRIX_KINDS)]
        cells = self.spec.cells if kind in ("clustered", "role") else None
        self._replace(kind=kind, cells=cells)

    def action_next_cells(self) -> None:
        if self.spec.kind == "cooccurrence":
            self.notify("the co-occurrence table shows counts only", timeout=2)
            return
        current = self.spec.cell_mode
        mode = CELL_MODES[(CELL_MODES.index(current) + 1) % len(CELL_MODES)]
        self._replace(cells=mode)

    def action_depth(self, step: int) -> None:
        self._replace(depth=max(1, self.spec.depth + step))

    def action_toggle_rows(self) -> None:
        if self.spec.kind in ("clustered", "role"):
            self._replace(rows="source" if self.spec.rows == "informant" else "informant")

    def action_drill(self) -> None:
        """The excerpts behind the cell under the cursor, with the display's own filters."""
        here = self.current()
        if here is None or self.table is None or self.spec.kind == "cooccurrence":
            return
        row, column = here
        r, c = self.query_one(DataTable).cursor_coordinate
        row_key = self.table.meta["row_keys"][r]
        column_key = self.table.meta["column_keys"][c - 1]
        try:
            with self.app.project.read() as s:  # type: ignore[attr-defined]
                spec = self.shown_spec(s)
                excerpts = cell_excerpts(s, spec, row_key, column_key, subtotal=row.subtotal)
        except QualcodeError as err:
            self.notify(str(err), severity="warning")
            return
        self.open_excerpts(f"{row.label} × {column}", excerpts)

    def action_edit_summary(self) -> None:
        here = self.current()
        if here is None or self.spec.kind not in ("clustered", "role"):
            self.notify("summaries belong to the cells of the clustered or role matrix")
            return
        row, column = here
        store = "role" if row.subtotal else "clustered"
        label = row.group if row.subtotal else row.label
        from qualcode.tui.screens.prompt import MemoEditor

        app = self.app

        def save(body: str | None) -> None:
            if body is None:
                return
            try:
                with app.project.write() as s:  # type: ignore[attr-defined]
                    set_summary(
                        s,
                        store,
                        label,
                        column,
                        body,
                        coder=app.coder,  # type: ignore[attr-defined]
                        actor=app.coder,  # type: ignore[attr-defined]
                    )
            except QualcodeError as err:
                self.notify(str(err), severity="error")
                return
            self._replace(cells="summary")

        current = "" if self.spec.cell_mode != "summary" else _plain(row.cells, self.table, column)
        app.push_screen(MemoEditor(f"Summary of {label} × {column}", current), save)


class TriangulationScreen(DisplayScreen):
    """Triangulation across informant groups or methods (see the module docstring)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="triangulation.back"),
        Binding("enter", "drill", "Excerpts", id="triangulation.drill"),
        Binding("b", "toggle_by", "By role / method", id="triangulation.by"),
        Binding("r", "reload", "Reload", id="triangulation.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.by = "role"

    def on_mount(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            self.result = triangulate(s, by=self.by, depth=None, coder=visible_coder(s, self.app))
        self.show(summary_table(self.result), front="convergence")

    def action_toggle_by(self) -> None:
        self.by = "kind" if self.by == "role" else "role"
        self.rebuild()

    def action_drill(self) -> None:
        here = self.current()
        if here is None:
            return
        row, column = here
        code_path = row.label.strip()
        if code_path.startswith("↳") or column == "convergence":
            return
        group = column.split(" (")[0]
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            code = resolve_code(s, code_path)
            assert code.id is not None
            excerpts = retrieve(s, code.id, include_subcodes=True, coder=visible_coder(s, self.app))
        if self.by == "kind":
            chosen = [e for e in excerpts if e.kind == group]
        else:
            chosen = [e for e in excerpts if e.role == group]
        self.open_excerpts(f"{code_path} · {group}", chosen)


class ExcerptsScreen(Screen[None]):
    """The excerpts behind a display cell; Enter opens one in its source, Escape goes back."""

    BINDINGS = [Binding("escape", "back", "Back", id="excerpts.back")]

    def __init__(self, title: str, excerpts: list[Excerpt]) -> None:
        super().__init__()
        self.title_text, self.excerpts = title, excerpts

    def compose(self) -> ComposeResult:
        yield Header()
        yield OptionList(
            *(
                Option(excerpt_label(e, e.code_path), id=str(i))
                for i, e in enumerate(self.excerpts)
            ),
            id="cell-excerpts",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.title_text}: {len(self.excerpts)} excerpts"
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        from qualcode.tui.screens.coding import CodingScreen

        excerpt = self.excerpts[int(event.option.id or 0)]
        self.app.push_screen(CodingScreen(excerpt.source_id, offset=excerpt.start))

    def action_back(self) -> None:
        self.app.pop_screen()


def _short(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _cell(value: Any) -> Text:
    text = cell_text(value)
    return Text(
        text if len(text) <= 60 else text[:59] + "…",
        justify="right" if isinstance(value, int | float) else "left",
    )


def _plain(cells: list[Any], table: DisplayTable | None, column: str) -> str:
    if table is None:
        return ""
    value = cells[table.columns.index(column)]
    return "" if value is None else str(value)
