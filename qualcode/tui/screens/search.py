"""Search every source: ranked, typo-tolerant hits; Enter jumps to the segment.

Keys: type the query and Enter to search, ↓/↑ choose a hit, Enter on a hit jumps, Escape closes.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.analysis.search import SegmentIndex


class SearchScreen(ModalScreen[tuple[int, int] | None]):
    """Dismisses with (source id, segment ordinal) of the chosen hit."""

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="search.cancel"),
        Binding("down", "focus_hits", "Hits", id="search.hits", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog search"):
            yield Label(
                "Search all sources (Enter searches; typos are fine)", classes="dialog-title"
            )
            yield Input(placeholder="e.g. licensing, KUR, packaging", id="query")
            yield OptionList(id="hits")

    index: SegmentIndex | None = None

    def on_mount(self) -> None:
        app = self.app
        self.index = getattr(app, "segment_index", None)
        if self.index is None:
            # ~4 s for 200,000 segments: built off the UI thread, once per app run.
            self.query_one(".dialog-title", Label).update("Search all sources (indexing…)")
            self.build_index()
        with app.project.read() as s:  # type: ignore[attr-defined]
            from sqlalchemy import text

            self.names = {
                sid: (name, who)
                for sid, name, who in s.connection().execute(
                    text(
                        "SELECT s.id, s.name, i.name FROM source s "
                        "LEFT JOIN informant i ON i.id = s.informant_id"
                    )
                )
            }

    @work(thread=True, exclusive=True)
    def build_index(self) -> None:
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            index = SegmentIndex.from_session(s)
        self.app.call_from_thread(self._index_ready, index)

    def _index_ready(self, index: SegmentIndex) -> None:
        self.index = self.app.segment_index = index  # type: ignore[attr-defined]
        self.query_one(".dialog-title", Label).update(
            "Search all sources (Enter searches; typos are fine)"
        )
        query = self.query_one(Input).value
        if query.strip() and self.pending:
            self.pending = False
            self.query_one(Input).post_message(Input.Submitted(self.query_one(Input), query))

    pending = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.index is None:
            self.pending = True  # searched as soon as the index is ready
            return
        listing = self.query_one(OptionList)
        listing.clear_options()
        hits = self.index.search(event.value, limit=50) if event.value.strip() else []
        for hit in hits:
            name, who = self.names.get(hit.source_id, ("?", None))
            label = Text()
            label.append(f"{name} #{hit.ordinal}", style="bold")
            if who:
                label.append(f"  {who}", style="dim")
            label.append(f"  {hit.score:.0f}\n", style="dim")
            label.append(hit.snippet)
            listing.add_option(Option(label, id=f"{hit.source_id}:{hit.ordinal}"))
        if hits:
            listing.highlighted = 0
            listing.focus()
        else:
            self.notify("no hits", timeout=2)

    def action_focus_hits(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        source, ordinal = (event.option.id or "0:0").split(":")
        self.dismiss((int(source), int(ordinal)))

    def action_cancel(self) -> None:
        self.dismiss(None)
