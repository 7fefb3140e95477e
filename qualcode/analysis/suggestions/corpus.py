"""The segments of a project as words: a vocabulary and, per word, the segments holding it.

Suggestions compare the words of a code's cues with the corpus's distinct words (tens of
thousands), not with every segment (hundreds of thousands), then follow the postings. The index
is built with numpy in bulk: one dictionary lookup per word in Python, the sorting and grouping
in numpy.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlmodel import Session

# The search's tokenizer and offset-keeping lower case: suggestions and search see the same words.
from qualcode.analysis.search import _lower as lower
from qualcode.analysis.search import _words as words

__all__ = ["SegmentCorpus", "SegmentRow", "lower", "words"]


@dataclass(frozen=True)
class SegmentRow:
    segment_id: int
    source_id: int
    ordinal: int
    start: int
    end: int
    text: str


class SegmentCorpus:
    """Segments, their lower-cased text, the vocabulary and the postings of each word."""

    def __init__(self, rows: Iterable[SegmentRow]) -> None:
        self.rows = list(rows)
        self.lows = [lower(r.text) for r in self.rows]
        self.index_of = {r.segment_id: i for i, r in enumerate(self.rows)}
        tokens = [words(low) for low in self.lows]
        vocab: dict[str, int] = {}
        lookup = vocab.setdefault
        word_ids = np.fromiter(
            (lookup(w, len(vocab)) for w in itertools.chain.from_iterable(tokens)),
            dtype=np.int64,
        )
        counts = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        segs = np.repeat(np.arange(len(tokens), dtype=np.int64), counts)
        n = max(1, len(tokens))
        keys = np.unique(word_ids * n + segs)  # one posting per (word, segment), sorted
        self.vocab = list(vocab)
        self.vocab_id = vocab
        self._posting_segments = (keys % n).astype(np.int32)
        self._bounds = np.searchsorted(keys // n, np.arange(len(vocab) + 1))
        self.df = np.diff(self._bounds)  # segments holding each word

    @classmethod
    def from_session(cls, session: Session, source_ids: list[int] | None = None) -> SegmentCorpus:
        """Every segment (of ``source_ids``, if given), by source and ordinal; each source's text
        is read once and sliced here (cheaper than ``substr`` per segment in SQLite)."""
        conn = session.connection()
        texts = {r[0]: r[1] for r in conn.execute(text("SELECT id, text FROM source"))}
        rows = conn.execute(
            text(
                'SELECT id, source_id, ordinal, start, "end" FROM segment '
                "ORDER BY source_id, ordinal"
            )
        )
        wanted = None if source_ids is None else set(source_ids)
        return cls(
            SegmentRow(g, s, o, a, b, texts[s][a:b])
            for g, s, o, a, b in rows
            if wanted is None or s in wanted
        )

    def __len__(self) -> int:
        return len(self.rows)

    def postings(self, word_id: int) -> np.ndarray:
        """Indexes (into ``rows``) of the segments holding word ``word_id``, ascending."""
        return self._posting_segments[self._bounds[word_id] : self._bounds[word_id + 1]]

    def idf(self, df: int) -> float:
        """Inverse document frequency: rare words say more about a passage than common ones."""
        return math.log((len(self.rows) + 1) / (df + 1)) + 0.1
