"""Hostile and broken input through the command line: each is refused in one line naming the
file, with a non-zero exit, and the project is byte-for-byte unchanged. (REFI-QDA archives:
tests/exchange/test_refi_safety.py; export file names and payloads: test_export_cli.py.)"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from conftest import fingerprint, run

from qualcode.core.files import MB


def refused(db: Path, file: Path, expected: str, *command: str) -> None:
    before = fingerprint(db)
    if command:
        result = run(*command, str(file), db=db)
    else:
        result = run("import", str(file), "--informant", "X", db=db)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: {file}"), result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert fingerprint(db) == before


def docx_bytes(document_xml: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            '-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        )
        z.writestr("word/document.xml", document_xml)
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_binary_and_truncated_files(project: Path, tmp_path: Path, workdir: Path) -> None:
    photo = tmp_path / "photo.txt"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    refused(project, photo, "binary file, not a transcript")
    good = docx_bytes(
        f"<w:document {W}><w:body><w:p><w:r><w:t>Ratna: hi</w:t></w:r></w:p></w:body></w:document>"
    )
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good[: len(good) // 2])
    refused(project, cut, "not a valid .docx file")
    captions = tmp_path / "cut.vtt"
    captions.write_bytes(b"WEBVTT\n\n00:00:01.000 --> 00:0")
    before = fingerprint(project)
    result = run("import", str(captions), "--informant", "X", db=project)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert fingerprint(project) == before


def test_a_megabyte_on_one_line_imports(project: Path, tmp_path: Path) -> None:
    line = tmp_path / "line.txt"
    line.write_text("Ratna: " + "kata " * 210_000 + "\n", "utf-8")
    result = run("import", str(line), "--informant", "Ratna Kurniasih", db=project)
    assert result.exit_code == 0, result.output
    assert "(interview, 1 segments by turn" in result.output


def test_a_200_mb_transcript_is_refused_without_reading_it(project: Path, tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.truncate(200 * MB)
    refused(project, huge, "refused: larger than the 64 MB limit for an input file")
    small = tmp_path / "small.txt"
    small.write_text("Ratna: " + "x" * 3000, "utf-8")
    before = fingerprint(project)
    result = run("import", str(small), "--informant", "X", "--max-size", "0.001", db=project)
    assert result.exit_code == 1 and "larger than the 0.001 MB limit" in result.stderr
    assert fingerprint(project) == before


def test_the_cap_comes_from_the_environment(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUALCODE_MAX_SIZE", "0.002")
    book = tmp_path / "big.yaml"
    book.write_text("name: B\ncodes:\n" + "".join(f"  - name: C{i}\n" for i in range(400)))
    refused(project, book, "larger than the 0.002 MB limit", "codebook", "load")
    monkeypatch.setenv("QUALCODE_MAX_SIZE", "5")
    result = run("codebook", "load", str(book), db=project)
    assert "limit" not in result.stderr  # read now; whatever the codebook's merits


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)


@pytest.mark.parametrize(
    ("name", "body", "command", "expected"),
    [
        ("bomb.yaml", "name: B\ncodes: []\n" + BOMB, ("codebook", "load"), "aliases"),
        ("deep.yaml", "name: B\ncodes: " + "[" * 100_000, ("codebook", "load"), "nested"),
        ("informants.yaml", "informants:\n" + BOMB, ("import-meta",), "aliases"),
        ("informants.yaml", "informants: " + "[" * 100_000, ("import-meta",), "nested too deep"),
    ],
)
def test_yaml_bombs_and_deep_nesting(
    project: Path, tmp_path: Path, name: str, body: str, command: tuple[str, ...], expected: str
) -> None:
    file = tmp_path / name
    file.write_text(body, "utf-8")
    if command == ("import-meta",):
        transcript = tmp_path / "t.txt"
        transcript.write_text("Ratna: hello\n", "utf-8")
        before = fingerprint(project)
        result = run("import", str(transcript), "--meta", str(file), db=project)
        assert result.exit_code == 1 and result.stderr.startswith(f"error: {file}:")
        assert expected in result.stderr and result.stderr.count("\n") == 1
        assert fingerprint(project) == before
    else:
        refused(project, file, expected, *command)


def test_entities_in_a_docx_are_never_expanded(project: Path, tmp_path: Path) -> None:
    xxe = tmp_path / "xxe.docx"
    xxe.write_bytes(
        docx_bytes(
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">'
            '<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;">]>'
            f"<w:document {W}><w:body><w:p><w:r><w:t>Ratna: &x; &l2;</w:t></w:r></w:p>"
            "</w:body></w:document>"
        )
    )
    before = fingerprint(project)
    result = run("import", str(xxe), "--informant", "X", db=project)
    if result.exit_code == 0:  # imported, but nothing from outside the file came in
        text = run("segments", "--source", "xxe", "--format", "csv", db=project).output
        assert "root:" not in text and "lollol" not in text
    else:
        assert result.stderr.count("\n") == 1 and fingerprint(project) == before


def test_a_docx_zip_bomb_is_refused_by_its_declared_size(project: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (1 * MB))
    data = bytearray(out.getvalue())
    # Declare 1 GB uncompressed for the entry, in the central directory (what zipfile reads).
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1024 * MB).to_bytes(4, "little")
    bomb.write_bytes(bytes(data))
    refused(project, bomb, "possible zip bomb")


def test_codings_csv_export_is_formula_safe_and_round_trips(project: Path, tmp_path: Path) -> None:
    from qualcode.storage.actions import CodingActions
    from qualcode.storage.project import Project

    memos = ['=HYPERLINK("http://x")', "'=already quoted", "-2", "@SUM(A1)", "plain"]
    with Project.open(project) as p:
        actions = CodingActions(p, "ana")
        for i, memo in enumerate(memos):
            actions.apply(1, 2, i, i + 2, memo=memo)
    exported = run("codings", "export", db=project).output
    cells = [row["memo"] for row in csv.DictReader(io.StringIO(exported))]
    assert cells == ['\'=HYPERLINK("http://x")', "''=already quoted", "-2", "'@SUM(A1)", "plain"]
    assert all(not c.startswith(("=", "+", "@")) for c in cells)
    file = tmp_path / "back.csv"
    file.write_text(exported.replace(",ana,", ",zoe,"), "utf-8")
    assert run("codings", "import", str(file), db=project).exit_code == 0
    again = run("codings", "export", "--coder", "zoe", db=project).output
    assert [row["memo"] for row in csv.DictReader(io.StringIO(again))] == cells


def test_csv_listings_are_formula_safe_too(project: Path, tmp_path: Path) -> None:
    evil = tmp_path / "evil.txt"
    evil.write_text('Plain words.\n\n=HYPERLINK("http://evil.example","x")\n', "utf-8")
    result = run("import", str(evil), "--informant", "@Budi", "--segment", "paragraph", db=project)
    assert result.exit_code == 0, result.output
    listing = run("segments", "--source", "evil", "--format", "csv", db=project).output
    rows = list(csv.DictReader(io.StringIO(listing)))
    assert [r["text"] for r in rows] == ["Plain words.", '\'=HYPERLINK("http://evil.example","x")']
    assert [r["ordinal"] for r in rows] == ["1", "2"]  # numbers stay numbers
    people = run("informants", "--format", "csv", db=project).output
    assert "\n'@Budi," in people
