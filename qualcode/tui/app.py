"""The coding app. ``make_app`` is the one factory used by the CLI and by the tests.

Keys everywhere: ``?`` help (every key, generated from the bindings), ``ctrl+p`` command palette
(sources, informants, codes), ``ctrl+q`` quit. Each screen lists its own keys in its docstring.
"""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from qualcode.storage.actions import CodingActions
from qualcode.storage.project import Project
from qualcode.tui.commands import CodeCommands, InformantCommands, SourceCommands, ToolCommands


class QualcodeApp(App[None]):
    """qualcode's terminal app: Sources → Coding → Retrieval."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "qualcode"
    COMMANDS = App.COMMANDS | {SourceCommands, InformantCommands, CodeCommands, ToolCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("x", "matrix", "Matrix", id="app.matrix", show=False),
        Binding("t", "triangulation", "Triangulate", id="app.triangulation", show=False),
        Binding("V", "conclusions", "Conclusions", id="app.conclusions", show=False),
        Binding("S", "suggestions", "Suggestions", id="app.suggestions", show=False),
        Binding("K", "kwic", "Keyword in context", id="app.kwic", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, project: Project, coder: str, keys: dict[str, str] | None = None) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.keymap = dict(keys or {})
        self.actions = CodingActions(project, coder)
        self.segment_index = None  # built on the first search, reused after
        self.sub_title = f"coder: {coder}"

    def on_mount(self) -> None:
        from qualcode.tui.screens.sources import SourcesScreen

        if self.keymap:
            self.set_keymap(self.keymap)
        name = self.project.setting("project_name") or self.project.location
        self.title = f"qualcode · {name}"
        self.push_screen(SourcesScreen())

    def on_unmount(self) -> None:
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


def make_app(location: str, coder: str, keys: dict[str, str] | None = None) -> QualcodeApp:
    return QualcodeApp(Project.open(location), coder=coder, keys=keys)


def run_app(location: str, coder: str, keys: dict[str, str] | None = None) -> None:
    make_app(location, coder, keys).run()
