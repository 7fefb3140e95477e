"""REFI-QDA export and import of a synthetic project: 200 sources, 50,000 codings (``make bench``).

The project has the Fahrudin codebook, 180 interviews (one informant each, in three roles, with
attributes) and 20 documents of about 30,000 characters each (speaker turns, some accented and
emoji characters, so the position check has work to do), and 250 codings per source by three
coders, some with magnitudes and memos. Built with executemany, seeded. Medians go to
exports/bench/results.json.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

import pytest
from bench_results import record

from qualcode.core.codebook import load_codebook
from qualcode.core.segmentation import segment_text
from qualcode.exchange.refi import export_qdpx, import_refi
from qualcode.ingest.importer import sha256_of
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.project import Project, remove_sqlite_files, set_setting

REPO = Path(__file__).resolve().parents[2]
N_SOURCES = 200
N_DOCUMENTS = 20
CODINGS_PER_SOURCE = 250
RUNS = 3
EXPORT_LIMIT_S = 10.0
IMPORT_LIMIT_S = 30.0
WORDS = (
    "the training programme for micro enterprises reached the café owners in Sampang "
    "but the licence costs were high and credit was hard to get 🙂 said Ibu Ratna"
).split()


def _text(rng: random.Random, turns: int = 120) -> str:
    lines = []
    for t in range(turns):
        speaker = "INTERVIEWER" if t % 2 == 0 else "Informant"
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
        lines.append(f"{speaker}: {words}")
    return "\n\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("refi") / "big.db"
    project = Project.open(db, create=True)
    with project.write() as session:
        load_codebook_into(session, load_codebook(REPO / "codebooks" / "fahrudin.yaml"), "bench")
        set_setting(session, "project_name", "bench")
    rng = random.Random(50_000)
    with project.engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        codes = [r[0] for r in cur.execute("SELECT id FROM code WHERE codable").fetchall()]
        cur.executemany(
            "INSERT INTO coder (id, name, created_at) VALUES (?, ?, '2024-01-01')",
            [(1, "resa"), (2, "dian"), (3, "budi")],
        )
        roles = ("official", "msme actor", "expert")
        informants, sources, segments, codings = [], [], [], []
        for n in range(1, N_SOURCES + 1):
            text = _text(rng)
            interview = n <= N_SOURCES - N_DOCUMENTS
            if interview:
                attributes = f'{{"age": {30 + n % 40}, "district": "D{n % 7}"}}'
                informants.append((n, f"Informant {n}", roles[n % 3], attributes))
            sources.append(
                (
                    n,
                    f"source-{n:03d}",
                    "interview" if interview else "document",
                    sha256_of(text),
                    text,
                    n if interview else None,
                )
            )
            for k, seg in enumerate(segment_text(text, "turn", turns=interview), start=1):
                segments.append((n, k, seg.start, seg.end, seg.speaker))
            seen = set()
            while len(seen) < CODINGS_PER_SOURCE:
                start = rng.randrange(0, len(text) - 400)
                key = (rng.choice(codes), rng.randint(1, 3), start, start + rng.randint(20, 400))
                if key in seen:
                    continue
                seen.add(key)
                magnitude = rng.choice((None, None, -1, 1, 2))
                memo = "a memo" if rng.random() < 0.05 else None
                codings.append((n, *key, magnitude, memo))
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
            'INSERT INTO segment (source_id, ordinal, start, "end", speaker) '
            "VALUES (?, ?, ?, ?, ?)",
            segments,
        )
        cur.executemany(
            'INSERT INTO coding (source_id, code_id, coder_id, start, "end", magnitude, memo, '
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '2024-01-01', '2024-01-01')",
            codings,
        )
    project.close()
    return db


def _median(times: list[float]) -> float:
    return statistics.median(times)


def test_bench_refi_export_and_import(big_project: Path, tmp_path: Path) -> None:
    project = Project.open(big_project)
    out = tmp_path / "big.qdpx"
    times = []
    try:
        for _ in range(RUNS):
            t0 = time.perf_counter()
            report = export_qdpx(project, out)
            times.append(time.perf_counter() - t0)
    finally:
        project.close()
    assert report.codings == N_SOURCES * CODINGS_PER_SOURCE
    export_median = _median(times)
    record(
        "refi export qdpx 50k codings",
        export_median,
        limit_s=EXPORT_LIMIT_S,
        sources=N_SOURCES,
        codings=report.codings,
        bytes=out.stat().st_size,
        runs=RUNS,
    )
    times = []
    for run in range(RUNS):
        db = tmp_path / f"imported-{run}.db"
        target = Project.open(db, create=True)
        try:
            t0 = time.perf_counter()
            imported = import_refi(target, out, actor="bench")
            times.append(time.perf_counter() - t0)
        finally:
            target.close()
            remove_sqlite_files(db)
        assert imported.codings_imported == N_SOURCES * CODINGS_PER_SOURCE
        assert not imported.not_placed and not imported.moved
    record(
        "refi import qdpx 50k codings",
        _median(times),
        limit_s=IMPORT_LIMIT_S,
        sources=N_SOURCES,
        codings=N_SOURCES * CODINGS_PER_SOURCE,
        runs=RUNS,
    )
