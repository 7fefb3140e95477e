"""``qualcode export quotes | codebook`` and the new formats of ``matrix`` and ``triangulate``, on a
small project whose transcripts carry formula, LaTeX and HTML payloads and mention informants by
title, first name and a typo. Golden files (byte-exact) for the text formats; Word and Excel
read back; same command, same bytes."""

from __future__ import annotations

import io
import os
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import run

from qualcode.cli.export import safe_filename

GOLDEN = Path(__file__).parent / "golden_exports"
UPDATE = os.environ.get("QUALCODE_UPDATE_GOLDEN") == "1"

CODEBOOK = """\
name: Payload codebook
version: "0.1"
magnitude:
  -2: strongly negative
  -1: negative
  0: neutral
  1: positive
  2: strongly positive
codes:
  - name: Enabling
    definition: Climate for growth & participation (100% of actors, $0 cost, {braces}).
    when_to_use: Talk about the climate; see \\ref{x} -- not a command.
    when_not_to_use: =SUM(A1) is a formula in a spreadsheet, text here.
    example: "Ibu Sari said the office is open."
    codes:
      - name: Motivation
        definition: Motivation_and_direction ~ <b>bold?</b>
  - name: Obstacles
    codable: false
    codes:
      - name: Licensing cost
        definition: What permits cost.
"""

INFORMANTS = """\
informants:
  - name: Sari Wulandari
    pseudonym: Official A
    role: official
    files: [sari-wulandari.txt]
  - name: Budi Hartono
    pseudonym: Actor A
    role: msme actor
    files: [budi-hartono.txt]
sources:
  - file: recap.md
    kind: document
    name: Recap 2021
    segment: paragraph
"""

SARI = """\
[00:00:05] INTERVIEWER: Good morning, Ibu Sari. What does the office do?

[00:00:12] Sari Wulandari: We train 100% of new actors & coach them; Pak Budi joined in 2021.

[00:01:00] INTERVIEWER: And the permits?

[00:01:20] Sari Wulandari: =HYPERLINK("http://evil.example/x","click") is what a scammer sent us.
"""

BUDI = (
    "[00:00:03] INTERVIEWER: Pak Budi, did the training help?\n\n"
    "[00:00:10] Budi Hartono: \\input{/etc/passwd} 100% $x_1$ #hash -- that is what the slide "
    "said. Ibu Sari~ was kind.\n\n"
    "[00:00:45] INTERVIEWER: And capital?\n\n"
    "[00:01:02] Budi Hartono: -2 is my rating; @SUM(A1) and +cmd|' /C calc'!A0 "
    "<script>alert(1)</script> [link](http://evil.example) Mrs. Wulandarie too.\n"
)

RECAP = "Recap 2021: 12 actors trained.\n\nBudi Hartono's workshop was visited once.\n"

CODINGS = """\
source,segment,start,end,code,coder,magnitude,memo
sari-wulandari,2,,,Enabling,ana,2,Claims full coverage.
sari-wulandari,2,,,Enabling/Motivation,ana,1,
sari-wulandari,4,,,Obstacles/Licensing cost,ana,,
budi-hartono,2,,,Enabling/Motivation,ana,-1,Says the training repeated the slides.
budi-hartono,4,,,Obstacles/Licensing cost,ana,,
budi-hartono,4,,,Enabling,ana,-2,
Recap 2021,2,,,Enabling,ana,,
"""


@pytest.fixture(scope="module")
def payload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("payload")
    files = {
        "codebook.yaml": CODEBOOK,
        "informants.yaml": INFORMANTS,
        "sari-wulandari.txt": SARI,
        "budi-hartono.txt": BUDI,
        "recap.md": RECAP,
        "codings.csv": CODINGS,
    }
    for name, body in files.items():
        (folder / name).write_text(body, encoding="utf-8")
    db = folder / "p.db"
    steps = [
        ["init"],
        ["codebook", "load", str(folder / "codebook.yaml")],
        [
            "import",
            *(str(folder / f) for f in ("sari-wulandari.txt", "budi-hartono.txt", "recap.md")),
        ],
        ["codings", "import", str(folder / "codings.csv")],
    ]
    for args in steps:
        result = run(*args, db=db)
        assert result.exit_code == 0, (args, result.output)
    return db


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test writes its exports/ into a fresh working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def export(db: Path, *args: str) -> bytes:
    """Run a command writing to -o out.<ext> (a bare name: into exports/) and return the bytes."""
    result = run(*args, db=db)
    assert result.exit_code == 0, result.output
    written = result.stderr.splitlines()[0].rsplit(" to ", 1)[1]
    return Path(written).read_bytes()


