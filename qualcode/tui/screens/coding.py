"""The Coding screen: the transcript, the codebook tree with counts, and the code's rules.

Keys: ↑/↓ or k/j previous/next segment, PgUp/PgDn page, Home/End first/last segment,
1-9 (the codebook's shortcut keys) apply or remove that code on the current segment,
Enter applies or removes the code highlighted in the codebook, Tab switches focus between
transcript and codebook, Escape goes back to Sources.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree
from textual.widgets.tree import TreeNode

from qualcode.storage.codings import add_coding, coder_id, remove_coding
from qualcode.storage.models import Code, Coding, Source
from qualcode.storage.views import CodeRow, CodingRef, code_rows, codings_of, segments_of
from qualcode.tui.widgets.transcript import Badge, TranscriptView

DEFAULT_COLOR = "#888888"


class CodingScreen(Screen[None]):
    """Code one source, segment by segment."""

    BINDINGS = [
        Binding("escape", "back", "Sources", id="coding.back"),
        Binding("down,j", "next_segment", "Next", id="coding.next", show=False),
        Binding("up,k", "previous_segment", "Previous", id="coding.previous", show=False),
        Binding("pagedown", "page(1)", "Page down", id="coding.page_down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="coding.page_up", show=False),
        Binding("home", "first", "First", id="coding.first", show=False),
        Binding("end", "last", "Last", id="coding.last", show=False),
    ]

    def __init__(self, source_id: int) -> None:
        super().__init__()
        self.source_id = source_id
        self.codes: list[CodeRow] = []
        self.codings: list[CodingRef] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="coding-body"):
            yield TranscriptView(id="transcript")
            with Vertical(id="codebook-pane"):
                yield Tree("Codebook", id="codebook")
                yield Static(id="rulebook")
        yield Footer()

    # -- loading ---------------------------------------------------------------------------
    def on_mount(self) -> None:
        app = self.app
        with app.project.read() as s:  # type: ignore[attr-defined]
            source = s.get(Source, self.source_id)
            assert source is not None
            self.source_name, self.text = source.name, source.text
            self.segments = segments_of(s, self.source_id)
            self.codes = code_rows(s)
            self.codings = codings_of(s, self.source_id, app.coder)  # type: ignore[attr-defined]
        self.code_by_id = {c.id: c for c in self.codes}
        self.code_by_key = {c.shortcut: c for c in self.codes if c.shortcut}
        self.starts = [g.start for g in self.segments]
        self.sub_title = f"{self.source_name} · coder: {app.coder}"  # type: ignore[attr-defined]
        view = self.query_one(TranscriptView)
        view.load(
            self.text,
            [(g.start, g.end) for g in self.segments],
            [self._header(g) for g in self.segments],
            [self._badges(i) for i in range(len(self.segments))],
            [self._highlights(i) for i in range(len(self.segments))],
        )
        self._build_tree()
        view.focus()
        view.move_cursor(0)

    def _header(self, g: object) -> str:
        parts = [f"{g.ordinal:>4}"]  # type: ignore[attr-defined]
        if g.timestamp:  # type: ignore[attr-defined]
            parts.append(g.timestamp)  # type: ignore[attr-defined]
        if g.speaker:  # type: ignore[attr-defined]
            parts.append(g.speaker)  # type: ignore[attr-defined]
        return "  ".join(parts)

    def _codings_in(self, index: int) -> list[CodingRef]:
        seg = self.segments[index]
        return [c for c in self.codings if c.start < seg.end and seg.start < c.end]

    def _badges(self, index: int) -> list[Badge]:
        seen: dict[int, Badge] = {}
        for c in self._codings_in(index):
            code = self.code_by_id.get(c.code_id)
            if code is not None and code.id not in seen:
                label = code.shortcut or code.name[:1].upper()
                seen[code.id] = Badge(label, code.color or DEFAULT_COLOR)
        return list(seen.values())

    def _highlights(self, index: int) -> list[tuple[int, int]]:
        seg = self.segments[index]
        return [
            (max(c.start, seg.start), min(c.end, seg.end))
            for c in self._codings_in(index)
            if (c.start, c.end) != (seg.start, seg.end)
        ]

    def _build_tree(self) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        counts: dict[int, int] = {}
        for c in self.codings:
            counts[c.code_id] = counts.get(c.code_id, 0) + 1
        nodes: dict[int | None, TreeNode[CodeRow | None]] = {None: tree.root}
        for code in self.codes:
            parent = nodes.get(code.parent_id, tree.root)
            label = Text()
            label.append("■ ", style=code.color or DEFAULT_COLOR)
            if code.shortcut:
                label.append(f"[{code.shortcut}] ", style="bold")
            label.append(code.name)
            if counts.get(code.id):
                label.append(f"  {counts[code.id]}", style="dim")
            nodes[code.id] = parent.add(label, data=code, expand=True)
        tree.root.expand()
        tree.show_root = False

    # -- the rule book -----------------------------------------------------------------------
    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        code = event.node.data
        if isinstance(code, CodeRow):
            self.query_one("#rulebook", Static).update(rulebook_text(code))

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        code = event.node.data
        if isinstance(code, CodeRow):
            self.toggle_code(code)

    # -- moving ----------------------------------------------------------------------------
    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    def action_next_segment(self) -> None:
        self.view.move_cursor(self.view.cursor + 1)

    def action_previous_segment(self) -> None:
        self.view.move_cursor(self.view.cursor - 1)

    def action_page(self, direction: int) -> None:
        height = self.view.scrollable_content_region.height
        line = self.view._tops[self.view.cursor] + direction * height
        self.view.move_cursor(self.view.segment_at_line(max(0, line)))

    def action_first(self) -> None:
        self.view.move_cursor(0)

    def action_last(self) -> None:
        self.view.move_cursor(len(self.segments) - 1)

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_key(self, event: events.Key) -> None:
        code = self.code_by_key.get(event.character or "")
        if code is not None and self.focused is self.view:
            event.stop()
            self.toggle_code(code)

    # -- coding ----------------------------------------------------------------------------
    def toggle_code(self, code: CodeRow) -> None:
        """Apply ``code`` to the current segment, or remove it if this coder applied it there."""
        index = self.view.cursor
        seg = self.segments[index]
        app = self.app
        with app.project.write() as s:  # type: ignore[attr-defined]
            existing = s.exec(
                Coding.__table__.select().where(  # type: ignore[attr-defined]
                    Coding.source_id == self.source_id,
                    Coding.code_id == code.id,
                    Coding.start == seg.start,
                    Coding.end == seg.end,
                    Coding.coder_id == coder_id(s, app.coder),  # type: ignore[attr-defined]
                )
            ).first()
            if existing is not None:
                row = s.get(Coding, existing.id)
                assert row is not None
                remove_coding(s, row, actor=app.coder)  # type: ignore[attr-defined]
                self.notify(f"removed {code.path}", timeout=2)
            else:
                add_coding(
                    s,
                    source=s.get(Source, self.source_id),  # type: ignore[arg-type]
                    code=s.get(Code, code.id),  # type: ignore[arg-type]
                    coder=coder_id(s, app.coder),  # type: ignore[attr-defined]
                    start=seg.start,
                    end=seg.end,
                    actor=app.coder,  # type: ignore[attr-defined]
                )
            self.codings = codings_of(s, self.source_id, app.coder)  # type: ignore[attr-defined]
        self.view.update_segment(index, self._badges(index), self._highlights(index))
        self._build_tree()


def rulebook_text(code: CodeRow) -> Text:
    """The code's definition and when (not) to use it: the coder's rule book, always in sight."""
    text = Text()
    text.append(code.path + "\n", style="bold")
    if code.brief:
        text.append(code.brief + "\n", style="italic")
    for title, body in (
        ("Definition", code.definition),
        ("Use when", code.when_to_use),
        ("Do not use when", code.when_not_to_use),
        ("Example", code.example),
    ):
        if body:
            text.append(f"{title}: ", style="bold")
            text.append(body.strip() + "\n")
    return text
