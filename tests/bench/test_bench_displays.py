"""The count matrix on 1,000,000 codings (issue 4: data displays), seeded synthetic data.

2,000 sources x 50 segments x 10 codings per segment (two coders, 5% of the codings reaching into
the next segment) over a 40-code, 2-level codebook; 500 informants in three roles, 4 sources each.

- the conceptually clustered count matrix (informants x top-level codes, the full display path:
  filters, SQL aggregate, missing cells, DisplayTable): limit 1 s;
- the same numbers from one hand-written SQL statement over the same tables (the fastest we know,
  using ``coding.segment_id`` as the display does), measured in the same run: the display must
  stay within 2x of it.

Also recorded, for docs/benchmarks.md, each measured once: the first query shape (overlap join
without a lower bound on the segment range, as in the first matrix.py) and the shape before
``coding.segment_id`` (schema 4), which found each coding's segment by an index seek per coding.

Run with ``make bench``; figures go to exports/bench/results.json.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from bench_results import record
from sqlalchemy import text

from qualcode.analysis.displays import DisplaySpec, build_display
from qualcode.core.codebook import load_codebook
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.project import Project

SOURCES, SEGMENTS, PER_SEGMENT = 2_000, 50, 10
INFORMANTS, TOPS, SUBS = 500, 8, 4  # 8 + 8 x 4 = 40 codes
SEGMENT_LENGTH = 120
LIMIT_S, LIMIT_RATIO, RUNS = 1.0, 2.0, 5

# One hand-written statement for the same cells: informant x top-level code, distinct segments
# overlapping a coding of the code or its sub-codes (the codebook has two levels). Each cell counts
# its codings' first segments (coding.segment_id, from the covering index) together with the
# further segments of the few codings that reach past their first one (computed once, looked up by
# SQLite's automatic index). A single GROUP BY over every coding is slower in SQLite: it sorts.
HAND_WRITTEN = """
    WITH further AS MATERIALIZED (
        SELECT s.informant_id, CAST(COALESCE(c.parent_id, c.id) AS INTEGER) AS top, g.id AS gid
        FROM coding cd
        JOIN segment f ON f.id = cd.segment_id
        JOIN segment g ON g.source_id = cd.source_id
            AND g.start >= f."end" AND g.start < cd."end"
        JOIN code c ON c.id = cd.code_id
        JOIN source s ON s.id = cd.source_id
        WHERE cd."end" > f."end"
    )
    SELECT i.id, t.id, (
        SELECT COUNT(DISTINCT x.gid) FROM (
            SELECT cd.segment_id AS gid FROM source s JOIN coding cd ON cd.source_id = s.id
            WHERE s.informant_id = i.id
              AND cd.code_id IN (SELECT c.id FROM code c WHERE c.id = t.id OR c.parent_id = t.id)
            UNION ALL
            SELECT e.gid FROM further e WHERE e.informant_id = i.id AND e.top = t.id
        ) x)
    FROM informant i CROSS JOIN code t
    WHERE t.parent_id IS NULL
"""
# The display's statement before schema 4: each coding's segments found by an index seek for the
# last segment starting at or before it, then a range of segments from there.
BOUNDED_SHAPE = """
    SELECT s.informant_id, COALESCE(c.parent_id, c.id) AS top, COUNT(DISTINCT g.id)
    FROM coding cd
    JOIN code c ON c.id = cd.code_id
    JOIN source s ON s.id = cd.source_id
    JOIN segment g ON g.source_id = cd.source_id
        AND g.start >= COALESCE((SELECT MAX(x.start) FROM segment x
                                 WHERE x.source_id = cd.source_id AND x.start <= cd.start), -1)
        AND g.start < cd."end" AND g."end" > cd.start
    GROUP BY s.informant_id, top
"""
FIRST_SHAPE = """
    SELECT s.informant_id, COALESCE(c.parent_id, c.id) AS top, COUNT(DISTINCT g.id)
    FROM coding cd
    JOIN code c ON c.id = cd.code_id
    JOIN source s ON s.id = cd.source_id
    JOIN segment g ON g.source_id = cd.source_id AND g.start < cd."end" AND cd.start < g."end"
    GROUP BY s.informant_id, top
