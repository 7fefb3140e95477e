"""Suggested codings: scores against an independent rapidfuzz reference, exclusions, decisions,
and the seeded evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import fingerprint, run
from rapidfuzz import fuzz
from sqlalchemy import text

from qualcode.analysis.suggestions import SegmentCorpus, SegmentRow, evaluate, suggest
from qualcode.analysis.suggestions.corpus import lower, words
from qualcode.analysis.suggestions.decisions import StaleSuggestion, accept, reject
from qualcode.analysis.suggestions.engine import Cue, Suggester, cues_for_code
from qualcode.storage.actions import CodingActions
from qualcode.storage.project import Project

TEXTS = [
    "We joined the trainning last year, it was good.",
    "The licence was expensive and slow.",
    "Nobody told us about the programme.",
    "Training, coaching and more training for the actors.",
    "We sell crackers at the market.",
    "The licensing procedure takes months; the licence costs too much.",
]


def corpus() -> SegmentCorpus:
    rows, at = [], 0
    for i, t in enumerate(TEXTS, start=1):
        rows.append(SegmentRow(100 + i, 1, i, at, at + len(t), t))
        at += len(t) + 2
    return SegmentCorpus(rows)


def reference_keyword_score(keyword: str, segment: str) -> float:
    """Brute force: a one-word keyword scores its best word's ratio (80 and up); a phrase,
    partial_ratio capped by the mean of its words' best ratios."""
    low = lower(segment)
    best = [max((fuzz.ratio(k, w) for w in words(low)), default=0) for k in keyword.split()]
    best = [b if b >= 80 else 0 for b in best]
    cover = sum(best) / len(best)
    if len(best) == 1:
        return round(cover, 1)
    return round(min(fuzz.partial_ratio(keyword, low), cover), 1)


@pytest.mark.parametrize("threshold", [60.0, 75.0, 90.0])
def test_keyword_scores_match_a_brute_force_reference(threshold: float) -> None:
    cues = [
        Cue(1, "keyword", "training"),
        Cue(2, "keyword", "licence"),
        Cue(3, "keyword", "sell"),
        Cue(4, "keyword", "licence costs"),
        Cue(5, "keyword", "training coaching"),
    ]
    got = Suggester(corpus(), cues, workers=1).suggest(threshold)
    expected = {}
    for i, t in enumerate(TEXTS, start=1):
        for cue in cues:
            score = reference_keyword_score(cue.text, t)
            if score >= threshold:
                expected[(100 + i, cue.code_id)] = score
    assert {(s.segment_id, s.code_id): s.score for s in got} == pytest.approx(expected, abs=0.11)
    assert [s.score for s in got] == sorted((s.score for s in got), reverse=True)


def test_a_suggestion_shows_the_phrase_that_matched_and_where() -> None:
    c = corpus()
    got = Suggester(c, [Cue(1, "keyword", "training")], workers=1).suggest(75)
    typo = next(s for s in got if s.segment_id == 101)
    assert typo.matched == "trainning" and typo.score < 100
    row = c.row(0)
    assert row.text[typo.start - row.start : typo.end - row.start] == "trainning"
    assert typo.cue.label == "keyword 'training'"


def test_excluded_pairs_are_not_suggested_and_results_are_deterministic() -> None:
    cues = cues_for_code(1, ["licence", "licensing"], "The licence is expensive.", [])
    first = Suggester(corpus(), cues).suggest(70)
    again = Suggester(corpus(), cues).suggest(70)
    assert first == again and {s.segment_id for s in first} >= {102, 106}
    kept = Suggester(corpus(), cues).suggest(70, exclude={(102, 1)})
    assert {s.segment_id for s in kept} == {s.segment_id for s in first} - {102}


def test_a_passage_cue_finds_a_similar_segment() -> None:
    cue = Cue(7, "exemplar", "the licensing procedure takes months and the licence costs", 5)
    got = Suggester(corpus(), [cue]).suggest(75)
    assert [s.segment_id for s in got] == [106]
    assert got[0].cue.label == "exemplar (coding 5)"


# --- on the demo project --------------------------------------------------------------------


@pytest.fixture
def demo(demo_db: Path) -> Path:
    return demo_db


def test_suggestions_leave_out_what_the_coder_coded(demo: Path) -> None:
    with Project.open(demo) as p, p.read() as s:
        mine = suggest(s, "resa")
        fresh = suggest(s, "ana")
        coded = {
            (g, c)
            for g, c in s.connection().execute(
                text(
                    "SELECT g.id, cd.code_id FROM coding cd JOIN segment g "
                    'ON g.source_id = cd.source_id AND g.start < cd."end" AND cd.start < g."end"'
                )
            )
        }
    assert mine and len(fresh) > len(mine)
    assert not {(x.segment_id, x.code_id) for x in mine} & coded
    assert all(x.cue.kind != "exemplar" for x in fresh)  # ana has coded nothing


def test_accept_codes_the_segment_and_the_audit_says_it_was_a_suggestion(demo: Path) -> None:
    with Project.open(demo) as p:
        with p.read() as s:
            first = suggest(s, "ana")[0]
        actions = CodingActions(p, "ana")
        accept(actions, first)
        with p.read() as s:
            conn = s.connection()
            row = conn.execute(
                text(
                    'SELECT cd.source_id, cd.code_id, cd.start, cd."end" FROM coding cd '
                    "JOIN coder k ON k.id = cd.coder_id WHERE k.name = 'ana'"
                )
            ).one()
            detail = conn.execute(
                text("SELECT detail FROM audit_log WHERE action = 'create' AND entity = 'coding' "
                     "ORDER BY id DESC LIMIT 1")
            ).scalar_one()  # fmt: skip
            again = suggest(s, "ana")
        assert tuple(row) == (
            first.source_id, first.code_id, first.segment_start, first.segment_end
        )  # fmt: skip
        audit = json.loads(detail)
        assert audit["origin"] == "suggestion" and audit["score"] == first.score
        assert audit["matched"] == first.matched and audit["cue"] == first.cue.label
        assert (first.segment_id, first.code_id) not in {(x.segment_id, x.code_id) for x in again}
        actions.undo()  # an accepted suggestion is a coding like any other
        with p.read() as s:
            assert (first.segment_id, first.code_id) in {
                (x.segment_id, x.code_id) for x in suggest(s, "ana")
            }


