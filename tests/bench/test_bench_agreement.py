"""Intercoder agreement on 2 coders x 200,000 segments x 50 codes (issue 6), seeded synthetic data.

200 sources x 1,000 segments; a flat 50-code codebook; on each segment coder ana applies 0 to 2
random codes, and coder ben repeats each of them with probability 0.85 and adds a code of his own
with probability 0.15; 5% of the codings reach into the next segment. About 400,000 codings.

- ``qualcode agree`` figures (segment unit, every code, pooled overall), the whole library call
  from coder names to Figures: limit 2 s (median of 5).
- the character unit on the same data, recorded without a limit (the issue sets none).

Run with ``make bench``; figures go to exports/bench/results.json and docs/benchmarks.md.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

import pytest
from bench_results import record

from qualcode.analysis.agreement import agreement
from qualcode.core.codebook import load_codebook
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.project import Project

SOURCES, SEGMENTS, CODES = 200, 1_000, 50
SEGMENT_LENGTH = 100
LIMIT_S, RUNS = 2.0, 5


def build(folder: Path) -> Path:
    db = folder / "agreement.db"
    book = folder / "codebook.yaml"
    book.write_text(
        "name: Bench codebook\ncodes:\n"
        + "".join(f"  - name: Code {c:02d}\n" for c in range(CODES)),
        encoding="utf-8",
    )
    rng = random.Random(6)
    project = Project.open(db, create=True)
    with project.write() as session:
        load_codebook_into(session, load_codebook(book), "bench")
    now = "2024-01-01 00:00:00"
    body = "".join(("w" * (SEGMENT_LENGTH - 2)) + "\n\n" for _ in range(SEGMENTS))
    with project.write() as session:
        cur = session.connection().connection.cursor()
        codes = [r[0] for r in cur.execute("SELECT id FROM code ORDER BY id")]
        cur.executemany(
            "INSERT INTO coder (id, name, created_at) VALUES (?, ?, ?)",
            [(1, "ana", now), (2, "ben", now)],
        )
        cur.executemany(
            "INSERT INTO source (id, name, kind, sha256, segmented_by, text, imported_at) "
            "VALUES (?, ?, 'interview', ?, 'turn', ?, ?)",
            [(s, f"source-{s:03d}", f"sha-{s}", body, now) for s in range(1, SOURCES + 1)],
        )
        segments, codings = [], set()
        for s in range(1, SOURCES + 1):
            for k in range(SEGMENTS):
                start = k * SEGMENT_LENGTH
                segments.append((s, k + 1, start, start + SEGMENT_LENGTH - 2))
                for code in rng.sample(codes, rng.randint(0, 2)):
                    a = start + rng.randint(0, 40)
                    b = a + (rng.randint(5, 50) if rng.random() < 0.95 else SEGMENT_LENGTH)
                    b = min(b, len(body))
                    codings.add((s, code, 1, a, b))
                    if rng.random() < 0.85:
                        codings.add((s, code, 2, a, b))
                if rng.random() < 0.15:
                    codings.add((s, rng.choice(codes), 2, start, start + 30))
        cur.executemany(
            'INSERT INTO segment (source_id, ordinal, start, "end") VALUES (?, ?, ?, ?)', segments
        )
        cur.executemany(
            'INSERT INTO coding (source_id, code_id, coder_id, start, "end", created_at, '
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*c, now, now) for c in sorted(codings)],
        )
    project.close()
    return db


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build(tmp_path_factory.mktemp("agreement")))


def _median(fn, runs: int = RUNS) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def test_agreement_two_coders_200k_segments_50_codes(big: str) -> None:
    project = Project.open(big)
    try:
        with project.read() as session:
            codings = session.connection().exec_driver_sql("SELECT COUNT(*) FROM coding").scalar()
            agreement(session, ["ana", "ben"])  # warm the page cache
            median, result = _median(lambda: agreement(session, ["ana", "ben"]))
            char_median, chars = _median(
                lambda: agreement(session, ["ana", "ben"], unit="character"), runs=3
            )
    finally:
        project.close()
    assert result.overall.units == SOURCES * SEGMENTS * CODES  # type: ignore[attr-defined]
    assert len(result.codes) == CODES  # type: ignore[attr-defined]
    alpha = result.overall.krippendorff_alpha  # type: ignore[attr-defined]
    assert alpha is not None and 0.5 < alpha < 0.95
    record(
        "agreement.segment_2x200k_50_codes",
        median,
        limit_s=LIMIT_S,
        segments=SOURCES * SEGMENTS,
        codes=CODES,
        codings=codings,
        runs=RUNS,
    )
    record(
        "agreement.character_2x200k_50_codes",
        char_median,
        characters=chars.overall.units // CODES,  # type: ignore[attr-defined]
        codings=codings,
        runs=3,
    )
    assert median < LIMIT_S
