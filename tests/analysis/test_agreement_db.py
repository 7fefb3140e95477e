"""Agreement computed from a project's codings, against a naive count and independent statistics.

The naive reference decides each unit directly from the codings (a segment is coded when a coding
overlaps it; a character when a coding covers it), then hands the per-unit values to the
``krippendorff`` package and scikit-learn.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from agreement_support import build_project, talk_ids
from sklearn.metrics import cohen_kappa_score

from qualcode.analysis.agreement import agreement
from qualcode.core.errors import QualcodeError
from qualcode.storage.actions import CodingActions
from qualcode.storage.project import Project


def _reference(data: list[list[int]]) -> tuple[float | None, float | None, float]:
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        try:
            alpha = float(
                krippendorff.alpha(reliability_data=np.array(data), level_of_measurement="nominal")
            )
        except ValueError:
            alpha = None
        kappa = float(cohen_kappa_score(data[0], data[1])) if len(data) == 2 else None
    kappa = None if kappa is None or math.isnan(kappa) else kappa
    agreed = sum(len({row[u] for row in data}) == 1 for u in range(len(data[0])))
    return alpha, kappa, agreed / len(data[0])


def _naive(project: Project, coders: list[str], unit: str) -> dict[str, list[list[int]]]:
    """code path -> reliability data (coder x unit, 0/1) over the sources all coders coded."""
    with project.read() as s:
        conn = s.connection()
        codings = conn.exec_driver_sql(
            'SELECT k.name, c.path, cd.source_id, cd.start, cd."end" FROM coding cd '
            "JOIN coder k ON k.id = cd.coder_id JOIN code c ON c.id = cd.code_id"
        ).all()
        segments = conn.exec_driver_sql(
            'SELECT source_id, start, "end" FROM segment ORDER BY source_id, start'
        ).all()
        lengths = dict(conn.exec_driver_sql("SELECT id, LENGTH(text) FROM source").all())
    compared = {
        sid
        for sid in lengths
        if all(any(c[0] == k and c[2] == sid for c in codings) for k in coders)
    }
    paths = sorted({c[1] for c in codings if c[0] in coders and c[2] in compared})
    if unit == "segment":
        units = [(sid, a, b) for sid, a, b in segments if sid in compared]
    else:
        units = [(sid, i, i + 1) for sid in sorted(compared) for i in range(lengths[sid])]
    out = {}
    for path in paths:
        data = []
        for k in coders:
            mine = [(c[2], c[3], c[4]) for c in codings if c[0] == k and c[1] == path]
            data.append(
                [
                    int(any(s == sid and a < e and b > st for s, a, b in mine))
                    for sid, st, e in units
                ]
            )
        out[path] = data
    return out


def _check(project: Project, coders: list[str], unit: str) -> None:
    with project.read() as s:
        result = agreement(s, coders, unit=unit)
    naive = _naive(project, coders, unit)
    assert list(result.codes) == [p for p in result.codes if p in naive]
    assert set(result.codes) == set(naive)
    for path, data in naive.items():
        figures = result.codes[path]
        alpha, kappa, percent = _reference(data)
        assert figures.units == len(data[0])
        assert figures.percent_agreement == pytest.approx(percent, abs=1e-9)
        assert (figures.krippendorff_alpha is None) == (alpha is None)
        if alpha is not None:
            assert figures.krippendorff_alpha == pytest.approx(alpha, abs=1e-9)
        assert (figures.cohen_kappa is None) == (kappa is None)
        if kappa is not None:
            assert figures.cohen_kappa == pytest.approx(kappa, abs=1e-9)
    stacked = [sum((naive[p][i] for p in sorted(naive)), []) for i in range(len(coders))]
    if stacked[0]:
        alpha, kappa, percent = _reference(stacked)
        assert result.overall.units == len(stacked[0])
        assert result.overall.percent_agreement == pytest.approx(percent, abs=1e-9)
        if alpha is None:
            assert result.overall.krippendorff_alpha is None
        else:
            assert result.overall.krippendorff_alpha == pytest.approx(alpha, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("unit", ["segment", "character"])
def test_agreement_matches_naive_reference(tmp_path: Path, seed: int, unit: str) -> None:
    db = build_project(tmp_path, seed, coders=("ana", "ben", "cita"))
    with Project.open(db) as project:
        _check(project, ["ana", "ben"], unit)
        _check(project, ["ana", "ben", "cita"], unit)


def test_only_double_coded_sources_are_units(tmp_path: Path) -> None:
    db = build_project(tmp_path, 3, coders=("ana", "ben"))
    with Project.open(db) as project:
        with project.read() as s:
            before = agreement(s, ["ana", "ben"])
            extra = (
                s.connection()
                .exec_driver_sql("SELECT id FROM source WHERE name = 'solo'")
                .scalar_one()
            )
            code = s.connection().exec_driver_sql("SELECT id FROM code LIMIT 1").scalar_one()
        CodingActions(project, "ana").apply(extra, code, 0, 10)  # only ana coded 'solo'
        with project.read() as s:
            after = agreement(s, ["ana", "ben"])
    assert "solo" not in after.sources
    assert after.overall == before.overall


def test_a_coder_with_no_codings_gives_no_units(tmp_path: Path) -> None:
    db = build_project(tmp_path, 1, coders=("ana", "ben"))
    with Project.open(db) as project:
        CodingActions(project, "dora")  # a coder who has not coded anything yet
        with project.read() as s:
            result = agreement(s, ["ana", "dora"])
    assert result.sources == [] and result.codes == {}
    assert result.overall.units == 0
    assert result.overall.krippendorff_alpha is None and result.overall.flag == "undefined"


def test_a_named_code_nobody_applied_is_undefined_not_an_error(tmp_path: Path) -> None:
    db = build_project(tmp_path, 2, coders=("ana", "ben"))
    with Project.open(db) as project, project.read() as s:
        result = agreement(s, ["ana", "ben"], codes=["Unused"])
        units = (
            s.connection()
            .exec_driver_sql(
                "SELECT COUNT(*) FROM segment g JOIN source s ON s.id = g.source_id "
                "WHERE s.name <> 'solo'"
            )
            .scalar_one()
        )
    figures = result.codes["Unused"]
    assert figures.units == units
    assert figures.percent_agreement == 1.0
    assert figures.cohen_kappa is None and figures.krippendorff_alpha is None


@pytest.mark.parametrize(
    ("coders", "codes", "message"),
    [
        (["ana", "bne"], [], "unknown coder 'bne' (did you mean 'ben'?)"),
        (["ana"], [], "at least two different coders"),
        (["ana", "ana"], [], "at least two different coders"),
        (["ana", "ben"], ["Unusd"], "unknown code 'Unusd' (did you mean 'Unused'?)"),
    ],
)
def test_unknown_names_are_one_line_errors(
    tmp_path: Path, coders: list[str], codes: list[str], message: str
) -> None:
    db = build_project(tmp_path, 0, coders=("ana", "ben"))
    with Project.open(db) as project, project.read() as s:
        with pytest.raises(QualcodeError, match=re.escape(message)):
            agreement(s, coders, codes)


def test_hand_computed_two_segment_example(tmp_path: Path) -> None:
    """Four segments; ana codes Alpha on 1 and 2, ben on 2 and 3 (one coding over both):
    agreement on segments 2 and 4 of 4; kappa 0, alpha 1 - 7 * 2 / (4 * 4 ... ) by hand."""
    db = build_project(tmp_path, 0, coders=(), segments=4)
    with Project.open(db) as project:
        sid, code, segs = talk_ids(project)
        ana, ben = CodingActions(project, "ana"), CodingActions(project, "ben")
        ana.apply(sid, code, segs[0][0], segs[0][1])
        ana.apply(sid, code, segs[1][0] + 2, segs[1][0] + 5)
        ben.apply(sid, code, segs[1][0], segs[2][1])  # one coding over segments 2 and 3
        with project.read() as s:
            figures = agreement(s, ["ana", "ben"]).codes["Alpha"]
    assert figures.units == 4
    assert figures.percent_agreement == 0.5
    # 2x2 table: both 1 (seg 2), ana only 1 (seg 1), ben only 1 (seg 3), neither 1 (seg 4):
    # observed .5, expected .5*.5 + .5*.5 = .5, kappa 0. Coincidences: n = 8, n0 = n1 = 4,
    # o01 = 2 (two units with one of each), alpha = 1 - 7 * 2 / (4 * 4) = 0.125.
    assert figures.cohen_kappa == 0.0
    assert figures.krippendorff_alpha == pytest.approx(0.125)
