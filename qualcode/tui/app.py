"""The coding app. ``make_app`` is the one factory used by the CLI and by the tests.

Key bindings of each screen are listed in its class docstring and in the help screen (``?``).
"""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from qualcode.storage.project import Project


class QualcodeApp(App[None]):
    """qualcode's terminal app: Sources → Coding."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "qualcode"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, project: Project, coder: str) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.sub_title = f"coder: {coder}"

    def on_mount(self) -> None:
        from qualcode.tui.screens.sources import SourcesScreen

        name = self.project.setting("project_name") or self.project.location
        self.title = f"qualcode · {name}"
        self.push_screen(SourcesScreen())

    def on_unmount(self) -> None:
        self.project.close()


def make_app(location: str, coder: str) -> QualcodeApp:
    return QualcodeApp(Project.open(location), coder=coder)


def run_app(location: str, coder: str) -> None:
    make_app(location, coder).run()