def test_a_rejected_suggestion_never_comes_back(demo: Path) -> None:
    with Project.open(demo) as p:
        with p.read() as s:
            first = suggest(s, "ana")[0]
        actions = CodingActions(p, "ana")
        reject(p, actions.coder_id, "ana", first)
        reject(p, actions.coder_id, "ana", first)  # twice is once
        with p.read() as s:
            pairs = {(x.segment_id, x.code_id) for x in suggest(s, "ana", threshold=0)}
            other = {(x.segment_id, x.code_id) for x in suggest(s, "ben", threshold=0)}
            n = s.connection().execute(text("SELECT COUNT(*) FROM suggestion_rejection"))
            audits = s.connection().execute(
                text("SELECT COUNT(*) FROM audit_log WHERE action = 'reject'")
            )
            assert (n.scalar_one(), audits.scalar_one()) == (1, 1)
        assert (first.segment_id, first.code_id) not in pairs | other


def test_a_suggestion_made_before_its_source_was_replaced_is_refused(
    demo: Path, tmp_path: Path
) -> None:
    """The queue is made once; `source replace` meanwhile gives its source new segments and
    offsets: accepting or rejecting an old suggestion is refused, and nothing is written."""
    with Project.open(demo) as p:
        with p.read() as s:
            first = suggest(s, "ana")[0]
            name, old = (
                s.connection()
                .execute(
                    text("SELECT name, text FROM source WHERE id = :i"), {"i": first.source_id}
                )
                .one()
            )
    corrected = tmp_path / "corrected.txt"
    corrected.write_text("INTERVIEWER: A first question.\n\n" + old, encoding="utf-8")
    assert run("source", "replace", name, str(corrected), db=demo).exit_code == 0
    with Project.open(demo) as p:
        CodingActions(p, "ana")  # adds the coder
    before = fingerprint(demo)
    with Project.open(demo) as p:
        actions = CodingActions(p, "ana")
        with pytest.raises(StaleSuggestion, match="was replaced after the suggestion was made"):
            accept(actions, first)
        with pytest.raises(StaleSuggestion):
            reject(p, actions.coder_id, "ana", first)
    assert fingerprint(demo) == before


def test_evaluation_is_seeded_and_its_counts_add_up(demo: Path) -> None:
    with Project.open(demo) as p, p.read() as s:
        a = evaluate(s, "resa", seed=3)
        b = evaluate(s, "resa", seed=3)
        c = evaluate(s, "resa", seed=4)
        n_codings = s.connection().execute(text("SELECT COUNT(*) FROM coding")).scalar_one()
    assert a == b and a != c
    o = a.overall
    assert o.hits == sum(x.hits for x in a.codes) and o.suggested == sum(
        x.suggested for x in a.codes
    )
    assert o.exemplars == sum(int(n * 0.5) for n in _per_code(demo).values())
    assert o.exemplars < n_codings
    assert 0 < o.hits <= min(o.suggested, o.held_out)
    assert o.precision == pytest.approx(o.hits / o.suggested)
    assert o.recall == pytest.approx(o.hits / o.held_out)
    assert o.f1 == pytest.approx(2 * o.precision * o.recall / (o.precision + o.recall))


def _per_code(db: Path) -> dict[int, int]:
    with Project.open(db) as p, p.read() as s:
        rows = s.connection().execute(
            text("SELECT c.id, COUNT(cd.id) FROM code c LEFT JOIN coding cd ON cd.code_id = c.id "
                 "WHERE c.codable GROUP BY c.id")
        )  # fmt: skip
        return dict(rows.all())


def test_suggest_cli_lists_and_evaluates(demo: Path) -> None:
    listed = run("suggest", "--coder", "ana", "--limit", "3", "--format", "json", db=demo)
    rows = json.loads(listed.stdout)
    assert len(rows) == 3 and set(rows[0]) == {
        "source",
        "segment",
        "code",
        "score",
        "cue",
        "matched",
    }
    evaluated = run("suggest", "--coder", "resa", "--evaluate", "--format", "json", db=demo)
    value = json.loads(evaluated.stdout)
    assert value["seed"] == 0 and value["overall"]["code"] == "overall"
    bad = run("suggest", "--coder", "ana", "--code", "Nonexistent", db=demo)
    assert bad.exit_code == 1 and "unknown code 'Nonexistent'" in bad.stderr
    nothing = run("suggest", "--coder", "ana", "--evaluate", db=demo)
    assert nothing.exit_code == 1 and "coder 'ana' has no codings to hold out" in nothing.stderr
    # a coder with no codings (a typo?) is told so on stderr; the JSON on stdout stays clean
    assert listed.stderr == (
        "note: coder 'ana' has no codings, so the suggestions come from the codebook alone "
        "(coders with codings: resa)\n"
    )
    resa = run("suggest", "--coder", "resa", "--limit", "1", db=demo)
    assert resa.exit_code == 0 and resa.stderr == ""
