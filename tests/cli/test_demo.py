"""``qualcode demo`` builds the Sampang study project with the expected counts."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import DEMO, fingerprint, run


def _turns(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("["))


def test_demo_builds_the_study(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run("demo", "--no-app", db=db)
    assert result.exit_code == 0, result.output
    counts = json.loads(run("status", "--format", "json", db=db).output)
    transcripts = sorted(DEMO.glob("*.txt"))
    expected_segments = sum(_turns(p) for p in transcripts) + 5  # the document's 5 paragraphs
    csv_rows = len((DEMO / "codings.csv").read_text(encoding="utf-8").strip().splitlines()) - 1
    assert counts["informants"] == 6
    assert counts["sources"] == len(transcripts) + 1 == 7
    assert counts["segments"] == expected_segments
    assert counts["codes"] == 23
    assert counts["codings"] == csv_rows
    people = {p["name"]: p for p in json.loads(run("informants", "--format", "json", db=db).output)}
    assert {p["role"] for p in people.values()} == {"official", "msme actor"}
    assert people["Ratna Kurniasih"]["pseudonym"] == "Official C"
    assert people["Hadi Sutrisno"]["attributes"]["interview_date"] == "2021-12-17"
    # The no-TTY summary shows the informant x indicator count matrix.
    assert "Enabling" in result.output and "Kurnia Supartina" in result.output


def test_demo_rebuilds_a_demo_but_refuses_a_real_project(tmp_path: Path, project: Path) -> None:
    db = tmp_path / "demo.db"
    assert run("demo", "--no-app", db=db).exit_code == 0
    assert run("demo", "--no-app", db=db).exit_code == 0  # a demo may be rebuilt
    before = fingerprint(project)
    result = run("demo", "--no-app", db=project)
    assert result.exit_code == 1
    assert "is not the demo; refusing to overwrite it" in result.stderr
    assert fingerprint(project) == before
    assert not Path(f"{project}.building").exists()
