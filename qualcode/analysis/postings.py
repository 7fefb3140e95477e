"""Compact inverted lists for the segment search: which segments hold each word.

A Python list of ints costs 8 bytes a posting (plus the int objects); at scale L (1.9 million
segments, 36 million word-in-segment postings) the lists alone took 300 MB, now 55 MB. A word's
postings take the smallest of three forms:

- an ``array('I')`` of segment numbers, 4 bytes a posting: rare words;
- an ``array('H')`` of the gaps between them, 2 bytes a posting, once a word is in
  ``_GAPS_FROM`` segments or more and no two of them are 65,536 segments apart;
- a bitmap of one bit per segment of the corpus (``bytearray``), when that is smaller still:
  "the", in every segment, takes 240 kB at L instead of 7.6 MB.

The index is filled batch by batch (:meth:`Postings.add`): the builder gathers a batch's words in
ordinary lists, where appending is fastest, and hands them over every ``BATCH`` segments; a word
changes form as its list grows, so the build never holds the lists in a larger form.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterator
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

BATCH = 65_536  # segments per batch (a multiple of 8: batches start on a bitmap byte)
_GAPS_FROM = 1_024  # postings before a word's list is stored as gaps (checked per batch)
_BITMAP_BLOCK = 8_192  # bitmap bytes decoded at a time when reading a list in order

Ints = npt.NDArray[np.int64]
# array 'I': numbers; array 'H': gaps; bytearray: a bitmap
Store: TypeAlias = "array[int] | bytearray"


class Postings:
    """Word -> the segments holding it, ascending; words in order of first appearance."""

    def __init__(self, expected: int | None = None, gaps_from: int | None = None) -> None:
        """``expected``: about how many segments will come (None: unknown), to decide early
        which words are common enough for a bitmap, before their lists grow large.
        ``gaps_from``: ``_GAPS_FROM`` unless given (tests give a small one)."""
        self._gaps_from = _GAPS_FROM if gaps_from is None else gaps_from
        self.vocab: list[str] = []
        self._ids: dict[str, int] = {}
        self._lists: list[Store] = []
        self._df: list[int] = []
        # of a word stored as gaps: its first segment, and while building its last
        self._first: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._expected = expected
        self._segments = 0  # segments added so far

    def add(self, batch: dict[str, list[int]], end: int) -> None:
        """The postings of segments ``[self._segments, end)``: word -> its segments there,
        ascending; words in order of first appearance in the batch."""
        base = self._segments
        if base % 8:
            raise ValueError("a batch must start on a multiple of 8 segments")
        # Once per word of the batch (50,000 words a batch in a large vocabulary): kept tight.
        ids, lists, df, gaps_from = self._ids, self._lists, self._df, self._gaps_from
        for word, segments in batch.items():
            k = ids.get(word)
            if k is None:
                k = ids[word] = len(lists)
                self.vocab.append(word)
                lists.append(array("I", segments))
                df.append(len(segments))
                if len(segments) >= gaps_from:
                    self._compact(k, end, self._expected)
                continue
            store = lists[k]
            df[k] += len(segments)
            if store.__class__ is bytearray:
                _set_bits(store, segments, base, end)  # type: ignore[arg-type]
            elif store.typecode == "I":  # type: ignore[union-attr]
                store.fromlist(segments)  # type: ignore[union-attr]  # 3x faster than extend
                if len(store) >= gaps_from:
                    self._compact(k, end, self._expected)
            else:
                self._add_gaps(k, store, segments)  # type: ignore[arg-type]
                self._compact(k, end, self._expected)
        self._segments = end

    def finish(self, segments: int) -> None:
        """After the last batch: every word in its smallest form, every bitmap one bit a
        segment."""
        if segments != self._segments:
            raise ValueError(f"{self._segments} segments added, {segments} announced")
        size = (segments + 7) // 8
        for k in range(len(self._lists)):
            self._compact(k, segments, segments)
            store = self._lists[k]
            if isinstance(store, bytearray):
                del store[size:]
                store.extend(bytes(size - len(store)))
        self._last.clear()

    def _add_gaps(self, k: int, store: array[int], segments: list[int]) -> None:
        numbers = np.frombuffer(array("I", segments), dtype=np.uint32).astype(np.int64)
        gaps = np.diff(numbers, prepend=self._last[k])
        if gaps.max() < 1 << 16:
            store.frombytes(gaps.astype(np.uint16).tobytes())
            self._last[k] = segments[-1]
        else:  # two of its segments too far apart: numbers again
            whole = array("I", self._numbers(k).astype(np.uint32).tobytes())
            whole.fromlist(segments)
            self._lists[k] = whole
            del self._first[k], self._last[k]

    def _compact(self, k: int, end: int, segments: int | None) -> None:
        """Word ``k``, in segments before ``end``, in a smaller form if it has one; a bitmap
        only when the corpus's size (``segments``) is known."""
        store = self._lists[k]
        if isinstance(store, bytearray):
            return
        if (
            segments is not None
            and self._df[k] > 64
            and store.itemsize * len(store) > (segments // 8)
        ):
            self._lists[k] = _bitmap(self._numbers(k), end)
            self._first.pop(k, None)
            self._last.pop(k, None)
        elif store.typecode == "I" and len(store) >= self._gaps_from:
            numbers = np.frombuffer(store, dtype=np.uint32)
            gaps = np.diff(numbers)
            if gaps.max() < 1 << 16:
                self._first[k], self._last[k] = int(numbers[0]), int(numbers[-1])
                del numbers  # the array cannot be replaced while numpy holds its buffer
                self._lists[k] = array("H", gaps.astype(np.uint16).tobytes())

    def _numbers(self, k: int) -> Ints:
        store = self._lists[k]
        if isinstance(store, bytearray):
            bits = np.unpackbits(np.frombuffer(store, dtype=np.uint8), bitorder="little")
            return np.flatnonzero(bits)
        if store.typecode == "I":
            return np.frombuffer(store, dtype=np.uint32).astype(np.int64)
        numbers = np.empty(len(store) + 1, dtype=np.int64)
        numbers[0] = self._first[k]
        np.cumsum(np.frombuffer(store, dtype=np.uint16), out=numbers[1:])
        numbers[1:] += numbers[0]
        return numbers

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
        if isinstance(store, bytearray):
            return _iter_bits(store)
        if store.typecode == "I":
            return iter(store)
        return itertools.accumulate(store, initial=self._first[k])

    def ids(self, word: str) -> list[int]:
        """The segments holding ``word``, ascending."""
        return self.numbers(word).tolist()

    def numbers(self, word: str) -> Ints:
        """The segments holding ``word``, ascending, as a numpy array."""
        k = self._ids.get(word)
        return np.zeros(0, dtype=np.int64) if k is None else self._numbers(k)

    def holds(self, word: str, segments: Ints) -> npt.NDArray[np.bool_]:
        """For each of ``segments`` (ascending), whether it holds ``word``."""
        k = self._ids.get(word)
        if k is None or not len(segments):
            return np.zeros(len(segments), dtype=bool)
        store = self._lists[k]
        if isinstance(store, bytearray):
            bitmap = np.frombuffer(store, dtype=np.uint8)
            return ((bitmap[segments >> 3] >> (segments & 7)) & 1).astype(bool)
        listed = self._numbers(k)
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
        if isinstance(store, bytearray):
            bitmap = np.frombuffer(store, dtype=np.uint8)
            mask |= np.unpackbits(bitmap, count=len(mask), bitorder="little").view(bool)
        else:
            mask[self._numbers(k)] = True


def _bitmap(numbers: Ints, end: int) -> bytearray:
    """Segments ``numbers`` (all below ``end``, a multiple of 8 or the corpus's end) as bits."""
    present = np.zeros(end, dtype=bool)
    present[numbers] = True
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
