"""Compact inverted lists for the segment search: which segments hold each word.

A Python list of ints costs 8 bytes a posting (plus the int objects); at scale L (1.9 million
segments, 36 million word-in-segment postings) the lists alone took 300 MB. Here a word's
postings are an ``array('I')`` of segment numbers, 4 bytes each, or, for a word in more than one
segment in 32 (where that is smaller), a bitmap of one bit per segment of the corpus: "the" in
every segment costs 240 kB at L instead of 7.6 MB.

The index is filled batch by batch (:meth:`Postings.add`): the builder gathers a batch's words in
ordinary lists, where appending is fastest, and hands them over at each ``BATCH`` segments.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

BATCH = 32_768  # segments per batch; a multiple of 8, so that batches start on a bitmap byte
_BITMAP_BLOCK = 8_192  # bitmap bytes decoded at a time when reading a list in order

Ints = npt.NDArray[np.int64]


class Postings:
    """Word -> the segments holding it, ascending; words in order of first appearance."""

    def __init__(self, expected: int | None = None) -> None:
        """``expected``: about how many segments will come (None: unknown), to decide early
        which words are common enough for a bitmap, before their arrays grow large."""
        self.vocab: list[str] = []
        self._ids: dict[str, int] = {}
        self._lists: list[array[int] | bytearray] = []  # bytearray: a bitmap
        self._df: list[int] = []
        self._expected = expected
        self._segments = 0  # segments added so far

    def add(self, batch: dict[str, list[int]], end: int) -> None:
        """The postings of segments ``[self._segments, end)``: word -> its segments there,
        ascending; words in order of first appearance in the batch."""
        base = self._segments
        if base % 8:
            raise ValueError("a batch must start on a multiple of 8 segments")
        threshold = self._bitmap_threshold(self._expected)
        for word, segments in batch.items():
            k = self._ids.get(word)
            if k is None:
                k = self._ids[word] = len(self.vocab)
                self.vocab.append(word)
                self._lists.append(array("I"))
                self._df.append(0)
            store = self._lists[k]
            self._df[k] += len(segments)
            if isinstance(store, bytearray):
                _set_bits(store, segments, base, end)
            else:
                store.fromlist(segments)  # three times faster than extend
                if threshold is not None and len(store) > threshold:
                    self._lists[k] = _bitmap(store, end)
        self._segments = end

    def finish(self, segments: int) -> None:
        """After the last batch: the words found common only now become bitmaps, and every
        bitmap gets one bit per segment."""
        if segments != self._segments:
            raise ValueError(f"{self._segments} segments added, {segments} announced")
        threshold = self._bitmap_threshold(segments)
        size = (segments + 7) // 8
        for k, store in enumerate(self._lists):
            if isinstance(store, array) and threshold is not None and len(store) > threshold:
                self._lists[k] = store = _bitmap(store, segments)
            if isinstance(store, bytearray):
                del store[size:]
                store.extend(bytes(size - len(store)))

    @staticmethod
    def _bitmap_threshold(segments: int | None) -> int | None:
        # A bitmap takes segments / 8 bytes, an array 4 bytes a posting.
        return None if segments is None else max(64, segments // 32)

    # -- reading

    def __contains__(self, word: str) -> bool:
        return word in self._ids

    def __len__(self) -> int:
        return len(self.vocab)

    def df(self, word: str) -> int:
        """How many segments hold ``word``."""
        k = self._ids.get(word)
        return 0 if k is None else self._df[k]

    def iter(self, word: str) -> Iterator[int]:
        """The segments holding ``word``, ascending, decoded as they are read: a caller that
        stops after a few reads only a few."""
        k = self._ids.get(word)
        if k is None:
            return iter(())
        store = self._lists[k]
        if isinstance(store, array):
            return iter(store)
        return _iter_bits(store)

    def ids(self, word: str) -> list[int]:
        """The segments holding ``word``, ascending."""
        return self.numbers(word).tolist()

    def numbers(self, word: str) -> Ints:
        """The segments holding ``word``, ascending, as a numpy array."""
        k = self._ids.get(word)
        if k is None:
            return np.zeros(0, dtype=np.int64)
        store = self._lists[k]
        if isinstance(store, array):
            return np.frombuffer(store, dtype=np.uint32).astype(np.int64)
        bits = np.unpackbits(np.frombuffer(store, dtype=np.uint8), bitorder="little")
        return np.flatnonzero(bits)

    def holds(self, word: str, segments: Ints) -> npt.NDArray[np.bool_]:
        """For each of ``segments`` (ascending), whether it holds ``word``."""
        k = self._ids.get(word)
        if k is None or not len(segments):
            return np.zeros(len(segments), dtype=bool)
        store = self._lists[k]
        if isinstance(store, bytearray):
            bitmap = np.frombuffer(store, dtype=np.uint8)
            return ((bitmap[segments >> 3] >> (segments & 7)) & 1).astype(bool)
        listed = np.frombuffer(store, dtype=np.uint32)
        at = np.searchsorted(listed, segments)
        found = np.zeros(len(segments), dtype=bool)
        inside = at < len(listed)
        found[inside] = listed[at[inside]] == segments[inside]
        return found

    def mark(self, word: str, mask: npt.NDArray[np.bool_]) -> None:
        """Set ``mask[i]`` for every segment ``i`` holding ``word``."""
        k = self._ids.get(word)
        if k is None:
            return
        store = self._lists[k]
        if isinstance(store, array):
            mask[np.frombuffer(store, dtype=np.uint32)] = True
        else:
            bitmap = np.frombuffer(store, dtype=np.uint8)
            mask |= np.unpackbits(bitmap, count=len(mask), bitorder="little").view(bool)


def _bitmap(listed: array[int], end: int) -> bytearray:
    """Segments ``listed`` (all below ``end``, a multiple of 8 or the corpus's end) as bits."""
    present = np.zeros(end, dtype=bool)
    present[np.frombuffer(listed, dtype=np.uint32)] = True
    return bytearray(np.packbits(present, bitorder="little").tobytes())


def _set_bits(bitmap: bytearray, segments: list[int], base: int, end: int) -> None:
    """Add a batch's ``segments`` (in ``[base, end)``, ``base`` a multiple of 8) to ``bitmap``,
    which holds the segments before ``base``."""
    bitmap.extend(bytes(base // 8 - len(bitmap)))  # batches the word was absent from
    present = np.zeros(end - base, dtype=bool)
    # through array('I'): three times faster than numpy's own conversion of a list
    present[np.frombuffer(array("I", segments), dtype=np.uint32) - base] = True
    bitmap += np.packbits(present, bitorder="little").tobytes()


def _iter_bits(bitmap: bytearray) -> Iterator[int]:
    whole = np.frombuffer(bitmap, dtype=np.uint8)
    for first in range(0, len(whole), _BITMAP_BLOCK):
        bits = np.unpackbits(whole[first : first + _BITMAP_BLOCK], bitorder="little")
        yield from (np.flatnonzero(bits) + first * 8).tolist()
