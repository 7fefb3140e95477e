"""The Sources screen: informants grouped by role, their sources, and coding progress.

Keys: ↑/↓ move, Enter opens the highlighted source in the Coding screen, r reloads.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.storage.views import SourceRow, source_overview
from qualcode.tui.review import in_review

BAR = 12


def progress_bar(fraction: float, width: int = BAR) -> str:
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


class SourcesScreen(Screen[None]):
    """Where the app opens: every source, by informant role, with the coder's progress."""

    BINDINGS = [
        Binding("enter", "open_source", "Open", id="sources.open", show=True),
        Binding("r", "reload", "Reload", id="sources.reload"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        what = "reading (read-only review)" if in_review(self) else "coding"
        yield Static(
            f"Sources by informant role — Enter opens a source for {what}", id="sources-help"
        )
        yield OptionList(id="sources")
        yield Footer()

    def on_screen_resume(self) -> None:
        # sent when the screen is first shown too: loading on mount as well read every
        # source's figures twice before the first frame
        self.action_reload()

    def action_reload(self) -> None:
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            rows = source_overview(s, self.app.shown_coder)  # type: ignore[attr-defined]
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted
        options = []
        role = object()
        for row in rows:
            group = row.role or ("documents" if row.kind != "interview" else "no role")
            if group != role:
                role = group
                options.append(Option(Content.styled(str(group).upper(), "bold"), disabled=True))
            options.append(Option(self._label(row), id=f"source-{row.id}"))
        # In one call: an option added at a time is measured and refreshed at a time (9,031
        # sources at scale L).
        listing.set_options(options)
        if highlighted is not None and highlighted < listing.option_count:
            listing.highlighted = highlighted
        elif rows:
            listing.highlighted = 1

    def _label(self, row: SourceRow) -> Content:
        # Content, not a Rich Text: the option list would convert each of thousands of them.
        who = row.informant or "—"
        return Content.assemble(
            "  ",
            (f"{who:<20.20} ", "bold"),
            f"{row.name:<28.28} ",
            (progress_bar(row.progress), "ansi_green"),
            (
                f" {row.progress:>4.0%}  {row.coded_segments}/{row.segments} segments, "
                f"{row.codings} codings",
                "dim",
            ),
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option.id)

    def action_open_source(self) -> None:
        listing = self.query_one(OptionList)
        if listing.highlighted is not None:
            self._open(listing.get_option_at_index(listing.highlighted).id)

    def _open(self, option_id: str | None) -> None:
        if not option_id:
            return
        from qualcode.tui.screens.coding import CodingScreen

        self.app.push_screen(CodingScreen(int(option_id.removeprefix("source-"))))
