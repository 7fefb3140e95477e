"""The Suggestions queue: passages that look like a code's, for the coder to decide on.

Keys: ↑/↓ choose a suggestion; a accepts it (codes the segment with the code, as you; undo it
in the Coding screen like any coding); r rejects it (never suggested again for that segment and
code); s skips it (it comes back next time); o opens the segment in the Coding screen; Escape
goes back. The panel under the queue shows the segment with the matched phrase highlighted.
"""

from __future__ import annotations

from rich.text import Text
from sqlalchemy import text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.analysis.suggestions import DEFAULT_THRESHOLD, Suggestion, Suggestions, suggest
from qualcode.analysis.suggestions.decisions import StaleSuggestion, accept, reject
from qualcode.core.errors import QualcodeError
from qualcode.tui.review import ReviewAware

QUEUE_SIZE = 1_000  # the best ones; reopen the queue for the next after deciding on these


class SuggestionsScreen(ReviewAware, Screen[None]):
    """The coder's suggestions, best first; each decided with one key."""

    WRITE_ACTIONS = frozenset({"accept", "reject"})

    BINDINGS = [
        Binding("escape", "back", "Back", id="suggestions.back"),
        Binding("a", "accept", "Accept", id="suggestions.accept"),
        Binding("r", "reject", "Reject", id="suggestions.reject"),
        Binding("s", "skip", "Skip", id="suggestions.skip"),
        Binding("o", "open", "Open segment", id="suggestions.open", show=False),
    ]

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        super().__init__()
        self.threshold = threshold
        self.queue: list[Suggestion] = []
        self.total = 0  # suggestions in all; the queue holds the best QUEUE_SIZE
        self.decided = {"accepted": 0, "rejected": 0, "skipped": 0}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Finding suggestions…", id="suggestions-help")
        yield OptionList(id="suggestions")
        yield Static("", id="suggestion-context")
        yield Footer()

    def on_mount(self) -> None:
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            conn = s.connection()
            self.sources = dict(conn.execute(text("SELECT id, name FROM source")).all())
            self.codes = dict(conn.execute(text("SELECT id, path FROM code")).all())
        # the shown suggestion's source text, read when shown: every source's text at once is
        # hundreds of megabytes in a large project
        self.shown_text: tuple[int, str] | None = None
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        """Scoring a large project takes seconds: off the UI thread."""
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            found = suggest(
                s,
                self.app.coder,  # type: ignore[attr-defined]
                threshold=self.threshold,
                limit=QUEUE_SIZE,
            )
        self.app.call_from_thread(self._loaded, found)

    def _loaded(self, found: Suggestions) -> None:
        self.queue = list(found)
        self.total = found.total
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(Option(self._label(g)) for g in found)
        if found:
            listing.highlighted = 0
        listing.focus()
        self._show_status()
        self._show_context()

    # -- what is shown

    def _label(self, g: Suggestion) -> Text:
        label = Text()
        label.append(f"{g.score:5.1f}  ", style="bold yellow")
        label.append(f"{self.sources.get(g.source_id, '?')} #{g.ordinal}  ", style="bold")
        label.append(self.codes.get(g.code_id, "?"), style="cyan")
        label.append(f"\n       {g.cue.label}: ", style="dim")
        label.append(f"“{' '.join(g.matched.split())[:80]}”")
        return label

    def _show_status(self) -> None:
        d = self.decided
        self.query_one("#suggestions-help", Static).update(
            f"{len(self.queue)} suggestions for {self.app.coder} "  # type: ignore[attr-defined]
            + (f"(the best of {self.total}) " if self.total > QUEUE_SIZE else "")
            + f"(score ≥ {self.threshold:g}) · accepted {d['accepted']}, rejected {d['rejected']}, "
            f"skipped {d['skipped']} · a accept  r reject  s skip  o open"
        )

    def _show_context(self) -> None:
        g = self.current()
        panel = self.query_one("#suggestion-context", Static)
        if g is None:
            panel.update("No suggestions left." if not self.queue else "")
            return
        body = self._source_text(g.source_id)
        if body[g.start : g.end] != g.matched:  # read after `qualcode source replace`
            panel.update(
                "The text of this source was replaced after the queue was made: accepting or "
                "rejecting makes the queue again on the new text."
            )
            return
        shown = Text(body[g.segment_start : g.start])
        shown.append(body[g.start : g.end], style="bold reverse")
        shown.append(body[g.end : g.segment_end])
        panel.update(shown)

    def _source_text(self, source_id: int) -> str:
        if self.shown_text is None or self.shown_text[0] != source_id:
            with self.app.project.read() as s:  # type: ignore[attr-defined]
                body = s.connection().execute(
                    text("SELECT text FROM source WHERE id = :i"), {"i": source_id}
                )
                self.shown_text = (source_id, body.scalar() or "")
        return self.shown_text[1]

    def current(self) -> Suggestion | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.queue):
            return None
        return self.queue[index]

    def on_option_list_option_highlighted(self, _: OptionList.OptionHighlighted) -> None:
        self._show_context()

    # -- decisions

    def action_accept(self) -> None:
        g = self.current()
        if g is None:
            return
        try:
            accept(self.app.actions, g)  # type: ignore[attr-defined]
        except QualcodeError as err:
            self._refused(err)
            return
        self._decided(g, "accepted")

    def action_reject(self) -> None:
        g = self.current()
        if g is None:
            return
        app = self.app
        try:
            reject(app.project, app.actions.coder_id, app.coder, g)  # type: ignore[attr-defined]
        except QualcodeError as err:
            self._refused(err)
            return
        self._decided(g, "rejected")

    def _refused(self, err: QualcodeError) -> None:
        """Say why; a queue made before its source's text was replaced is made again."""
        if isinstance(err, StaleSuggestion):
            self.notify(f"{err}; the queue is made again on the new text", severity="warning")
            self.on_mount()
        else:
            self.notify(str(err), severity="error")

    def action_skip(self) -> None:
        g = self.current()
        if g is not None:
            self._decided(g, "skipped")

    def _decided(self, g: Suggestion, how: str) -> None:
        """Take the suggestion out of the queue; the next one is highlighted."""
        listing = self.query_one(OptionList)
        index = self.queue.index(g)
        del self.queue[index]
        listing.remove_option_at_index(index)
        if self.queue:
            listing.highlighted = min(index, len(self.queue) - 1)
        self.decided[how] += 1
        self._show_status()
        self._show_context()

    def action_open(self) -> None:
        g = self.current()
        if g is None:
            return
        from qualcode.tui.screens.coding import CodingScreen

        self.app.push_screen(CodingScreen(g.source_id, segment=g.ordinal - 1))

    def action_back(self) -> None:
        self.app.pop_screen()
