"""Fuzzy search for the coding app: the code picker, and search across every segment.

Both indexes are built once and then queried on every keystroke, so the work is arranged to
leave Python only the few candidates: rapidfuzz's ``process.extract`` (C++) compares a query
word with every distinct word of the codebook or the corpus, and inverted lists take a matching
word to the codes or segments that contain it; the candidate segments of a many-word query are
scored with numpy arrays.

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
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from typing import Protocol, cast

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import text
from sqlmodel import Session

from qualcode.analysis.postings import BATCH, Postings

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
_NO_CASES: tuple[array[int], str] = (array("I"), "")

Row = tuple[int, int, int, int, str]  # source id, segment id, ordinal, start in source, text


class SegmentIndex:
    """Every segment of a project, indexed for :meth:`search`.

    Building reads each segment once (a few seconds for 200,000 segments): do it off the UI
    thread and keep the index while the project's segments do not change.

    The index is sized for large projects (issue 9: 1.9 million segments in under 500 MB): the
    text is kept once, lowered, in long strings; a segment's own text is rebuilt from it and the
    few characters where lowering changed it; numbers are arrays of 4 bytes a segment while
    they fit, and the inverted lists are :class:`~qualcode.analysis.postings.Postings`.
    """

    def __init__(self, rows: Iterable[Row], expected: int | None = None) -> None:
        """``expected``: about how many rows will come, if ``rows`` has no length; it lets
        the inverted lists of common words take their compact form early."""
        if expected is None and isinstance(rows, Sized):
            expected = len(rows)
        # 'I' until a number does not fit (see _widen)
        self._source_ids = array("I")
        self._segment_ids = array("I")
        self._ordinals = array("I")
        self._starts = array("I")
        # Lowered segments joined by _SEP, in corpus order. A chunk holds segments of one string
        # kind only, so that one emoji does not make its neighbours four bytes a character.
        self._chunks: list[str] = []
        self._chunk_first = array("q")  # the first segment of each chunk
        self._local = array("I")  # where each segment begins in its chunk
        # Per chunk, where the segments' own text differs from the lowered one (capitals,
        # mostly: about 1.5% of the characters) and its characters there, for the snippets.
        self._cases: list[tuple[array[int], str]] = []
        postings = Postings(expected)
        batch: defaultdict[str, list[int]] = defaultdict(list)
        lows: list[str] = []
        originals: list[str] = []
        pending_kind = 0
        offset = 0
        index = -1
        for index, row in enumerate(rows):
            source_id, segment_id, ordinal, start, segment_text = row
            try:
                self._source_ids.append(source_id)
                self._segment_ids.append(segment_id)
                self._ordinals.append(ordinal)
                self._starts.append(start)
            except OverflowError:
                self._widen(row, index)
            # _lower, _kind and _words inlined for their usual case (ASCII): this loop runs
            # once per segment, 1.9 million times at scale L
            low = segment_text.lower()
            if len(low) != len(segment_text):
                low = _lower(segment_text)
            ascii = low.isascii()
            kind = 1 if ascii else _kind(low)
            if lows and (kind != pending_kind or len(lows) == _CHUNK):
                self._add_chunk(lows, originals)
                lows, originals, offset = [], [], 0
            if not lows:
                self._chunk_first.append(index)
                pending_kind = kind
            lows.append(low)
            originals.append(segment_text)
            self._local.append(offset)
            offset += len(low) + 1
            for word in set(low.translate(_ASCII_NON_WORD).split() if ascii else _words(low)):
                batch[word].append(index)
            if not (index + 1) % BATCH:
                postings.add(batch, index + 1)
                batch = defaultdict(list)
        count = index + 1
        if lows:
            self._add_chunk(lows, originals)
        self._chunk_first.append(count)  # so chunk c is [first[c], first[c + 1])
        postings.add(batch, count)
        postings.finish(count)
        self._postings = postings
        self._vocab = postings.vocab
        # every word once, for finding the words a phrase is part of with one str.find loop
        self._vocab_text = "\n".join(self._vocab)
        self._vocab_starts = array(
            "q", itertools.accumulate((len(w) + 1 for w in self._vocab), initial=0)
        )

    def _widen(self, row: Row, index: int) -> None:
        """A number of ``row`` does not fit in 4 bytes: every number column takes 8 from now."""
        names = ("_source_ids", "_segment_ids", "_ordinals", "_starts")
        for name, value in zip(names, row, strict=False):
            wide = array("q", getattr(self, name))
            if len(wide) == index:  # not appended before the one that did not fit
                wide.append(value)
            setattr(self, name, wide)

    def _add_chunk(self, lows: list[str], originals: list[str]) -> None:
        chunk = _SEP.join(lows)
        self._chunks.append(chunk)
        original = _SEP.join(originals)
        if original == chunk:
            self._cases.append(_NO_CASES)
            return
        # _lower keeps every code point in its place, so the two differ character by character
        codec, errors, dtype = (
            ("latin-1", "strict", np.uint8)
            if chunk.isascii() and original.isascii()
            else ("utf-32-le", "surrogatepass", np.uint32)
        )
        theirs = np.frombuffer(original.encode(codec, errors), dtype=dtype)
        at = np.flatnonzero(theirs != np.frombuffer(chunk.encode(codec, errors), dtype=dtype))
        chars = theirs[at].tobytes().decode(codec, errors)
        self._cases.append((array("I", at.astype(np.uint32).tobytes()), chars))

    @classmethod
    def from_rows(cls, rows: Iterable[Row]) -> SegmentIndex:
        """Rows of ``(source_id, segment_id, ordinal, start, text)`` in the order hits tie in.

        ``start`` is the segment's offset in its source, so hits can give source offsets.
        """
        return cls(rows)

    @classmethod
    def from_session(cls, session: Session) -> SegmentIndex:
        """All segments of the project, by source and ordinal.

        Each source's text is read once and sliced here: ``substr(source.text, ...)`` per
        segment costs SQLite a walk from the start of the UTF-8 text for every segment (2.7 s
        for 9,000 segments of three 300,000-character sources). The sources are read one at a
        time, beside the segments, not all at once (270 MB of text at scale L).
        """
        conn = session.connection()
        count = conn.execute(text("SELECT count(*) FROM segment")).scalar_one()
        # The driver's own cursors, in the session's transaction: reading SQLAlchemy's rows
        # costs a third more, 1.9 million times at scale L.
        driver = conn.connection.dbapi_connection
        assert driver is not None
        sources, segments = driver.cursor(), driver.cursor()
        try:
            sources.execute("SELECT id, text FROM source ORDER BY id")
            segments.execute(
                'SELECT source_id, id, ordinal, start, "end" FROM segment '
                "ORDER BY source_id, ordinal"
            )

            def rows() -> Iterator[Row]:
                texts = iter(cast("Iterable[tuple[int, str]]", sources))
                source_id, source_text = None, ""
                for s, g, o, a, b in cast("Iterable[tuple[int, int, int, int, int]]", segments):
                    while source_id != s:
                        source_id, source_text = next(texts)
                    yield s, g, o, a, source_text[a:b]

            return cls(rows(), expected=count)
        finally:
            sources.close()
            segments.close()

    def __len__(self) -> int:
        return len(self._local)

    def search(self, query: str, limit: int = 50, min_score: float = 70) -> list[SearchHit]:
        """Segments matching ``query``, best first, at most one hit per segment.

        Exact (case-insensitive) hits come first, scored 100: whole words in corpus order, then
        hits inside longer words. Then fuzzy hits scoring at least ``min_score``: every query
        word is matched to corpus words within a typo, rare words count more than common ones,
        and a segment holding only some of the words (at least a quarter of the query's weight
        at the default ``min_score``) or holding them far apart scores lower.
        """
        phrase = _lower(" ".join(query.replace(_SEP, " ").split()))
        if not phrase or limit <= 0 or not len(self):
            return []
        exact = self._exact(phrase, limit)
        hits = [self._hit(i, a, a + len(phrase), 100.0) for i, a in exact]
        if len(hits) < limit:
            done = {i for i, _ in exact}
            for i, a, b, score in self._fuzzy(phrase, limit - len(hits), min_score, done):
                hits.append(self._hit(i, a, b, score))
        return hits

    # -- the text of a segment

    def _end(self, c: int, i: int) -> int:
        """Where segment ``i`` of chunk ``c`` ends in the chunk."""
        if i + 1 < self._chunk_first[c + 1]:
            return self._local[i + 1] - 1  # before the _SEP
        return len(self._chunks[c])

    def _segment_low(self, i: int) -> str:
        c = bisect_right(self._chunk_first, i) - 1
        return self._chunks[c][self._local[i] : self._end(c, i)]

    def _segment_text(self, i: int) -> str:
        """The segment as it was given: the lowered text with the original characters back."""
        c = bisect_right(self._chunk_first, i) - 1
        a, b = self._local[i], self._end(c, i)
        low = self._chunks[c][a:b]
        at, chars = self._cases[c]
        first, last = bisect_left(at, a), bisect_left(at, b)
        if first == last:
            return low
        letters = list(low)
        for k in range(first, last):
            letters[at[k] - a] = chars[k]
        return "".join(letters)

    # -- exact hits

    def _exact(self, phrase: str, limit: int) -> list[tuple[int, int]]:
        """``(segment index, offset in segment)`` of exact hits: whole words, then inside words."""
        words = _WORD.findall(phrase)
        whole: list[tuple[int, int]] = []
        inside: list[tuple[int, int]] | None = None
        # A whole-word hit holds every word of the phrase as a word of the segment.
        rarest = min(set(words), key=self._postings.df) if words else None
        if rarest is not None and self._postings.df(rarest) <= _VERIFY_MAX:
            # none if a word of the phrase is no word of the corpus
            for i in self._postings.iter(rarest):
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
        best: list[str] | None = None
        for word in set(words):
            family = self._containing(word)
            if family is not None and not family:
                return []  # a word of the phrase is part of no word at all
            if family is not None and (best is None or self._df(family) < self._df(best)):
                best = family
        if best is None or self._df(best) > _VERIFY_MAX:
            return self._scan(phrase, limit, done, whole_words=False)[0]
        found: list[tuple[int, int]] = []
        previous = -1
        for i in heapq.merge(*map(self._postings.iter, best)):
            if i == previous or i in done:
                continue
            previous = i
            at = self._segment_low(i).find(phrase)
            if at >= 0:
                found.append((i, at))
                if len(found) == limit:
                    break
        return found

    def _containing(self, word: str) -> list[str] | None:
        """The corpus words containing ``word``; None if too many."""
        family: list[str] = []
        at = self._vocab_text.find(word)
        while at >= 0:
            k = bisect_right(self._vocab_starts, at) - 1
            family.append(self._vocab[k])
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
                seg_end = self._end(c, i)
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
        n = len(self)
        variants: list[list[tuple[str, float]]] = []  # per query word, best first
        weights: list[float] = []
        for word in words:
            found = process.extract(
                word, self._vocab, scorer=fuzz.ratio, score_cutoff=_VARIANT_CUTOFF, limit=None
            )
            variants.append([(v, s) for v, s, _ in found])
            df = min(n, self._df(v for v, _, _ in found))
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
                group.append(self._postings.iter(found[k][0]))
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
        """The ``wanted`` best segments by word evidence, before locating the phrase.

        Sets of segments are boolean masks over the corpus and a word's scores are arrays over
        the candidates: at 1.9 million segments, Python sets and dicts of a common word's
        segments took hundreds of megabytes and most of the time. The arithmetic is the same,
        in the same order, as one segment at a time.
        """
        total_weight = sum(weights)
        # score = quality * (0.6 + 0.4 * coverage): a segment needs this much of the weight
        need = (min_score / 100 - 0.6) / 0.4 * total_weight
        # Only segments holding one of the heaviest words can reach ``need``.
        order = sorted(range(len(weights)), key=lambda j: -weights[j])
        rest = total_weight
        in_pool = np.zeros(len(self), dtype=bool)
        heavy = []
        for j in order:
            if rest < need or np.count_nonzero(in_pool) > _MAX_POOL:
                break  # the later words are common: enough segments hold the rarer ones
            heavy.append(j)
            for v, _ in variants[j]:
                self._postings.mark(v, in_pool)
            rest -= weights[j]
        in_pool[list(done)] = False
        if np.count_nonzero(in_pool) > _MAX_POOL:
            # Common words only: the segments holding all of them, the first in corpus order.
            for found in variants:
                if found:
                    holding = np.zeros(len(self), dtype=bool)
                    for v, _ in found:
                        self._postings.mark(v, holding)
                    both = in_pool & holding
                    if np.count_nonzero(both) >= wanted:
                        in_pool = both
        pool = np.flatnonzero(in_pool)[:_MAX_POOL]
        if not len(pool):
            return []
        covered = np.zeros(len(pool))
        quality = np.zeros(len(pool))
        for j, (found, weight) in enumerate(zip(variants, weights, strict=True)):
            score = np.full(len(pool), np.nan)  # NaN: the segment holds no variant of word j
            if j in heavy or self._df(v for v, _ in found) <= 100 * len(pool):
                for v, s in reversed(found):  # best variant last, so it wins
                    score[self._postings.holds(v, pool)] = s
            else:  # the best variant the segment holds
                for v, s in found:
                    score = np.fmax(score, np.where(self._postings.holds(v, pool), s, np.nan))
            has = ~np.isnan(score)
            covered[has] += weight
            quality[has] += weight * score[has]
        with np.errstate(divide="ignore", invalid="ignore"):
            prelim = quality / covered * (0.6 + 0.4 * covered / total_weight)
        keep = prelim >= min_score
        pool, prelim = pool[keep], prelim[keep]
        best = np.lexsort((pool, -prelim))[:wanted]  # best score first, then corpus order
        return list(zip(prelim[best].tolist(), pool[best].tolist(), strict=True))

    # -- results

    def _df(self, words: Iterable[str]) -> int:
        """The segments holding each of ``words``, summed."""
        return sum(map(self._postings.df, words))

    def _hit(self, i: int, a: int, b: int, score: float) -> SearchHit:
        start = self._starts[i]
        return SearchHit(
            source_id=self._source_ids[i],
            segment_id=self._segment_ids[i],
            ordinal=self._ordinals[i],
            start=start + a,
            end=start + b,
            score=score,
            snippet=snippet(self._segment_text(i), a, b),
        )


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