# -- golden files ---------------------------------------------------------------------------------
CASES = {
    "quotes.md": ["export", "quotes", "--format", "md"],
    "quotes-pseudonymized.md": ["export", "quotes", "--pseudonymize"],
    "quotes-pseudonymized.csv": ["export", "quotes", "--pseudonymize", "--format", "csv"],
    "quotes-pseudonymized.tex": ["export", "quotes", "--pseudonymize", "--format", "tex"],
    "quotes-pseudonymized.html": ["export", "quotes", "--pseudonymize", "--format", "html"],
    "quotes-enabling-1.md": ["export", "quotes", "--codes", "Enabling", "--per-code", "1"],
    "codebook.md": ["export", "codebook"],
    "codebook.tex": ["export", "codebook", "--format", "tex"],
    "codebook-pseudonymized.html": ["export", "codebook", "--format", "html", "--pseudonymize"],
    "matrix-quotes-pseudonymized.md": [
        "matrix",
        "--cells",
        "quotes",
        "--pseudonymize",
        "--format",
        "md",
    ],
    "matrix-quotes-pseudonymized.csv": [
        "matrix",
        "--cells",
        "quotes",
        "--pseudonymize",
        "--format",
        "csv",
    ],
    "matrix-magnitude.csv": ["matrix", "--cells", "magnitude", "--format", "csv"],
    "matrix-quotes-pseudonymized.tex": [
        "matrix",
        "--cells",
        "quotes",
        "--pseudonymize",
        "--format",
        "tex",
    ],
    "matrix-role.tex": ["matrix", "role", "--format", "tex"],
    "matrix-quotes-pseudonymized.html": [
        "matrix",
        "--cells",
        "quotes",
        "--pseudonymize",
        "--format",
        "html",
    ],
    "triangulation-pseudonymized.tex": ["triangulate", "--pseudonymize", "--format", "tex"],
    "triangulation-pseudonymized.html": ["triangulate", "--pseudonyms", "--format", "html"],
    "triangulation.csv": ["triangulate", "--format", "csv"],
}


@pytest.mark.parametrize("name", list(CASES))
def test_golden(payload: Path, cwd: Path, name: str) -> None:
    body = export(payload, *CASES[name], "-o", name)
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    assert path.exists(), f"no golden file {path}: run with QUALCODE_UPDATE_GOLDEN=1"
    assert body == path.read_bytes()
    if "pseudonymized" in name:
        report = (cwd / "exports" / f"{name}.pseudonyms.txt").read_bytes()
        side = GOLDEN / f"{name}.pseudonyms.txt"
        if UPDATE:
            side.write_bytes(report)
        assert report == side.read_bytes()


def test_no_stray_golden_files() -> None:
    expected = set(CASES) | {f"{n}.pseudonyms.txt" for n in CASES if "pseudonymized" in n}
    assert {p.name for p in GOLDEN.iterdir()} == expected


def test_payloads_are_inert_and_names_gone(payload: Path, cwd: Path) -> None:
    md = export(payload, "export", "quotes", "--pseudonymize", "-o", "q.md").decode()
    assert "[Official A]" in md and "[Actor A]" in md
    for name in ("Sari", "Budi", "Wulandari", "Wulandarie", "Hartono", "sari-wulandari"):
        assert name not in md
    csv_text = export(payload, "export", "quotes", "--format", "csv", "-o", "q.csv").decode()
    assert "'=HYPERLINK(" in csv_text and ",=HYPERLINK" not in csv_text
    tex = export(payload, "export", "quotes", "--format", "tex", "-o", "q.tex").decode()
    assert r"\textbackslash{}input\{/etc/passwd\} 100\% \$x\_1\$ \#hash -{}- that" in tex
    report = (cwd / "exports" / "q.md.pseudonyms.txt").read_text()
    assert "'Mrs. Wulandarie' -> '[Official A]'  x2  (title + last name, typo (1 edit); " in report


# -- Word and Excel, read back ------------------------------------------------------------------
def test_quotes_docx_reads_back(payload: Path, cwd: Path) -> None:
    body = export(payload, "export", "quotes", "--pseudonymize", "--format", "docx", "-o", "q.docx")
    (table,) = docx.Document(io.BytesIO(body)).tables
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["code", "quote", "informant", "role", "source", "segment"]
    assert rows[1][0] == "Enabling" and rows[1][2:] == [
        "Actor A",
        "msme actor",
        "interview",
        "#4, 00:01:02",
    ]
    assert rows[2][0] == "" and rows[2][2:] == [
        "Official A",
        "official",
        "interview",
        "#2, 00:00:12",
    ]
    assert rows[2][1] == "We train 100% of new actors & coach them; [Actor A] joined in 2021."
    assert rows[3][2:] == ["—", "", "Recap 2021", "#2"]  # a document: no informant
    assert not any("Budi" in c or "Sari" in c for r in rows for c in r)


