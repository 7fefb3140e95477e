"""A seeded corpus and queries that pin the segment search's results (test_search_golden.py).

The golden file golden/search/hits.json holds what ``SegmentIndex.search`` returned for these
queries before the index was made compact (issue 9, commit dd1b138): any change to the index's
layout must give the same hits, in the same order, with the same offsets, scores and snippets.
Run ``python tests/analysis/search_corpus.py`` only when the search is meant to change, and
review the diff.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden" / "search" / "hits.jsonl"

Row = tuple[int, int, int, int, str]

# Words at the head of the distribution are in most segments (the index keeps those as bitmaps);
# the tail is rare. Non-ASCII words exercise wide strings and lowering: "İ" lowers to two code
# points (kept as is), "K" (Kelvin sign) lowers to ASCII "k", "Σ" lowers by context.
COMMON = "the and of to we i it is that they was not but training market".split()
STUDY = (
    "licensing licencing permit permits collateral credit kur session sessions coaching "
    "socialisation programme village capital packaging quality bank banks"
).split()
ODD = ["café", "naïve", "İstanbul", "ΣΊΣΥΦΟΣ", "straße", "🙂", "Kelvin", "snake_case", "x2"]
SYLLABLES = [c + v for c in "bdgklmnprst" for v in "aeiou"]


def rows(seed: int = 9, sources: int = 30, turns: int = 120) -> list[Row]:
    """Speaker turns of ``sources`` transcripts; offsets as an importer would give them."""
    rng = random.Random(seed)
    made = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(900)})
    vocab = COMMON + STUDY + made
    weights = list(itertools.accumulate(1 / (rank + 1) ** 1.1 for rank in range(len(vocab))))
    out: list[Row] = []
    for source_id in range(1, sources + 1):
        start = 0
        for ordinal in range(1, turns + 1):
            words = rng.choices(vocab, cum_weights=weights, k=rng.randint(1, 30))
            if rng.random() < 0.08:
                words[rng.randrange(len(words))] = rng.choice(ODD)
            if rng.random() < 0.1:
                words.insert(0, "KUR")
            text = " ".join(words)
            if rng.random() < 0.5:
                text = text.capitalize() + rng.choice(".?!,")
            speaker = "Interviewer" if ordinal % 2 else rng.choice(["Ibu Ratna", "PAK ANDI"])
            segment = f"{speaker}: {text}"
            out.append((source_id, len(out) + 1000, ordinal, start, segment))
            start += len(segment) + rng.choice((1, 2))
    return out


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(len(word))
    edit = rng.randrange(3)
    if edit == 0:
        return word[:i] + word[i + 1 :]
    if edit == 1:
        return word[:i] + rng.choice("aeiour") + word[i:]
    return word[:i] + rng.choice("aeiour") + word[i + 1 :]


def queries(corpus: list[Row], seed: int = 10) -> list[str]:
    rng = random.Random(seed)
    fixed = [
        "training", "the training", "trainng", "credit market", "licnce permit", "zzqxv",
        "KUR credit", "licencing", "licens", "train", "the", "th", "e", "  ", "...", "café",
        "naïve café", "🙂", "istanbul", "İstanbul", "σίσυφος", "ΣΊΣΥΦΟΣ", "straße", "kelvin",
        "snake_case", "snake", "x2", "ibu ratna", "pak andi: the", "thy thre", "training training",
        "we dont hve the training for the sesion at all in my villag", "sesion coachng",
        "permits licensing collateral", ": the", "the, and",
    ]  # fmt: skip
    found: list[str] = []
    for _ in range(40):
        text = rng.choice(corpus)[4]
        a = rng.randrange(len(text))
        found.append(text[a : a + rng.randint(1, 25)])
    words = sorted({w for r in corpus for w in r[4].lower().split() if w.isalpha()})
    for _ in range(40):
        k = rng.randint(1, 4)
        picked = rng.sample(words, k)
        found.append(" ".join(typo(rng, w) if rng.random() < 0.6 else w for w in picked))
    return fixed + found


# Smaller thresholds than the module's, so that a corpus of a few thousand segments goes down
# the paths a large one takes: scans instead of verifying candidates, the pool cut.
TIGHT = {"_VERIFY_MAX": 40, "_MAX_CONTAINING": 3, "_MAX_POOL": 150, "_MAX_WORDS": 3}
CONFIGS: dict[str, dict[str, int]] = {"default": {}, "tight": TIGHT}
CALLS = [{"limit": 12}, {"limit": 3, "min_score": 60}]


@contextmanager
def thresholds(values: dict[str, int]) -> Iterator[None]:
    from qualcode.analysis import search

    saved = {name: getattr(search, name) for name in values}
    for name, value in values.items():
        setattr(search, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(search, name, value)


def results(index: object, corpus: list[Row]) -> dict[str, list[object]]:
    """Every (config, call, query) and its hits as plain lists, for JSON; the snippets (most of
    the bytes) as one digest per query."""
    out: dict[str, list[object]] = {}
    for config, values in CONFIGS.items():
        with thresholds(values):
            for call, query in itertools.product(CALLS, queries(corpus)):
                key = json.dumps([config, call, query], ensure_ascii=False)
                hits = index.search(query, **call)  # type: ignore[attr-defined]
                snippets = "\n".join(h.snippet for h in hits).encode()
                out[key] = [
                    hashlib.sha256(snippets).hexdigest()[:16],
                    *(
                        [h.source_id, h.segment_id, h.ordinal, h.start, h.end, h.score]
                        for h in hits
                    ),
                ]
    return out


if __name__ == "__main__":
    from qualcode.analysis.search import SegmentIndex

    corpus = rows()
    pinned = results(SegmentIndex.from_rows(corpus), corpus)
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps([key, hits], ensure_ascii=False) for key, hits in pinned.items())
    GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hits = sum(len(h) - 1 for h in pinned.values())
    print(f"{len(pinned)} results, {hits} hits", file=sys.stderr)
