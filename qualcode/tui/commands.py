"""Command palette (ctrl+p) providers that know the project: codes, sources, informants."""

from __future__ import annotations

from functools import partial

from sqlalchemy import text
from textual.command import DiscoveryHit, Hit, Hits, Provider


def _rows(app: object, sql: str) -> list[tuple]:
    with app.project.read() as s:  # type: ignore[attr-defined]
        return [tuple(r) for r in s.connection().execute(text(sql))]


class SourceCommands(Provider):
    """Open a source for coding."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for sid, name, who in _rows(
            self.app,
            "SELECT s.id, s.name, i.name FROM source s "
            "LEFT JOIN informant i ON i.id = s.informant_id ORDER BY s.name",
        ):
            label = f"Open source: {name}" + (f" ({who})" if who else "")
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(self._open, sid),
                    help="code this source",
                )

    async def discover(self) -> Hits:
        for sid, name in _rows(self.app, "SELECT s.id, s.name FROM source s ORDER BY s.name"):
            yield DiscoveryHit(f"Open source: {name}", partial(self._open, sid))

    def _open(self, source_id: int) -> None:
        from qualcode.tui.screens.coding import CodingScreen

        self.app.push_screen(CodingScreen(source_id))


class InformantCommands(Provider):
    """Open an informant's first source."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for who, role, sid in _rows(
            self.app,
            "SELECT i.name, i.role, MIN(s.id) FROM informant i "
            "JOIN source s ON s.informant_id = i.id GROUP BY i.id ORDER BY i.name",
        ):
            label = f"Informant: {who}" + (f" ({role})" if role else "")
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(self._open, sid),
                    help="open this informant's interview",
                )

    def _open(self, source_id: int) -> None:
        from qualcode.tui.screens.coding import CodingScreen

        self.app.push_screen(CodingScreen(source_id))


class CodeCommands(Provider):
    """Retrieve a code's excerpts, or apply it to the current segment in the Coding screen."""

    async def search(self, query: str) -> Hits:
        from qualcode.tui.screens.coding import CodingScreen

        matcher = self.matcher(query)
        coding = self.screen if isinstance(self.screen, CodingScreen) else None
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
