"""The codings CSV import writes in chunks inside one transaction: the chunks must not show.

CHUNK is made tiny here so that a five-row file spans three chunks: a row repeated in a later
chunk is counted as already present, not stored twice; a bad row in the last chunk leaves the
project as it was (the earlier chunks' rows included); every stored coding has its audit entry.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import fingerprint, run

from qualcode.exchange import codings_csv

ROWS = [
    "ratna,2,,,Enabling/Motivation,ana,1",
    "ratna,2,,,Empowering/Training and coaching,ana,",
    "ratna,4,,,Enabling/Motivation,ana,-1",
    "ratna,2,,,Enabling/Motivation,ana,1",  # the first row again, two chunks later
    "ratna,4,,,Enabling/Motivation,ben,0",
]
HEADER = "source,segment,start,end,code,coder,magnitude"


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codings_csv, "CHUNK", 2)


def test_rows_across_chunks_are_stored_once_with_their_audit(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "codings.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    result = run("codings", "import", str(path), db=project)
    assert result.exit_code == 0, result.output
    assert "imported 4 codings" in result.output and "ana, ben" in result.output
    with sqlite3.connect(project) as con:
        stored = con.execute(
            "SELECT g.ordinal, c.path, k.name, cd.magnitude FROM coding cd "
            "JOIN code c ON c.id = cd.code_id JOIN coder k ON k.id = cd.coder_id "
            "JOIN segment g ON g.id = cd.segment_id ORDER BY cd.id"
        ).fetchall()
        audited = con.execute(
            'SELECT a.detail, cd.source_id, cd.code_id, cd.coder_id, cd.start, cd."end" '
            "FROM audit_log a JOIN coding cd ON cd.id = a.entity_id "
            "WHERE a.entity = 'coding' AND a.action = 'create'"
        ).fetchall()
    assert stored == [
        (2, "Enabling/Motivation", "ana", 1),
        (2, "Empowering/Training and coaching", "ana", None),
        (4, "Enabling/Motivation", "ana", -1),
        (4, "Enabling/Motivation", "ben", 0),
    ]
    # Each with what it is, as the coding app's entries record it (log --source finds it).
    keys = ("source_id", "code_id", "coder_id", "start", "end")
    assert [json.loads(detail) for detail, *_ in audited] == [
        {"origin": "csv:codings.csv", **dict(zip(keys, coding, strict=True))}
        for _, *coding in audited
    ]
    assert len(audited) == 4


def test_a_bad_row_in_a_later_chunk_imports_nothing(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "codings.csv"
    bad = "ratna,99,,,Enabling/Motivation,ana,1"  # line 7: no segment 99
    path.write_text("\n".join([HEADER, *ROWS, bad]) + "\n", encoding="utf-8")
    before = fingerprint(project)
    result = run("codings", "import", str(path), db=project)
    assert result.exit_code == 1
    assert "codings.csv:7: source 'ratna' has no segment 99" in result.output
    assert fingerprint(project) == before


def test_the_log_finds_imported_codings_by_their_source_after_they_are_gone(
    project: Path, tmp_path: Path
) -> None:
    path = tmp_path / "codings.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    assert run("codings", "import", str(path), db=project).exit_code == 0
    with sqlite3.connect(project) as con:  # gone without an entry of their own, as by a cascade
        con.execute("DELETE FROM coding")
    result = run("log", "--source", "ratna", "--entity", "coding", "--format", "json", db=project)
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [(e["action"], e["detail"]["origin"]) for e in found] == [
        ("create", "csv:codings.csv")
    ] * 4
