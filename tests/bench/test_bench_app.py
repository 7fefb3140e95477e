"""App speed on a 20,000-segment transcript (issue: the coding app).

- open the transcript to first paint: limit 0.5 s;
- key press -> coding stored -> screen updated, median, against the same press on an empty
  Textual app in the same run: limit 1.3x.

Run with ``make bench``; figures go to exports/bench/results.json and docs/benchmarks.md.
"""

from __future__ import annotations

import random
import statistics
from pathlib import Path

import pytest
from app_timing import EmptyApp, open_source, round_trips
from bench_results import record

from qualcode.core.codebook import load_codebook
from qualcode.ingest.importer import import_files
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.project import Project
from qualcode.tui.app import make_app

SEGMENTS = 20_000
REPO = Path(__file__).resolve().parents[2]
WORDS = (
    "the programme training capital licensing information department village business "
    "market packaging assistant cooperative credit permit product quality we they said"
).split()


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    folder = tmp_path_factory.mktemp("big")
    rng = random.Random(20_000)
    lines = []
    for i in range(SEGMENTS):
        speaker = "INTERVIEWER" if i % 2 == 0 else "Informant"
        h, m, s = i // 3600, (i // 60) % 60, i % 60
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60)))
        lines.append(f"[{h:02d}:{m:02d}:{s:02d}] {speaker}: {words.capitalize()}.")
    path = folder / "long-interview.txt"
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "big.db"
    project = Project.open(db, create=True)
    with project.write() as session:
        load_codebook_into(session, load_codebook(REPO / "codebooks" / "fahrudin.yaml"), "bench")
    import_files(project, [path], informant="Informant")
    with project.read() as session:
        source_id = session.connection().exec_driver_sql("SELECT id FROM source").scalar_one()
    project.close()
    return str(db), source_id


async def test_open_20000_segment_transcript(big_project: tuple[str, int]) -> None:
    """First paint of the transcript, timed from the push of the Coding screen (app_timing.py);
    the exact wrap of the far segments finishes after it in a thread, and is recorded too."""
    db, source_id = big_project
    first_paint, settled, cpu = [], [], []
    for _ in range(7):
        opened = await open_source(lambda: make_app(db, coder="bench"), source_id)
        first_paint.append(opened.first_paint)
        settled.append(opened.settled)
        cpu.append(opened.cpu)
        assert opened.segments == SEGMENTS
        assert "INTERVIEWER" in opened.screen_text  # the frame shows the transcript
    median = statistics.median(first_paint)
    record(
        "app.open_20k_segments",
        median,
        limit_s=0.5,
        main_thread_cpu_s=round(statistics.median(cpu), 6),
        n=SEGMENTS,
        runs=len(first_paint),
    )
    record(
        "app.open_20k_segments_exact_layout",
        statistics.median(settled),
        n=SEGMENTS,
        runs=len(settled),
    )
    assert median < 0.5


async def test_key_to_coding_round_trip(big_project: tuple[str, int]) -> None:
    db, source_id = big_project
    presses = 40
    empty = await round_trips(EmptyApp(), presses, None)
    ours = await round_trips(make_app(db, coder="bench"), presses, source_id)
    ratio = statistics.median(ours) / statistics.median(empty)
    record(
        "app.key_to_coding_round_trip",
        statistics.median(ours),
        limit_ratio=1.3,
        ratio=ratio,
        baseline_s=statistics.median(empty),
        n=SEGMENTS,
        runs=presses,
    )
    project = Project.open(db)
    with project.read() as session:
        codings = session.connection().exec_driver_sql("SELECT COUNT(*) FROM coding").scalar_one()
    project.close()
    assert codings == 0  # an even number of presses: every coding applied was removed again
    assert ratio < 1.3
