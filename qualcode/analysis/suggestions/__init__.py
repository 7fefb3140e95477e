"""Suggested codings: passages that look like a code's passages, for a coder to accept or reject.

``suggest`` reads a project and returns a coder's suggestions; ``evaluate`` measures how good
they are against the coder's own codings. The scoring itself is in ``engine.py`` (pure, on rows);
accepting and rejecting are writes, in ``storage/suggestions.py``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlmodel import Session

from qualcode.analysis.suggestions.corpus import SegmentCorpus, SegmentRow, shards
from qualcode.analysis.suggestions.engine import (
    DEFAULT_THRESHOLD,
    Cue,
    Suggester,
    Suggestion,
    Suggestions,
    cues_for_code,
)
from qualcode.core.errors import QualcodeError
from qualcode.storage.views import CodeRow, code_rows

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_EXEMPLARS",
    "CodeScore",
    "Cue",
    "Evaluation",
    "SegmentCorpus",
    "SegmentRow",
    "Suggestion",
    "Suggestions",
    "evaluate",
    "suggest",
]


# Each code's most recent codings by the coder that are cues. Every exemplar is compared with the
# segments sharing its words, so the work grows with exemplars x segments: without a cap, a
# project ten times larger, coded at the same rate, takes a hundred times as long (about an hour
# at a million codings). The most recent, because a coder's reading of a code settles as the
# coding goes on.
MAX_EXEMPLARS = 100


@dataclass(frozen=True)
class CodingSpan:
    id: int
    code_id: int
    source_id: int
    start: int
    end: int


def suggest(
    session: Session,
    coder: str,
    *,
    code_ids: Sequence[int] | None = None,
    source_ids: Sequence[int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    workers: int = -1,
    corpus: SegmentCorpus | None = None,
    limit: int | None = None,
    max_exemplars: int | None = MAX_EXEMPLARS,
) -> Suggestions:
    """``coder``'s suggestions, best first: codable codes (``code_ids`` if given) scored over
    every segment (of ``source_ids`` if given). Exemplars are the coder's own codings (another
    coder's would carry their judgement into this coder's codings), each code's
    ``max_exemplars`` most recent (None: all); segments the coder already coded with the code,
    and rejected suggestions, are left out. Only the first ``limit`` are made into objects;
    ``.total`` of the result counts them all.

    A large project is scored a shard of sources at a time (see ``corpus.shards``); the
    suggestions are those of the whole project at once."""
    codes = _codes(session, code_ids)
    mine = coder_codings(session, coder)
    cues = _cues(session, codes, latest(mine, max_exemplars))
    rejected = rejected_pairs(session)
    parts = [corpus] if corpus is not None else shards(session, list(source_ids or []) or None)
    found: list[Suggestions] = []
    for scorer in _scorers(parts, cues, workers):
        found.append(scorer.suggest(threshold, _covered(scorer.corpus, mine) | rejected, limit))
        del scorer  # the next shard is read with none of this one held
    if len(found) == 1:
        return found[0]
    # the order of one corpus: best first, then text order (source, ordinal), then code
    out = Suggestions(
        sorted(
            (g for part in found for g in part),
            key=lambda g: (-g.score, g.source_id, g.ordinal, g.code_id),
        )[:limit]
    )
    out.total = sum(part.total for part in found)
    return out


def latest(codings: Sequence[CodingSpan], most: int | None) -> list[CodingSpan]:
    """Each code's ``most`` most recent of ``codings`` (coding ids are never reused, so the
    highest are the latest), in the order given; all of them if ``most`` is None."""
    if most is None:
        return list(codings)
    by_code: dict[int, list[int]] = {}
    for c in codings:
        by_code.setdefault(c.code_id, []).append(c.id)
    kept = {i for ids in by_code.values() for i in sorted(ids)[-most:]} if most else set()
    return [c for c in codings if c.id in kept]


def rejected_pairs(session: Session) -> set[tuple[int, int]]:
    """``(segment_id, code_id)`` of every rejected suggestion: never suggested again."""
    rows = session.connection().execute(
        text("SELECT segment_id, code_id FROM suggestion_rejection")
    )
    return {(s, c) for s, c in rows}


def coder_codings(session: Session, coder: str) -> list[CodingSpan]:
    rows = session.connection().execute(
        text(
            'SELECT cd.id, cd.code_id, cd.source_id, cd.start, cd."end" FROM coding cd '
            "JOIN coder k ON k.id = cd.coder_id WHERE k.name = :c ORDER BY cd.id"
        ),
        {"c": coder},
    )
    return [CodingSpan(*r) for r in rows]


# --- evaluation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeScore:
    code_id: int
    path: str
    exemplars: int  # codings used as exemplars
    held_out: int  # segments of the held-out codings (the truth)
    suggested: int  # segments suggested
    hits: int  # suggested segments that are held out

    @property
    def precision(self) -> float | None:
        return self.hits / self.suggested if self.suggested else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.held_out if self.held_out else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Evaluation:
    coder: str
    threshold: float
    seed: int
    fraction: float
    codes: list[CodeScore]
    overall: CodeScore  # micro-average: counts summed over the codes


def evaluate(
    session: Session,
    coder: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = 0,
    fraction: float = 0.5,
    code_ids: Sequence[int] | None = None,
    workers: int = -1,
    max_exemplars: int | None = MAX_EXEMPLARS,
) -> Evaluation:
    """Hold out part of ``coder``'s codings and see whether suggestions find them again.

    Per code, the coder's codings are shuffled with ``seed`` and ``fraction`` of them (rounded
    down) are kept as the coder's codings; the rest are held out. Suggestions are made as
    :func:`suggest` makes them (the codebook, and as exemplars the ``max_exemplars`` most recent
    kept codings of each code) over every segment not coded by a kept coding; a suggested
    segment is a hit when a held-out coding of that code overlaps it. Precision, recall and F1
    per code, and overall (counts summed over codes).
    """
    codes = _codes(session, code_ids)
    by_code: dict[int, list[CodingSpan]] = {}
    theirs = coder_codings(session, coder)
    if not theirs:
        raise QualcodeError(f"coder '{coder}' has no codings to hold out (see 'qualcode status')")
    for c in theirs:
        by_code.setdefault(c.code_id, []).append(c)
    rng = random.Random(seed)
    exemplars: list[CodingSpan] = []
    held_out: list[CodingSpan] = []
    for code in codes:
        spans = by_code.get(code.id, [])
        rng.shuffle(spans)
        cut = int(len(spans) * fraction)
        exemplars += spans[:cut]
        held_out += spans[cut:]
    used = latest(exemplars, max_exemplars)
    cues = _cues(session, codes, used)
    found: set[tuple[int, int]] = set()
    truth: set[tuple[int, int]] = set()
    for scorer in _scorers(shards(session), cues, workers):
        covered = _covered(scorer.corpus, exemplars)
        truth |= _covered(scorer.corpus, held_out) - covered
        found |= scorer.pairs(threshold, covered)
        del scorer
    scores = []
    for code in codes:
        mine = {p for p in found if p[1] == code.id}
        true = {p for p in truth if p[1] == code.id}
        n_ex = sum(1 for e in used if e.code_id == code.id)
        scores.append(CodeScore(code.id, code.path, n_ex, len(true), len(mine), len(mine & true)))
    overall = CodeScore(
        0,
        "overall",
        sum(s.exemplars for s in scores),
        sum(s.held_out for s in scores),
        sum(s.suggested for s in scores),
        sum(s.hits for s in scores),
    )
    return Evaluation(coder, threshold, seed, fraction, scores, overall)


# --- shared -------------------------------------------------------------------------------------


def _scorers(parts: Iterable[SegmentCorpus], cues: list[Cue], workers: int) -> Iterator[Suggester]:
    """A Suggester of ``cues`` over each shard in turn, the cue words matched in the vocabulary
    once. Each is let go before the next shard is read, if the caller lets it go too: one
    shard's texts and index are held at a time."""
    matched = None
    for shard in parts:
        scorer = Suggester(shard, cues, workers, matched)
        matched = scorer.matched
        del shard
        yield scorer
        del scorer