"""


def _codebook(folder: Path) -> Path:
    lines = ["name: Bench codebook", "magnitude: {-2: a, -1: b, 0: c, 1: d, 2: e}", "codes:"]
    for t in range(TOPS):
        lines += [f"  - name: Theme {t}", "    codes:"]
        lines += [f"      - name: Sub {t}.{s}" for s in range(SUBS)]
    path = folder / "codebook.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("displays")
    db = folder / "million.db"
    rng = random.Random(4)
    project = Project.open(db, create=True)
    with project.write() as session:
        load_codebook_into(session, load_codebook(_codebook(folder)), "bench")
    now = "2024-01-01 00:00:00"
    body = "".join(
        ("w" * (SEGMENT_LENGTH - 2)) + "\n\n" for _ in range(SEGMENTS)
    )  # one turn per 120 characters, a blank line between
    with project.write() as session:
        cur = session.connection().connection.cursor()
        codes = [r[0] for r in cur.execute("SELECT id FROM code ORDER BY id")]
        assert len(codes) == TOPS + TOPS * SUBS == 40
        cur.executemany(
            "INSERT INTO coder (id, name, created_at) VALUES (?, ?, ?)",
            [(1, "ana", now), (2, "ben", now)],
        )
        roles = ("official", "msme actor", "observer")
        cur.executemany(
            "INSERT INTO informant (id, name, pseudonym, role, attributes, created_at) "
            "VALUES (?, ?, ?, ?, '{}', ?)",
            [
                (i, f"Informant {i:04d}", f"P{i}", roles[i % 3], now)
                for i in range(1, INFORMANTS + 1)
            ],
        )
        cur.executemany(
            "INSERT INTO source (id, name, kind, sha256, segmented_by, text, informant_id, "
            "imported_at) VALUES (?, ?, 'interview', ?, 'turn', ?, ?, ?)",
            [
                (s, f"source-{s:04d}", f"sha-{s}", body, 1 + (s - 1) % INFORMANTS, now)
                for s in range(1, SOURCES + 1)
            ],
        )
        segments, codings = [], []
        for s in range(1, SOURCES + 1):
            for k in range(SEGMENTS):
                start = k * SEGMENT_LENGTH
                segments.append((s, k + 1, start, start + SEGMENT_LENGTH - 2))
                for code in rng.sample(codes, PER_SEGMENT):
                    a = start + rng.randint(0, 60)
                    b = a + (rng.randint(5, 50) if rng.random() < 0.95 else rng.randint(120, 300))
                    codings.append(
                        (s, code, rng.choice((1, 1, 2)), a, min(b, len(body)),
                         rng.choice((None, -2, -1, 0, 1, 2)), now, now)
                    )  # fmt: skip
        cur.executemany(
            'INSERT INTO segment (source_id, ordinal, start, "end") VALUES (?, ?, ?, ?)', segments
        )
        cur.executemany(
            'INSERT INTO coding (source_id, code_id, coder_id, start, "end", magnitude, '
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            codings,
        )
        assert len(codings) == SOURCES * SEGMENTS * PER_SEGMENT == 1_000_000
    project.close()
    return str(db)


def _timed(fn, runs: int) -> tuple[list[float], Any]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def test_count_matrix_on_a_million_codings(big: str) -> None:
    project = Project.open(big)
    try:
        with project.read() as session:
            conn = session.connection()
            names = dict(conn.execute(text("SELECT id, name FROM informant")).all())
            paths = dict(conn.execute(text("SELECT id, path FROM code")).all())

            def display():  # type: ignore[no-untyped-def]
                return build_display(session, DisplaySpec(kind="clustered", depth=1))

            def hand_written():  # type: ignore[no-untyped-def]
                return conn.execute(text(HAND_WRITTEN)).all()

            display()  # warm the page cache for both
            # Interleaved, so that a busy machine slows both alike.
            ours, theirs = [], []
            for _ in range(RUNS):
                t, table = _timed(display, 1)
                ours += t
                t, rows = _timed(hand_written, 1)
                theirs += t
            first_shape, _ = _timed(lambda: conn.execute(text(FIRST_SHAPE)).all(), 1)
            bounded, before = _timed(lambda: conn.execute(text(BOUNDED_SHAPE)).all(), 1)
    finally:
        project.close()
    expected = {(names[i], paths[c]): n for i, c, n in rows if n}
    # The same numbers as the statement before schema 4.
    assert {tuple(r) for r in before} == {tuple(r) for r in rows if r[2]}
    got = {
        (row.label, column): value
        for row in table.rows
        for column, value in zip(table.columns, row.cells, strict=True)
    }
    assert got == expected
    median, baseline = statistics.median(ours), statistics.median(theirs)
    record("displays.count_matrix_1m_codings", median, limit_s=LIMIT_S, n=1_000_000, runs=RUNS)
    record(
        "displays.count_matrix_1m_vs_hand_sql",
        median,
        limit_ratio=LIMIT_RATIO,
        ratio=median / baseline,
        baseline_s=baseline,
        n=1_000_000,
        runs=RUNS,
    )
    record("displays.count_matrix_1m_first_shape", first_shape[0], n=1_000_000, runs=1)
    record("displays.count_matrix_1m_bounded_shape", bounded[0], n=1_000_000, runs=1)
    assert median / baseline < LIMIT_RATIO
    assert median < LIMIT_S, (
        f"count matrix {median:.2f} s on 1M codings (limit {LIMIT_S} s); see docs/displays.md, "
        "Speed"
    )
