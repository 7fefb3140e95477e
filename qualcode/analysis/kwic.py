"""Keyword in context: every occurrence of a word or phrase across the sources, typo-tolerant.

A concordance line is the text before the hit, the hit, and the text after it (within its
segment, so that context never runs into the next speaker's turn), with the
informant, role and segment it is in and the codes already applied over it. Each word of the
term is compared with every distinct word of the corpus by rapidfuzz (``process.cdist``,
``fuzz.ratio``), so "licencing" also finds "licensing" and "MSME" finds "MSMEs"; a phrase is
found where its words follow each other (punctuation between them is allowed).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import text
from sqlmodel import Session

from qualcode.analysis.suggestions.corpus import (
    SegmentCorpus,
    lower,
    shards,
    sorted_distinct,
    words,
)
from qualcode.core.errors import QualcodeError

DEFAULT_MIN_SCORE = 80.0  # fuzz.ratio per word: one typo in five letters
DEFAULT_WIDTH = 40  # characters of context on each side
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class KwicHit:
    source_id: int
    source: str
    informant: str | None
    role: str | None
    segment_id: int
    ordinal: int
    start: int  # the hit: source.text[start:end]
    end: int
    left: str
    keyword: str
    right: str
    score: float  # 100 for the term as typed (ignoring case), less for a variant
    codes: tuple[str, ...]  # paths of the codes applied over the hit (by ``coder``, or anyone)


def kwic(
    session: Session,
    term: str,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    width: int = DEFAULT_WIDTH,
    source_ids: list[int] | None = None,
    corpus: SegmentCorpus | None = None,
    coder: str | None = None,
) -> list[KwicHit]:
    """Every hit of ``term`` in text order (source, then position), with the codes applied over
    it by ``coder`` (None: by every coder; the app passes its coder while blind mode is on)."""
    wanted = words(lower(term))
    if not wanted:
        raise QualcodeError(f"'{term}' has no word to look for")
    # a large project a shard of sources at a time (see suggestions/corpus.py shards): its
    # texts and word index at once are gigabytes
    parts = [corpus] if corpus is not None else shards(session, source_ids, counted=False)
    hits: list[KwicHit] = []
    for part in parts:
        hits += _hits(session, part, _found(part, wanted, min_score), width, coder)
        del part  # the next shard is read with none of this one held
    hits.sort(key=lambda h: (h.source, h.start))
    return hits


def _found(
    corpus: SegmentCorpus, wanted: list[str], min_score: float
) -> list[tuple[int, int, int, float]]:
    """``(segment index, start, end, score)`` of each hit of the words ``wanted``."""
    matches = _word_matches(corpus, wanted, min_score)
    if any(not m for m in matches):
        return []
    # segments holding a match of every word of the term
    candidates: np.ndarray | None = None
    for m in matches:
        segs = sorted_distinct(np.concatenate([corpus.postings(corpus.vocab_id[w]) for w in m]))
        candidates = segs if candidates is None else np.intersect1d(candidates, segs)
    assert candidates is not None
    found: list[tuple[int, int, int, float]] = []  # (segment index, start, end, score)
    for i in candidates.tolist():
        for a, b, score in _in_segment(corpus.lows[i], matches):
            found.append((i, a, b, score))
    return found


def _word_matches(
    corpus: SegmentCorpus, wanted: list[str], min_score: float
) -> list[dict[str, float]]:
    """For each word of the term, the corpus words within ``min_score`` and their scores."""
    if not corpus.vocab:
        return [{} for _ in wanted]
    matrix = process.cdist(
        wanted, corpus.vocab, scorer=fuzz.ratio, score_cutoff=min_score, dtype=np.uint8, workers=-1
    )
    out = []
    for row in matrix:
        ids = np.flatnonzero(row)
        out.append({corpus.vocab[i]: float(row[i]) for i in ids})
    return out


def _in_segment(low: str, matches: list[dict[str, float]]) -> list[tuple[int, int, float]]:
    """``(start, end, score)`` in the segment of each run of words matching the term's words."""
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(low)]
    n = len(matches)
    out = []
    i = 0
    while i + n <= len(tokens):
        scores = [matches[j].get(tokens[i + j][2]) for j in range(n)]
        if all(s is not None for s in scores):
            score = sum(s for s in scores if s is not None) / n
            out.append((tokens[i][0], tokens[i + n - 1][1], round(score, 1)))
            i += n  # hits do not overlap
        else:
            i += 1
    return out


def _hits(
    session: Session,
    corpus: SegmentCorpus,
    found: list[tuple[int, int, int, float]],
    width: int,
    coder: str | None,
) -> list[KwicHit]:
    if not found:
        return []
    conn = session.connection()
    # this corpus's sources only: a shard's hits need neither the others' names nor codings
    in_corpus = ",".join(map(str, sorted_distinct(corpus.source_ids).tolist()))
    sources = {
        r[0]: r[1:]
        for r in conn.execute(
            text(
                "SELECT s.id, s.name, i.name, i.role FROM source s "
                f"LEFT JOIN informant i ON i.id = s.informant_id WHERE s.id IN ({in_corpus})"
            )
        )
    }
    codings: dict[int, list[tuple[int, int, str]]] = {}
    whose = "" if coder is None else "JOIN coder k ON k.id = cd.coder_id AND k.name = :coder "
    for source_id, start, end, path in conn.execute(
        text(
            'SELECT cd.source_id, cd.start, cd."end", c.path FROM coding cd '
            f"JOIN code c ON c.id = cd.code_id {whose}"
            f"WHERE cd.source_id IN ({in_corpus}) ORDER BY cd.source_id, cd.start"
        ),
        {"coder": coder},
    ):
        codings.setdefault(source_id, []).append((start, end, path))
    starts = {s: [c[0] for c in rows] for s, rows in codings.items()}
    hits = []
    for i, a, b, score in found:
        row = corpus.row(i)
        name, informant, role = sources[row.source_id]
        start, end = row.start + a, row.start + b
        mine = codings.get(row.source_id, [])
        upto = bisect_left(starts.get(row.source_id, []), end)
        codes = sorted({p for s, e, p in mine[:upto] if s < end and start < e})
        hits.append(
            KwicHit(
                source_id=row.source_id,
                source=name,
                informant=informant,
                role=role,
                segment_id=row.segment_id,
                ordinal=row.ordinal,
                start=start,
                end=end,
                left=_flat(row.text[max(0, a - width - 1) : a].rstrip())[-width:],
                keyword=row.text[a:b],
                right=_flat(row.text[b : b + width + 1].lstrip())[:width],
                score=score,
                codes=tuple(codes),
            )
        )
    return hits


def _flat(s: str) -> str:
    """Context on one line: line breaks and runs of spaces as one space."""
    return " ".join(s.split()) if s.strip() else ""
