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


# Batches of 65,536 segments (one batch for this corpus), and of 64: a word changes form part
# way through, bitmaps grow batch by batch. Lists of 16 postings or more as gaps: all three forms.
@pytest.mark.parametrize(("batch", "gaps_from"), [(postings.BATCH, 1_024), (64, 16)])
@pytest.mark.parametrize("sized", [True, False], ids=["rows", "stream"])
def test_hits_are_the_pinned_ones(
    monkeypatch: pytest.MonkeyPatch, batch: int, gaps_from: int, sized: bool
) -> None:
    monkeypatch.setattr("qualcode.analysis.search.BATCH", batch)
    monkeypatch.setattr(postings, "_GAPS_FROM", gaps_from)
    corpus = search_corpus.rows()
    index = SegmentIndex.from_rows(corpus if sized else iter(corpus))
    forms = {getattr(store, "typecode", "bitmap") for store in index._postings._lists}
    assert forms == ({"I", "H", "bitmap"} if gaps_from == 16 else {"I", "bitmap"})
    expected = pinned()
    got = search_corpus.results(index, corpus)
    assert got.keys() == expected.keys()
    for key, hits in expected.items():
        assert got[key] == hits, key


def test_numbers_beyond_four_bytes_are_kept() -> None:
    """Ids and offsets are 4-byte arrays while they fit; a larger one widens them all."""
    big = 2**40
    rows = [
        (1, 10, 1, 0, "Before the big one: training."),
        (big, big + 1, 2**33, big + 5, "After it: Training again."),
        (2, 12, 3, 7, "And training once more."),
    ]
    hits = SegmentIndex.from_rows(rows).search("training")
    found = [(h.source_id, h.segment_id, h.ordinal, h.start, h.end, h.snippet) for h in hits]
    assert found == [
        (1, 10, 1, 20, 28, "Before the big one: training."),
        (big, big + 1, 2**33, big + 15, big + 23, "After it: Training again."),
        (2, 12, 3, 11, 19, "And training once more."),
    ]
