"""The transcript: every segment of a source, rendered with Textual's line API.

Only the lines on screen are rendered (a widget per segment takes seconds to mount for a 20,000
segment transcript). Heights come from a regex word-wrap over all segments, which is exact, so
scrolling never jumps. For a long transcript (over ``EXACT_AT_ONCE`` segments) that wrap costs
~0.1 s or more, so the first paint uses exact heights near the cursor and an estimate elsewhere,
and a thread computes the exact heights and swaps them in with the cursor kept in place.

Layout of one segment::

    ▌ 12  00:03:10  Kurnia Supartina                 <- header (ordinal, timestamp, speaker)
    [1][2]  text of the turn, word-wrapped ...        <- gutter of code badges, then the text
            ... continued
                                                      <- blank line between segments
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from rich.cells import cell_len
from rich.segment import Segment as RichSegment
from rich.style import Style
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

GUTTER = 10
BADGE = 3
EXACT_AT_ONCE = 2_000  # segments whose heights are computed before the first paint
NEAR_CURSOR = 300  # segments either side of the cursor that get exact heights at once


@dataclass(frozen=True)
class Badge:
    label: str  # one character, the code's shortcut or initial
    color: str  # "#RRGGBB"


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """Word-wrap ``text`` to ``width`` cells; return (start, end) offsets of each line."""
    width = max(width, 8)
    pattern = _wrap_pattern(width)
    lines: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n"):
        if not para:
            lines.append((pos, pos))
        else:
            for m in pattern.finditer(para):
                if m.end() > m.start():
                    lines.append((pos + m.start(), pos + m.start() + len(m.group(0).rstrip())))
        pos += len(para) + 1
    return lines or [(0, 0)]


def line_count(text: str, width: int) -> int:
    """How many lines ``wrap`` gives, without building them (findall runs in C: ~50 ms for
    20,000 segments, where building the lines takes seconds)."""
    findall = _wrap_pattern(max(width, 8)).findall
    if "\n" not in text:
        return len(findall(text)) or 1
    return sum(len(findall(para)) or 1 for para in text.split("\n"))


_PATTERNS: dict[int, re.Pattern[str]] = {}


def _wrap_pattern(width: int) -> re.Pattern[str]:
    if width not in _PATTERNS:
        # A line is up to `width` characters ending at whitespace or the end; a word longer than
        # the width is broken hard rather than lost.
        _PATTERNS[width] = re.compile(rf"[^\n]{{1,{width}}}(?:[ \t]+|$)|[^\n]{{{width}}}")
    return _PATTERNS[width]


class TranscriptView(ScrollView, can_focus=True):
    """Segments of one source with a cursor on the current segment."""

    COMPONENT_CLASSES = {"transcript--cursor", "transcript--header"}
    DEFAULT_CSS = """
    TranscriptView { background: $surface; scrollbar-gutter: stable; }
    TranscriptView > .transcript--cursor { background: $primary 25%; }
    TranscriptView > .transcript--header { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class CursorMoved(Message):
        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self.spans: list[tuple[int, int]] = []  # (start, end) per segment
        self.header_of: Callable[[int], str] = str
        self.badges: dict[int, list[Badge]] = {}  # only segments that have codes
        self.highlights: dict[int, list[tuple[int, int]]] = {}  # coded sub-spans
        self.selection: tuple[int, int] | None = None  # a sub-span being selected in the cursor
        self._wrapped: dict[int, list[tuple[int, int]]] = {}
        self._heights: list[int] = []
        self._tops: list[int] = [0]
        self._text_width = 0
        self._layout_generation = 0  # bumped whenever text or width change: stale results ignored
        self.heights_exact = True  # False while the background wrap of a long transcript runs

    # -- content ---------------------------------------------------------------------------
    def load(
        self,
        text: str,
        spans: list[tuple[int, int]],
        header_of: Callable[[int], str],
        badges: dict[int, list[Badge]],
        highlights: dict[int, list[tuple[int, int]]],
    ) -> None:
        self.text, self.spans, self.header_of = text, spans, header_of
        self.badges, self.highlights = badges, highlights
        self._relayout()

    def update_segment(
        self, index: int, badges: list[Badge], highlights: list[tuple[int, int]]
    ) -> None:
        """New badges for one segment: only its lines are redrawn (unless its height changes)."""
        self.badges[index] = badges
        self.highlights[index] = highlights
        if not self._heights:
            return
        old = self._heights[index]
        new = self._height(index)
        if new != old:
            self._heights[index] = new
            self._tops = [0, *accumulate(self._heights)]
            self.virtual_size = Size(self.size.width, self._tops[-1])
            self.refresh()
        else:
            self._refresh_segment(index)

    def on_resize(self) -> None:
        self._relayout()

    def _relayout(self) -> None:
        if self.size.width == 0:  # not laid out yet: on_resize will come with the real width
            return
        width = max(self.scrollable_content_region.width - GUTTER - 1, 8)
        if width != self._text_width:
            self._text_width = width
            self._wrapped.clear()
        self._layout_generation += 1
        text, width, spans = self.text, self._text_width, self.spans
        if len(spans) <= EXACT_AT_ONCE:
            self._set_heights([line_count(text[a:b], width) for a, b in spans])
            self._cursor_into_view()
            return
        # Long transcript: exact near the cursor (what the first paint shows), an estimate of
        # the rest, the exact wrap in a thread.
        rows = [(b - a) // width + 1 for a, b in spans]
        for i in range(
            max(0, self.cursor - NEAR_CURSOR), min(len(spans), self.cursor + NEAR_CURSOR)
        ):
            a, b = spans[i]
            rows[i] = line_count(text[a:b], width)
        self._set_heights(rows)
        self._cursor_into_view()
        self.heights_exact = False
        generation = self._layout_generation

        def wrap_all() -> None:  # a closure: Textual names a worker by repr(), of a partial too
            self._wrap_all(generation, text, spans, width)

        self.run_worker(wrap_all, thread=True, exclusive=True, group="transcript-heights")

    def _wrap_all(
        self, generation: int, text: str, spans: list[tuple[int, int]], width: int
    ) -> None:
        worker = get_current_worker()
        rows = []
        for a, b in spans:
            if worker.is_cancelled:
                return
            rows.append(line_count(text[a:b], width))
        self.app.call_from_thread(self._exact_heights_ready, generation, rows)

    def _exact_heights_ready(self, generation: int, rows: list[int]) -> None:
        if generation != self._layout_generation:  # the text or the width changed meanwhile
            return
        # Keep the cursor's segment on the same screen row as the heights change around it.
        screen_row = self._tops[self.cursor] - self.scroll_offset.y if self.spans else 0
        self._set_heights(rows)
        self.heights_exact = True
        if self.spans:
            self.scroll_to(
                y=max(0, self._tops[self.cursor] - screen_row), animate=False, force=True
            )

    def _cursor_into_view(self) -> None:
        """After a (re)layout: a cursor set before the first layout (a source opened at a search
        hit or an excerpt) or pushed off screen by a resize is brought back, centred."""
        if not self.spans:
            return
        top, bottom = self._tops[self.cursor], self._tops[self.cursor + 1]
        view_top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if top < view_top or bottom > view_top + height:
            self.scroll_to_segment(self.cursor, center=True)

    def _set_heights(self, text_rows: list[int]) -> None:
        self._heights = [rows + 2 for rows in text_rows]  # + the header and the blank line
        for i in self.badges:  # a long list of badges can make a segment taller than its text
            self._heights[i] = self._height(i)
        self._tops = [0, *accumulate(self._heights)]
        self.virtual_size = Size(self.size.width, self._tops[-1])
        self.refresh()

    def _lines_of(self, index: int) -> list[tuple[int, int]]:
        lines = self._wrapped.get(index)
        if lines is None:
            start, end = self.spans[index]
            lines = [
                (start + a, start + b) for a, b in wrap(self.text[start:end], self._text_width)
            ]
            if len(self._wrapped) > 4096:
                self._wrapped.clear()
            self._wrapped[index] = lines
        return lines

    def _height(self, index: int) -> int:
        badge_rows = -(-len(self.badges.get(index, [])) // (GUTTER // BADGE))
        start, end = self.spans[index]
        text_rows = line_count(self.text[start:end], self._text_width)
        return 1 + max(text_rows, badge_rows) + 1

    # -- cursor ----------------------------------------------------------------------------
    def watch_cursor(self, old: int, index: int) -> None:
        if not self.spans:
            return
        before = self.scroll_offset.y
        self.scroll_to_segment(index)
        if self.scroll_offset.y == before:  # no scroll: redraw just the two segments
            self._refresh_segment(old)
            self._refresh_segment(index)
        else:
            self.refresh()
        self.post_message(self.CursorMoved(index))

    def _refresh_segment(self, index: int) -> None:
        if 0 <= index < len(self._heights) and index + 1 < len(self._tops):
            self.refresh_lines(self._tops[index] - self.scroll_offset.y, self._heights[index])

    def move_cursor(self, index: int) -> None:
        if self.spans:
            self.selection = None
            self.cursor = max(0, min(index, len(self.spans) - 1))

    def scroll_to_segment(self, index: int, center: bool = False) -> None:
        if index + 1 >= len(self._tops):  # not laid out yet
            return
        top, bottom = self._tops[index], self._tops[index + 1]
        view_top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if center:
            self.scroll_to(y=max(0, top - height // 3), animate=False, force=True)
        elif top < view_top:
            self.scroll_to(y=top, animate=False, force=True)
        elif bottom > view_top + height:
            self.scroll_to(y=min(top, bottom - height), animate=False, force=True)

    def segment_at_line(self, y: int) -> int:
        return max(0, min(bisect_right(self._tops, y) - 1, len(self.spans) - 1))

    def offset_at(self, x: int, y: int) -> tuple[int, int] | None:
        """(segment index, text offset) under screen cell (x, y) of the widget, if on text."""
        line = y + self.scroll_offset.y
        index = self.segment_at_line(line)
        row = line - self._tops[index] - 1
        lines = self._lines_of(index)
        if not 0 <= row < len(lines):
            return None
        start, end = lines[row]
        column = x + self.scroll_offset.x - GUTTER - 1
        # Screen cells are not characters: an emoji or a CJK character takes two cells.
        offset, cells = start, 0
        while offset < end and cells + cell_len(self.text[offset]) <= max(column, 0):
            cells += cell_len(self.text[offset])
            offset += 1
        return index, offset

    # -- rendering -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        line = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if not self.spans or line >= self._tops[-1]:
            return Strip.blank(width, self.rich_style)
        index = self.segment_at_line(line)
        row = line - self._tops[index]
        if row == self._heights[index] - 1:  # the blank line between segments
            return Strip.blank(width, self.rich_style)
        current = index == self.cursor
        base = self.rich_style
        if current:
            base = base + self.get_component_rich_style("transcript--cursor")
        if row == 0:
            marker = "▌" if current else " "
            style = base + self.get_component_rich_style("transcript--header", partial=True)
            if current:
                style += Style(bold=True)
            strip = Strip([RichSegment(f"{marker}{self.header_of(index)}", style)])
            return strip.extend_cell_length(width, base).crop(0, width)
        lines = self._lines_of(index)
        text_row = row - 1
        segments = self._gutter(index, text_row, base)
        if text_row < len(lines):
            segments.extend(self._text(index, lines[text_row], base))
        return Strip(segments).extend_cell_length(width, base).crop(0, width)

    def _gutter(self, index: int, text_row: int, base: Style) -> list[RichSegment]:
        per_row = GUTTER // BADGE
        badges = self.badges.get(index, [])[text_row * per_row : (text_row + 1) * per_row]
        out = [
            RichSegment(f" {b.label} ", Style(bgcolor=b.color, color=_contrast(b.color), bold=True))
            for b in badges
        ]
        used = len(badges) * BADGE
        out.append(RichSegment(" " * (GUTTER - used + 1), base))
        return out

    def _text(self, index: int, line: tuple[int, int], base: Style) -> list[RichSegment]:
        start, end = line
        marks = [(a, b, Style(underline=True)) for a, b in self.highlights.get(index, [])]
        if index == self.cursor and self.selection:
            marks.append((*self.selection, Style(reverse=True)))
        if not marks:
            return [RichSegment(self.text[start:end], base)]
        # Split the line at every mark boundary and combine the styles that cover each piece.
        cuts = sorted({start, end, *(max(start, min(p, end)) for a, b, _ in marks for p in (a, b))})
        out = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            style = base
            for ma, mb, ms in marks:
                if ma < b and a < mb:
                    style = style + ms
            out.append(RichSegment(self.text[a:b], style))
        return out


def _contrast(hex_color: str) -> str:
    try:
        r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#000000"
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#ffffff"
