"""Scoring segments against the cues of each code: which passages look like a code's passages.

A code's cues are its codebook keywords, its example, and the excerpts already coded with it
(exemplars). Scoring runs in two steps, so that rapidfuzz compares full texts only where it can
matter:

1. Every distinct word of a short cue is compared with every distinct word of the corpus in
   one batched ``process.cdist`` (``fuzz.ratio``, typo-tolerant at ``WORD_CUTOFF``, using
   ``workers`` threads); the words of a passage are looked up as they are (a typo hardly moves
   a passage of forty words, and the comparison with the whole vocabulary is the costly part).
   Following the postings of the matching words gives, per cue and segment, the share of the
   cue's words the segment holds (``cover``; rare words weigh more in long cues).
2. A one-word cue (most keywords) scores its best word's ``fuzz.ratio`` from step 1. The
   segments other cues cover well enough are scored with rapidfuzz on the full texts, batched
   with ``process.cpdist``: a short phrase (a keyword of two to four words, a short exemplar)
   with ``fuzz.partial_ratio`` (the phrase inside the segment; capped by ``cover``), a long cue
   (the example, most exemplars) with ``fuzz.token_set_ratio`` (its words against the
   segment's).

A segment's score for a code is its best cue's score; the matched phrase is where rapidfuzz's
alignment puts the cue in the segment, widened to whole words. Everything is deterministic: no
randomness, ties broken by segment and cue order.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from qualcode.analysis.suggestions.corpus import (
    SegmentCorpus,
    WordCounts,
    lower,
    sorted_distinct,
    words,
)

WORD_CUTOFF = 80  # fuzz.ratio of a cue word and a corpus word: a typo in five letters passes
SHORT_CUE_WORDS = 4  # up to this many words a cue is a phrase to find; longer, a passage
LONG_MIN_COVER = 0.3  # share of a passage's (idf-weighted) words a segment needs to be scored
COMMON_SHARE = 0.05  # words in more than this share of segments (and > COMMON_MIN) are ignored
COMMON_MIN = 50  # in long cues: they are function words ("the", "dan", "yang")
_CDIST_BLOCK = 256  # cue words per cdist call: bounds the score matrix's memory
_SCORE_BLOCK = 1 << 18  # candidate pairs per cpdist call: bounds the candidates' memory
DEFAULT_THRESHOLD = 75.0


@dataclass(frozen=True)
class Cue:
    """A phrase or passage that signals a code."""

    code_id: int
    kind: str  # keyword | example | exemplar
    text: str
    coding_id: int | None = None  # the exemplar's coding

    @property
    def label(self) -> str:
        if self.kind == "keyword":
            return f"keyword '{self.text}'"
        if self.kind == "exemplar":
            return f"exemplar (coding {self.coding_id})"
        return "example"


class Suggestions(list["Suggestion"]):
    """The first suggestions (best first), and how many there are in all (``total``)."""

    total = 0


@dataclass(frozen=True)
class Suggestion:
    """Code ``code_id`` suggested for segment ``segment_id``, with why."""

    segment_id: int
    source_id: int
    ordinal: int
    segment_start: int
    segment_end: int
    code_id: int
    score: float  # 0..100
    cue: Cue
    start: int  # the matched phrase: source.text[start:end]
    end: int
    matched: str


def cues_for_code(
    code_id: int, keywords: Iterable[str], example: str, exemplars: Iterable[tuple[int, str]]
) -> list[Cue]:
    """A code's cues: keywords, then the example, then exemplars ``(coding_id, text)``; a text
    given twice is one cue."""
    cues: list[Cue] = []
    seen: set[str] = set()

    def add(cue: Cue) -> None:
        key = " ".join(words(lower(cue.text)))
        if key and key not in seen:
            seen.add(key)
            cues.append(cue)

    for keyword in keywords:
        add(Cue(code_id, "keyword", keyword.strip()))
    if example.strip():
        add(Cue(code_id, "example", example.strip()))
    for coding_id, excerpt in exemplars:
        add(Cue(code_id, "exemplar", excerpt.strip(), coding_id))
    return cues


@dataclass(frozen=True)
class CueWords:
    """The words of the cues and the vocabulary words each matches, for the word counts
    ``counts``: made once for a project and kept from one of its shards to the next."""

    counts: WordCounts
    words: list[tuple[str, ...]]  # each cue's distinct words
    matches: dict[str, tuple[np.ndarray, np.ndarray]]  # (vocabulary ids, scores 0..100)


class Suggester:
    """Scores every segment of ``corpus`` against ``cues``; see the module docstring. Words
    are matched and weighed by ``corpus.counts``: the whole project's when the corpus is one
    of its shards; ``matched`` (:attr:`matched` of the same cues over an earlier shard of the
    project) saves matching the cue words again."""

    def __init__(
        self,
        corpus: SegmentCorpus,
        cues: Sequence[Cue],
        workers: int = -1,
        matched: CueWords | None = None,
    ) -> None:
        self.corpus = corpus
        self.counts = corpus.counts
        self.cues = list(cues)
        self.workers = workers
        if matched is None:
            matched = self._match(cues)
        elif matched.counts is not corpus.counts or len(matched.words) != len(self.cues):
            raise ValueError("cue words matched for another project or other cues")
        self.matched = matched
        self._cue_words, self._matches = matched.words, matched.matches

    def _match(self, cues: Sequence[Cue]) -> CueWords:
        # the same word in many cues is one string (tens of thousands of exemplars share them)
        cue_words = [tuple(map(sys.intern, _distinct(words(lower(c.text))))) for c in cues]
        # Typos matter in a keyword of one or two words, hardly in a passage of forty: only
        # short cues' words are matched fuzzily (against the whole vocabulary, the costly part).
        fuzzy = {w for ws in cue_words if len(ws) <= SHORT_CUE_WORDS for w in ws}
        matches = self._match_words(sorted(fuzzy))
        for ws in cue_words:
            for w in ws:
                if w not in matches:
                    matches[w] = _exact(self.counts.vocab_id, w)
        return CueWords(self.counts, cue_words, matches)

    def suggest(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        exclude: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
        limit: int | None = None,
    ) -> Suggestions:
        """Suggestions scoring at least ``threshold``, best first (ties in text order), one per
        segment and code; ``exclude`` holds ``(segment_id, code_id)`` pairs not to suggest
        (already coded, rejected). Only the first ``limit`` are made into :class:`Suggestion`
        objects (their matched phrases located); ``total`` counts them all."""
        cue_of, seg_of, scores, total = self._ranked(threshold, exclude, limit)
        out = Suggestions(
            self._suggestion(int(cue_of[i]), int(seg_of[i]), round(float(scores[i]), 1))
            for i in range(len(scores))
        )
        out.total = total
        return out

    def pairs(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        exclude: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    ) -> set[tuple[int, int]]:
        """``(segment_id, code_id)`` of every suggestion (what an evaluation needs)."""
        cue_of, seg_of, _ = self.rank(threshold, exclude)
        code = np.array([c.code_id for c in self.cues], dtype=np.int64)
        ids = np.asarray(self.corpus.segment_ids, dtype=np.int64)
        return set(zip(ids[seg_of].tolist(), code[cue_of].tolist(), strict=True))

    def rank(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        exclude: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(cue, segment index, score)`` arrays of every suggestion, best first."""
        cue_of, seg_of, scores, _ = self._ranked(threshold, exclude, None)
        return cue_of, seg_of, scores

    def _ranked(
        self,
        threshold: float,
        exclude: set[tuple[int, int]] | frozenset[tuple[int, int]],
        limit: int | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """The first ``limit`` suggestions (all if None) as ``(cue, segment index, score)``
        arrays, best first, and how many there are in all.

        Cues with the same words (an excerpt the coder coded with several codes) have the same
        cover and score everywhere: each distinct word list is covered and scored once, then
        given to each of its cues. Candidates are scored in blocks of ``_SCORE_BLOCK`` pairs and
        only those reaching ``threshold`` are kept; with a ``limit``, only the best ``limit``
        (segment, code) pairs so far are kept between blocks, and the others are counted in a
        bitmap, so memory follows the limit, not the suggestions. None of this changes what is
        suggested: a pair dropped from the best so far can only come back with a better score
        from a later block, which is then its best."""
        corpus = self.corpus
        empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32))
        if not len(corpus) or not self.cues:
            return (*empty, 0)
        n_codes = len({c.code_id for c in self.cues})
        code_index = {c: i for i, c in enumerate(sorted({c.code_id for c in self.cues}))}
        cue_code = np.array([code_index[c.code_id] for c in self.cues], dtype=np.int64)
        pairs = _Pairs(n_codes, _excluded_keys(corpus, exclude, code_index))
        groups: dict[tuple[str, ...], list[int]] = {}
        for ci, cue_words in enumerate(self._cue_words):
            groups.setdefault(cue_words, []).append(ci)
        acc = np.zeros(len(corpus), dtype=np.float32)  # scratch arrays shared by every cue
        best = np.zeros(len(corpus), dtype=np.float32)
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        suggested = None if limit is None else np.zeros(len(corpus) * n_codes, dtype=bool)
        block: list[tuple[list[int], np.ndarray, np.ndarray]] = []
        in_block = 0

        def flush() -> None:
            scored = self._score_block(block, threshold, cue_code, pairs)
            if suggested is None:
                found.append(scored)
                return
            suggested[scored[1] * n_codes + cue_code[scored[0]]] = True
            cue_of, seg_of, scores = (np.concatenate(x) for x in zip(*found, scored, strict=True))
            top = _best_per_pair(cue_of, seg_of, scores, cue_code, n_codes)
            found[:] = [(top[0][:limit], top[1][:limit], top[2][:limit])]

        for key, members in groups.items():
            short = len(key) <= SHORT_CUE_WORDS
            need = threshold / 100 if short else LONG_MIN_COVER
            segs, cover = self._cover(key, short, need, acc, best)
            if len(segs) and pairs.excluded_keys.size:
                # a segment that every one of these cues' codes leaves out is not scored
                keep = np.zeros(len(segs), dtype=bool)
                for ci in members:
                    keep |= ~pairs.excluded(segs, cue_code[ci])
                segs, cover = segs[keep], cover[keep]
            if not len(segs):
                continue
            block.append((members, segs, cover))
            in_block += len(segs)
            if in_block >= _SCORE_BLOCK:
                flush()
                block, in_block = [], 0
        if block:
            flush()
        if not found:
            return (*empty, 0)
        cue_of, seg_of, scores = (np.concatenate(x) for x in zip(*found, strict=True))
        cue_of, seg_of, scores = _best_per_pair(cue_of, seg_of, scores, cue_code, n_codes)
        total = len(scores) if suggested is None else int(np.count_nonzero(suggested))
        return cue_of[:limit], seg_of[:limit], scores[:limit], total

    def _score_block(
        self,
        block: list[tuple[list[int], np.ndarray, np.ndarray]],
        threshold: float,
        cue_code: np.ndarray,
        pairs: _Pairs,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Score a block of ``(cues sharing words, segments, cover)``; ``(cue, segment, score)``
        of the pairs reaching ``threshold`` whose code does not leave the segment out."""
        group_of = np.repeat(np.arange(len(block)), [len(b[1]) for b in block])
        seg_of = np.concatenate([b[1] for b in block]).astype(np.int64)
        cover = np.concatenate([b[2] for b in block])
        scores = self._score([self._cue_words[b[0][0]] for b in block], group_of, seg_of, cover)
        keep = scores >= threshold
        group_of, seg_of, scores = group_of[keep], seg_of[keep], scores[keep]
        # one pair per cue of the group: repeat each scored pair once per cue
        sizes = np.array([len(b[0]) for b in block], dtype=np.int64)
        firsts = np.cumsum(sizes) - sizes  # each group's first cue in ``members``
        members = np.concatenate([np.asarray(b[0], dtype=np.int64) for b in block])
        counts = sizes[group_of]
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        nth = np.arange(int(counts.sum()), dtype=np.int64) - starts
        cue_of = members[np.repeat(firsts[group_of], counts) + nth]
        seg_of, scores = np.repeat(seg_of, counts), np.repeat(scores, counts)
        if pairs.excluded_keys.size:
            keep = ~pairs.excluded(seg_of, cue_code[cue_of])
            cue_of, seg_of, scores = cue_of[keep], seg_of[keep], scores[keep]
        return cue_of, seg_of, scores

    # -- step 1: words -------------------------------------------------------------------------

    def _match_words(self, query: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each cue word's matching corpus words: ``(vocabulary ids, scores 0..100)``."""
        vocab = self.counts.vocab
        found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if not vocab:
            return {w: (np.empty(0, np.int64), np.empty(0, np.float32)) for w in query}
        for at in range(0, len(query), _CDIST_BLOCK):
            block = query[at : at + _CDIST_BLOCK]
            matrix = process.cdist(
                block,
                vocab,
                scorer=fuzz.ratio,
                score_cutoff=WORD_CUTOFF,
                dtype=np.uint8,
                workers=self.workers,
            )
            for word, row in zip(block, matrix, strict=True):
                ids = np.flatnonzero(row)
                found[word] = (ids, row[ids].astype(np.float32))
        return found

    def _cover(
        self,
        cue_words: Sequence[str],
        short: bool,
        need: float,
        acc: np.ndarray,
        best: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Segments holding at least ``need`` of the cue's words, with that share (words
        weighted: 1 each in a short cue, by idf in a long one; each counted at its best
        match's score). ``acc`` and ``best`` are zeroed scratch arrays, left zeroed."""
        corpus, counts = self.corpus, self.counts
        common = max(COMMON_MIN, COMMON_SHARE * counts.segments)
        total = 0.0
        touched: list[np.ndarray] = []
        for word in cue_words:
            ids, scores = self._matches[word]
            if short:
                weight = 1.0
            else:
                if len(word) < 3:
                    continue
                df = int(counts.df[ids].max()) if len(ids) else 0
                if df > common:
                    continue
                weight = counts.idf(df)
            total += weight
            if not len(ids):
                continue
            if len(ids) == 1:
                segs = corpus.postings(int(ids[0]))
                acc[segs] += scores[0] * (weight / 100.0)
            else:
                # a segment holding several variants counts the best: write in rising score
                lists = [corpus.postings(int(ids[k])) for k in np.argsort(scores, kind="stable")]
                for k, posting in zip(np.argsort(scores, kind="stable"), lists, strict=True):
                    best[posting] = scores[k]
                segs = np.concatenate(lists)
                acc[segs] += best[segs] * (weight / 100.0)
                best[segs] = 0
            touched.append(segs)
        if not touched or total == 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        if sum(len(t) for t in touched) > len(corpus) // 4:  # cheaper to scan every segment
            # on the whole array at once: a mask of the few that pass, not indexes of all held
            shares = acc / np.float32(total)
            segs = np.flatnonzero((shares >= need - 1e-6) & (acc != 0))
            share = shares[segs]
            acc.fill(0)
            return segs, share
        segs = np.concatenate(touched) if len(touched) > 1 else touched[0]
        share = acc[segs] / np.float32(total)
        acc[segs] = 0
        keep = share >= need - 1e-6
        segs, share = segs[keep], share[keep]
        if len(touched) > 1:  # a segment holding several of the words appears once
            order = np.argsort(segs)  # copies of a segment have the same share
            segs, share = segs[order], share[order]
            first = np.ones(len(segs), dtype=bool)
            first[1:] = segs[1:] != segs[:-1]
            segs, share = segs[first], share[first]
        return segs.astype(np.int64), share

    # -- step 2: full texts --------------------------------------------------------------------

    def _score(
        self,
        cue_words: Sequence[Sequence[str]],
        cue_of: np.ndarray,
        seg_of: np.ndarray,
        cover: np.ndarray,
    ) -> np.ndarray:
        """Scores of pairs ``(cue_words[cue_of[i]], segment seg_of[i])`` with their ``cover``."""
        n_words = np.array([len(w) for w in cue_words], dtype=np.int64)[cue_of]
        short = n_words <= SHORT_CUE_WORDS
        scores = np.zeros(len(cue_of), dtype=np.float32)
        # A one-word cue scores its best word's fuzz.ratio (from the cdist): nothing to add.
        found = n_words == 1
        scores[found] = cover[found] * 100
        lows = [" ".join(w) for w in cue_words]
        for is_short, scorer in ((True, fuzz.partial_ratio), (False, fuzz.token_set_ratio)):
            pick = np.flatnonzero((short == is_short) & ~found)
            if not len(pick):
                continue
            got = process.cpdist(
                [lows[c] for c in cue_of[pick].tolist()],
                self._lows(seg_of[pick]),
                scorer=scorer,
                dtype=np.float32,
                workers=self.workers,
            )
            if is_short:
                got = np.minimum(got, cover[pick] * 100)
            scores[pick] = got
        return np.round(scores, 1)

    def _lows(self, segs: np.ndarray) -> list[str]:
        """The lower-cased texts of ``segs`` (repeats included), each made once."""
        distinct = sorted_distinct(segs)
        at = np.searchsorted(distinct, segs)
        return list(map(self.corpus.lows_of(distinct).__getitem__, at.tolist()))

    def _suggestion(self, cue_index: int, seg: int, score: float) -> Suggestion:
        cue = self.cues[cue_index]
        row = self.corpus.row(seg)
        a, b = _matched_span(" ".join(self._cue_words[cue_index]), self.corpus.lows[seg])
        return Suggestion(
            segment_id=row.segment_id,
            source_id=row.source_id,
            ordinal=row.ordinal,
            segment_start=row.start,
            segment_end=row.end,
            code_id=cue.code_id,
            score=score,
            cue=cue,
            start=row.start + a,
            end=row.start + b,
            matched=row.text[a:b],
        )


def _best_per_pair(
    cue_of: np.ndarray, seg_of: np.ndarray, scores: np.ndarray, cue_code: np.ndarray, n_codes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best cue of each (segment, code) pair (ties: the first cue), best pair first (ties
    in text order, then code order)."""
    code_of = cue_code[cue_of]
    order = np.lexsort((cue_of, -scores, code_of, seg_of))
    pair_key = seg_of[order] * n_codes + code_of[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = pair_key[1:] != pair_key[:-1]
    top = order[first]
    top = top[np.lexsort((code_of[top], seg_of[top], -scores[top]))]
    return cue_of[top], seg_of[top], scores[top]


class _Pairs:
    """The ``(segment index, code index)`` pairs left out, as sorted keys ``segment * n + code``
    (a binary search per candidate; ``np.isin`` would sort them again for every cue)."""

    def __init__(self, n_codes: int, excluded_keys: np.ndarray) -> None:
        self.n_codes = n_codes
        self.excluded_keys = excluded_keys

    def excluded(self, segs: np.ndarray, code: np.ndarray | np.int64) -> np.ndarray:
        keys = segs * self.n_codes + code
        at = np.searchsorted(self.excluded_keys, keys)
        at[at == len(self.excluded_keys)] = 0
        return self.excluded_keys[at] == keys


def _excluded_keys(
    corpus: SegmentCorpus, exclude: Iterable[tuple[int, int]], code_index: dict[int, int]
) -> np.ndarray:
    pairs = [(s, code_index[c]) for s, c in exclude if c in code_index]
    if not pairs:
        return np.empty(0, dtype=np.int64)
    segs, codes = np.array(pairs, dtype=np.int64).reshape(-1, 2).T
    at = corpus.indexes(segs)
    return sorted_distinct(at[at >= 0] * len(code_index) + codes[at >= 0])


def _exact(vocab_id: dict[str, int], word: str) -> tuple[np.ndarray, np.ndarray]:
    i = vocab_id.get(word)
    if i is None:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    return np.array([i], dtype=np.int64), np.array([100.0], dtype=np.float32)


def _distinct(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _matched_span(cue_low: str, segment_low: str) -> tuple[int, int]:
    """Where the cue is in the segment, by rapidfuzz's alignment, widened to whole words; the
    whole segment when the cue is longer than it."""
    if len(cue_low) >= len(segment_low):
        return 0, len(segment_low)
    found = fuzz.partial_ratio_alignment(cue_low, segment_low)
    if found is None:
        return 0, len(segment_low)
    a, b = found.dest_start, found.dest_end
    while a > 0 and _word_char(segment_low[a - 1]):
        a -= 1
    while b < len(segment_low) and _word_char(segment_low[b]):
        b += 1
    while a < b and not _word_char(segment_low[a]):
        a += 1
    while b > a and not _word_char(segment_low[b - 1]):
        b -= 1
    return (a, b) if a < b else (0, len(segment_low))


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"
