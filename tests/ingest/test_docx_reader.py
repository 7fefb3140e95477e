"""Word transcripts: paragraphs, tables, tracked changes, and files that are not .docx."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from qualcode.core.errors import InputError
from qualcode.ingest.readers import read_source


def spans(path: Path, mode: str = "turn") -> list[tuple[str | None, str]]:
    parsed = read_source(path, mode)
    return [(s.speaker, parsed.text[s.start : s.end]) for s in parsed.segments]


def _run(tag: str, text: str):  # type: ignore[no-untyped-def]
    run = OxmlElement("w:r")
    t = OxmlElement(tag)
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    return run


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Interview with Ratna Kurniasih", level=1)
    document.add_paragraph("INTERVIEWER: How many MSMEs were fostered?")
    document.add_paragraph("")  # empty paragraphs are skipped
    answer = document.add_paragraph("Ratna Kurniasih: Let me show the table.")
    answer.add_run().add_break()
    answer.add_run("It is from the 2021 recapitulation.")
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(
        table.rows[:2], [("Year", "Fostered", "Note"), ("2020", "1.204", "")], strict=True
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    merged = table.rows[2].cells[0].merge(table.rows[2].cells[1])
    merged.text = "Total so far"
    table.rows[2].cells[2].text = "two lines\nin one cell"
    edited = document.add_paragraph("Ratna Kurniasih: We got ")
    insertion = OxmlElement("w:ins")
    insertion.set(qn("w:id"), "1")
    insertion.set(qn("w:author"), "Editor")
    insertion.append(_run("w:t", "new "))
    edited._p.append(insertion)
    deletion = OxmlElement("w:del")
    deletion.set(qn("w:id"), "2")
    deletion.set(qn("w:author"), "Editor")
    deletion.append(_run("w:delText", "old "))
    edited._p.append(deletion)
    edited.add_run("machines.")
    document.add_paragraph("Second paragraph of the same turn.")
    path = tmp_path / "ratna.docx"
    document.save(str(path))
    return path


def test_docx_text(transcript: Path) -> None:
    parsed = read_source(transcript)
    assert parsed.encoding == "utf-8"
    assert parsed.warnings == []
    assert parsed.text == (
        "Interview with Ratna Kurniasih\n\n"
        "INTERVIEWER: How many MSMEs were fostered?\n\n"
        "Ratna Kurniasih: Let me show the table.\nIt is from the 2021 recapitulation.\n\n"
        "Year | Fostered | Note\n"
        "2020 | 1.204 |\n"
        "Total so far | two lines in one cell\n\n"
        "Ratna Kurniasih: We got new machines.\n\n"
        "Second paragraph of the same turn."
    )


def test_docx_turns(transcript: Path) -> None:
    assert spans(transcript) == [
        (None, "Interview with Ratna Kurniasih"),
        ("INTERVIEWER", "How many MSMEs were fostered?"),
        (
            "Ratna Kurniasih",
            "Let me show the table.\nIt is from the 2021 recapitulation.\n\n"
            "Year | Fostered | Note\n2020 | 1.204 |\nTotal so far | two lines in one cell",
        ),
        ("Ratna Kurniasih", "We got new machines.\n\nSecond paragraph of the same turn."),
    ]


def test_docx_paragraphs(transcript: Path) -> None:
    assert spans(transcript, "paragraph")[-2:] == [
        ("Ratna Kurniasih", "We got new machines."),
        ("Ratna Kurniasih", "Second paragraph of the same turn."),
    ]


def test_docx_without_turns_is_paragraphs(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("A document about MSMEs.")
    document.add_paragraph("Its second paragraph.")
    path = tmp_path / "report.docx"
    document.save(str(path))
    parsed = read_source(path, kind="document")
    assert [parsed.text[s.start : s.end] for s in parsed.segments] == [
        "A document about MSMEs.",
        "Its second paragraph.",
    ]
    assert parsed.warnings == []


def assert_input_error(path: Path, reason: str) -> None:
    with pytest.raises(InputError) as info:
        read_source(path)
    assert str(info.value) == f"{path}: {reason}"


def test_truncated_docx(transcript: Path, tmp_path: Path) -> None:
    path = tmp_path / "truncated.docx"
    path.write_bytes(transcript.read_bytes()[:700])
    assert_input_error(path, "not a valid .docx file")


@pytest.mark.parametrize(
    "data",
    [b"just some text", b"PK\x03\x04garbage", b"\x00\x01\x02\x03" * 100],
    ids=["text", "bad-zip", "binary"],
)
def test_corrupt_docx(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "corrupt.docx"
    path.write_bytes(data)
    assert_input_error(path, "not a valid .docx file")


def test_zip_that_is_not_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert_input_error(path, "not a valid .docx file")


def test_old_doc_format_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert_input_error(path, "not a valid .docx file (an old Word .doc? save it as .docx)")


def test_empty_docx(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    document = docx.Document()
    document.add_paragraph("   ")
    document.save(str(path))
    assert_input_error(path, "file is empty")
    zero = tmp_path / "zero.docx"
    zero.write_bytes(b"")
    assert_input_error(zero, "file is empty")
