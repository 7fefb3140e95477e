"""The Coding screen: the transcript, the codebook tree with counts, and the code's rules.

Keys (each can be rebound in the config file by its id, see docs/app.md):

- ``j``/``↓`` ``k``/``↑`` next / previous segment; PgDn/PgUp, Home/End
- ``n`` / ``N`` next / previous segment you have not coded; ``g`` go to segment number
- the codebook's shortcut keys (``1``..``9``) apply or remove that code on the current segment,
  or on the selected words
- ``c`` fuzzy code picker; Enter in the codebook tree applies the highlighted code
- ``v`` select words in the current segment (then ``→``/``←`` grow/shrink the end by a word,
  ``shift+→``/``shift+←`` move the start); the mouse selects by dragging over the text
- ``]`` / ``[`` choose a coding on the current segment; ``+`` / ``-`` its magnitude; ``m`` its memo
- ``M`` memo on the source; ``C`` memo on the highlighted code
- ``u`` / ``ctrl+z`` undo, ``ctrl+r`` / ``ctrl+y`` redo (kept in the project: also after a restart)
- ``/`` search all sources; ``r`` retrieve every excerpt of the highlighted code
- ``tab`` transcript ↔ codebook; ``escape`` clear the selection, or back to Sources

In review mode (``qualcode review``) the screen shows every coder's codings and has no coding
keys at all; ``M`` and ``C`` leave the reviewer's review memo on the source or the code.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from rich.text import Text
from sqlmodel import select
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree
from textual.widgets.tree import TreeNode

from qualcode.core.errors import QualcodeError
from qualcode.storage.actions import ActionResult
from qualcode.storage.memos import memo_for, save_memo
from qualcode.storage.models import Source
from qualcode.storage.views import (
    CodeRow,
    CodingRef,
    SegmentTable,
    code_rows,
    codings_of,
    segments_of,
)
from qualcode.tui.review import ReviewAware, in_review
from qualcode.tui.widgets.status import StatusLine
from qualcode.tui.widgets.transcript import Badge, TranscriptView

DEFAULT_COLOR = "#888888"
WORD = re.compile(r"\S+")


@dataclass
class Selection:
    """Words ``first``..``last`` (inclusive) of the current segment's word list."""

    first: int
    last: int


