"""Search every source: ranked, typo-tolerant hits; Enter jumps to the segment.

Keys: type the query and Enter to search, ↓/↑ choose a hit, Enter on a hit jumps, Escape closes.
"""

from __future__ import annotations

from rich.text import Text
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

    def on_mount(self) -> None:
        app = self.app
        index = getattr(app, "segment_index", None)
        if index is None:
            with app.project.read() as s:  # type: ignore[attr-defined]
                index = SegmentIndex.from_session(s)
            app.segment_index = index  # type: ignore[attr-defined]
        self.index = index
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

    def on_input_submitted(self, event: Input.Submitted) -> None:
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
