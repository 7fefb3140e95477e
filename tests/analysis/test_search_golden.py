"""The compact segment index gives the hits pinned before it was made compact (issue 9).

golden/search/hits.jsonl was written by the index of lists and Python strings it replaced (see
search_corpus.py): same hits, same order, same offsets, scores and snippets.
"""

from __future__ import annotations

import json

import pytest
import search_corpus

from qualcode.analysis import postings
from qualcode.analysis.search import SegmentIndex


def pinned() -> dict[str, list[object]]:
    lines = search_corpus.GOLDEN.read_text(encoding="utf-8").splitlines()
    return dict(json.loads(line) for line in lines)


# Batches of 32,768 segments (one batch for this corpus), and of 64: a word becomes a bitmap
# part way through, bitmaps grow batch by batch.
@pytest.mark.parametrize("batch", [postings.BATCH, 64])
@pytest.mark.parametrize("sized", [True, False], ids=["rows", "stream"])
def test_hits_are_the_pinned_ones(monkeypatch: pytest.MonkeyPatch, batch: int, sized: bool) -> None:
    monkeypatch.setattr("qualcode.analysis.search.BATCH", batch)
    corpus = search_corpus.rows()
    index = SegmentIndex.from_rows(corpus if sized else iter(corpus))
    expected = pinned()
    got = search_corpus.results(index, corpus)
    assert got.keys() == expected.keys()
    for key, hits in expected.items():
        assert got[key] == hits, key


def test_the_common_words_are_bitmaps() -> None:
    corpus = search_corpus.rows()
    index = SegmentIndex.from_rows(corpus)
    kinds = {type(store).__name__ for store in index._postings._lists}
    assert kinds == {"array", "bytearray"}  # both forms are exercised by the pinned hits
