"""``codebook load | show | validate`` against a project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FAHRUDIN, SMALL_CODEBOOK, fingerprint, run

# The tests that take a project also run on PostgreSQL (see tests/conftest.py).
pytestmark = pytest.mark.backends


def test_show_lists_codes_with_counts_and_rules(project: Path, workdir: Path) -> None:
    csv_path = workdir / "c.csv"
    csv_path.write_text("source,segment,code,coder\nratna,2,Training and coaching,ana\n")
    assert run("codings", "import", str(csv_path), db=project).exit_code == 0
    codes = json.loads(run("codebook", "show", "--format", "json", db=project).output)
    assert [c["path"] for c in codes] == [
        "Enabling",
        "Enabling/Motivation",
        "Empowering",
        "Empowering/Training and coaching",
        "Obstacles",
        "Obstacles/Licensing cost",
    ]
    training = codes[3]
    assert training["codings"] == 1 and training["keywords"] == ["training", "coaching"]
    assert codes[0]["key"] == "1" and codes[0]["color"] == "#2E7D32"
    table = run("codebook", "show", db=project).output
    assert "  Training and coaching" in table


def test_reload_edited_codebook_updates_in_place_and_keeps_codings(
    project: Path, workdir: Path
) -> None:
    csv_path = workdir / "c.csv"
    csv_path.write_text("source,segment,code,coder\nratna,2,Training and coaching,ana\n")
    run("codings", "import", str(csv_path), db=project)
    before = json.loads(run("codebook", "show", "--format", "json", db=project).output)
    edited = SMALL_CODEBOOK.replace("Creating a climate for growth.", "A better brief.")
    edited = edited.replace("      - name: Licensing cost\n", "")
    (workdir / "codebook.yaml").write_text(edited, encoding="utf-8")
    result = run("codebook", "load", str(workdir / "codebook.yaml"), db=project)
    assert result.exit_code == 0, result.output
    assert "0 added, 1 updated, 4 unchanged" in result.output
    assert "kept 1 code(s)" in result.output and "Obstacles/Licensing cost" in result.output
    after = json.loads(run("codebook", "show", "--format", "json", db=project).output)
    assert {c["path"]: c["guid"] for c in after} == {c["path"]: c["guid"] for c in before}
    assert after[0]["brief"] == "A better brief."
    assert json.loads(run("status", "--format", "json", db=project).output)["codings"] == 1


def test_bad_codebook_is_refused_with_its_line_and_project_unchanged(
    project: Path, workdir: Path
) -> None:
    bad = workdir / "bad.yaml"
    bad.write_text(
        'name: Bad\ncodes:\n  - name: A\n    shortcut: "1"\n  - name: B\n    shortcut: "1"\n'
    )
    before = fingerprint(project)
    result = run("codebook", "load", str(bad), db=project)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad}:6:") and "shortcut" in result.stderr
    assert fingerprint(project) == before
    validate = run("codebook", "validate", str(bad))
    assert validate.exit_code == 1 and f"{bad}:6:" in validate.stderr


def test_shipped_codebook_validates_and_round_trips_through_a_project(tmp_path: Path) -> None:
    result = run("codebook", "validate", str(FAHRUDIN))
    assert result.exit_code == 0 and "23 codes (4 top-level), magnitude -2..2" in result.output
    db = tmp_path / "p.db"
    run("init", db=db)
    run("codebook", "load", str(FAHRUDIN), db=db)
    dumped = tmp_path / "dumped.yaml"
    dumped.write_text(run("codebook", "show", "--format", "yaml", db=db).output, encoding="utf-8")
    from qualcode.core.codebook import load_codebook

    assert load_codebook(dumped) == load_codebook(FAHRUDIN)
