"""The segment counts of the displays, in both SQL forms, against a brute-force count.

SQLite counts per (source, column) cell; PostgreSQL (and the counts per segment timestamp) use
one GROUP BY. Both run here on SQLite on random projects: segments with gaps, codings that start
in gaps, reach across several segments or cover no segment, with every kind of filter.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import SMALL_CODEBOOK
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from qualcode.analysis.displays import facts as F
from qualcode.analysis.displays.scope import Scope, resolve_scope
from qualcode.analysis.displays.spec import DisplaySpec
from qualcode.core.codebook import parse_codebook
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.project import Project

CODABLE = ("Enabling", "Enabling/Motivation", "Empowering", "Empowering/Training and coaching")
SPECS = [
    DisplaySpec(),
    DisplaySpec(depth=2),
    DisplaySpec(depth=2, codes=("Empowering",)),  # a narrow selection: the code index
    DisplaySpec(coders=("ben",)),
    DisplaySpec(kinds=("interview",)),
    DisplaySpec(depth=2, kinds=("document",), coders=("ana", "ben")),
]


@st.composite
def sources(draw: st.DrawFn) -> dict[str, object]:
    length = draw(st.integers(1, 50))
    cuts = sorted(draw(st.sets(st.integers(0, length), max_size=8)) | {0, length})
    segments = [p for p in zip(cuts, cuts[1:], strict=False) if draw(st.booleans())]
    span = st.integers(0, length - 1).flatmap(
        lambda a: st.tuples(st.just(a), st.integers(a + 1, length))
    )
    codings = draw(
        st.lists(
            st.tuples(span, st.sampled_from(CODABLE), st.sampled_from(("ana", "ben"))),
            max_size=12,
            unique=True,
        )
    )
    return {
        "length": length,
        "kind": draw(st.sampled_from(("interview", "document"))),
        "segments": [(a, b, draw(st.sampled_from((None, "00:01", "00:02")))) for a, b in segments],
        "codings": codings,
    }


def _fill(project: Project, data: list[dict]) -> None:
    with project.write() as s:
        load_codebook_into(s, parse_codebook(SMALL_CODEBOOK), "test")
    with project.write() as s:
        conn = s.connection()
        conn.execute(text("INSERT INTO coder (name, created_at) VALUES ('ana', 0), ('ben', 0)"))
        coders = dict(conn.execute(text("SELECT name, id FROM coder")).all())
        codes = dict(conn.execute(text("SELECT path, id FROM code")).all())
        for n, source in enumerate(data):
            sid = conn.execute(
                text(
                    "INSERT INTO source (name, kind, sha256, segmented_by, text, imported_at) "
                    "VALUES (:n, :k, :n, 'turn', :t, 0) RETURNING id"
                ),
                {"n": f"s{n}", "k": source["kind"], "t": "x" * source["length"]},
            ).scalar_one()
            for ordinal, (a, b, stamp) in enumerate(source["segments"], start=1):
                conn.execute(
                    text(
                        'INSERT INTO segment (source_id, ordinal, start, "end", timestamp) '
                        "VALUES (:s, :o, :a, :b, :t)"
                    ),
                    {"s": sid, "o": ordinal, "a": a, "b": b, "t": stamp},
                )
            for (a, b), code, coder in source["codings"]:
                conn.execute(
                    text(
                        'INSERT INTO coding (source_id, code_id, coder_id, start, "end", '
                        "created_at, updated_at) VALUES (:s, :c, :k, :a, :b, 0, 0)"
                    ),
                    {"s": sid, "c": codes[code], "k": coders[coder], "a": a, "b": b},
                )


def brute_force(conn: object, scope: Scope, by_timestamp: bool) -> dict[tuple, int]:
    """Distinct segments sharing a character with a coding of each column, per source (and the
    segment's timestamp), within the scope's filters."""
    execute = conn.execute  # type: ignore[attr-defined]
    segments = execute(text('SELECT id, source_id, start, "end", timestamp FROM segment')).all()
    in_scope = {s.id for s in scope.sources}
    found: dict[tuple, set[int]] = {}
    for sid, code, coder, start, end in execute(
        text('SELECT source_id, code_id, coder_id, start, "end" FROM coding')
    ):
        col = scope.column_of.get(code)
        if col is None or sid not in in_scope:
            continue
        if scope.coder_ids is not None and coder not in scope.coder_ids:
            continue
        for gid, g_source, g_start, g_end, stamp in segments:
            if g_source == sid and g_start < end and start < g_end:
                key = (sid, stamp, col) if by_timestamp else (sid, col)
                found.setdefault(key, set()).add(gid)
    return {key: len(ids) for key, ids in found.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sources(), min_size=1, max_size=3))
def test_segment_counts_match_a_brute_force_count(data: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = Project.open(Path(folder) / "p.db", create=True)
        try:
            _fill(project, data)
            with project.read() as s:
                conn = s.connection()
                for spec in SPECS:
                    scope = resolve_scope(conn, spec)
                    want = brute_force(conn, scope, False)
                    assert F.segment_counts(conn, scope) == want, spec  # per cell (SQLite)
                    # The per-cell form with the union of further segments, whether or not the
                    # project has codings over several segments (segment_counts leaves it out
                    # when it has none).
                    union = F._per_cell_segment_counts(scope, further=True)
                    assert {(r[0], r[1]): r[2] for r in conn.execute(text(union)) if r[2]} == want
                    grouped = F._grouped_segment_counts(scope, False)  # PostgreSQL's form
                    assert {tuple(r[:-1]): r[-1] for r in conn.execute(text(grouped))} == want
                    by_stamp = F.segment_counts(conn, scope, by_timestamp=True)
                    assert by_stamp == brute_force(conn, scope, True), spec
        finally:
            project.close()
