"""The help screen: every key of every screen, generated from the bindings (with your rebinds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from qualcode.tui.review import in_review, is_write_binding


def _screens() -> list[tuple[str, Any]]:
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.agreement import AgreementScreen
    from qualcode.tui.screens.coding import CodingScreen
    from qualcode.tui.screens.conclusions import ConclusionsScreen
    from qualcode.tui.screens.displays import MatrixScreen, TriangulationScreen
    from qualcode.tui.screens.memos import MemosScreen
    from qualcode.tui.screens.retrieval import RetrievalScreen
    from qualcode.tui.screens.sources import SourcesScreen

    return [
        ("Everywhere", QualcodeApp),
        ("Sources", SourcesScreen),
        ("Coding", CodingScreen),
        ("Retrieval", RetrievalScreen),
        ("Matrix", MatrixScreen),
        ("Triangulation", TriangulationScreen),
        ("Conclusions", ConclusionsScreen),
        ("Memos", MemosScreen),
        ("Agreement", AgreementScreen),
    ]


def key_table(
    keymap: dict[str, str],
    display: Callable[[Binding], str] | None = None,
    review: bool = False,
) -> Table:
    """One row per binding: where, keys (after rebinding), what, and the id to rebind it by;
    ``review``: without the keys that would write."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("where", "keys", "what", "id (for the config file)"):
        table.add_column(column)
    for where, owner in _screens():
        for binding in owner.BINDINGS:
            if not isinstance(binding, Binding):
                continue
            if review and is_write_binding(owner, binding.action):
                continue  # review mode: keys that would write are not there at all
            if not review and binding.action in getattr(owner, "REVIEW_ONLY_ACTIONS", ()):
                continue
            keys = keymap.get(binding.id or "", binding.key)
            if display is not None:
                keys = " ".join(
                    display(Binding(k.strip(), binding.action)) for k in keys.split(",")
                )
            table.add_row(where, Text(keys, style="bold"), binding.description, binding.id or "")
    return table


class HelpScreen(ModalScreen[None]):
    """Every key; Escape or ? closes."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        keymap = getattr(self.app, "keymap", {}) or {}
        with VerticalScroll(classes="dialog help"):
            yield Static(
                Text(
                    "Keys — rebind any of them by id in the config file (docs/app.md)", style="bold"
                )
            )
            yield Static(key_table(keymap, self.app.get_key_display, review=in_review(self)))

    def action_close(self) -> None:
        self.dismiss(None)