def test_matrix_and_triangulation_xlsx_read_back(payload: Path, cwd: Path) -> None:
    body = export(payload, "matrix", "--cells", "magnitude", "--format", "xlsx", "-o", "m.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["clustered"]
    sheet = book["clustered"]
    assert sheet.freeze_panes == "B2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("informant", "Enabling", "Obstacles")
    assert rows[1][0] == "Budi Hartono" and rows[1][1] == "-- (n=2)"
    assert sheet["B2"].data_type == "s"
    body = export(payload, "triangulate", "--format", "xlsx", "-o", "t.xlsx")
    tri = list(
        openpyxl.load_workbook(io.BytesIO(body))["triangulation"].iter_rows(values_only=True)
    )
    assert tri[0][:3] == ("code", "msme actor codings", "msme actor informants")
    assert tri[1][:3] == ("Enabling", 2, 1)  # numbers, as in CSV
    assert tri[1][4] == -1.5


@pytest.mark.parametrize(
    "args",
    [
        ["export", "quotes", "--format", "docx"],
        ["export", "quotes", "--format", "xlsx", "--pseudonymize"],
        ["export", "codebook", "--format", "docx"],
        ["matrix", "--cells", "quotes", "--format", "docx"],
        ["matrix", "cooccurrence", "--format", "xlsx"],
        ["triangulate", "--format", "docx", "--pseudonymize"],
    ],
)
def test_same_command_same_bytes(payload: Path, cwd: Path, args: list[str]) -> None:
    first = export(payload, *args, "-o", "one")
    second = export(payload, *args, "-o", "two")
    assert first == second


# -- where files go ------------------------------------------------------------------------------
def test_default_names_and_folders(payload: Path, cwd: Path) -> None:
    result = run("export", "quotes", "--codes", "Enabling/Motivation", db=payload)
    assert result.stderr == "wrote 2 quotes to exports/quotes-enabling-motivation.md\n"
    result = run("export", "codebook", "--format", "tex", db=payload)
    assert result.stderr == "wrote the codebook (4 codes) to exports/codebook.tex\n"
    result = run("matrix", "--format", "xlsx", db=payload)  # binary: a file, not stdout
    assert (
        result.stderr == "wrote the clustered display (2 rows) to exports/matrix-clustered.xlsx\n"
    )
    result = run("triangulate", "--format", "docx", db=payload)
    assert result.stderr == "wrote triangulation of 4 codes to exports/triangulation-by-role.docx\n"
    result = run("matrix", "--format", "tex", db=payload)  # text: stdout, as before
    assert result.stdout.startswith("% Written by qualcode") and result.stderr == ""
    result = run("export", "codebook", "-o", "-", db=payload)
    assert result.stdout.startswith("## Codebook: Payload codebook")
    result = run("export", "codebook", "-o", "sub/dir/cb.md", db=payload)  # a path: as given
    assert (cwd / "sub" / "dir" / "cb.md").is_file()
    assert sorted(p.name for p in (cwd / "exports").iterdir()) == [
        "codebook.tex",
        "matrix-clustered.xlsx",
        "quotes-enabling-motivation.md",
        "triangulation-by-role.docx",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quotes-Enabling/Motivation", "quotes-enabling-motivation"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "export"),
        ("/abs/path\\win", "abs-path-win"),
        ("triangulation-by-gender:f?*<>|", "triangulation-by-gender-f"),
        ("CON", "export-con"),
        ("Çetin Ölmez", "çetin-ölmez"),
        ("a" * 200, "a" * 80),
    ],
)
def test_derived_file_names_stay_in_their_folder(text: str, expected: str) -> None:
    name = safe_filename(text)
    assert name == expected
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_errors_are_one_line(payload: Path, cwd: Path) -> None:
    cases = [
        (["export", "quotes", "--format", "docx", "-o", "-"], "error: --format docx writes a file"),
        (["export", "quotes", "--codes", "Nope"], "error: unknown code 'Nope'"),
        (["export", "quotes", "--coder", "nobody"], "error: unknown coder 'nobody'"),
        (["export", "codebook", "-o", ".."], "error: -o '..': give a file name"),
    ]
    for args, message in cases:
        result = run(*args, db=payload)
        assert result.exit_code == 1, args
        assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert not (cwd / "exports").exists()


def test_every_command_has_help() -> None:
    for args in (["export"], ["export", "quotes"], ["export", "codebook"]):
        result = run(*args, "--help")
        assert result.exit_code == 0 and len(result.output.splitlines()) > 5
    assert "tex|docx|xlsx|html" in run("matrix", "--help").output.replace("\n", "")
