"""The coding app. ``make_app`` is the one factory used by the CLI and by the tests.

Keys everywhere: ``?`` help (every key, generated from the bindings), ``ctrl+p`` command palette
(sources, informants, codes), ``w`` memos, ``ctrl+q`` quit. Each screen lists its own keys in its
docstring.

Review mode (``qualcode review``): the project is open read-only, every key that would write is
gone (see tui/review.py), codings of every coder are shown, and memos left are review memos.
"""

from __future__ import annotations

import gc

from textual.app import App
from textual.binding import Binding

from qualcode.storage.actions import CodingActions
from qualcode.storage.project import Project
from qualcode.tui.commands import CodeCommands, InformantCommands, SourceCommands, ToolCommands
from qualcode.tui.review import ReviewAware
from qualcode.tui.screens.agreement import AgreementCommands


class QualcodeApp(ReviewAware, App[None]):
    """qualcode's terminal app: Sources → Coding → Retrieval."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "qualcode"
    COMMANDS = App.COMMANDS | {
        SourceCommands,
        InformantCommands,
        CodeCommands,
        AgreementCommands,
        ToolCommands,
    }
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("x", "matrix", "Matrix", id="app.matrix", show=False),
        Binding("t", "triangulation", "Triangulate", id="app.triangulation", show=False),
        Binding("V", "conclusions", "Conclusions", id="app.conclusions", show=False),
        Binding("w", "memos", "Memos", id="app.memos", show=False),
        Binding("A", "agreement", "Agreement", id="app.agreement", show=False),
        Binding("S", "suggestions", "Suggestions", id="app.suggestions", show=False),
        Binding("K", "kwic", "Keyword in context", id="app.kwic", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]
    # Absent in review mode (tui/review.py): the Suggestions queue exists to code.
    WRITE_ACTIONS = frozenset({"suggestions"})

    def __init__(
        self,
        project: Project,
        coder: str,
        keys: dict[str, str] | None = None,
        review: bool = False,
    ) -> None:
        super().__init__()
        self.project = project
        self.coder = coder  # in review mode: the reviewer, who writes review memos only
        self.review = review
        self.keymap = dict(keys or {})
        # Coding actions register the coder (a write): a reviewer gets none.
        self.actions = None if review else CodingActions(project, coder)
        self.segment_index = None  # built on the first search, reused after
        self.sub_title = f"review (read-only) · reviewer: {coder}" if review else f"coder: {coder}"

    @property
    def shown_coder(self) -> str | None:
        """Whose codings the screens show: the coder's own (blind coding), or in review mode
        everyone's (None), unless blind mode is on and the reviewer is not a supervisor."""
        if not self.review:
            return self.coder
        from qualcode.tui.blind import visible_coder

        with self.project.read() as s:
            return visible_coder(s, self)

    def on_mount(self) -> None:
        from qualcode.tui.screens.sources import SourcesScreen

        if self.keymap:
            self.set_keymap(self.keymap)
        name = self.project.setting("project_name") or self.project.location
        self.title = f"qualcode review · {name}" if self.review else f"qualcode · {name}"
        self.push_screen(SourcesScreen())
        self._tell_blind_mode()
        self.call_after_refresh(self._freeze_startup_objects)

    def _tell_blind_mode(self) -> None:
        from qualcode.tui.blind import blind_notice

        with self.project.read() as s:
            notice = blind_notice(s, self)
        if notice:
            self.notify(notice, severity="warning", timeout=12)

    def _freeze_startup_objects(self) -> None:
        """Move everything alive after the first paint (Textual, SQLAlchemy, our modules: ~100,000
        objects) out of the garbage collector's sight. Otherwise each full collection walks them
        all, and opening a long transcript, which allocates enough to trigger one, paid 0.15-0.3 s
        for it. Collected first, so that no garbage is pinned; unfrozen when the app ends."""
        gc.collect()
        gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()
        self.project.close()

    def action_matrix(self) -> None:
        from qualcode.tui.screens.displays import MatrixScreen

        if not isinstance(self.screen, MatrixScreen):
            self.push_screen(MatrixScreen())

    def action_triangulation(self) -> None:
        from qualcode.tui.screens.displays import TriangulationScreen

        if not isinstance(self.screen, TriangulationScreen):
            self.push_screen(TriangulationScreen())

    def action_conclusions(self) -> None:
        from qualcode.tui.screens.conclusions import ConclusionsScreen

        if not isinstance(self.screen, ConclusionsScreen):
            self.push_screen(ConclusionsScreen())

    def action_memos(self) -> None:
        from qualcode.tui.screens.memos import MemosScreen

        if not isinstance(self.screen, MemosScreen):
            self.push_screen(MemosScreen())

    def action_agreement(self) -> None:
        from qualcode.tui.screens.agreement import open_agreement

        open_agreement(self)

    def action_suggestions(self) -> None:
        from qualcode.tui.screens.suggestions import SuggestionsScreen

        if not isinstance(self.screen, SuggestionsScreen):
            self.push_screen(SuggestionsScreen())

    def action_kwic(self, term: str = "") -> None:
        from qualcode.tui.screens.kwic import KwicScreen

        if not isinstance(self.screen, KwicScreen):
            self.push_screen(KwicScreen(term))

    def action_help(self) -> None:
        from qualcode.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def make_app(
    location: str, coder: str, keys: dict[str, str] | None = None, review: bool = False
) -> QualcodeApp:
    """The app on the project at ``location``; ``review``: read-only, for a supervisor."""
    project = Project.open(location, read_only=review)
    return QualcodeApp(project, coder=coder, keys=keys, review=review)


def run_app(
    location: str, coder: str, keys: dict[str, str] | None = None, review: bool = False
) -> None:
    make_app(location, coder, keys, review).run()
