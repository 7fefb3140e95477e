"""Shared fixtures: small files and projects built through the same code paths users take."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "transcripts" / "sampang"
FAHRUDIN = REPO / "codebooks" / "fahrudin.yaml"

SMALL_CODEBOOK = """\
name: Small codebook
magnitude:
  -2: strongly negative
  -1: negative
  0: neutral
  1: positive
  2: strongly positive
codes:
  - name: Enabling
    shortcut: "1"
    color: "#2E7D32"
    brief: Creating a climate for growth.
    codes:
      - name: Motivation
        keywords: [motivation, socialisation]
  - name: Empowering
    shortcut: "2"
    codes:
      - name: Training and coaching
        keywords: [training, coaching]
  - name: Obstacles
    codable: false
    codes:
      - name: Licensing cost
"""

INTERVIEW = """\
[00:00:01] INTERVIEWER: Good morning, Ibu Ratna. What does the department do?

[00:00:09] Ratna Kurniasih: We run training and coaching for MSME actors. 🙂 The café owners came too.

[00:00:40] INTERVIEWER: Does it reach everyone?

[00:00:45] Ratna Kurniasih: Not yet. The main programme is only planned.
"""


def run(*args: str, db: Path | None = None, input: str | None = None):
    """Invoke the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    argv = (["--db", str(db)] if db is not None else []) + list(args)
    return CliRunner().invoke(main, argv, input=input, catch_exceptions=False)


def fingerprint(db: Path) -> str:
    """The bytes of a project file and its WAL companions, to prove a failure changed nothing."""
    digest = hashlib.sha256()
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(db) + suffix)
        digest.update(suffix.encode())
        digest.update(part.read_bytes() if part.exists() and suffix != "-shm" else b"-")
    return digest.hexdigest()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    (tmp_path / "ratna.txt").write_text(INTERVIEW, encoding="utf-8")
    return tmp_path


@pytest.fixture
def project(workdir: Path) -> Path:
    """A project with the small codebook and one interview (informant Ratna, role official)."""
    db = workdir / "p.db"
    assert run("init", db=db).exit_code == 0
    assert run("codebook", "load", str(workdir / "codebook.yaml"), db=db).exit_code == 0
    result = run(
        "import",
        str(workdir / "ratna.txt"),
        "--informant",
        "Ratna Kurniasih",
        "--role",
        "official",
        db=db,
    )
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project (``qualcode demo --no-app``), built once per test run."""
    db = tmp_path_factory.mktemp("demo-template") / "demo.db"
    result = run("demo", "--no-app", db=db)
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo project, for a test that changes it."""
    import shutil

    db = tmp_path / "demo.db"
    shutil.copyfile(demo_template, db)
    return db