class CodingScreen(ReviewAware, Screen[None]):
    """Code one source, segment by segment. See the module docstring for every key."""

    # Gone in review mode: they change codings (or only lead to a change, like selecting words).
    WRITE_ACTIONS = frozenset(
        {
            "pick_code",
            "select_words",
            "grow",
            "shift_start",
            "choose_coding",
            "magnitude",
            "coding_memo",
            "undo",
            "redo",
        }
    )

    BINDINGS = [
        Binding("escape", "back", "Back", id="coding.back"),
        Binding("down,j", "move(1)", "Next", id="coding.next", show=False),
        Binding("up,k", "move(-1)", "Previous", id="coding.previous", show=False),
        Binding("pagedown", "page(1)", "Page down", id="coding.page_down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="coding.page_up", show=False),
        Binding("home", "first", "First segment", id="coding.first", show=False),
        Binding("end", "last", "Last segment", id="coding.last", show=False),
        Binding("n", "uncoded(1)", "Next uncoded", id="coding.next_uncoded", show=False),
        Binding("N", "uncoded(-1)", "Previous uncoded", id="coding.previous_uncoded", show=False),
        Binding("g", "goto", "Go to #", id="coding.goto", show=False),
        Binding("c", "pick_code", "Code…", id="coding.pick_code"),
        Binding("v", "select_words", "Select words", id="coding.select", show=False),
        Binding("right,l", "grow(1)", "Grow selection", id="coding.grow", show=False),
        Binding("left,h", "grow(-1)", "Shrink selection", id="coding.shrink", show=False),
        Binding(
            "shift+right",
            "shift_start(1)",
            "Selection start →",
            id="coding.start_right",
            show=False,
        ),
        Binding(
            "shift+left", "shift_start(-1)", "Selection start ←", id="coding.start_left", show=False
        ),
        Binding("]", "choose_coding(1)", "Next coding here", id="coding.next_coding", show=False),
        Binding(
            "[",
            "choose_coding(-1)",
            "Previous coding here",
            id="coding.previous_coding",
            show=False,
        ),
        Binding(
            "plus,equals_sign", "magnitude(1)", "Magnitude +", id="coding.magnitude_up", show=False
        ),
        Binding("minus", "magnitude(-1)", "Magnitude -", id="coding.magnitude_down", show=False),
        Binding("m", "coding_memo", "Memo", id="coding.memo", show=False),
        Binding("M", "source_memo", "Source memo", id="coding.source_memo", show=False),
        Binding("C", "code_memo", "Code memo", id="coding.code_memo", show=False),
        Binding("u,ctrl+z", "undo", "Undo", id="coding.undo"),
        Binding("ctrl+r,ctrl+y", "redo", "Redo", id="coding.redo", show=False),
        Binding("slash", "search", "Search", id="coding.search"),
        Binding("r", "retrieve", "Retrieve", id="coding.retrieve", show=False),
    ]

    def __init__(self, source_id: int, segment: int = 0, offset: int | None = None) -> None:
        """Open ``source_id`` on segment index ``segment``, or on the segment at ``offset``."""
        super().__init__()
        self.source_id = source_id
        self.start_segment = segment
        self.start_offset = offset
        self.selection_segment: int | None = None
        self.resumed_once = False
        self.reopened = False  # the text was replaced elsewhere and this screen gave way
        self.tree_nodes: dict[int, TreeNode[CodeRow | None]] = {}
        self.shown_counts: dict[int, int] = {}
        self.codes: list[CodeRow] = []
        self.codings: list[CodingRef] = []
        self.segments = SegmentTable([])
        self.selection: Selection | None = None
        self.chosen = 0  # which coding of the current segment ]/[ +/- and m act on

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="coding-body"):
            with Vertical(id="transcript-pane"):
                yield TranscriptView(id="transcript")
                yield StatusLine(id="coding-status")
            with Vertical(id="codebook-pane"):
                yield Tree("Codebook", id="codebook")
                yield Static(id="rulebook")
        yield Footer()

    # -- loading ---------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._read_shown_coder()
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            source = s.get(Source, self.source_id)
            if source is None:
                raise QualcodeError(f"no source with id {self.source_id}")
            self.source_name, self.text = source.name, source.text
            self.sha256 = source.sha256  # to notice a replacement made elsewhere (_text_replaced)
            self.segments = segments_of(s, self.source_id)
            self.codes = code_rows(s)
            self.codings = codings_of(s, self.source_id, self.shown_coder)
        self.code_by_id = {c.id: c for c in self.codes}
        # Review mode: shortcut keys apply nothing.
        self.code_by_key = (
            {} if in_review(self) else {c.shortcut: c for c in self.codes if c.shortcut}
        )
        who = f"review, every coder · reviewer: {self.coder}" if in_review(self) else self.coder
        self.sub_title = f"{self.source_name} · coder: {who}"
        self._index_codings()
        view = self.view
        view.load(
            self.text,
            list(zip(self.segments.starts, self.segments.ends, strict=True)),
            self._header,
            {i: self._badges(i) for i in self.by_segment},
            {i: self._highlights(i) for i in self.by_segment},
        )
        self._build_tree()
        view.focus()
        if self.start_offset is not None:
            self.start_segment = self.segments.index_at(self.start_offset) or 0
        view.move_cursor(self.start_segment)
        first = next((c for c in self.codes if c.codable), None)
        if first is not None:  # the rule book is in sight from the start
            self.query_one("#rulebook", Static).update(rulebook_text(first))

    def _read_shown_coder(self) -> None:
        """Whose codings this screen shows, read with them (in review mode it is a read of
        the blind-mode setting, too dear for the status line on every key)."""
        self.shown_coder: str | None = self.app.shown_coder  # type: ignore[attr-defined]

    @property
    def coder(self) -> str:
        return str(self.app.coder)  # type: ignore[attr-defined]

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    def _header(self, index: int) -> str:
        """The segment's header line, built only when it is on screen."""
        table = self.segments
        parts = [f"{table.ordinals[index]:>4}"]
        if table.timestamps[index]:
            parts.append(str(table.timestamps[index]))
        if table.speakers[index]:
            parts.append(str(table.speakers[index]))
        return "  ".join(parts)

    def _index_codings(self) -> None:
        """Codings per segment index, by overlap (codings are few per segment)."""
        self.by_segment: dict[int, list[CodingRef]] = {}
        starts, ends = self.segments.starts, self.segments.ends
        for c in self.codings:
            i = max(bisect_right(starts, c.start) - 1, 0)
            while i < len(starts) and starts[i] < c.end:
                if c.start < ends[i]:
                    self.by_segment.setdefault(i, []).append(c)
                i += 1

    def _badges(self, index: int) -> list[Badge]:
        seen: dict[int, Badge] = {}
        for c in self.by_segment.get(index, []):
            code = self.code_by_id.get(c.code_id)
            if code is not None and code.id not in seen:
                seen[code.id] = Badge(code.shortcut or code.name[:1].upper(), _color(code))
        return list(seen.values())

    def _highlights(self, index: int) -> list[tuple[int, int]]:
        seg = self.segments[index]
        return [
            (max(c.start, seg.start), min(c.end, seg.end))
            for c in self.by_segment.get(index, [])
            if (c.start, c.end) != (seg.start, seg.end)
        ]

    def _code_label(self, code: CodeRow, count: int) -> Text:
        label = Text()
        label.append("■ ", style=_color(code))
        if code.shortcut and not in_review(self):  # review mode: shortcut keys code nothing
            label.append(f"[{code.shortcut}] ", style="bold")
        label.append(code.name, style="" if code.codable else "italic")
        if count:
            label.append(f"  {count}", style="dim")
        return label

    def _counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for c in self.codings:
            counts[c.code_id] = counts.get(c.code_id, 0) + 1
        return counts

    def _update_tree_counts(self) -> None:
        """New counts on the existing tree nodes (rebuilding the tree costs a frame)."""
        counts = self._counts()
        for code_id, node in self.tree_nodes.items():
            count = counts.get(code_id, 0)
            if self.shown_counts.get(code_id, 0) != count:
                node.set_label(self._code_label(self.code_by_id[code_id], count))
        self.shown_counts = counts

    def _build_tree(self) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        counts = self._counts()
        nodes: dict[int | None, TreeNode[CodeRow | None]] = {None: tree.root}
        parents = {c.parent_id for c in self.codes}
        for code in self.codes:
            parent = nodes.get(code.parent_id, tree.root)
            label = self._code_label(code, counts.get(code.id, 0))
            if code.id in parents:
                nodes[code.id] = parent.add(label, data=code, expand=True)
            else:
                nodes[code.id] = parent.add_leaf(label, data=code)
        self.tree_nodes = {k: v for k, v in nodes.items() if k is not None}
        self.shown_counts = counts
        tree.show_root = False
        tree.root.expand()

    # -- status and rule book --------------------------------------------------------------
    def on_transcript_view_cursor_moved(self, event: TranscriptView.CursorMoved) -> None:
        self.chosen = 0
        if self.selection_segment != event.index:  # a click in a new segment selects there
            self.selection = None
            self.view.selection = None
        self._show_status()

    def on_screen_resume(self) -> None:
        """Back from another screen (e.g. Retrieval, which may have coded elsewhere); the first
        resume comes with the first push, just after on_mount read everything."""
        if self.resumed_once and self._text_replaced():
            return
        if self.resumed_once and self.segments:
            self.refresh_codings()
        self.resumed_once = True

    def _text_replaced(self) -> bool:
        """Reopen the source if its text changed since it was read (``qualcode source replace``
        or a restore, run while the app was open): an action on the offsets of the old text
        would land on the wrong words of the new one."""
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            now = s.exec(select(Source.sha256).where(Source.id == self.source_id)).first()
        if now is None or now == self.sha256:
            return False
        self.reopened = True
        self.app.switch_screen(CodingScreen(self.source_id, segment=self.view.cursor))
        self.notify(
            f"the text of '{self.source_name}' was replaced meanwhile: shown again, "
            "nothing was changed; do it again on the new text",
            severity="warning",
            timeout=6,
        )
        return True

    def _here(self) -> list[CodingRef]:
        return self.by_segment.get(self.view.cursor, []) if self.segments else []

    def _show_status(self) -> None:
        if not self.segments:
            self.query_one("#coding-status", StatusLine).show("This source has no segments.")
            return
        index = self.view.cursor
        text = Text()
        text.append(f"segment {self.segments[index].ordinal}/{len(self.segments)}", style="bold")
        here = self._here()
        if here:
            text.append("  ·  ")
            for i, c in enumerate(here):
                code = self.code_by_id[c.code_id]
                style = "reverse" if i == self.chosen % len(here) else ""
                label = code.name + (f" {c.magnitude:+d}" if c.magnitude is not None else "")
                label += " ✎" if c.memo else ""
                label += f" ({c.coder})" if self.shown_coder is None else ""
                text.append(f" {label} ", style=style)
                text.append(" ")
        else:
            text.append("  ·  not coded", style="dim")
        if self.selection is not None:
            start, end = self._selection_span()
            snippet = self.text[start:end]
            snippet = snippet if len(snippet) < 50 else snippet[:47] + "…"
            text.append(f"\nselected: “{snippet}”  (a shortcut key or c codes it; esc clears)")
        self.query_one("#coding-status", StatusLine).show(text)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        code = event.node.data
        if isinstance(code, CodeRow):
            self.query_one("#rulebook", Static).update(rulebook_text(code))

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        code = event.node.data
        if isinstance(code, CodeRow) and not in_review(self):
            self.code(code)

    def _highlighted_code(self) -> CodeRow | None:
        node = self.query_one(Tree).cursor_node
        return node.data if node is not None and isinstance(node.data, CodeRow) else None

    # -- moving ----------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        self.view.move_cursor(self.view.cursor + step)

    def action_page(self, direction: int) -> None:
        height = self.view.scrollable_content_region.height
        line = self.view._tops[self.view.cursor] + direction * height
        self.view.move_cursor(self.view.segment_at_line(max(0, line)))

    def action_first(self) -> None:
        self.view.move_cursor(0)

    def action_last(self) -> None:
        self.view.move_cursor(len(self.segments) - 1)

    def action_uncoded(self, step: int) -> None:
        i = self.view.cursor + step
        while 0 <= i < len(self.segments):
            if not self.by_segment.get(i):
                self.view.move_cursor(i)
                return
            i += step
        self.notify("no uncoded segment " + ("below" if step > 0 else "above"), timeout=2)

    def action_goto(self) -> None:
        from qualcode.tui.screens.prompt import TextPrompt

        def go(answer: str | None) -> None:
            if answer is None:
                return
            try:
                number = int(answer.strip())
            except ValueError:
                self.notify(f"'{answer}' is not a segment number", severity="warning")
                return
            index = self.segments.index_of_ordinal(number)
            if index is None:
                self.notify(f"no segment {number} (1–{len(self.segments)})", severity="warning")
                return
            self.view.move_cursor(index)
            self.view.scroll_to_segment(self.view.cursor, center=True)

        self.app.push_screen(TextPrompt("Go to segment number", ""), go)

    def action_back(self) -> None:
        if self.selection is not None:
            self.selection = None
            self.view.selection = None
            self.view.refresh()
            self._show_status()
            return
        self.app.pop_screen()

    # -- selecting words -------------------------------------------------------------------
    def _words(self) -> list[tuple[int, int]]:
        seg = self.segments[self.view.cursor]
        return [
            (seg.start + m.start(), seg.start + m.end())
            for m in WORD.finditer(self.text[seg.start : seg.end])
        ]

    def _selection_span(self) -> tuple[int, int]:
        assert self.selection is not None
        words = self._words()
        return words[self.selection.first][0], words[self.selection.last][1]

    def _show_selection(self) -> None:
        self.view.selection = self._selection_span() if self.selection else None
        self.view.refresh()
        self._show_status()

    def action_select_words(self) -> None:
        if self.segments and self._words():
            self.selection_segment = self.view.cursor
            self.selection = Selection(0, 0)
            self._show_selection()

    def action_grow(self, step: int) -> None:
        if self.selection is None:
            return
        last = max(self.selection.first, min(self.selection.last + step, len(self._words()) - 1))
        self.selection.last = last
        self._show_selection()

    def action_shift_start(self, step: int) -> None:
        if self.selection is None:
            return
        self.selection.first = max(0, min(self.selection.first + step, self.selection.last))
        self._show_selection()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        hit = self._word_at(event)
        if hit is not None:
            index, word = hit
            self.selection_segment = index
            if index != self.view.cursor:
                self.view.move_cursor(index)
            self.selection = Selection(word, word)
            self._drag_anchor = word
            self._show_selection()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if event.button != 1 or self.selection is None:
            return
        hit = self._word_at(event)
        if hit is not None and hit[0] == self.view.cursor:
            anchor = getattr(self, "_drag_anchor", hit[1])
            self.selection = Selection(min(anchor, hit[1]), max(anchor, hit[1]))
            self._show_selection()

    def _word_at(self, event: events.MouseEvent) -> tuple[int, int] | None:
        offset = event.get_content_offset(self.view)
        if offset is None:
            return None
        found = self.view.offset_at(offset.x, offset.y)
        if found is None:
            return None
        index, position = found
        seg = self.segments[index]
        words = [
            (seg.start + m.start(), seg.start + m.end())
            for m in WORD.finditer(self.text[seg.start : seg.end])
        ]
        for i, (a, b) in enumerate(words):
            if position < b:
                return (index, i) if position >= a or i == 0 else (index, i)
        return (index, len(words) - 1) if words else None

    # -- coding ----------------------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        code = self.code_by_key.get(event.character or "")
        if code is not None and self.focused is self.view:
            event.stop()
            self.code(code)

    def target_span(self) -> tuple[int, int]:
        if self.selection is not None:
            return self._selection_span()
        seg = self.segments[self.view.cursor]
        return seg.start, seg.end

    def code(self, code: CodeRow) -> None:
        """Apply ``code`` to the selection or the current segment; remove it if already there."""
        if not self.segments or in_review(self):
            return
        if not code.codable:
            self.notify(f"{code.path} is a category: choose one of its codes", severity="warning")
            return
        start, end = self.target_span()
        result = self._run(lambda: self.app.actions.toggle(self.source_id, code.id, start, end))  # type: ignore[attr-defined]
        if result is not None and result.kind == "apply":
            here = self._here()
            self.chosen = next((i for i, c in enumerate(here) if c.id == result.coding_id), 0)
            self.selection = None
            self.view.selection = None
            self._show_status()

    def action_pick_code(self) -> None:
        from qualcode.tui.screens.picker import CodePicker

        def chosen(code_id: int | None) -> None:
            if code_id is not None:
                self.code(self.code_by_id[code_id])

        self.app.push_screen(CodePicker(self.codes), chosen)

    def _chosen_coding(self) -> CodingRef | None:
        here = self._here()
        if not here:
            self.notify("no coding on this segment", severity="warning", timeout=2)
            return None
        return here[self.chosen % len(here)]

    def action_choose_coding(self, step: int) -> None:
        if self._here():
            self.chosen = (self.chosen + step) % len(self._here())
            self._show_status()

    def action_magnitude(self, step: int) -> None:
        coding = self._chosen_coding()
        if coding is not None:
            self._run(lambda: self.app.actions.step_magnitude(coding.id, step))  # type: ignore[attr-defined]

    def action_coding_memo(self) -> None:
        coding = self._chosen_coding()
        if coding is None:
            return
        from qualcode.tui.screens.prompt import MemoEditor

        code = self.code_by_id[coding.code_id]

        def save(body: str | None) -> None:
            if body is not None:
                self._run(lambda: self.app.actions.set_memo(coding.id, body))  # type: ignore[attr-defined]

        self.app.push_screen(
            MemoEditor(f"Memo on this coding of {code.path}", coding.memo or ""), save
        )

    def action_source_memo(self) -> None:
        self._analytic_memo("source", self.source_id, f"Memo on source {self.source_name}")

    def action_code_memo(self) -> None:
        code = self._highlighted_code()
        if code is None:
            self.notify("highlight a code in the codebook first", severity="warning")
            return
        self._analytic_memo("code", code.id, f"Memo on code {code.path}")

    def _analytic_memo(self, target: str, target_id: int, title: str) -> None:
        from qualcode.tui.screens.prompt import MemoEditor

        app = self.app
        if in_review(self):
            from qualcode.tui.screens.memos import edit_review_memo

            edit_review_memo(
                self, target, target_id, f"Review memo on {title.removeprefix('Memo on ')}"
            )
            return
        with app.project.read() as s:  # type: ignore[attr-defined]
            row = memo_for(s, target, target_id, app.actions.coder_id)  # type: ignore[attr-defined]
            current = row.text if row else ""

        def save(body: str | None) -> None:
            if body is None:
                return
            with app.project.write() as s:  # type: ignore[attr-defined]
                save_memo(s, target, target_id, app.actions.coder_id, body, actor=self.coder)  # type: ignore[attr-defined]
            self.notify("memo saved" if body.strip() else "memo removed", timeout=2)

        app.push_screen(MemoEditor(title, current), save)

    def action_undo(self) -> None:
        result = self._run(lambda: self.app.actions.undo())  # type: ignore[attr-defined]
        if result is None and not self.reopened:
            self.notify("nothing to undo", timeout=2)

    def action_redo(self) -> None:
        result = self._run(lambda: self.app.actions.redo())  # type: ignore[attr-defined]
        if result is None and not self.reopened:
            self.notify("nothing to redo", timeout=2)

    def _run(self, do: object) -> ActionResult | None:
        """Perform a coding action, then redraw what it touched."""
        if self._text_replaced():
            return None
        try:
            result = do()  # type: ignore[operator]
        except QualcodeError as err:
            self.notify(str(err), severity="error")
            return None
        if result is None:
            return None
        if result.source_id != self.source_id:  # an undo in another source: go there
            self.app.switch_screen(CodingScreen(result.source_id, offset=result.start))
            self.notify(result.describe(), timeout=3)
            return result
        self.refresh_codings(result)
        if result.undo or result.redo:  # a plain apply/remove shows in the gutter already
            code = self.code_by_id.get(result.code_id)
            self.notify(result.describe(code.path if code else ""), timeout=2)
        return result

    def refresh_codings(self, result: ActionResult | None = None) -> None:
        self._read_shown_coder()
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            self.codings = codings_of(s, self.source_id, self.shown_coder)
        old = self.by_segment
        self._index_codings()
        for i in sorted(set(old) | set(self.by_segment)):
            if old.get(i) != self.by_segment.get(i):
                self.view.update_segment(i, self._badges(i), self._highlights(i))
        if result is not None and (result.undo or result.redo):
            touched = self.segments.index_at(result.start)
            if touched is not None and touched != self.view.cursor:
                self.view.move_cursor(touched)
        self._update_tree_counts()
        self._show_status()

    # -- elsewhere -------------------------------------------------------------------------
    def action_search(self) -> None:
        from qualcode.tui.screens.search import SearchScreen

        def jump(hit: tuple[int, int] | None) -> None:
            if hit is None:
                return
            source_id, ordinal = hit
            self.jump_to(source_id, ordinal)

        self.app.push_screen(SearchScreen(), jump)

    def jump_to(self, source_id: int, ordinal: int) -> None:
        if source_id == self.source_id:
            index = self.segments.index_of_ordinal(ordinal) or 0
            self.view.move_cursor(index)
            self.view.scroll_to_segment(index, center=True)
        else:
            self.app.switch_screen(CodingScreen(source_id, segment=ordinal - 1))

    def action_retrieve(self) -> None:
        from qualcode.tui.screens.retrieval import RetrievalScreen

        code = self._highlighted_code()
        self.app.push_screen(RetrievalScreen(code.id if code else None))


def _color(code: CodeRow) -> str:
    return code.color or DEFAULT_COLOR


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
