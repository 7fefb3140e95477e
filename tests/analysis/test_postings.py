"""The compact inverted lists (analysis/postings.py) against plain lists of segment numbers."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qualcode.analysis import postings
from qualcode.analysis.postings import Postings

WORDS = ["a", "b", "c", "d", "e"]
Corpus = tuple[int, list[tuple[int, frozenset[str]]]]  # segments; (number, words) of the others


@st.composite
def corpora(draw: st.DrawFn) -> Corpus:
    """Runs of segments holding the same words, every one or every other one, between
    stretches without any word; a stretch of 70,000 makes a gap beyond 16 bits."""
    held: list[tuple[int, frozenset[str]]] = []
    at = 0
    for _ in range(draw(st.integers(1, 8))):
        run, step = draw(st.integers(1, 400)), draw(st.sampled_from([1, 2]))
        words = frozenset(draw(st.sets(st.sampled_from(WORDS), min_size=1)))
        held += [(at + i, words) for i in range(0, run, step)]
        at += run + draw(st.sampled_from([0, 0, 1, 70_000]))
    return at, held


def build(batch: int, corpus: Corpus, sized: bool) -> Postings:
    """As SegmentIndex builds it: a batch's words in lists, handed over at batch ends."""
    segments, held = corpus
    index = Postings(segments if sized else None, gaps_from=4)
    end = 0
    for number, group in itertools.groupby(held, key=lambda h: h[0] // batch):
        pending: dict[str, list[int]] = {}
        for i, words in group:
            for word in sorted(words):
                pending.setdefault(word, []).append(i)
        end = min((number + 1) * batch, segments)
        index.add(pending, end)
    if end < segments:
        index.add({}, segments)
    index.finish(segments)
    return index


@settings(max_examples=80, deadline=None)
@given(corpora(), st.sampled_from([8, 64, 4096]), st.booleans())
@example((1_000, [(i, frozenset("a")) for i in range(1_000)]), 8, True)  # a bitmap early
def test_every_form_reads_as_the_plain_lists(corpus: Corpus, batch: int, sized: bool) -> None:
    segments, held = corpus
    index = build(batch, corpus, sized)
    reference = {w: [i for i, words in held if w in words] for w in WORDS}
    probe = np.array(
        sorted({0, segments - 1, *(i for i, _ in held[::7]), *range(1, segments, 999)})
    )
    for word in [*WORDS, "absent"]:
        expected = reference.get(word, [])
        assert index.df(word) == len(expected)
        assert index.ids(word) == expected
        assert list(index.iter(word)) == expected
        assert index.holds(word, probe).tolist() == [i in set(expected) for i in probe.tolist()]
        mask = np.zeros(segments, dtype=bool)
        index.mark(word, mask)
        assert np.flatnonzero(mask).tolist() == expected
    first_seen = {w: ids[0] for w, ids in reference.items() if ids}
    assert index.vocab == sorted(first_seen, key=lambda w: (first_seen[w], w))


def test_each_word_takes_its_smallest_form() -> None:
    n = 200_000
    held: dict[int, set[str]] = {}
    for i in range(0, n, 2):
        held.setdefault(i, set()).add("every-other")  # a bitmap: 25 kB, as gaps 200 kB
    for i in range(0, n, 1_000):
        held.setdefault(i, set()).add("steady")  # 200 postings a thousand apart: gaps
    for i in (5, 10, 15, 20, 150_000):
        held.setdefault(i, set()).add("far")  # a gap of 149,980 is beyond 16 bits: numbers
    held[7] = {"once"}
    corpus = (n, [(i, frozenset(held[i])) for i in sorted(held)])
    index = build(postings.BATCH, corpus, sized=True)
    forms = {w: getattr(index._lists[index._ids[w]], "typecode", "bitmap") for w in index.vocab}
    assert forms == {"every-other": "bitmap", "steady": "H", "far": "I", "once": "I"}
    assert index.ids("far") == [5, 10, 15, 20, 150_000]
    assert index.ids("steady") == list(range(0, n, 1_000))
