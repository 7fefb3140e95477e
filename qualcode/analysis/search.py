"""Fuzzy search for the coding app: the code picker, and search across every segment.

Both indexes are built once and then queried on every keystroke, so the work is arranged to
leave Python only the few candidates: rapidfuzz's ``process.extract`` (C++) compares a query
word with every distinct word of the codebook or the corpus, and inverted lists take a matching
word to the codes or segments that contain it. (``process.cdist`` would need numpy, which is not
a dependency.)

- :class:`CodeMatcher` ranks codes for a typed query ("empowr trainng" finds
  *Empowering/Training and coaching*): every query word is matched to its best word in the
  code's name, path, keywords, brief and definition, in that order of weight, and the words'
  scores are averaged; a query that is a phrase of the name earns a bonus.
- :class:`SegmentIndex` finds segments: case-insensitive exact hits first (whole words before
  parts of words), then typo-tolerant hits ("licencing" finds "licensing"), each with the code
  point offsets of the matched phrase in its source.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz, process
from sqlalchemy import text
from sqlmodel import Session

__all__ = ["CodeLike", "CodeMatch", "CodeMatcher", "SearchHit", "SegmentIndex"]

_WORD = re.compile(r"\w+")
# ASCII text is tokenized with translate + split, several times faster than the regex and the
# same tokens: \w on ASCII is [A-Za-z0-9_].
_ASCII_NON_WORD = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}
)


def _words(low: str) -> list[str]:
    if low.isascii():
        return low.translate(_ASCII_NON_WORD).split()
    return _WORD.findall(low)


def _kind(s: str) -> int:
    """The bytes a character ``s`` takes in CPython: 1, 2 or 4."""
    if s.isascii():
        return 1
    widest = max(s)
    return 1 if widest <= "\xff" else 2 if widest <= "\uffff" else 4


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"  # exactly re's \w on str


def _lower(s: str) -> str:
    """``s.lower()``, one code point for one, so that offsets in it are offsets in ``s``.

    A few characters lower to two code points ("İ" to "i̇"); those are kept as they are.
    """
    low = s.lower()
    if len(low) == len(s):  # lowering never shortens a character, so every one mapped 1:1
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in s)


def _phrase(s: str) -> str:
    """Folded words joined by one space: "Training  and Coaching!" -> "training and coaching"."""
    return " ".join(_WORD.findall(_fold(s)))


def _fold(s: str) -> str:
    """Lower case without accents, for matching code names ("cafe" finds "Café")."""
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# --- the code picker ----------------------------------------------------------------------------


class CodeLike(Protocol):
    """What the matcher reads of a code: ``storage.views.CodeRow`` has it, so do test doubles."""

    @property
    def id(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def keywords(self) -> Sequence[str]: ...
    @property
    def brief(self) -> str: ...
    @property
    def definition(self) -> str: ...


@dataclass(frozen=True)
class CodeMatch:
    code_id: int
    path: str
    score: float  # 0..100; 0 for every code when the query is empty
    matched: str  # what matched best: "name", "path: Empowering", "keyword: training", ...


# Weights of the fields a query word can match, highest first; a word found in several fields
# counts in the heaviest.
NAME_WEIGHT = 1.0
PATH_WEIGHT = 0.95  # a parent's name: "empowering" also finds the codes below Empowering
KEYWORD_WEIGHT = 0.85
BRIEF_WEIGHT = 0.7
DEFINITION_WEIGHT = 0.6

# Query words that carry no meaning in a code name ("training and coaching").
_STOPWORDS = frozenset("a an and are as at by for from in is of on or the to with".split())
_PREFIX_SCORE = 95.0  # a word the researcher is still typing: "train" for "training"
_MIN_WORD_SCORE = 70.0


class CodeMatcher:
    """Ranks the codes of a codebook for a typed query; build once, search on every keystroke."""

    def __init__(self, codes: Sequence[CodeLike]) -> None:
        self._codes = [(c.id, c.path) for c in codes]
        # word -> [(code index, field weight, field label)], the heaviest field per code
        postings: dict[str, list[tuple[int, float, str]]] = {}
        # per code: name, path and keywords as normalized phrases, for the phrase bonus
        self._phrases: list[tuple[str, str, list[tuple[str, str]]]] = []
        for index, code in enumerate(codes):
            fields = [(NAME_WEIGHT, "name", code.name)]
            fields += [(PATH_WEIGHT, f"path: {p}", p) for p in code.path.split("/")[:-1]]
            fields += [(KEYWORD_WEIGHT, f"keyword: {k}", k) for k in code.keywords]
            fields += [(BRIEF_WEIGHT, "brief", code.brief)]
            fields += [(DEFINITION_WEIGHT, "definition", code.definition)]
            seen: set[str] = set()
            for weight, label, value in fields:
                for word in _WORD.findall(_fold(value)):
                    if word not in seen:
                        seen.add(word)
                        postings.setdefault(word, []).append((index, weight, label))
            self._phrases.append(
                (
                    _phrase(code.name),
                    _phrase(code.path),
                    [(_phrase(k), f"keyword: {k}") for k in code.keywords],
                )
            )
        self._postings = postings
        self._vocab = list(postings)
        self._sorted_vocab = sorted(postings)

    def __len__(self) -> int:
        return len(self._codes)

    def search(self, query: str, limit: int = 20, *, min_score: float = 40.0) -> list[CodeMatch]:
        """The best ``limit`` codes for ``query`` scoring ``min_score`` or more, best first;
        ties keep codebook order.

        An empty (blank) query gives every code in codebook order with score 0, whatever
        ``limit`` is: the picker then shows the whole codebook.
        """
        if not query.strip():
            return [CodeMatch(cid, path, 0.0, "") for cid, path in self._codes]
        words = list(dict.fromkeys(_WORD.findall(_fold(query))))
        meaningful = [w for w in words if w not in _STOPWORDS]
        words = meaningful or words
        if not words or limit <= 0:
            return []
        n = len(self._codes)
        total = [0.0] * n
        best_word = [0.0] * n  # the best single word score of each code, and where it was
        label: list[str] = [""] * n
        for word in words:
            best = [0.0] * n
            where: list[str] = [""] * n
            for vocab_word, score in self._word_scores(word).items():
                for index, weight, field in self._postings[vocab_word]:
                    value = score * weight
                    if value > best[index]:
                        best[index] = value
                        where[index] = field
            for index, value in enumerate(best):
                if value:
                    total[index] += value
                    if value > best_word[index]:
                        best_word[index] = value
                        label[index] = where[index]
        phrase = _phrase(query)
        ranked: list[tuple[float, int, str]] = []
        for index in range(n):
            if not total[index]:
                continue
            bonus, bonus_label = self._phrase_bonus(index, phrase)
            score = round(0.9 * total[index] / len(words) + bonus, 2)
            if score >= min_score:
                ranked.append((-score, index, bonus_label or label[index]))
        return [
            CodeMatch(self._codes[i][0], self._codes[i][1], -neg, field)
            for neg, i, field in heapq.nsmallest(limit, ranked)
        ]

    def _word_scores(self, word: str) -> dict[str, float]:
        """Codebook words that ``word`` may stand for, with a 0..100 score each."""
        scores: dict[str, float] = {}
        vocab = self._sorted_vocab
        i = bisect_left(vocab, word)
        while i < len(vocab) and vocab[i].startswith(word):
            scores[vocab[i]] = 100.0 if vocab[i] == word else _PREFIX_SCORE
            i += 1
        n = len(word)
        if n < 3:  # one or two letters: prefixes only, anything else matches everything
            return scores
        found = process.extract(
            word, self._vocab, scorer=fuzz.partial_ratio, score_cutoff=70, limit=None
        )
        for candidate, partial, _ in found:
            if candidate in scores:
                continue
            score = fuzz.ratio(word, candidate)  # a typo in a whole word: "trainng"
            if len(candidate) > n:
                # a typo in a word still being typed ("empowr"), tolerating one letter
                # dropped or added, or the query inside a longer word ("coach" in "coaching")
                heads = (candidate[:k] for k in (n - 1, n, n + 1))
                prefix = 0.95 * max(fuzz.ratio(word, head) for head in heads)
                score = max(score, prefix, 0.8 * partial)
            if score >= _MIN_WORD_SCORE:
                scores[candidate] = score
        return scores

    def _phrase_bonus(self, index: int, phrase: str) -> tuple[float, str]:
        """Up to 10 points when the whole query is (the start of) the name, path or a keyword."""
        name, path, keywords = self._phrases[index]
        if not phrase:
            return 0.0, ""
        if name == phrase:
            return 10.0, "name"
        if name.startswith(phrase):
            return 7.0, "name"
        if f" {phrase}" in f" {name}":
            return 5.0, "name"
        if f" {phrase}" in f" {path}":
            return 4.0, ""
        for keyword, label in keywords:
            if keyword.startswith(phrase):
                return 3.0, label
        return 0.0, ""


# --- search across segments ---------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    source_id: int
    segment_id: int
    ordinal: int
    start: int  # the matched phrase: source.text[start:end], code points
    end: int
    score: float  # 100 for an exact hit, less for a fuzzy one
    snippet: str  # about SNIPPET_WIDTH characters of the segment around the hit, on one line


SNIPPET_WIDTH = 120
_CHUNK = 512  # segments per scanned string, at most
_SEP = "\x00"  # between segments in a chunk; a query never contains it
_VARIANT_CUTOFF = 75.0  # fuzz.ratio of a query word and a corpus word: one typo in 4+ letters
_MAX_CONTAINING = 64  # words containing a phrase worth following; more: scan the text
_VERIFY_MAX = 4096  # above this many candidates, scanning the text beats checking each
_MAX_WORDS = 6  # of a long query, the rarest words find the segments
_MAX_POOL = 20_000  # segments scored word by word before locating the best
_MAX_SPREAD_PENALTY = 10.0
_MAX_GAP = 6  # other words between query words still reported as one phrase
_FUZZY_CAP = 99.0  # fuzzy hits stay below exact ones


class SegmentIndex:
    """Every segment of a project, indexed for :meth:`search`.

    Building reads each segment once (a few seconds for 200,000 segments): do it off the UI
    thread and keep the index while the project's segments do not change.
    """

    def __init__(self, rows: Iterable[tuple[int, int, int, int, str]]) -> None:
        self._source_ids = array("q")
        self._segment_ids = array("q")
        self._ordinals = array("q")
        self._starts = array("q")
        self._texts: list[str] = []
        # Lowered segments joined by _SEP, in corpus order. A chunk holds segments of one string
        # kind only, so that one emoji does not make its neighbours four bytes a character.
        self._chunks: list[str] = []
        self._chunk_first = array("q")  # the first segment of each chunk
        self._chunk_of = array("q")  # each segment's chunk
        self._local = array("q")  # where each segment begins in its chunk
        postings: dict[str, list[int]] = {}
        get = postings.get
        pending: list[str] = []
        pending_kind = 0
        offset = 0
        for index, (source_id, segment_id, ordinal, start, segment_text) in enumerate(rows):
            self._source_ids.append(source_id)
            self._segment_ids.append(segment_id)
            self._ordinals.append(ordinal)
            self._starts.append(start)
            self._texts.append(segment_text)
            low = _lower(segment_text)
            kind = _kind(low)
            if pending and (kind != pending_kind or len(pending) == _CHUNK):
                self._chunks.append(_SEP.join(pending))
                pending, offset = [], 0
            if not pending:
                self._chunk_first.append(index)
                pending_kind = kind
            pending.append(low)
            self._chunk_of.append(len(self._chunks))
            self._local.append(offset)
            offset += len(low) + 1
            for word in set(_words(low)):
                segments = get(word)
                if segments is None:
                    postings[word] = [index]
                else:
                    segments.append(index)
        if pending:
            self._chunks.append(_SEP.join(pending))
        self._chunk_first.append(len(self._texts))  # so chunk c is [first[c], first[c + 1])
        self._postings = postings
        self._vocab = list(postings)
        # every word once, for finding the words a phrase is part of with one str.find loop
        self._vocab_text = "\n".join(self._vocab)
        self._vocab_starts = array(
            "q", itertools.accumulate((len(w) + 1 for w in self._vocab), initial=0)
        )

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int, int, int, str]]) -> SegmentIndex:
        """Rows of ``(source_id, segment_id, ordinal, start, text)`` in the order hits tie in.

        ``start`` is the segment's offset in its source, so hits can give source offsets.
        """
        return cls(rows)

    @classmethod
    def from_session(cls, session: Session) -> SegmentIndex:
        """All segments of the project, by source and ordinal.

        Two queries, each source's text read once and sliced here: ``substr(source.text, ...)``
        per segment costs SQLite a walk from the start of the UTF-8 text for every segment
        (2.7 s for 9,000 segments of three 300,000-character sources).
        """
        conn = session.connection()
        texts: dict[int, str] = {
            r[0]: r[1] for r in conn.execute(text("SELECT id, text FROM source"))
        }
        segments = conn.execute(
            text(
                'SELECT source_id, id, ordinal, start, "end" FROM segment '
                "ORDER BY source_id, ordinal"
            )
        )
        return cls((s, g, o, a, texts[s][a:b]) for s, g, o, a, b in segments)

    def __len__(self) -> int:
        return len(self._texts)

    def search(self, query: str, limit: int = 50, min_score: float = 70) -> list[SearchHit]:
        """Segments matching ``query``, best first, at most one hit per segment.

        Exact (case-insensitive) hits come first, scored 100: whole words in corpus order, then
        hits inside longer words. Then fuzzy hits scoring at least ``min_score``: every query
        word is matched to corpus words within a typo, rare words count more than common ones,
        and a segment holding only some of the words (at least a quarter of the query's weight
        at the default ``min_score``) or holding them far apart scores lower.
        """
        phrase = _lower(" ".join(query.replace(_SEP, " ").split()))
        if not phrase or limit <= 0 or not self._texts:
            return []
        exact = self._exact(phrase, limit)
        hits = [self._hit(i, a, a + len(phrase), 100.0) for i, a in exact]
        if len(hits) < limit:
            done = {i for i, _ in exact}
            for i, a, b, score in self._fuzzy(phrase, limit - len(hits), min_score, done):
                hits.append(self._hit(i, a, b, score))
        return hits

    # -- exact hits

    def _segment_low(self, i: int) -> str:
        local = self._local[i]
        return self._chunks[self._chunk_of[i]][local : local + len(self._texts[i])]

    def _exact(self, phrase: str, limit: int) -> list[tuple[int, int]]:
        """``(segment index, offset in segment)`` of exact hits: whole words, then inside words."""
        words = _WORD.findall(phrase)
        whole: list[tuple[int, int]] = []
        inside: list[tuple[int, int]] | None = None
        # A whole-word hit holds every word of the phrase as a word of the segment.
        lists = [self._postings.get(w, []) for w in set(words)]
        shortest = min(lists, key=len) if lists else None
        if shortest is not None and len(shortest) <= _VERIFY_MAX:
            for i in shortest:  # empty if a word of the phrase is no word of the corpus
                at = self._whole_word_at(self._segment_low(i), phrase)
                if at >= 0:
                    whole.append((i, at))
                    if len(whole) == limit:
                        return whole
        else:
            whole, inside = self._scan(phrase, limit, set(), whole_words=True)
        if len(whole) < limit:
            if inside is None:
                inside = self._inside_words(
                    phrase, words, limit - len(whole), {i for i, _ in whole}
                )
            whole += inside[: limit - len(whole)]
        return whole

    def _inside_words(
        self, phrase: str, words: list[str], limit: int, done: set[int]
    ) -> list[tuple[int, int]]:
        """The other exact hits, where the phrase starts or ends inside a longer word.

        Each word of the phrase is part of some word of such a segment: the segments of the
        words containing the rarest phrase word are the candidates, unless they are too many.
        """
        best: list[list[int]] | None = None
        for word in set(words):
            family = self._containing(word)
            if family is not None and not family:
                return []  # a word of the phrase is part of no word at all
            if family is not None and (best is None or _size(family) < _size(best)):
                best = family
        if best is None or _size(best) > _VERIFY_MAX:
            return self._scan(phrase, limit, done, whole_words=False)[0]
        found: list[tuple[int, int]] = []
        previous = -1
        for i in heapq.merge(*best):
            if i == previous or i in done:
                continue
            previous = i
            at = self._segment_low(i).find(phrase)
            if at >= 0:
                found.append((i, at))
                if len(found) == limit:
                    break
        return found

    def _containing(self, word: str) -> list[list[int]] | None:
        """The inverted lists of the corpus words containing ``word``; None if too many."""
        family: list[list[int]] = []
        at = self._vocab_text.find(word)
        while at >= 0:
            k = bisect_right(self._vocab_starts, at) - 1
            family.append(self._postings[self._vocab[k]])
            if len(family) > _MAX_CONTAINING:
                return None
            at = self._vocab_text.find(word, self._vocab_starts[k + 1])
        return family

    @staticmethod
    def _whole_word_at(low: str, phrase: str) -> int:
        at = low.find(phrase)
        while at >= 0:
            if _bounded(low, at, at + len(phrase), phrase):
                return at
            at = low.find(phrase, at + 1)
        return -1

    def _scan(
        self, phrase: str, limit: int, skip: set[int], whole_words: bool
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]] | None]:
        """The first hit in each segment, in corpus order, by scanning the chunks.

        With ``whole_words``, hits inside words are gathered on the way (up to ``limit``) and
        returned second if the scan went through the whole corpus, saving a second pass.
        """
        found: list[tuple[int, int]] = []
        inside: dict[int, int] = {}
        size = len(phrase)
        for c, chunk in enumerate(self._chunks):
            first, last = self._chunk_first[c], self._chunk_first[c + 1]
            at = chunk.find(phrase)
            while at >= 0:
                i = bisect_right(self._local, at, first, last) - 1
                local = self._local[i]
                seg_end = local + len(self._texts[i])
                if i in skip:
                    at = chunk.find(phrase, seg_end + 1)
                elif at + size > seg_end:  # runs into the next segment
                    at = chunk.find(phrase, at + 1)
                elif not whole_words or _bounded(chunk, at, at + size, phrase, local, seg_end):
                    inside.pop(i, None)
                    found.append((i, at - local))
                    if len(found) == limit:
                        return found, None
                    at = chunk.find(phrase, seg_end + 1)
                else:
                    if len(inside) < limit:
                        inside.setdefault(i, at - local)
                    at = chunk.find(phrase, at + 1)
        return found, list(inside.items()) if whole_words else None

    # -- fuzzy hits

    def _fuzzy(
        self, phrase: str, limit: int, min_score: float, done: set[int]
    ) -> list[tuple[int, int, int, float]]:
        words = list(dict.fromkeys(_WORD.findall(phrase)))
        if not words:
            return []
        n = len(self._texts)
        variants: list[list[tuple[str, float]]] = []  # per query word, best first
        weights: list[float] = []
        for word in words:
            found = process.extract(
                word, self._vocab, scorer=fuzz.ratio, score_cutoff=_VARIANT_CUTOFF, limit=None
            )
            variants.append([(v, s) for v, s, _ in found])
            df = min(n, sum(len(self._postings[v]) for v, _, _ in found))
            weights.append(math.log1p(n / (1 + df)))  # rare words weigh more (idf)
        matched = [w for w, found in zip(weights, variants, strict=True) if found]
        if not matched:
            return []
        # A word found nowhere cannot tell segments apart, but a hit lacking it is worse: it
        # weighs as an average query word, and at least as a word found in 1% of segments.
        floor = math.log1p(n / (1 + n / 100))
        missing = max(floor, sum(matched) / len(matched))
        weights = [w if f else missing for w, f in zip(weights, variants, strict=True)]
        if len(words) > _MAX_WORDS:  # a long query: its most telling words
            keep = sorted(sorted(range(len(words)), key=lambda j: -weights[j])[:_MAX_WORDS])
            variants = [variants[j] for j in keep]
            weights = [weights[j] for j in keep]
        wanted = limit * 2 + 20  # candidates to locate; the spread penalty may reorder them
        if len(variants) == 1:
            candidates = self._single_word_candidates(variants[0], wanted, min_score, done)
        else:
            candidates = self._candidates(variants, weights, wanted, min_score, done)
        by_word: dict[str, list[tuple[int, float]]] = {}
        for j, found_j in enumerate(variants):
            for v, s in found_j:
                by_word.setdefault(v, []).append((j, s))
        located = []
        for prelim, i in candidates:
            a, b, penalty = _locate(self._segment_low(i), by_word, weights)
            score = round(min(_FUZZY_CAP, prelim - penalty), 2)
            if score >= min_score and b > a:
                located.append((-score, i, a, b))
        located.sort()
        return [(i, a, b, -neg) for neg, i, a, b in located[:limit]]

    def _single_word_candidates(
        self, found: list[tuple[str, float]], wanted: int, min_score: float, done: set[int]
    ) -> list[tuple[float, int]]:
        """Segments holding a variant of the one query word: best variant first, then corpus
        order; the inverted lists are sorted, so this reads only as far as it needs."""
        out: list[tuple[float, int]] = []
        seen = set(done)
        k = 0
        while k < len(found) and len(out) < wanted:
            score = found[k][1]
            group = []
            while k < len(found) and found[k][1] == score:
                group.append(self._postings[found[k][0]])
                k += 1
            if score < min_score:
                break
            for i in heapq.merge(*group):
                if i not in seen:
                    seen.add(i)
                    out.append((score, i))
                    if len(out) == wanted:
                        break
        return out

    def _candidates(
        self,
        variants: list[list[tuple[str, float]]],
        weights: list[float],
        wanted: int,
        min_score: float,
        done: set[int],
    ) -> list[tuple[float, int]]:
        """The ``wanted`` best segments by word evidence, before locating the phrase."""
        total_weight = sum(weights)
        # score = quality * (0.6 + 0.4 * coverage): a segment needs this much of the weight
        need = (min_score / 100 - 0.6) / 0.4 * total_weight
        # Only segments holding one of the heaviest words can reach ``need``.
        order = sorted(range(len(weights)), key=lambda j: -weights[j])
        rest = total_weight
        pool: set[int] = set()
        heavy = []
        for j in order:
            if rest < need or len(pool) > _MAX_POOL:
                break  # the later words are common: enough segments hold the rarer ones
            heavy.append(j)
            for v, _ in variants[j]:
                pool.update(self._postings[v])
            rest -= weights[j]
        pool -= done
        if len(pool) > _MAX_POOL:
            # Common words only: the segments holding all of them, the first in corpus order.
            for found in variants:
                if found:
                    holding: set[int] = set()
                    for v, _ in found:
                        holding.update(self._postings[v])
                    both = pool & holding
                    if len(both) >= wanted:
                        pool = both
            if len(pool) > _MAX_POOL:
                pool = set(sorted(pool)[:_MAX_POOL])
        if not pool:
            return []
        # A word's scores by segment; for a common word outside ``heavy``, reading the few
        # candidates' words is cheaper than going through its long inverted lists.
        by_segment: list[dict[int, float] | None] = []
        by_word = [dict(found) for found in variants]
        for j, found in enumerate(variants):
            size = sum(len(self._postings[v]) for v, _ in found)
            if j in heavy or size <= 100 * len(pool):
                merged: dict[int, float] = {}
                for v, s in reversed(found):  # best variant last, so it wins
                    merged.update(dict.fromkeys(self._postings[v], s))
                by_segment.append(merged)
            else:
                by_segment.append(None)
        scored = []
        for i in pool:
            covered = quality = 0.0
            words: set[str] | None = None
            for j, weight in enumerate(weights):
                scores = by_segment[j]
                if scores is not None:
                    score = scores.get(i)
                else:
                    if words is None:
                        words = set(_words(self._segment_low(i)))
                    lookup = by_word[j]
                    score = max((lookup[w] for w in words if w in lookup), default=None)
                if score is not None:
                    covered += weight
                    quality += weight * score
            prelim = quality / covered * (0.6 + 0.4 * covered / total_weight)
            if prelim >= min_score:
                scored.append((-prelim, i))
        return [(-neg, i) for neg, i in heapq.nsmallest(wanted, scored)]

    # -- results

    def _hit(self, i: int, a: int, b: int, score: float) -> SearchHit:
        start = self._starts[i]
        return SearchHit(
            source_id=self._source_ids[i],
            segment_id=self._segment_ids[i],
            ordinal=self._ordinals[i],
            start=start + a,
            end=start + b,
            score=score,
            snippet=snippet(self._texts[i], a, b),
        )


def _size(lists: list[list[int]]) -> int:
    return sum(map(len, lists))


def _bounded(s: str, a: int, b: int, phrase: str, lo: int = 0, hi: int | None = None) -> bool:
    """True if ``s[a:b]`` (== phrase) does not start or end inside a word of ``s[lo:hi]``."""
    hi = len(s) if hi is None else hi
    if _is_word_char(phrase[0]) and a > lo and _is_word_char(s[a - 1]):
        return False
    return not (_is_word_char(phrase[-1]) and b < hi and _is_word_char(s[b]))


def _locate(
    low: str, by_word: dict[str, list[tuple[int, float]]], weights: list[float]
) -> tuple[int, int, float]:
    """Where the query's words are in a segment: ``(start, end, penalty)``.

    The tightest run of words holding every query word found, with a penalty of 2 points per
    other word inside it; when they are more than _MAX_GAP words apart, the best single word,
    with the full penalty.
    """
    occurrences = []  # (word number, start, end, query word, weighted score)
    for number, m in enumerate(_WORD.finditer(low)):
        for j, score in by_word.get(m.group(), ()):
            occurrences.append((number, m.start(), m.end(), j, score * weights[j]))
    if not occurrences:
        return 0, 0, 0.0
    wanted = len({o[3] for o in occurrences})
    best = (len(low) + 1, 0, 0)  # (words spanned, first, last occurrence)
    counts: dict[int, int] = {}
    left = 0
    for right, (number, _, _, j, _) in enumerate(occurrences):
        counts[j] = counts.get(j, 0) + 1
        while len(counts) == wanted:
            span = number - occurrences[left][0] + 1
            if span < best[0]:
                best = (span, left, right)
            first_j = occurrences[left][3]
            counts[first_j] -= 1
            if not counts[first_j]:
                del counts[first_j]
            left += 1
    span, first, last = best
    gap = span - wanted
    if gap > _MAX_GAP:
        top = max(range(len(occurrences)), key=lambda k: (occurrences[k][4], -k))
        return occurrences[top][1], occurrences[top][2], _MAX_SPREAD_PENALTY
    return occurrences[first][1], occurrences[last][2], min(_MAX_SPREAD_PENALTY, 2.0 * gap)


def snippet(segment_text: str, start: int, end: int, width: int = SNIPPET_WIDTH) -> str:
    """About ``width`` characters of ``segment_text`` around ``[start, end)``, on one line.

    Cut at word boundaries where it can be, with "…" where text was left out.
    """
    n = len(segment_text)
    if n <= width:
        left, right = 0, n
    else:
        room = max(0, width - (end - start))
        left = max(0, start - room // 2)
        right = min(n, max(end, left + width))
        left = max(0, min(left, right - width))
        if left > 0:
            space = segment_text.find(" ", left, start)
            if 0 <= space < left + 15:
                left = space + 1
        if right < n:
            space = segment_text.rfind(" ", end, right)
            if space > right - 15:
                right = space
    body = " ".join(segment_text[left:right].split())
    return ("…" if left > 0 else "") + body + ("…" if right < n else "")
