"""The CLI contracts other features rely on, driven through click's runner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from conftest import fingerprint, run

from qualcode.cli import main


def test_status_json_contract(project: Path) -> None:
    result = run("status", "--format", "json", db=project)
    assert result.exit_code == 0
    counts = json.loads(result.output)
    assert {k: counts[k] for k in ("informants", "sources", "segments", "codes", "codings")} == {
        "informants": 1,
        "sources": 1,
        "segments": 4,
        "codes": 6,
        "codings": 0,
    }


def test_segments_json_contract_offsets_map_back(project: Path) -> None:
    result = run("segments", "--source", "ratna", "--format", "json", db=project)
    segments = json.loads(result.output)
    assert [s["ordinal"] for s in segments] == [1, 2, 3, 4]
    assert set(segments[0]) == {"ordinal", "speaker", "start", "end", "timestamp", "text"}
    assert segments[1]["speaker"] == "Ratna Kurniasih"
    assert segments[1]["timestamp"] == "00:00:09"
    assert segments[1]["text"].startswith("We run training") and "🙂" in segments[1]["text"]
    exported = json.loads(run("codings", "export", "--format", "json", db=project).output)
    assert exported == []


def test_codings_csv_round_trip(project: Path, workdir: Path) -> None:
    segments = json.loads(
        run("segments", "--source", "ratna", "--format", "json", db=project).output
    )
    second = segments[1]
    start = second["start"] + second["text"].index("training")
    rows = [
        "source,segment,start,end,code,coder,magnitude,memo",
        "ratna,2,,,Empowering/Training and coaching,ana,2,runs training",
        f"ratna,,{start},{start + len('training and coaching')},Training and coaching,ana,,",
        "ratna,4,,,Enabling,ben,-1,",
    ]
    path = workdir / "codings.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run("codings", "import", str(path), db=project)
    assert result.exit_code == 0, result.output
    assert "imported 3 codings" in result.output

    exported = run("codings", "export", db=project).output
    records = list(csv.DictReader(io.StringIO(exported)))
    assert [r["text"] for r in records] == [
        second["text"],
        "training and coaching",
        segments[3]["text"],
    ]
    assert records[0]["magnitude"] == "2" and records[0]["memo"] == "runs training"
    assert records[1]["segment"] == "2"  # a sub-span inside one segment names it
    assert list(records[0]) == [
        "source",
        "segment",
        "start",
        "end",
        "code",
        "coder",
        "magnitude",
        "memo",
        "text",
    ]

    # Importing the export again changes nothing: every row is already there.
    again = workdir / "again.csv"
    again.write_text(exported, encoding="utf-8")
    before = fingerprint(project)
    result = run("codings", "import", str(again), db=project)
    assert "imported 0 codings" in result.output and "3 already present" in result.output
    assert json.loads(run("status", "--format", "json", db=project).output)["codings"] == 3
    assert before != "" and run("codings", "export", db=project).output == exported


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("nobody,2,,,Enabling,ana,,", "codings.csv:3: unknown source 'nobody'"),
        ("ratna,2,,,Enabling/Nope,ana,,", "codings.csv:3: unknown code 'Enabling/Nope'"),
        ("ratna,9,,,Enabling,ana,,", "codings.csv:3: source 'ratna' has no segment 9"),
        ("ratna,2,,,Enabling,ana,7,", "codings.csv:3: magnitude 7 is outside the scale -2..2"),
        ("ratna,,5,99999,Enabling,ana,,", "codings.csv:3: span [5, 99999) is outside source"),
        ("ratna,2,,,Enabling,,,", "codings.csv:3: no coder given"),
        ("ratna,2,,,Obstacles,ana,,", "codings.csv:3: code 'Obstacles' is a grouping category"),
        ("ratna,two,,,Enabling,ana,,", "codings.csv:3: segment must be a whole number"),
    ],
)
def test_bad_codings_csv_names_the_line_and_imports_nothing(
    project: Path, workdir: Path, row: str, message: str
) -> None:
    path = workdir / "codings.csv"
    good = "ratna,2,,,Enabling,ana,,"
    path.write_text(f"source,segment,start,end,code,coder,magnitude,memo\n{good}\n{row}\n")
    before = fingerprint(project)
    result = run("codings", "import", str(path), db=project)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: " + str(path.parent / message.split(":")[0]) + ":3:")
    assert message.split(":", 2)[2].strip() in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert fingerprint(project) == before


def test_unknown_csv_column_is_an_error(project: Path, workdir: Path) -> None:
    path = workdir / "c.csv"
    path.write_text("source,segment,code,coder,colour\nratna,2,Enabling,ana,red\n")
    result = run("codings", "import", str(path), db=project)
    assert result.exit_code == 1 and "unknown column 'colour'" in result.stderr


def test_import_into_missing_db_creates_it_and_says_so(workdir: Path) -> None:
    db = workdir / "new.db"
    result = run("import", str(workdir / "ratna.txt"), "--informant", "Ratna", db=db)
    assert result.exit_code == 0, result.output
    assert f"created project {db}" in result.output
    assert json.loads(run("status", "--format", "json", db=db).output)["sources"] == 1


def test_failed_import_into_missing_db_leaves_no_file(workdir: Path) -> None:
    db = workdir / "new.db"
    (workdir / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    result = run("import", str(workdir / "blob.txt"), "--informant", "X", db=db)
    assert result.exit_code == 1
    assert not db.exists() and not Path(f"{db}-wal").exists()


def test_reimport_same_text_is_skipped(project: Path, workdir: Path) -> None:
    copy = workdir / "copy-of-ratna.txt"
    copy.write_bytes((workdir / "ratna.txt").read_bytes().replace(b"\n", b"\r\n"))
    result = run("import", str(copy), "--informant", "Ratna Kurniasih", db=project)
    assert result.exit_code == 0
    assert "skipped" in result.output and "already imported as 'ratna'" in result.output
    assert json.loads(run("status", "--format", "json", db=project).output)["sources"] == 1


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("binary.txt", b"\x00\x01\x02\x03" * 100, "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n  \n", "empty"),
        ("undecodable.txt", b"caf\x81 \x8d\x8f\x90\x9d", "decode"),
        ("slides.pdf", b"%PDF-1.4 ...", "unknown format"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "docx"),
        ("garbage.vtt", b"this is not WEBVTT\n\n00:00 --> nonsense", "vtt"),
    ],
)
def test_bad_file_is_one_line_error_and_project_unchanged(
    project: Path, workdir: Path, name: str, content: bytes, reason: str
) -> None:
    bad = workdir / name
    bad.write_bytes(content)
    good = workdir / "good.txt"
    good.write_text("[00:00:01] A: hello there\n", encoding="utf-8")
    before = fingerprint(project)
    # The good file comes first: the batch is all-or-nothing, so it must not land either.
    result = run("import", str(good), str(bad), "--informant", "Someone", db=project)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}:"), result.stderr
    assert reason.lower() in lines[0].lower()
    assert fingerprint(project) == before


def test_interview_without_informant_is_refused(project: Path, workdir: Path) -> None:
    other = workdir / "other.txt"
    other.write_text("[00:00:01] A: hello\n", encoding="utf-8")
    before = fingerprint(project)
    result = run("import", str(other), db=project)
    assert result.exit_code == 1
    assert f"error: {other}: interview has no informant" in result.stderr
    assert fingerprint(project) == before


def test_document_needs_no_informant(project: Path, workdir: Path) -> None:
    doc = workdir / "stats.md"
    doc.write_text(
        "# Table\n\nSome numbers.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", encoding="utf-8"
    )
    result = run("import", str(doc), "--kind", "document", db=project)
    assert result.exit_code == 0, result.output
    listing = json.loads(run("sources", "--format", "json", db=project).output)
    stats = next(s for s in listing if s["name"] == "stats")
    assert stats["kind"] == "document" and stats["informant"] is None and stats["segments"] == 3


def test_not_a_project(workdir: Path) -> None:
    text_file = workdir / "notes.db"
    text_file.write_text("hello")
    result = run("status", db=text_file)
    assert result.exit_code == 1 and "not a qualcode project" in result.stderr
    assert text_file.read_text() == "hello"
    missing = run("status", db=workdir / "missing.db")
    assert missing.exit_code == 1 and "no project here" in missing.stderr


def test_init_refuses_existing_file(project: Path) -> None:
    before = fingerprint(project)
    result = run("init", db=project)
    assert result.exit_code == 1 and "not overwriting" in result.stderr
    assert fingerprint(project) == before


def test_listing_commands_take_formats(project: Path) -> None:
    for command in (["status"], ["sources"], ["informants"], ["segments", "--source", "ratna"]):
        for fmt in ("table", "json", "csv"):
            result = run(*command, "--format", fmt, db=project)
            assert result.exit_code == 0, (command, fmt, result.output)
    csv_out = run("informants", "--format", "csv", db=project).output
    assert csv_out.splitlines()[0] == "name,pseudonym,role,attributes"
    assert "Ratna Kurniasih,,official," in csv_out


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += _commands(command, prefix + name + " ")
    return found


def test_every_command_has_help_text() -> None:
    for name, command in _commands(main):
        assert command.help and command.help.strip(), f"'{name}' has no help text"
        assert command.get_short_help_str(), name


def test_db_from_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUALCODE_DB", str(project))
    result = run("status", "--format", "json")
    assert json.loads(result.output)["sources"] == 1


def test_codings_export_output_dash_is_stdout_and_a_bad_path_is_one_line(
    project: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    assert (
        run("codings", "export", "-o", "-", db=project).output
        == run("codings", "export", db=project).output
    )
    assert not (workdir / "-").exists()
    blocker = workdir / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = run("codings", "export", "-o", str(blocker / "codings.csv"), db=project)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: {blocker / 'codings.csv'}: cannot write ({blocker} is a file, not a folder)"
    )
    assert blocker.read_text(encoding="utf-8") == "x"