def _codes(session: Session, code_ids: Sequence[int] | None) -> list[CodeRow]:
    wanted = None if code_ids is None else set(code_ids)
    return [c for c in code_rows(session) if c.codable and (wanted is None or c.id in wanted)]


def _cues(session: Session, codes: list[CodeRow], exemplars: Iterable[CodingSpan]) -> list[Cue]:
    """Each code's cues, its exemplars in the order given. The sources are read one at a time
    and only the excerpts kept (all the sources' text at once is hundreds of megabytes)."""
    exemplars = list(exemplars)
    of_source: dict[int, list[int]] = {}
    for k, e in enumerate(exemplars):
        of_source.setdefault(e.source_id, []).append(k)
    excerpts = [""] * len(exemplars)
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute("SELECT id, text FROM source")
        while row := cursor.fetchone():
            for k in of_source.get(row[0], []):
                excerpts[k] = row[1][exemplars[k].start : exemplars[k].end]
    finally:
        cursor.close()
    by_code: dict[int, list[tuple[int, str]]] = {}
    for e, excerpt in zip(exemplars, excerpts, strict=True):
        by_code.setdefault(e.code_id, []).append((e.id, excerpt))
    cues: list[Cue] = []
    for code in codes:
        cues += cues_for_code(code.id, code.keywords, code.example, by_code.get(code.id, []))
    return cues


def _covered(corpus: SegmentCorpus, codings: Iterable[CodingSpan]) -> set[tuple[int, int]]:
    """``(segment_id, code_id)`` of every segment a coding overlaps."""
    if not len(corpus):
        return set()
    src = corpus.source_ids  # by source and ordinal: a source's segments are together
    cut = (np.flatnonzero(src[1:] != src[:-1]) + 1).tolist()
    firsts, lasts = [0, *cut], [*cut, len(src)]
    where = dict(zip(src[firsts].tolist(), zip(firsts, lasts, strict=True), strict=True))
    starts, ends, ids = corpus.starts, corpus.ends, corpus.segment_ids
    out: set[tuple[int, int]] = set()
    for c in codings:
        if c.source_id not in where:
            continue
        first, last = where[c.source_id]
        lo = max(first, int(np.searchsorted(starts[first:last], c.start, "right")) + first - 1)
        hi = int(np.searchsorted(starts[first:last], c.end, "left")) + first
        for i in range(lo, hi):
            if starts[i] < c.end and c.start < ends[i]:
                out.add((int(ids[i]), c.code_id))
    return out
