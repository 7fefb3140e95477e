"""Triangulation on 1,000,000 synthetic codings (issue 4: under 2 s); run by ``make bench``.

The project has the Fahrudin codebook, 300 informants in three roles with one interview each, and
20 documents; codings are spread over the codable codes with magnitudes leaning by role (officials
positive, MSME actors negative, experts mixed), so the negative evidence is a realistic minority.
Bulk insert through executemany, seeded. Recorded in exports/bench/results.json.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

import pytest
from bench_results import record

from qualcode.analysis.triangulation import triangulate
from qualcode.core.codebook import load_codebook
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.project import Project

N_CODINGS = 1_000_000
LIMIT_S = 2.0
REPO = Path(__file__).resolve().parents[2]
ROLES = {"official": (60, 0.8), "msme actor": (200, -0.9), "expert": (40, 0.0)}
N_DOCUMENTS = 20


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("tri") / "big.db"
    project = Project.open(db, create=True)
    with project.write() as session:
        load_codebook_into(session, load_codebook(REPO / "codebooks" / "fahrudin.yaml"), "bench")
    rng = random.Random(1_000_000)
    with project.engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        codes = cur.execute("SELECT id, path FROM code WHERE codable").fetchall()
        cur.execute("INSERT INTO coder (id, name, created_at) VALUES (1, 'bench', '2024-01-01')")
        informants, sources = [], []
        leaning: dict[int, float] = {}
        n = 0
        for role, (count, lean) in ROLES.items():
            for _ in range(count):
                n += 1
                informants.append((n, f"Informant {n}", role, f'{{"wave": "{n % 2 + 1}"}}'))
                sources.append((n, f"interview-{n}", "interview", f"sha{n}", "x" * 2000, n))
                leaning[n] = lean
        for d in range(N_DOCUMENTS):
            sid = n + 1 + d
            sources.append((sid, f"document-{d}", "document", f"sha{sid}", "x" * 2000, None))
            leaning[sid] = -0.5
        cur.executemany(
            "INSERT INTO informant (id, name, role, attributes, created_at) "
            "VALUES (?, ?, ?, ?, '2024-01-01')",
            informants,
        )
        cur.executemany(
            "INSERT INTO source (id, name, kind, sha256, text, informant_id, segmented_by, "
            "imported_at) VALUES (?, ?, ?, ?, ?, ?, 'turn', '2024-01-01')",
            sources,
        )
        cur.executemany(
            'INSERT INTO segment (source_id, ordinal, start, "end") VALUES (?, ?, ?, ?)',
            [(sid, k + 1, k * 100, k * 100 + 100) for sid, *_ in sources for k in range(20)],
        )
        source_ids = [s[0] for s in sources]
        next_start = dict.fromkeys(source_ids, 0)

        def codings():
            for _ in range(N_CODINGS):
                sid = rng.choice(source_ids)
                code_id, path = rng.choice(codes)
                start = next_start[sid]
                next_start[sid] = start + 1
                magnitude = None
                if not path.startswith("Obstacles"):
                    magnitude = max(-2, min(2, round(rng.gauss(leaning[sid] * 1.5, 1.0))))
                yield (sid, code_id, 1, start, start + 1, magnitude)

        cur.executemany(
            'INSERT INTO coding (source_id, code_id, coder_id, start, "end", magnitude, '
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '2024-01-01', '2024-01-01')",
            codings(),
        )
    project.close()
    return str(db)


def test_triangulation_of_a_million_codings(big_project: str) -> None:
    project = Project.open(big_project)
    try:
        times = []
        for _ in range(5):
            with project.read() as session:
                start = time.perf_counter()
                result = triangulate(session)
                times.append(time.perf_counter() - start)
        with project.read() as session:
            start = time.perf_counter()
            by_kind = triangulate(session, by="kind", depth=1)
            kind_s = time.perf_counter() - start
    finally:
        project.close()
    total = sum(s.codings for s in result.rows[0].groups.values())
    assert result.groups == ["expert", "msme actor", "official"]
    assert [r.code for r in result.rows][:2] == [
        "Enabling",
        "Enabling/Programme design and community involvement",
    ]
    assert total > 0 and result.left_out > 0
    assert by_kind.units == {"interview": "informants", "document": "sources"}
    assert any(r.negative_evidence for r in result.rows)
    median = statistics.median(times)
    record(
        "triangulation.1m_codings",
        median,
        limit_s=LIMIT_S,
        n=N_CODINGS,
        runs=len(times),
        by_kind_depth1_s=kind_s,
    )
    assert median < LIMIT_S
