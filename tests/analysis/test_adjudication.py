"""Adjudication's writes: clipping to the segment, joining touching pieces, replacing decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from agreement_support import build_project, talk_ids

from qualcode.analysis.adjudication import accept_agreed, decide, disagreements
from qualcode.core.errors import QualcodeError
from qualcode.storage.actions import CodingActions
from qualcode.storage.project import Project


@pytest.fixture
def talk(tmp_path: Path) -> tuple[Project, list[tuple[int, int]], str]:
    """ana codes Alpha with one coding over segments 1-3 of four; ben codes Alpha on segment 2."""
    project = Project.open(build_project(tmp_path, 0, coders=(), segments=4))
    sid, code, segs = talk_ids(project)
    CodingActions(project, "ana").apply(sid, code, segs[0][0] + 1, segs[2][1] - 1, memo="long")
    CodingActions(project, "ben").apply(sid, code, segs[1][0], segs[1][1], magnitude=None)
    yield project, segs, f"{code}"
    project.close()


def _consensus(project: Project) -> list[tuple[int, int, str | None]]:
    with project.read() as s:
        return [
            tuple(r)
            for r in s.connection().exec_driver_sql(
                'SELECT cd.start, cd."end", cd.memo FROM coding cd JOIN coder k '
                "ON k.id = cd.coder_id WHERE k.name = 'consensus' ORDER BY cd.start"
            )
        ]


def test_accepted_codings_are_clipped_to_their_segment(talk) -> None:  # type: ignore[no-untyped-def]
    project, segs, _ = talk
    with project.read() as s:
        items = disagreements(s, ["ana", "ben"])
    assert [d.ordinal for d in items] == [1, 3]
    with project.write() as s:
        decide(s, ["ana", "ben"], items[0].id, "ana", actor="sri")
        assert accept_agreed(s, ["ana", "ben"], actor="sri") == 1  # segment 2
        decide(s, ["ana", "ben"], items[1].id, "both", actor="sri")
    # ana's one coding over three turns, in three pieces: the blank lines between turns are no
    # segment's, so no decision brings them in
    assert _consensus(project) == [
        (segs[0][0] + 1, segs[0][1], "long"),
        (segs[1][0], segs[1][1], "long"),
        (segs[2][0], segs[2][1] - 1, "long"),
    ]


def test_touching_pieces_are_joined(talk) -> None:  # type: ignore[no-untyped-def]
    project, segs, code = talk
    start, end = segs[3]
    with project.read() as s:
        sid = s.connection().exec_driver_sql("SELECT id FROM source WHERE name = 'talk'").scalar()
    ana = CodingActions(project, "ana")
    ana.apply(sid, int(code), start, start + 3, memo="first")
    ana.apply(sid, int(code), start + 3, end, memo="second")
    with project.read() as s:
        fourth = disagreements(s, ["ana", "ben"])[-1]
    assert fourth.ordinal == 4 and len(fourth.applied["ana"]) == 2
    with project.write() as s:
        decide(s, ["ana", "ben"], fourth.id, "ana", actor="sri")
    assert _consensus(project) == [(start, end, "first\nsecond")]


def test_a_decision_replaces_the_previous_one(talk) -> None:  # type: ignore[no-untyped-def]
    project, segs, _ = talk
    with project.read() as s:
        first = disagreements(s, ["ana", "ben"])[0]
    with project.write() as s:
        decide(s, ["ana", "ben"], first.id, "ana", actor="sri")
    assert _consensus(project) == [(segs[0][0] + 1, segs[0][1], "long")]
    with project.write() as s:
        decide(s, ["ana", "ben"], first.id, "neither", actor="sri")
    assert _consensus(project) == []
    with project.read() as s:
        assert disagreements(s, ["ana", "ben"])[0].decision == "neither"


def test_agreements_cannot_be_decided(talk) -> None:  # type: ignore[no-untyped-def]
    project, _, code = talk
    with project.read() as s:
        seg2 = s.connection().exec_driver_sql("SELECT id FROM segment WHERE ordinal = 2").scalar()
    with project.write() as s, pytest.raises(QualcodeError, match="the coders agree on Alpha"):
        decide(s, ["ana", "ben"], f"{seg2}:{code}", "ana", actor="sri")
