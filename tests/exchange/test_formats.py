"""Each format read back by its real reader, its safety rules, and same input → same bytes."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.exchange.formats import ALL_FORMATS, render
from qualcode.exchange.formats.csv_safe import neutralise
from qualcode.exchange.formats.latex import cell, escape, to_latex
from qualcode.exchange.formats.xlsx import sheet_name
from qualcode.exchange.formats.zipfile_fixed import FIXED_DATE
from qualcode.exchange.tables import DisplayRow, DisplayTable, to_markdown

HYPERLINK = '=HYPERLINK("http://evil.example/x","click")'
TEX = r"\input{/etc/passwd} 100% $x_1$ #hash & {braces} ~tilde^ -- [opt] *star"
HTML = '<script>alert(1)</script><img src="http://evil.example/t.png"> [x](http://evil.example)'


def payload_tables() -> list[DisplayTable]:
    quotes = DisplayTable(
        title="Quotes & payloads: 100% $x$",
        row_dimension="code",
        columns=["quote", "informant", "n"],
        rows=[
            DisplayRow("Enabling", [HYPERLINK, "Official A", 2]),
            DisplayRow("Enabling", [TEX, "Official B", -1]),
            DisplayRow("Obstacles", [HTML + "\nsecond line\x00\x0b", "@Actor", None]),
            DisplayRow("all (total)", ["--", "+ (n=3)", 1.5], subtotal=True),
        ],
        notes=["A note with <b>tags</b> and \\textbf{tex}.", "Café 🙂 ✓ “quoted”"],
        meta={"kind": "quotes", "merge_labels": True},
    )
    counts = DisplayTable(
        title="Counts",
        row_dimension="informant",
        columns=["Enabling", "Empowering"],
        rows=[DisplayRow("Official A", [3, 0]), DisplayRow("Actor B", [None, 7])],
        meta={"display": "clustered"},
    )
    return [quotes, counts]


# -- CSV -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        (HYPERLINK, "'" + HYPERLINK),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("--", "'--"),  # a rating: still reads as --
        ("- (n=3)", "'- (n=3)"),
        ("-1", "-1"),  # a number as text stays a number
        ("+0.50", "+0.50"),
        ("-1.25", "-1.25"),
        ("plain text = fine", "plain text = fine"),
        ("", ""),
    ],
)
def test_csv_neutralises_formulas(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_csv_keeps_numbers_numeric_and_missing_empty() -> None:
    rows = list(csv.reader(io.StringIO(render(payload_tables()[:1], "csv").decode())))
    assert rows[0] == ["code", "quote", "informant", "n"]
    assert rows[1] == ["Enabling", "'" + HYPERLINK, "Official A", "2"]
    assert rows[2][3] == "-1"  # a magnitude, numeric: not prefixed
    assert rows[3][2:] == ["'@Actor", ""]  # missing stays empty, never 0
    assert rows[4][1:] == ["'--", "'+ (n=3)", "1.50"]


# -- Markdown ------------------------------------------------------------------------------------
def test_markdown_escapes_markup_and_html() -> None:
    md = to_markdown(payload_tables()[0])
    assert not re.search(r"(?<!\\)<(?!br>)[A-Za-z/!?]", md)  # no raw HTML, no autolink
    assert not re.search(r"(?<!\\)\]\(|!\[", md)  # no link, no image
    assert r"\<script>" in md and r"\](http" in md
    assert r"\$x\_1\$" in md and r"\\input" in md and r"\*star" in md
    assert "<br>second line |" in md  # control characters dropped
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert rows[2].startswith("|  | ")  # a repeated code is printed once in quote tables


# -- LaTeX ---------------------------------------------------------------------------------------
_TEX_SAFE_COMMANDS = re.compile(
    r"\\(?:textbackslash|textasciitilde|textasciicircum|textless|textgreater|textbar|"
    r"textasciigrave)\{\}|\\[&%$#_{}]|\\newline(?: |$)"
)


def _inert(tex: str) -> bool:
    """Escaped text holds only the escapes above: no command, group, math, alignment or
    comment of its own, no bracket or star that ``\\\\`` could take, no ``--`` ligature."""
    rest = _TEX_SAFE_COMMANDS.sub(" ", tex)  # a space: "-\\{-" is no "--" ligature
    rest = rest.replace("{[}", "").replace("{]}", "").replace("{*}", "").replace("-{}", "")
    return not re.search(r"[\\{}$&#%^_~\[\]*]|--", rest)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_latex_escape_makes_any_text_inert(text: str) -> None:
    assert _inert(cell(text, wrap=True))
    assert _inert(escape(text.replace("\n", " ")))


def test_latex_tables_booktabs_and_longtable() -> None:
    tex = to_latex(payload_tables())
    assert tex.startswith("% Written by qualcode") and tex.endswith("\\end{document}\n")
    assert "\\usepackage{booktabs}" in tex and "\\usepackage{longtable}" in tex
    quotes, counts = tex.split("\\begin{table}")
    assert "\\begin{longtable}" in quotes and "\\toprule" in quotes and "\\endhead" in quotes
    assert r"\textbackslash{}input\{/etc/passwd\} 100\% \$x\_1\$ \#hash" in quotes
    assert "\\begin{tabular}{lrr}" in counts  # short: a tabular, numbers right-aligned
    assert "\\input{" not in tex.replace("\\textbackslash{}input", "")
    assert "Café 🙂 ✓ “quoted”" in tex  # Unicode passed through for xelatex / lualatex
    fragment = to_latex(payload_tables(), standalone=False)
    assert "\\documentclass" not in fragment and "\\begin{longtable}" in fragment


TEX_ENGINE = shutil.which("xelatex") or shutil.which("lualatex") or shutil.which("pdflatex")


@pytest.mark.skipif(TEX_ENGINE is None, reason="no TeX engine installed")
def test_latex_compiles(tmp_path: Path) -> None:
    assert TEX_ENGINE is not None
    tables = payload_tables()
    if TEX_ENGINE.endswith("pdflatex"):  # pdflatex cannot print emoji or check marks
        tables[0].notes = ["A note."]
    (tmp_path / "t.tex").write_bytes(render(tables, "tex"))
    result = subprocess.run(
        [TEX_ENGINE, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "t.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "t.pdf").exists()
    assert "/etc/passwd" not in _included_files(tmp_path / "t.log")


def _included_files(log: Path) -> str:
    return "\n".join(re.findall(r"\(([^()\s]+\.\w+)", log.read_text(errors="replace")))


# -- HTML ----------------------------------------------------------------------------------------
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escaped() -> None:
    page = _Page()
    page.feed(render(payload_tables(), "html").decode())
    page.close()
    assert page.tags.count("table") == 2 and "thead" in page.tags
    assert not {"script", "img", "link", "iframe", "object", "embed", "base", "a"} & set(page.tags)
    assert not [a for a in page.attrs if a[0] in ("src", "href", "action") or a[0].startswith("on")]
    assert not re.search(r"https?:|url\(|@import", "".join(str(v) for _, v in page.attrs))
    body = "".join(page.text)
    assert HYPERLINK in body and TEX in body and HTML in body  # shown as text, exactly
    policy = [v for k, v in page.attrs if k == "content" and v and "default-src" in v]
    assert policy == ["default-src 'none'; style-src 'unsafe-inline'"]


# -- Word ----------------------------------------------------------------------------------------
def test_docx_reads_back_as_word_tables() -> None:
    document = docx.Document(io.BytesIO(render(payload_tables(), "docx")))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"] == [
        "Quotes & payloads: 100% $x$",
        "Counts",
    ]
    quotes, counts = document.tables
    header = quotes.rows[0]
    assert [c.text for c in header.cells] == ["code", "quote", "informant", "n"]
    assert all(r.bold for c in header.cells for r in c.paragraphs[0].runs)
    assert header._tr.trPr.xpath("./w:tblHeader")  # repeats on every page
    assert [c.text for c in quotes.rows[1].cells] == ["Enabling", HYPERLINK, "Official A", "2"]
    assert quotes.rows[2].cells[0].text == ""  # the repeated code printed once
    assert quotes.rows[3].cells[1].text == HTML + "\nsecond line"  # control characters dropped
    assert [c.text for c in counts.rows[2].cells] == ["Actor B", "—", "7"]
    props = document.core_properties
    assert props.created == props.modified and props.created.year == FIXED_DATE[0]


# -- Excel ---------------------------------------------------------------------------------------
def test_xlsx_reads_back_one_sheet_per_table() -> None:
    book = openpyxl.load_workbook(io.BytesIO(render(payload_tables(), "xlsx")))
    assert book.sheetnames == ["quotes", "clustered"]
    sheet = book["quotes"]
    assert sheet.freeze_panes == "B2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("code", "quote", "informant", "n")
    assert rows[1] == ("Enabling", HYPERLINK, "Official A", 2)
    assert sheet["B2"].data_type == "s"  # text, never a formula
    assert rows[2][3] == -1 and rows[3][3] is None and rows[4][3] == 1.5
    assert rows[3][1] == HTML + "\nsecond line"
    assert rows[6][0] == "Quotes & payloads: 100% $x$"  # title and notes under the table
    assert rows[7][0].startswith("A note with <b>tags</b>")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    counts = list(book["clustered"].iter_rows(values_only=True))
    assert counts[1:3] == [("Official A", 3, 0), ("Actor B", None, 7)]
    assert book.properties.created.year == FIXED_DATE[0]


def test_sheet_names_are_valid_and_unique() -> None:
    used: set[str] = set()
    bad = DisplayTable("a/b:c*d?[e]\\f and a very long title beyond the limit", "x", [], [])
    assert sheet_name(bad, used) == "a b c d  e  f and a very long t"
    again = sheet_name(bad, used)
    assert again.endswith(" (2)") and len(again) <= 31
    assert sheet_name(DisplayTable("History", "x", [], []), used) == "history table"


# -- every format: deterministic -----------------------------------------------------------------
@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_same_tables_same_bytes(fmt: str) -> None:
    assert render(payload_tables(), fmt) == render(payload_tables(), fmt)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_zip_entries_carry_a_fixed_date(fmt: str) -> None:
    with zipfile.ZipFile(io.BytesIO(render(payload_tables(), fmt))) as archive:
        assert {i.date_time for i in archive.infolist()} == {FIXED_DATE}
        assert {i.create_system for i in archive.infolist()} == {3}
        xml = b"".join(archive.read(n) for n in archive.namelist())
    assert b"<f>" not in xml  # no formula anywhere


def test_office_files_do_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl stamps the save time into docProps/core.xml unless we bypass save_workbook."""
    import datetime as real_dt

    from qualcode.exchange.formats.docx import to_docx
    from qualcode.exchange.formats.xlsx import to_xlsx
    from qualcode.exchange.tables import DisplayRow, DisplayTable

    table = DisplayTable("t", "row", ["a"], [DisplayRow("x", [1])])
    before = to_xlsx([table]), to_docx([table])

    class Later(real_dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return real_dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

        @classmethod
        def utcnow(cls):  # type: ignore[no-untyped-def, override]
            return real_dt.datetime(2031, 5, 6, 7, 8, 9)

    monkeypatch.setattr(real_dt, "datetime", Later)
    assert (to_xlsx([table]), to_docx([table])) == before
