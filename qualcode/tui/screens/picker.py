"""The fuzzy code picker: type a few letters of a code, a keyword or its definition.

Typo tolerant ("empowr trainng" finds Empowering/Training and coaching). Enter applies the
highlighted code, Escape cancels, ↑/↓ move.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.analysis.search import CodeMatcher
from qualcode.storage.views import CodeRow


class CodePicker(ModalScreen[int | None]):
    """Choose a code by fuzzy search; dismisses with the code's id."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Down", id="picker.down", show=False),
        Binding("up", "move(-1)", "Up", id="picker.up", show=False),
    ]

    def __init__(self, codes: list[CodeRow]) -> None:
        super().__init__()
        self.codes = {c.id: c for c in codes}
        self.matcher = CodeMatcher(codes)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Label(
                "Apply which code? (name, keyword or definition; typos are fine)",
                classes="dialog-title",
            )
            yield Input(placeholder="e.g. training, KUR, licensing", id="query")
            yield OptionList(id="matches")

    def on_mount(self) -> None:
        self._show("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        listing = self.query_one(OptionList)
        listing.clear_options()
        for match in self.matcher.search(query, limit=30):
            code = self.codes[match.code_id]
            label = Text()
            label.append("■ ", style=code.color or "#888888")
            label.append(code.path, style="bold" if code.codable else "italic dim")
            if query.strip() and match.matched:
                label.append(f"   {match.matched}", style="dim")
            listing.add_option(Option(label, id=str(code.id), disabled=not code.codable))
        if listing.option_count:
            listing.highlighted = next(
                (
                    i
                    for i in range(listing.option_count)
                    if not listing.get_option_at_index(i).disabled
                ),
                None,
            )

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        listing = self.query_one(OptionList)
        if listing.highlighted is not None:
            self.dismiss(int(listing.get_option_at_index(listing.highlighted).id or 0))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
