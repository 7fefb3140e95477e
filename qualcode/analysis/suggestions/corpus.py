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
from qualcode.analysis.search import _ASCII_NON_WORD
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
    """Segments (as columns), their lower-cased text, the vocabulary and each word's postings."""

    def __init__(self, rows: Iterable[SegmentRow]) -> None:
        rows = list(rows)
        self._setup(
            [r.segment_id for r in rows],
            [r.source_id for r in rows],
            [r.ordinal for r in rows],
            [r.start for r in rows],
            [r.end for r in rows],
            [r.text for r in rows],
        )

    @classmethod
    def from_session(cls, session: Session, source_ids: list[int] | None = None) -> SegmentCorpus:
        """Every segment (of ``source_ids``, if given), by source and ordinal; each source's text
        is read once and sliced here (cheaper than ``substr`` per segment in SQLite), the rows
        straight from the DB-API cursor (SQLAlchemy's row objects cost seconds for 200,000)."""
        conn = session.connection()
        texts = {r[0]: r[1] for r in conn.execute(text("SELECT id, text FROM source"))}
        cursor = conn.connection.cursor()
        try:
            cursor.execute(
                'SELECT id, source_id, ordinal, start, "end" FROM segment '
                "ORDER BY source_id, ordinal"
            )
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if source_ids is not None:
            wanted = set(source_ids)
            rows = [r for r in rows if r[1] in wanted]
        corpus = cls.__new__(cls)
        columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(5)]
        ids, sources, ordinals, starts, ends = columns
        segment_texts = [texts[s][a:b] for s, a, b in zip(sources, starts, ends, strict=True)]
        corpus._setup(ids, sources, ordinals, starts, ends, segment_texts)
        return corpus

    def _setup(
        self,
        ids: list[int],
        sources: list[int],
        ordinals: list[int],
        starts: list[int],
        ends: list[int],
        texts: list[str],
    ) -> None:
        self.segment_ids, self.source_ids, self.ordinals = ids, sources, ordinals
        self.starts, self.ends, self.texts = starts, ends, texts
        self.lows = [lower(t) for t in texts]
        self.index_of = {g: i for i, g in enumerate(ids)}
        vocab, self._posting_segments, self._bounds = _index(self.lows)
        self.vocab = list(vocab)
        self.vocab_id = vocab
        self.df = np.diff(self._bounds)  # segments holding each word

    def row(self, i: int) -> SegmentRow:
        return SegmentRow(
            self.segment_ids[i],
            self.source_ids[i],
            self.ordinals[i],
            self.starts[i],
            self.ends[i],
            self.texts[i],
        )

    def __len__(self) -> int:
        return len(self.segment_ids)

    def postings(self, word_id: int) -> np.ndarray:
        """Indexes (into the columns) of the segments holding word ``word_id``, ascending."""
        return self._posting_segments[self._bounds[word_id] : self._bounds[word_id + 1]]

    def idf(self, df: int) -> float:
        """Inverse document frequency: rare words say more about a passage than common ones."""
        return math.log((len(self) + 1) / (df + 1)) + 0.1


# A token between segments in one joined string: neither a word character nor whitespace for
# str.split (which splits at \x1c-\x1f too); a segment holding one takes the regex path.
_SEP = "\x00"
# 1:1 ASCII mappings only: str.translate's fast path (a longer replacement is 30x slower)
_SPLIT = str.maketrans({**_ASCII_NON_WORD, ord(_SEP): _SEP})


_CHUNK = 4096  # segments tokenized at a time: their tokens, not the corpus's, are held at once


def _index(lows: list[str]) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """The vocabulary (word -> id, in order of first occurrence) and the postings: the segments
    holding word ``w`` are ``postings[bounds[w]:bounds[w + 1]]``, ascending.

    ASCII segments are joined and split a chunk at a time, a separator token between them, and
    the segment of each word is counted from the separators by numpy; the others go word by
    regex. Word ids come from ``map`` over a dictionary, which loops in C, not in Python. Each
    chunk keeps only its distinct ``(word, segment)`` pairs as integers, so memory follows the
    postings, not the tokens (a word's string object per occurrence would be gigabytes).
    """
    n = max(1, len(lows))
    vocab: dict[str, int] = {_SEP: -1}  # id -1: the separator, not a word
    keys: list[np.ndarray] = []  # word * n + segment, per chunk

    def word_ids(tokens: list[str]) -> np.ndarray:
        for word in dict.fromkeys(tokens):
            if word not in vocab:
                vocab[word] = len(vocab) - 1
        return np.fromiter(map(vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    fast = np.array([low.isascii() and _SEP not in low for low in lows], dtype=bool)
    ascii_at = np.flatnonzero(fast)
    for at in range(0, len(ascii_at), _CHUNK):
        part = ascii_at[at : at + _CHUNK]
        tokens = f" {_SEP} ".join([lows[i] for i in part]).translate(_SPLIT).split()
        ids = word_ids(tokens)
        marks = ids == -1
        keys.append(np.unique(ids[~marks] * n + part[np.cumsum(marks)[~marks]]))
    others = np.flatnonzero(~fast)
    for at in range(0, len(others), _CHUNK):
        found = [words(lows[i]) for i in others[at : at + _CHUNK]]
        ids = word_ids(list(itertools.chain.from_iterable(found)))
        segs = np.repeat(others[at : at + _CHUNK], [len(f) for f in found])
        keys.append(np.unique(ids * n + segs))
    del vocab[_SEP]
    # a segment is in one chunk, so the chunks' pairs are distinct: sorting them is enough
    flat = np.sort(np.concatenate(keys)) if keys else np.empty(0, np.int64)
    bounds = np.searchsorted(flat, np.arange(len(vocab) + 1, dtype=np.int64) * n)
    dtype = np.int32 if n < 2**31 else np.int64
    return vocab, (flat % n).astype(dtype), bounds
