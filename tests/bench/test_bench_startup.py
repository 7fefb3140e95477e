"""Start-up: ``qualcode status`` in a fresh process, against bare ``python -c "import sqlmodel"``.

The floor is what the required stack costs to start (the interpreter and SQLModel with
SQLAlchemy); a simple command must stay within 1.3x of it, so the CLI imports Textual, the
exporters and the analysis only inside the commands that use them. The two alternate, so a busy
machine slows both alike. The peer's ``qc version`` is recorded for comparison when the peer is
installed (test_bench_peer.py installs it).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_results import record
from corpus import generate
from peer import PEER_QC
from projects import project_for

RUNS = 15
LIMIT_RATIO = 1.3
BIN = Path(sys.executable).parent


def wall(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - t0


def test_status_against_import_sqlmodel() -> None:
    db = project_for(generate("S"))
    status = [str(BIN / "qualcode"), "--db", str(db), "status"]
    floor = [sys.executable, "-c", "import sqlmodel"]
    wall(status), wall(floor)  # both from the page cache
    ours, theirs = [], []
    for _ in range(RUNS):
        ours.append(wall(status))
        theirs.append(wall(floor))
    median, baseline = statistics.median(ours), statistics.median(theirs)
    record(
        "startup.status_vs_import_sqlmodel",
        median,
        limit_ratio=LIMIT_RATIO,
        ratio=median / baseline,
        baseline_s=baseline,
        runs=RUNS,
    )
    if PEER_QC.exists():
        peer = [wall([str(PEER_QC), "version"]) for _ in range(5)]
        record("startup.peer_qc_version", statistics.median(peer), runs=len(peer))
    assert median / baseline < LIMIT_RATIO
