"""A status line that redraws without re-laying-out the screen.

``Static.update`` asks for a new layout, which costs a frame of work on every key in the Coding
screen; the status line's size never depends on its text, so a plain refresh is enough.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 2; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()

    def show(self, text: Text | str) -> None:
        self.text = Text(text) if isinstance(text, str) else text
        self.refresh()

    def render(self) -> Text:
        return self.text
