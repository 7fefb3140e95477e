"""The segments of a project as words: a vocabulary and, per word, the segments holding it.

Suggestions compare the words of a code's cues with the corpus's distinct words (tens of
thousands), not with every segment (hundreds of thousands), then follow the postings. The index
is built with numpy in bulk: one dictionary lookup per word in Python, the sorting and grouping
in numpy.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
from sqlalchemy import text
from sqlmodel import Session

# The search's tokenizer and offset-keeping lower case: suggestions and search see the same words.
from qualcode.analysis.search import _ASCII_NON_WORD
from qualcode.analysis.search import _lower as lower
from qualcode.analysis.search import _words as words

__all__ = ["SegmentCorpus", "SegmentRow", "lower", "sorted_distinct", "words"]


@dataclass(frozen=True)
class SegmentRow:
    segment_id: int
    source_id: int
    ordinal: int
    start: int
    end: int
    text: str


class SegmentCorpus:
    """Segments (as numpy columns), their text, the vocabulary and each word's postings.

    A segment's text is a slice of a longer string held once (its source's text), and its
    lower-cased text is made when asked for: at a million segments, a string object per segment
    (twice, as written and lower-cased) would be most of the memory.
    """

    def __init__(self, rows: Iterable[SegmentRow]) -> None:
        rows = list(rows)
        self._setup(
            np.array([r.segment_id for r in rows], dtype=np.int64),
            np.array([r.source_id for r in rows], dtype=np.int64),
            np.array([r.ordinal for r in rows], dtype=np.int64),
            np.array([r.start for r in rows], dtype=np.int64),
            np.array([r.end for r in rows], dtype=np.int64),
            [r.text for r in rows],
            np.arange(len(rows), dtype=np.int64),
            np.zeros(len(rows), dtype=np.int64),
        )

    @classmethod
    def from_session(
        cls,
        session: Session,
        source_ids: list[int] | None = None,
        counts: WordCounts | None = None,
    ) -> SegmentCorpus:
        """Every segment (of ``source_ids``, if given), by source and ordinal. Each source's
        text is read once and its segments are slices of it (cheaper than ``substr`` per segment
        in SQLite); the rows come straight from the DB-API cursor, a batch at a time, into numpy
        columns (SQLAlchemy's row objects cost seconds for 200,000, and a tuple per row is
        hundreds of megabytes at a million). ``counts``: the word counts of the whole project
        when this corpus is one shard of it (see :func:`shards`); its own otherwise."""
        columns, texts, text_of = _read(session, source_ids)
        corpus = cls.__new__(cls)
        ids, sources, ordinals, starts, ends = columns
        corpus._setup(ids, sources, ordinals, starts, ends, texts, text_of, starts, counts)
        return corpus

    def _setup(
        self,
        ids: np.ndarray,
        sources: np.ndarray,
        ordinals: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        texts: list[str],
        text_of: np.ndarray,
        offsets: np.ndarray,
        counts: WordCounts | None = None,
    ) -> None:
        """Columns of the segments; segment ``i``'s text is ``texts[text_of[i]]`` from
        ``offsets[i]``, ``ends[i] - starts[i]`` characters long. With ``counts`` (the whole
        project's), words are numbered as there; without, this corpus's own."""
        self.segment_ids, self.source_ids, self.ordinals = ids, sources, ordinals
        self.starts, self.ends = starts, ends
        self._texts, self._text_of, self._offsets = texts, text_of, offsets
        self._by_id = np.argsort(ids, kind="stable")  # segment ids -> indexes, by binary search
        given = None if counts is None else counts.vocab_id
        vocab, self._posting_segments, self._bounds = _index(len(ids), self.lows_of, given)
        self.vocab = list(vocab)
        self.vocab_id = vocab
        self.df = np.diff(self._bounds)  # segments (of this corpus) holding each word
        # the words and document frequencies suggestions weigh by: the project's
        self.counts = counts or WordCounts(vocab, self.df, len(ids), self.vocab)

    # made when asked for: held by the corpus, they would make a reference cycle, which keeps a
    # shard's memory until the garbage collector's next full pass, not until it is dropped
    @property
    def texts(self) -> Sequence[str]:
        return _Texts(self, lowered=False)

    @property
    def lows(self) -> Sequence[str]:
        return _Texts(self, lowered=True)

    def text(self, i: int) -> str:
        at = int(self._offsets[i])
        return self._texts[self._text_of[i]][at : at + int(self.ends[i] - self.starts[i])]

    def lows_of(self, indexes: np.ndarray | Sequence[int]) -> list[str]:
        """The lower-cased texts of the segments at ``indexes`` (one loop, for many at once)."""
        return _lows(self._texts, self._text_of, self._offsets, self.ends - self.starts, indexes)

    def indexes(self, segment_ids: np.ndarray) -> np.ndarray:
        """The index of each of ``segment_ids`` in the columns; -1 for one not in the corpus."""
        if not len(self):
            return np.full(len(segment_ids), -1, dtype=np.int64)
        ordered = self.segment_ids[self._by_id]
        at = np.searchsorted(ordered, segment_ids)
        at[at == len(ordered)] = 0
        return np.where(ordered[at] == segment_ids, self._by_id[at], -1)

    def row(self, i: int) -> SegmentRow:
        return SegmentRow(
            int(self.segment_ids[i]),
            int(self.source_ids[i]),
            int(self.ordinals[i]),
            int(self.starts[i]),
            int(self.ends[i]),
            self.text(i),
        )

    def __len__(self) -> int:
        return len(self.segment_ids)

    def postings(self, word_id: int) -> np.ndarray:
        """Indexes (into the columns) of the segments holding word ``word_id``, ascending."""
        return self._posting_segments[self._bounds[word_id] : self._bounds[word_id + 1]]

    def idf(self, df: int) -> float:
        return self.counts.idf(df)


class _Texts(Sequence[str]):
    """The segments' texts (or lower-cased texts), made one at a time when asked for."""

    def __init__(self, corpus: SegmentCorpus, lowered: bool) -> None:
        self._corpus, self._lowered = corpus, lowered

    def __len__(self) -> int:
        return len(self._corpus)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        t = self._corpus.text(i)
        return lower(t) if self._lowered else t


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by sorting: numpy 2.4's ``np.unique`` is some 40 times slower than
    ``np.sort`` on the integer arrays here, and it was most of the index's build time."""
    out = np.sort(values)
    if len(out) > 1:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out


# A token between segments in one joined string: neither a word character nor whitespace for
# str.split (which splits at \x1c-\x1f too); a segment holding one takes the regex path.
_SEP = "\x00"
# 1:1 ASCII mappings only: str.translate's fast path (a longer replacement is 30x slower)
_SPLIT = str.maketrans({**_ASCII_NON_WORD, ord(_SEP): _SEP})


_CHUNK = 4096  # segments tokenized at a time: their tokens, not the corpus's, are held at once


def _index(
    count: int,
    lows_of: Callable[[Sequence[int]], list[str]],
    given: dict[str, int] | None = None,
) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """The vocabulary of ``count`` segments whose lower-cased texts ``lows_of`` gives (word ->
    id, in order of first occurrence, after the words of ``given`` if any) and the postings:
    the segments holding word ``w`` are ``postings[bounds[w]:bounds[w + 1]]``, ascending."""
    n = max(1, count)
    vocab: dict[str, int] = {_SEP: -1, **(given or {})}  # id -1: the separator, not a word
    keys = list(_chunk_keys(count, lows_of, vocab))
    del vocab[_SEP]
    # a segment is in one chunk, so the chunks' pairs are distinct: sorting them is enough
    flat = np.concatenate(keys) if keys else np.empty(0, np.int64)
    keys.clear()
    flat.sort()  # in place, as the remainder below: the keys are the index's largest array
    bounds = np.searchsorted(flat, np.arange(len(vocab) + 1, dtype=np.int64) * n)
    np.remainder(flat, n, out=flat)
    return vocab, flat.astype(np.int32 if n < 2**31 else np.int64), bounds


def _chunk_keys(
    count: int, lows_of: Callable[[Sequence[int]], list[str]], vocab: dict[str, int]
) -> Iterator[np.ndarray]:
    """Per chunk of segments, the distinct ``word * count + segment`` keys of its words, sorted;
    new words are added to ``vocab`` (which maps the separator to -1).

    ASCII segments are joined and split a chunk at a time, a separator token between them, and
    the segment of each word is counted from the separators by numpy; the others go word by
    regex, after them. Word ids come from ``map`` over a dictionary, which loops in C, not in
    Python. Each chunk keeps only its distinct ``(word, segment)`` pairs as integers, so memory
    follows the postings, not the tokens (a string object per word occurrence, gigabytes).
    """
    n = max(1, count)
    others: list[int] = []  # segments for the regex

    def word_ids(tokens: list[str]) -> np.ndarray:
        for word in dict.fromkeys(tokens):
            if word not in vocab:
                vocab[word] = len(vocab) - 1
        return np.fromiter(map(vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    for at in range(0, count, _CHUNK):
        chunk = lows_of(range(at, min(at + _CHUNK, count)))
        fast = [low.isascii() and _SEP not in low for low in chunk]
        others += [at + k for k, ok in enumerate(fast) if not ok]
        part = np.array([at + k for k, ok in enumerate(fast) if ok], dtype=np.int64)
        joined = f" {_SEP} ".join([low for low, ok in zip(chunk, fast, strict=True) if ok])
        ids = word_ids(joined.translate(_SPLIT).split())
        marks = ids == -1
        yield sorted_distinct(ids[~marks] * n + part[np.cumsum(marks)[~marks]])
    for at in range(0, len(others), _CHUNK):
        found = [words(low) for low in lows_of(others[at : at + _CHUNK])]
        ids = word_ids(list(itertools.chain.from_iterable(found)))
        segs = np.repeat(np.array(others[at : at + _CHUNK], dtype=np.int64), list(map(len, found)))
        yield sorted_distinct(ids * n + segs)


def _lows(
    texts: list[str],
    text_of: np.ndarray,
    offsets: np.ndarray,
    lengths: np.ndarray,
    indexes: np.ndarray | Sequence[int],
) -> list[str]:
    at = np.asarray(indexes, dtype=np.int64)
    return [
        lower(texts[t][a:b])
        for t, a, b in zip(
            text_of[at].tolist(),
            offsets[at].tolist(),
            (offsets[at] + lengths[at]).tolist(),
            strict=True,
        )
    ]


# --- a large project a shard at a time ------------------------------------------------------------

SHARD_SEGMENTS = 400_000  # segments per shard: a shard's texts and postings are ~150 MB at most


class WordCounts:
    """The words of a whole project and how many of its segments hold each. Suggestions weigh
    a passage's words by them (rarer words say more) and leave out the commonest: every shard
    of a project must weigh its words as the whole project does, or what is suggested would
    depend on where the shards were cut."""

    def __init__(
        self,
        vocab_id: dict[str, int],
        df: np.ndarray,
        segments: int,
        vocab: list[str] | None = None,
    ) -> None:
        self.vocab_id = vocab_id
        self.vocab = list(vocab_id) if vocab is None else vocab
        self.df = df
        self.segments = segments

    def idf(self, df: int) -> float:
        """Inverse document frequency: rare words say more about a passage than common ones."""
        return math.log((self.segments + 1) / (df + 1)) + 0.1

    @classmethod
    def of_groups(cls, session: Session, groups: list[list[int]]) -> WordCounts:
        """Read the sources of ``groups`` a group at a time and count their words (the same
        tokenizing as the index, keeping counts instead of postings)."""
        vocab: dict[str, int] = {_SEP: -1}
        df = np.zeros(0, dtype=np.int64)
        segments = 0
        for group in groups:
            columns, texts, text_of = _read(session, group)
            count = len(columns[0])
            lows_of = functools.partial(_lows, texts, text_of, columns[3], columns[4] - columns[3])
            for keys in _chunk_keys(count, lows_of, vocab):
                got = np.bincount(keys // max(1, count), minlength=len(vocab) - 1)
                df = np.concatenate((df, np.zeros(len(got) - len(df), dtype=np.int64))) + got
            segments += count
            del columns, texts, text_of
        del vocab[_SEP]
        return cls(
            vocab, np.concatenate((df, np.zeros(len(vocab) - len(df), dtype=np.int64))), segments
        )


def shards(
    session: Session, source_ids: list[int] | None = None, counted: bool = True
) -> Iterator[SegmentCorpus]:
    """The segments (of ``source_ids``, if given) as corpora of about ``SHARD_SEGMENTS``
    segments each, whole sources in source order, made one at a time: a million segments' texts
    and postings at once are more memory than a server may spare. All the shards weigh words by
    the counts of them all (:class:`WordCounts`, a first pass), unless ``counted`` is false (a
    search that does not weigh words: each shard has its own); a project of one shard is read
    once."""
    groups = _groups(session, source_ids)
    if len(groups) <= 1:
        yield SegmentCorpus.from_session(session, groups[0] if groups else [])
        return
    counts = WordCounts.of_groups(session, groups) if counted else None
    for group in groups:
        yield SegmentCorpus.from_session(session, group, counts)


def _groups(session: Session, source_ids: list[int] | None) -> list[list[int]]:
    """The sources (``source_ids`` if given) with segments, in order, cut into runs of about
    ``SHARD_SEGMENTS`` segments."""
    wanted = None if source_ids is None else set(source_ids)
    rows = session.connection().execute(
        text("SELECT source_id, count(*) FROM segment GROUP BY source_id ORDER BY source_id")
    )
    groups: list[list[int]] = []
    size = SHARD_SEGMENTS
    for source_id, count in rows:
        if wanted is not None and source_id not in wanted:
            continue
        if size >= SHARD_SEGMENTS:
            groups.append([])
            size = 0
        groups[-1].append(source_id)
        size += count
    return groups


def _read(
    session: Session, source_ids: list[int] | None
) -> tuple[tuple[np.ndarray, ...], list[str], np.ndarray]:
    """The columns (id, source, ordinal, start, end) of the segments of ``source_ids`` (all if
    None), by source and ordinal; the sources' texts, once each; each segment's text's index."""
    conn = session.connection()
    wanted = None if source_ids is None else set(source_ids)
    where = source_where = ""
    if wanted is not None:
        if not wanted:
            empty = np.empty(0, dtype=np.int64)
            return (empty,) * 5, [], empty
        lo, hi = int(min(wanted)), int(max(wanted))  # the database's integers, not a user's text
        where = f" WHERE source_id BETWEEN {lo} AND {hi}"
        source_where = f" WHERE id BETWEEN {lo} AND {hi}"
    cursor = conn.connection.cursor()
    columns: list[np.ndarray] = []
    try:
        cursor.execute(
            f'SELECT id, source_id, ordinal, start, "end" FROM segment{where} '
            "ORDER BY source_id, ordinal"
        )
        while batch := cursor.fetchmany(65536):
            if wanted is not None:
                batch = [r for r in batch if r[1] in wanted]
            if batch:
                columns.append(np.array(batch, dtype=np.int64).reshape(-1, 5))
    finally:
        cursor.close()
    table = np.concatenate(columns) if columns else np.empty((0, 5), dtype=np.int64)
    ids, sources, ordinals, starts, ends = (np.ascontiguousarray(c) for c in table.T)
    del table, columns
    used = set(sorted_distinct(sources).tolist())
    texts: list[str] = []  # the sources' texts, once each
    position: dict[int, int] = {}
    for source_id, body in conn.execute(
        text(f"SELECT id, text FROM source{source_where} ORDER BY id")
    ):
        if source_id in used:
            position[source_id] = len(texts)
            texts.append(body)
    text_of = np.fromiter((position[s] for s in sources.tolist()), np.int64, len(sources))
    return (ids, sources, ordinals, starts, ends), texts, text_of
