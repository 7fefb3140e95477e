"""The REFI-QDA commands: ``export qdpx|qdc``, ``refi export|import``, ``import FILE.qdpx``."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from conftest import fingerprint, run
from sqlmodel import select

from qualcode.storage.models import AuditEntry, Segment, Source
from qualcode.storage.project import Project

# The tests that take a project also run on PostgreSQL (see tests/conftest.py).
pytestmark = pytest.mark.backends


def test_export_commands_write_both_formats(project: Path, tmp_path: Path) -> None:
    result = run("export", "qdpx", str(tmp_path / "study.qdpx"), db=project)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {tmp_path / 'study.qdpx'}: 0 coders (users), 6 codes, 1 informants (cases), "
        "1 sources, 0 codings (selections), 0 memos (notes), 1 sets\n"
    )
    assert zipfile.is_zipfile(tmp_path / "study.qdpx")
    result = run("export", "qdc", str(tmp_path / "book.qdc"), db=project)
    assert result.stdout == f"wrote {tmp_path / 'book.qdc'}: 6 codes, 0 sets\n"
    assert run("refi", "export", str(tmp_path / "a.qdpx"), db=project).exit_code == 0
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "study.qdpx").read_bytes()
    assert run("refi", "export", str(tmp_path / "a.qdc"), db=project).exit_code == 0
    assert (tmp_path / "a.qdc").read_bytes() == (tmp_path / "book.qdc").read_bytes()


def test_refi_export_needs_a_known_extension_or_format(project: Path, tmp_path: Path) -> None:
    result = run("refi", "export", str(tmp_path / "a.zip"), db=project)
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"error: {tmp_path / 'a.zip'}: name the file .qdpx or .qdc, or give --format\n"
    )
    result = run("refi", "export", str(tmp_path / "a.zip"), "--format", "qdpx", db=project)
    assert result.exit_code == 0 and zipfile.is_zipfile(tmp_path / "a.zip")


def test_export_errors_are_one_line(project: Path, tmp_path: Path) -> None:
    result = run("export", "qdpx", str(tmp_path / "nowhere" / "a.qdpx"), db=project)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {tmp_path / 'nowhere' / 'a.qdpx'}: folder {tmp_path / 'nowhere'} does not exist\n"
    )
    result = run("export", "qdpx", str(tmp_path / "a.qdpx"), db=tmp_path / "none.db")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert not (tmp_path / "a.qdpx").exists() and not (tmp_path / "none.db").exists()


def test_import_command_takes_refi_files(project: Path, tmp_path: Path) -> None:
    assert run("export", "qdpx", str(tmp_path / "study.qdpx"), db=project).exit_code == 0
    copy = tmp_path / "copy.db"
    result = run("import", str(tmp_path / "study.qdpx"), db=copy)
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.splitlines()
        == [
            f"created project {copy}",
            f"read {tmp_path / 'study.qdpx'}: REFI-QDA project 'p' written by qualcode 0.1.0",
            "codes: 6 new",
            "coders: 0 new",
            "informants (cases): 1 new",
            "sources: 1 imported",
            "codings: 0 imported, 0 not placed (of 0 in the file)",
            "memos (notes): 0",
        ]
        or "positions:" not in result.stdout
    )
    status = json.loads(run("status", "--format", "json", db=copy).stdout)
    assert (status["sources"], status["codes"], status["informants"]) == (1, 6, 1)


def test_refi_files_are_imported_on_their_own(project: Path, tmp_path: Path, workdir: Path) -> None:
    assert run("export", "qdpx", str(tmp_path / "s.qdpx"), db=project).exit_code == 0
    before = fingerprint(project)
    result = run("import", str(tmp_path / "s.qdpx"), "--informant", "X", db=project)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {tmp_path / 's.qdpx'}: --informant does not apply to a REFI-QDA file "
        "(its cases and sources say who and what)\n"
    )
    result = run("import", str(tmp_path / "s.qdpx"), str(workdir / "ratna.txt"), db=project)
    assert result.exit_code == 1
    assert "import a REFI-QDA file (.qdpx .qde .qdc) on its own" in result.stderr
    assert fingerprint(project) == before


def test_refi_import_segments_as_asked_and_is_audited(project: Path, tmp_path: Path) -> None:
    assert run("export", "qdpx", str(tmp_path / "s.qdpx"), db=project).exit_code == 0
    copy = tmp_path / "copy.db"
    result = run(
        "refi",
        "import",
        str(tmp_path / "s.qdpx"),
        "--segment",
        "paragraph",
        "--actor",
        "ana",
        db=copy,
    )
    assert result.exit_code == 0, result.output
    with Project.open(copy) as p, p.read() as s:
        source = s.exec(select(Source)).one()
        assert source.segmented_by == "paragraph"
        assert len(list(s.exec(select(Segment)))) == 4
        entries = list(s.exec(select(AuditEntry)))
    actions = {(e.actor, e.action, e.entity) for e in entries}
    assert ("ana", "import", "refi") in actions
    assert ("ana", "import", "source") in actions and ("ana", "create", "code") in actions
    summary = next(e for e in entries if e.entity == "refi")
    assert json.loads(summary.detail)["file"] == "s.qdpx"
