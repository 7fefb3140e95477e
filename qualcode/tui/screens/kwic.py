"""Keyword in context: a concordance of a word or phrase across every source.

Keys: type a word or phrase and Enter (typos are fine); ↓/↑ move through the hits; Enter on a
hit opens its segment in the Coding screen; Escape goes back. Each line shows the source, the
informant and role, the segment, the text around the hit and the codes already on it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from qualcode.analysis.kwic import KwicHit, kwic
from qualcode.core.errors import QualcodeError

WIDTH = 36  # context characters on each side


class KwicScreen(Screen[None]):
    """Type a term, read every occurrence in context, jump to any of them."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="kwic.back"),
        Binding("down", "focus_hits", "Hits", id="kwic.hits", show=False),
    ]

    def __init__(self, term: str = "") -> None:
        super().__init__()
        self.term = term
        self.hits: list[KwicHit] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(value=self.term, placeholder="a word or phrase, e.g. licensing", id="kwic-term")
        yield Static("Keyword in context: type a word or phrase, Enter", id="kwic-help")
        yield DataTable(id="kwic-hits", cursor_type="row", zebra_stripes=True)
        # The codes column is the last one: on a narrow terminal it is past the right edge, so
        # the highlighted hit's codes are also spelled out here, in full.
        yield Static(id="kwic-codes")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("source", key="source")
        table.add_column("#", key="segment")
        table.add_column("informant (role)", key="who")
        table.add_column(Text("left", justify="right"), key="left")
        table.add_column("keyword", key="keyword")
        table.add_column("right", key="right")
        table.add_column("codes", key="codes")
        if self.term:
            self.show(self.term)
        else:
            self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.show(event.value)

    def show(self, term: str) -> None:
        try:
            with self.app.project.read() as s:  # type: ignore[attr-defined]
                self.hits = kwic(s, term, width=WIDTH) if term.strip() else []
        except QualcodeError as err:
            self.notify(str(err), severity="warning")
            return
        self.term = term
        table = self.query_one(DataTable)
        table.clear()
        self.query_one("#kwic-codes", Static).update("")
        for i, h in enumerate(self.hits):
            who = f"{h.informant} ({h.role})" if h.role else (h.informant or "")
            table.add_row(
                h.source,
                h.ordinal,
                who,
                Text(h.left, justify="right", style="dim"),
                Text(h.keyword, style="bold"),
                Text(h.right, style="dim"),
                "; ".join(c.rsplit("/", 1)[-1] for c in h.codes),
                key=str(i),
            )
        sources = len({h.source for h in self.hits})
        self.query_one("#kwic-help", Static).update(
            f"{len(self.hits)} hits of “{term}” in {sources} sources · Enter opens a hit"
        )
        if self.hits:
            table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None or not self.hits:
            return
        hit = self.hits[int(event.row_key.value)]
        codes = "; ".join(hit.codes) if hit.codes else "none yet"
        self.query_one("#kwic-codes", Static).update(
            f"{hit.source} #{hit.ordinal} · codes: {codes}"
        )

    def action_focus_hits(self) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        hit = self.hits[int(event.row_key.value or 0)]
        from qualcode.tui.screens.coding import CodingScreen

        self.app.push_screen(CodingScreen(hit.source_id, segment=hit.ordinal - 1))

    def action_back(self) -> None:
        self.app.pop_screen()
