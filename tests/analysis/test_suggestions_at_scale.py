"""What makes suggestions fit large projects must not change them: the word index built a chunk
at a time, cues sharing words across codes scored once, candidates scored in blocks. Each is
checked against a plain reference (a dictionary index, one Suggester per code, one block)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from qualcode.analysis.suggestions import (
    SegmentCorpus,
    SegmentRow,
    coder_codings,
    engine,
    evaluate,
    suggest,
)
from qualcode.analysis.suggestions import corpus as corpus_module
from qualcode.analysis.suggestions.corpus import words
from qualcode.analysis.suggestions.engine import Cue, Suggester
from qualcode.storage.project import Project

WORDS = ["licence", "licensing", "training", "market", "crackers", "ibu", "kopi", "modal"]
WORDS += ["pelatihan", "café", "naïve", "İstanbul", "the", "and", "of", "to", "we", "it"]


def made_up_corpus(n: int, seed: int = 5) -> SegmentCorpus:
    """Segments of drawn words, some with non-ASCII letters (the regex path) and one holding
    the index's separator character, so both tokenizer paths and their order are exercised."""
    rng = random.Random(seed)
    rows, at = [], 0
    for i in range(n):
        t = " ".join(rng.choices(WORDS, k=rng.randint(1, 12))).capitalize() + "."
        if i == 7:
            t = "A \x00 separator inside the training text."
        rows.append(SegmentRow(1000 + i, 1 + i // 10, 1 + i % 10, at, at + len(t), t))
        at += len(t) + 2
    return SegmentCorpus(rows)


def test_the_word_index_built_in_chunks_is_the_plain_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus_module, "_CHUNK", 3)
    c = made_up_corpus(40)
    # the reference: ASCII segments' words first, then the others', each in order of first use
    fast = [low.isascii() and "\x00" not in low for low in c.lows]
    ascii_first = sorted(range(len(c)), key=lambda i: not fast[i])
    vocab: dict[str, int] = {}
    for i in ascii_first:
        for w in words(c.lows[i]):
            vocab.setdefault(w, len(vocab))
    assert c.vocab == list(vocab) and c.vocab_id == vocab
    for w, wid in vocab.items():
        holding = [i for i in range(len(c)) if w in words(c.lows[i])]
        assert c.postings(wid).tolist() == holding, w
        assert c.df[wid] == len(holding)
    assert {"café", "naïve", "separator"} <= set(vocab)


def _pairs(suggester: Suggester, exclude: set[tuple[int, int]]) -> dict[tuple[int, int], tuple]:
    cue_of, seg_of, scores = suggester.rank(60.0, exclude)
    return {
        (suggester.corpus.segment_ids[s], suggester.cues[q].code_id): (
            float(v),
            suggester.cues[q].text,
        )
        for q, s, v in zip(cue_of.tolist(), seg_of.tolist(), scores.tolist(), strict=True)
    }


def test_cues_shared_by_codes_and_small_blocks_give_what_each_code_alone_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = made_up_corpus(200)
    shared = "training and licensing of the market"
    cues = [
        Cue(1, "keyword", "licence"),
        Cue(1, "exemplar", shared, 11),
        Cue(2, "exemplar", shared, 12),  # the same excerpt coded with another code
        Cue(2, "keyword", "kopi modal"),
        Cue(3, "exemplar", "Training, and licensing of the market!", 13),  # same words again
        Cue(3, "exemplar", "crackers at the market and kopi", 14),
    ]
    # what the coder coded: some segments left out for code 1 only, some for code 3 only
    exclude = {(1000 + i, 1) for i in range(0, 200, 3)} | {(1000 + i, 3) for i in range(1, 200, 5)}
    monkeypatch.setattr(engine, "_SCORE_BLOCK", 5)  # many blocks
    together = _pairs(Suggester(c, cues, workers=1), exclude)
    monkeypatch.setattr(engine, "_SCORE_BLOCK", 10**9)  # one block
    assert _pairs(Suggester(c, cues, workers=1), exclude) == together
    alone: dict[tuple[int, int], tuple] = {}
    for code in (1, 2, 3):
        mine = [cue for cue in cues if cue.code_id == code]
        alone |= _pairs(Suggester(c, mine, workers=1), exclude)
    assert together == alone
    assert len({k[1] for k in together}) == 3, "every code must have suggestions"
    assert not set(together) & exclude
    # the shared excerpt's segments are suggested for both of its codes, with the same score
    both = {s for (s, code) in together if code == 1} & {s for (s, code) in together if code == 2}
    assert any(together[(s, 1)] == together[(s, 2)] for s in both)


def test_the_demo_evaluation_is_the_documented_one(demo_db: Path) -> None:
    """docs/suggestions.md's figures (coder resa, threshold 75, seed 0)."""
    with Project.open(demo_db) as p, p.read() as s:
        o = evaluate(s, "resa").overall
        o60 = evaluate(s, "resa", threshold=60).overall
        o90 = evaluate(s, "resa", threshold=90).overall
    assert (o.exemplars, o.held_out, o.suggested, o.hits) == (48, 58, 443, 52)
    assert (o60.suggested, o60.hits, o90.suggested, o90.hits) == (536, 52, 355, 51)


def test_excluded_keys_lookup_matches_a_set() -> None:
    keys = np.array([3, 8, 9, 40], dtype=np.int64)
    pairs = engine._Pairs(5, keys)  # key = segment * 5 + code
    segs = np.arange(10, dtype=np.int64)
    got = pairs.excluded(segs, np.int64(3))
    assert got.tolist() == [s * 5 + 3 in {3, 8, 9, 40} for s in range(10)]


@pytest.mark.parametrize("limit", [1, 7, 40, 10_000])
def test_a_limited_ranking_kept_between_blocks_is_the_head_of_the_full_one(
    monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """With a limit only the best pairs so far are kept between blocks: the first ``limit`` and
    the total must still be those of the full ranking (many ties at 100 included)."""
    c = made_up_corpus(300, seed=11)
    cues = [
        Cue(1, "keyword", "licence"),
        Cue(1, "keyword", "training"),
        Cue(2, "keyword", "market"),
        Cue(2, "exemplar", "crackers at the market and kopi", 21),
        Cue(3, "exemplar", "crackers at the market and kopi", 22),
        Cue(3, "keyword", "kopi modal"),
        Cue(4, "exemplar", "pelatihan modal and training of the market", 23),
    ]
    exclude = {(1000 + i, 2) for i in range(0, 300, 4)}
    monkeypatch.setattr(engine, "_SCORE_BLOCK", 3)
    full = Suggester(c, cues, workers=1).suggest(70, exclude)
    head = Suggester(c, cues, workers=1).suggest(70, exclude, limit)
    assert full.total == len(full) > 40
    assert head == full[:limit] and head.total == full.total


@pytest.mark.parametrize("shard_size", [1, 40])
def test_a_project_scored_a_shard_at_a_time_gets_the_suggestions_of_the_whole(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, shard_size: int
) -> None:
    """Shards weigh words by the whole project's counts: the same suggestions, scores, cues,
    matched phrases, order and totals as one corpus; the same evaluation."""
    with Project.open(demo_db) as p, p.read() as s:
        whole = suggest(s, "resa", threshold=60)
        head = suggest(s, "resa", threshold=60, limit=15)
        whole_eval = evaluate(s, "resa")
        monkeypatch.setattr(corpus_module, "SHARD_SEGMENTS", shard_size)
        assert len(list(corpus_module.shards(s))) > 1
        sharded = suggest(s, "resa", threshold=60)
        assert sharded == whole and sharded.total == whole.total > 100
        assert suggest(s, "resa", threshold=60, limit=15) == head == whole[:15]
        assert suggest(s, "resa", threshold=60, limit=15).total == whole.total
        assert evaluate(s, "resa") == whole_eval


def test_the_cues_are_each_codes_latest_codings_by_the_coder(demo_db: Path) -> None:
    """With a cap of two, only the two most recent codings of each code by the coder are cues
    (ids are never reused, so the highest are the latest); the others stay left out as coded."""
    with Project.open(demo_db) as p, p.read() as s:
        mine = coder_codings(s, "resa")
        capped = suggest(s, "resa", threshold=0, max_exemplars=2)
        every = suggest(s, "resa", threshold=0, max_exemplars=None)
        none = suggest(s, "resa", threshold=0, max_exemplars=0)
    latest_two: set[int] = set()
    for code in {c.code_id for c in mine}:
        latest_two |= set(sorted(c.id for c in mine if c.code_id == code)[-2:])
    used = {g.cue.coding_id for g in capped if g.cue.kind == "exemplar"}
    assert used and used <= latest_two
    assert {g.cue.coding_id for g in every if g.cue.kind == "exemplar"} - latest_two
    assert not [g for g in none if g.cue.kind == "exemplar"]
    # what the coder coded is left out whatever the cap
    coded = {(g.segment_id, g.code_id) for g in every}
    assert {(g.segment_id, g.code_id) for g in capped} <= coded | {
        (g.segment_id, g.code_id) for g in none
    }
