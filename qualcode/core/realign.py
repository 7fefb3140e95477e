"""Moving spans of an old text onto a corrected new text (``qualcode source replace``).

The two texts are aligned by rapidfuzz's Levenshtein opcodes: runs of characters kept as they
were (``equal``) and the edits between them. A span that lies inside one kept run survives
untouched and moves by the run's shift. A span an edit touches is placed on the better of two
candidates -- where the alignment maps its ends, and where ``fuzz.partial_ratio_alignment`` finds
its old text near there -- and is reported as changed, with its old and new text.

A minimal edit script is not unique ("aab" -> "ab" may delete either "a"), so the alignment can
put an edit inside a span whose text in fact survived next to it. Before calling a span changed,
its old text is looked for near where it maps: found there, it moved untouched.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

_SLACK = 100  # characters around a span's mapped place searched for its old text
_BETTER = 5.0  # points of fuzz.ratio by which a fuzzy match must beat the alignment's mapping


@dataclass(frozen=True)
class Placed:
    """Where a span of the old text lands in the new text."""

    start: int
    end: int
    intact: bool  # the new text of the span is exactly the old
    similarity: float  # fuzz.ratio of old and new text, 0..100


class Alignment:
    """The alignment of ``old`` to ``new``; :meth:`place` moves spans of ``old`` onto ``new``."""

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new
        ops = Levenshtein.opcodes(old, new)
        self._ops = [(op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end) for op in ops]
        self._starts = [op[1] for op in self._ops]

    # -- positions

    def position(self, p: int, side: str = "left") -> int:
        """Where offset ``p`` of the old text is in the new. An insertion exactly at ``p`` goes
        after it for ``side="right"`` (``p`` starts a span) and before it for ``"left"`` (``p``
        ends one); inside an edit the offset is interpolated."""
        if not self._ops:
            return min(p, len(self.new))
        # the last op starting at or before p; at an op boundary look at both neighbours
        i = max(0, bisect_right(self._starts, p) - 1)
        if side == "left":
            while i > 0 and self._ops[i][1] == p and self._ops[i - 1][2] == p:
                i -= 1  # p ends the previous op: map to that op's end, before any insertion
        else:
            while i + 1 < len(self._ops) and self._ops[i][2] == p and self._ops[i + 1][1] == p:
                i += 1  # p starts the next op: after an insertion at p
        tag, i1, i2, j1, j2 = self._ops[i]
        if tag == "equal" or i2 == i1:
            return j1 + min(p - i1, j2 - j1)
        if p >= i2:
            return j2
        return j1 + round((p - i1) * (j2 - j1) / (i2 - i1))

    def touched(self, start: int, end: int) -> bool:
        """Does an edit change anything in ``[start, end)`` (an insertion strictly inside it,
        or a deletion or replacement overlapping it)?"""
        i = max(0, bisect_right(self._starts, start) - 1)
        while i < len(self._ops) and self._ops[i][1] <= end:
            tag, i1, i2, _, _ = self._ops[i]
            if tag != "equal":
                if i1 == i2:
                    if start < i1 < end:
                        return True
                elif i1 < end and start < i2:
                    return True
            i += 1
        return False

    # -- spans

    def place(self, start: int, end: int) -> Placed:
        """Where span ``[start, end)`` of the old text lands in the new (never empty unless the
        new text is)."""
        old_text = self.old[start:end]
        a, b = self.position(start, "right"), self.position(end, "left")
        if not self.touched(start, end):
            return Placed(a, b, True, 100.0)
        near = self._find_near(old_text, a, b)
        if near is not None:
            return Placed(near, near + len(old_text), True, 100.0)
        a, b = min(a, b), max(a, b)
        candidates = [(a, b)]
        lo, hi = max(0, a - _SLACK), min(len(self.new), b + _SLACK)
        window = self.new[lo:hi]
        if old_text and window:
            found = fuzz.partial_ratio_alignment(old_text, window)
            if found is not None and len(old_text) <= len(window):
                candidates.append((lo + found.dest_start, lo + found.dest_end))
        # the alignment's own mapping, unless the fuzzy match is clearly better
        scored = [fuzz.ratio(old_text, self.new[x:y]) for x, y in candidates]
        best = (
            candidates[1] if len(scored) > 1 and scored[1] > scored[0] + _BETTER else candidates[0]
        )
        a, b = _not_empty(_trim(best, old_text, self.new), len(self.new))
        return Placed(a, b, False, round(fuzz.ratio(old_text, self.new[a:b]), 1))

    def _find_near(self, old_text: str, a: int, b: int) -> int | None:
        """The start of ``old_text`` in the new text nearest to ``a``, within reach of the
        mapped place; None if it is not there."""
        if not old_text:
            return None
        reach = _SLACK + (b - a if b > a else 0)
        lo, hi = max(0, a - reach), min(len(self.new), max(a, b) + reach)
        best: int | None = None
        at = self.new.find(old_text, lo, hi)
        while at >= 0:
            if best is None or abs(at - a) < abs(best - a):
                best = at
            at = self.new.find(old_text, at + 1, hi)
        return best


def _trim(span: tuple[int, int], old_text: str, new: str) -> tuple[int, int]:
    """Spaces and punctuation at the ends of the new span that the old span did not have at
    its ends are left out (an edit next to a span should not widen it to ": For me")."""
    a, b = span
    if old_text and _word_char(old_text[0]):
        while a < b and not _word_char(new[a]):
            a += 1
    if old_text and _word_char(old_text[-1]):
        while b > a and not _word_char(new[b - 1]):
            b -= 1
    return (a, b) if b > a else span


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _not_empty(span: tuple[int, int], length: int) -> tuple[int, int]:
    """A span of at least one character (its text was deleted: keep the coding where it was)."""
    a, b = span
    if b > a or length == 0:
        return a, b
    if b < length:
        return a, b + 1
    return max(0, a - 1), b
