"""Command palette (ctrl+p) providers that know the project: codes, sources, informants."""

from __future__ import annotations

from functools import partial

from sqlalchemy import text
from textual.command import DiscoveryHit, Hit, Hits, Provider


def _rows(app: object, sql: str) -> list[tuple]:
    with app.project.read() as s:  # type: ignore[attr-defined]
        return [tuple(r) for r in s.connection().execute(text(sql))]


def _open_source(app: object, source_id: int) -> None:
    from qualcode.tui.screens.coding import CodingScreen

    app.push_screen(CodingScreen(source_id))  # type: ignore[attr-defined]


class _OpenSourceCommands(Provider):
    """Hits that open a source: ``SQL`` gives (source id, label, detail) rows."""

    SQL = ""
    PREFIX = ""
    HELP = ""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for sid, name, detail in _rows(self.app, self.SQL):
            label = f"{self.PREFIX}{name}" + (f" ({detail})" if detail else "")
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(_open_source, self.app, sid),
                    help=self.HELP,
                )


class SourceCommands(_OpenSourceCommands):
    """Open a source for coding."""

    SQL = (
        "SELECT s.id, s.name, i.name FROM source s "
        "LEFT JOIN informant i ON i.id = s.informant_id ORDER BY s.name"
    )
    PREFIX = "Open source: "
    HELP = "open this source"

    async def discover(self) -> Hits:
        for sid, name, _ in _rows(self.app, self.SQL):
            yield DiscoveryHit(f"{self.PREFIX}{name}", partial(_open_source, self.app, sid))


class InformantCommands(_OpenSourceCommands):
    """Open an informant's first source."""

    SQL = (
        "SELECT MIN(s.id), i.name, i.role FROM informant i "
        "JOIN source s ON s.informant_id = i.id GROUP BY i.id ORDER BY i.name"
    )
    PREFIX = "Informant: "
    HELP = "open this informant's interview"


class CodeCommands(Provider):
    """Retrieve a code's excerpts, or apply it to the current segment in the Coding screen."""

    async def search(self, query: str) -> Hits:
        from qualcode.tui.screens.coding import CodingScreen

        matcher = self.matcher(query)
        coding = self.screen if isinstance(self.screen, CodingScreen) else None
        if getattr(self.app, "review", False):
            coding = None  # review mode: nothing is applied, the palette only retrieves
        for cid, path, codable in _rows(
            self.app, "SELECT id, path, codable FROM code ORDER BY position"
        ):
            label = f"Retrieve code: {path}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(self._retrieve, cid),
                    help="every excerpt coded with it",
                )
            if coding is not None and codable:
                label = f"Apply code: {path}"
                score = matcher.match(label)
                if score > 0:
                    yield Hit(
                        score,
                        matcher.highlight(label),
                        partial(self._apply, coding, cid),
                        help="on the current segment or selection",
                    )

    def _retrieve(self, code_id: int) -> None:
        from qualcode.tui.screens.retrieval import RetrievalScreen

        self.app.push_screen(RetrievalScreen(code_id))

    def _apply(self, screen: object, code_id: int) -> None:
        screen.code(screen.code_by_id[code_id])  # type: ignore[attr-defined]


class ToolCommands(Provider):
    """The screens that work across sources: the Suggestions queue, keyword in context."""

    TOOLS = (
        ("Suggestions queue", "suggestions", "accept, reject or skip suggested codings (S)"),
        ("Keyword in context", "kwic", "every occurrence of a word, with its context (K)"),
    )

    @property
    def tools(self) -> tuple[tuple[str, str, str], ...]:
        """The tools whose action the app allows now (review mode takes the Suggestions queue,
        which codes, away: QualcodeApp.WRITE_ACTIONS)."""
        return tuple(t for t in self.TOOLS if self.app.check_action(t[1], ()) is not False)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, action, help_text in self.tools:
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(label), partial(self._run, action), help=help_text
                )
        if query.strip():
            label = f"Keyword in context: {query.strip()}"
            yield Hit(
                0.01,  # the fallback: after every hit that names a source, code or screen
                label,
                partial(self._run, "kwic", query.strip()),
                help="every occurrence of this term",
            )

    async def discover(self) -> Hits:
        for label, action, help_text in self.tools:
            yield DiscoveryHit(label, partial(self._run, action), help=help_text)

    def _run(self, action: str, *args: str) -> None:
        getattr(self.app, f"action_{action}")(*args)
