"""read_source on plain-text and Markdown transcripts, encodings, and files that cannot be read."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest

from qualcode.core.errors import InputError
from qualcode.core.text import CP1252_WARNING
from qualcode.ingest.readers import (
    NO_TURNS_WARNING,
    SUPPORTED_SUFFIXES,
    ParsedSource,
    read_source,
)

TRANSCRIPT = """\
Interview with Kurnia Supartina, 18 December 2021

[00:00:05] INTERVIEWER: What does the division do?

[00:00:12] Kurnia Supartina: We socialise programmes to MSME actors. Mr. Budi helps.

The training is twice a year.
INTERVIEWER: Is it enough?
Kurnia Supartina: Not yet.
"""

MARKDOWN = """\
# Interview with Ratna

**Interviewer:** How did the training go?

**Ratna Kurniasih**: It went well. We learnt packaging.

Then we applied for a licence.
"""


def segments(parsed: ParsedSource) -> list[tuple[str | None, str | None, str]]:
    return [(s.speaker, s.timestamp, parsed.text[s.start : s.end]) for s in parsed.segments]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def test_txt_turns(tmp_path: Path) -> None:
    parsed = read_source(write(tmp_path, "kurnia.txt", TRANSCRIPT))
    assert parsed.encoding == "utf-8"
    assert parsed.warnings == []
    assert parsed.text == TRANSCRIPT
    assert segments(parsed) == [
        (None, None, "Interview with Kurnia Supartina, 18 December 2021"),
        ("INTERVIEWER", "00:00:05", "What does the division do?"),
        (
            "Kurnia Supartina",
            "00:00:12",
            "We socialise programmes to MSME actors. Mr. Budi helps.\n\n"
            "The training is twice a year.",
        ),
        ("INTERVIEWER", None, "Is it enough?"),
        ("Kurnia Supartina", None, "Not yet."),
    ]


def test_txt_paragraphs_and_sentences(tmp_path: Path) -> None:
    path = write(tmp_path, "kurnia.txt", TRANSCRIPT)
    paragraphs = segments(read_source(path, "paragraph"))
    assert paragraphs[2:4] == [
        (
            "Kurnia Supartina",
            "00:00:12",
            "We socialise programmes to MSME actors. Mr. Budi helps.",
        ),
        ("Kurnia Supartina", "00:00:12", "The training is twice a year."),
    ]
    sentences = segments(read_source(path, "sentence"))
    assert [t for _, _, t in sentences[2:5]] == [
        "We socialise programmes to MSME actors.",
        "Mr. Budi helps.",
        "The training is twice a year.",
    ]


def test_markdown_bold_speakers(tmp_path: Path) -> None:
    parsed = read_source(write(tmp_path, "ratna.md", MARKDOWN))
    assert segments(parsed) == [
        (None, None, "# Interview with Ratna"),
        ("Interviewer", None, "How did the training go?"),
        (
            "Ratna Kurniasih",
            None,
            "It went well. We learnt packaging.\n\nThen we applied for a licence.",
        ),
    ]


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert read_source(write(tmp_path, "RATNA.TXT", TRANSCRIPT)).segments


def test_no_turns_falls_back_to_paragraphs_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "First paragraph.\n\nSecond paragraph.\n")
    parsed = read_source(path)
    assert [t for _, _, t in segments(parsed)] == ["First paragraph.", "Second paragraph."]
    assert parsed.warnings == [NO_TURNS_WARNING]
    assert read_source(path, kind="document").warnings == []
    assert read_source(path, kind="observation").warnings == []
    assert read_source(path, "paragraph").warnings == []


def test_documents_keep_label_lines_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, "recap.md", "# Recap\n\nNotes: 47 have an NIB.\n")
    assert segments(read_source(path, kind="document")) == [
        (None, None, "# Recap"),
        (None, None, "Notes: 47 have an NIB."),
    ]
    assert segments(read_source(path, "paragraph", kind="interview"))[1] == (
        "Notes",
        None,
        "47 have an NIB.",
    )


# --- encodings --------------------------------------------------------------------------------

TEXT = "Ratna: Café “kopi” — naïve\r\nINTERVIEWER: Terima kasih.\r\n"
EXPECTED = [("Ratna", None, "Café “kopi” — naïve"), ("INTERVIEWER", None, "Terima kasih.")]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    parsed = read_source(write(tmp_path, "t.txt", data))
    assert parsed.encoding == encoding
    assert parsed.warnings == []
    assert segments(parsed) == EXPECTED
    assert "\r" not in parsed.text and "\ufeff" not in parsed.text


def test_cp1252_warns(tmp_path: Path) -> None:
    parsed = read_source(write(tmp_path, "t.txt", TEXT.encode("cp1252")))
    assert parsed.encoding == "cp1252"
    assert parsed.warnings == [CP1252_WARNING]
    assert segments(parsed) == EXPECTED


def test_text_is_nfc_normalized(tmp_path: Path) -> None:
    parsed = read_source(write(tmp_path, "t.txt", "Ratna: Cafe\u0301 🙂\rSiti: ok"))
    assert parsed.text == "Ratna: Café 🙂\nSiti: ok"
    assert segments(parsed) == [("Ratna", None, "Café 🙂"), ("Siti", None, "ok")]


# --- files that cannot be read ----------------------------------------------------------------


def assert_input_error(path: Path, reason: str) -> None:
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert reason in message


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "photo.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "binary file, not a transcript",
        ),
        ("empty.txt", b"", "file is empty"),
        ("blank.md", b" \n\t\r\n  \n", "file is empty"),
        ("bom-only.txt", codecs.BOM_UTF8 + b"\n", "file is empty"),
        (
            "report.pdf",
            b"%PDF-1.4",
            "unknown format '.pdf' (supported: .txt, .md, .docx, .vtt, .srt)",
        ),
        ("README", b"text", "unknown format: no file extension"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    assert_input_error(write(tmp_path, name, data), reason)


def test_missing_file(tmp_path: Path) -> None:
    assert_input_error(tmp_path / "nowhere.txt", "file not found")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "transcripts.txt"
    folder.mkdir()
    assert_input_error(folder, "is a directory")


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".docx", ".vtt", ".srt")


def test_a_megabyte_single_line_reads_quickly(tmp_path: Path) -> None:
    path = write(tmp_path, "long.txt", "Ratna: " + "kata " * 200_000 + "selesai.")
    started = time.perf_counter()
    for mode in ("turn", "paragraph", "sentence"):
        parsed = read_source(path, mode)
        assert len(parsed.segments) == 1
    # Not a speed figure (that is tests/bench): a guard against catastrophic regex
    # backtracking, which takes minutes on a line this long.
    assert time.perf_counter() - started < 30.0
