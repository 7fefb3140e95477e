"""Re-anchoring spans on a corrected text: untouched spans land on identical text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.core.realign import Alignment

WORDS = ["the", "a", "training", "licence", "village", "Pak", "Hadi", "said", ".", "\n", "yes"]


@st.composite
def corrected(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]], list[tuple[int, int, str]]]:
    """An old text, coded spans on it, and disjoint edits ``(start, end, replacement)``."""
    old = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=60)))
    n = len(old)
    spans = []
    for _ in range(draw(st.integers(1, 8))):
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a + 1, min(n, a + 40)))
        spans.append((a, b))
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=12)))
    edits = []
    for i in range(0, len(cuts) - 1, 2):
        a, b = cuts[i], cuts[i + 1]
        new = draw(st.text(alphabet="abcdeHPk .\n", max_size=12))
        if a == b and not new:
            continue
        edits.append((a, b, new))
    return old, spans, edits


def apply(old: str, edits: list[tuple[int, int, str]]) -> tuple[str, list[int]]:
    """The new text and, for each old offset 0..len(old), its new offset (kept text only)."""
    out, where, at = [], [0] * (len(old) + 1), 0
    pos = 0
    for a, b, rep in edits:
        for p in range(pos, a + 1):
            where[p] = at + (p - pos)
        out.append(old[pos:a])
        at += a - pos
        out.append(rep)
        at += len(rep)
        pos = b
    for p in range(pos, len(old) + 1):
        where[p] = at + (p - pos)
    out.append(old[pos:])
    return "".join(out), where


def untouched(span: tuple[int, int], edits: list[tuple[int, int, str]]) -> bool:
    s, e = span
    for a, b, _ in edits:
        if a == b:
            if s < a < e:
                return False
        elif a < e and s < b:
            return False
    return True


@settings(max_examples=400, deadline=None)
@given(corrected())
def test_untouched_spans_land_on_identical_text(case) -> None:
    old, spans, edits = case
    new, where = apply(old, edits)
    alignment = Alignment(old, new)
    for s, e in spans:
        placed = alignment.place(s, e)
        assert 0 <= placed.start <= placed.end <= len(new)
        if new:
            assert placed.start < placed.end  # never dropped: a coding keeps a span
        if untouched((s, e), edits):
            assert placed.intact and placed.similarity == 100.0
            assert new[placed.start : placed.end] == old[s:e]
            if new.count(old[s:e]) == 1:
                assert placed.start == where[s]
        if not placed.intact:
            assert new[placed.start : placed.end] != old[s:e]


def test_a_corrected_name_is_flagged_with_old_and_new_text() -> None:
    old = "Pak Hadi said the licence costs a lot. Then we left."
    new = "Pak Hadhi said the licence costs a lot. Then we left."
    alignment = Alignment(old, new)
    name = alignment.place(0, 8)
    assert (new[name.start : name.end], name.intact) == ("Pak Hadhi", False)
    assert 80 < name.similarity < 100
    after = alignment.place(old.index("Then"), len(old))
    assert new[after.start : after.end] == "Then we left." and after.intact


def test_text_deleted_under_a_span_keeps_the_span_and_flags_it() -> None:
    old = "one two three four"
    new = "one four"
    placed = Alignment(old, new).place(4, 13)  # "two three", deleted
    assert not placed.intact and placed.end > placed.start


def test_insertion_at_a_span_boundary_stays_outside_it() -> None:
    old = "abc def ghi"
    new = "abc XX def YY ghi"
    placed = Alignment(old, new).place(4, 7)
    assert new[placed.start : placed.end] == "def" and placed.intact
