"""Findings tables for papers: every :class:`~qualcode.exchange.tables.DisplayTable` in every
output format, written safely and deterministically.

=========  ===============================================================================
format     what it does about safety
=========  ===============================================================================
``csv``    a text cell starting with ``= + - @``, tab or CR is prefixed with ``'`` (formula
           injection); numbers stay numbers (csv_safe.py)
``md``     GFM table; Markdown and raw-HTML syntax in cells is escaped (tables.py)
``tex``    every special character escaped; Unicode passed through for xelatex/lualatex
           (latex.py)
``docx``   a real Word table; text is text, never fields (docx.py)
``xlsx``   one sheet per table; text cells are typed as strings, so never formulas (xlsx.py)
``html``   one self-contained file: escaped text, inline CSS, no scripts, no external
           resources, a Content-Security-Policy that forbids them anyway (html.py)
=========  ===============================================================================

Same tables, same bytes: nothing here reads the clock; the Word and Excel files carry fixed
document dates and fixed zip entry dates (zipfile_fixed.py).

This package's ``__init__`` imports nothing at module level: ``tables.py`` imports
``csv_safe`` from here, and the renderers import ``tables``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qualcode.exchange.tables import DisplayTable

#: Formats whose output is text (may go to stdout) and binary formats (files only).
TEXT_FORMATS = ("table", "md", "csv", "json", "tex", "html")
BINARY_FORMATS = ("docx", "xlsx")
ALL_FORMATS = ("table", "md", "csv", "json", "tex", "docx", "xlsx", "html")
EXTENSIONS = {
    "table": "txt",
    "md": "md",
    "csv": "csv",
    "json": "json",
    "tex": "tex",
    "docx": "docx",
    "xlsx": "xlsx",
    "html": "html",
}

# C0/C1 control characters other than tab, LF and CR: not allowed in XML (docx, xlsx), invisible
# or harmful elsewhere. A form feed or NUL in a transcript is noise, not content.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text as every printed format receives it: line ends as ``\\n``, Unicode line and
    paragraph separators as ``\\n``, other control characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL.sub("", text)


def is_binary(fmt: str) -> bool:
    return fmt in BINARY_FORMATS


def render(tables: Sequence[DisplayTable], fmt: str, *, width: int = 48) -> bytes:
    """``tables`` in format ``fmt`` as the bytes of one file (UTF-8 for the text formats).

    ``width`` cuts the cells of terminal tables (``table``); other formats keep cells whole.
    """
    from qualcode.exchange import tables as T

    if not tables:
        raise ValueError("nothing to render")
    if fmt == "table":
        return "\n".join(T.to_text(t, max_width=width) for t in tables).encode("utf-8")
    if fmt in ("md", "csv", "json"):
        return "\n".join(T.RENDERERS[fmt](t) for t in tables).encode("utf-8")
    if fmt == "tex":
        from qualcode.exchange.formats.latex import to_latex

        return to_latex(tables).encode("utf-8")
    if fmt == "html":
        from qualcode.exchange.formats.html import to_html

        return to_html(tables).encode("utf-8")
    if fmt == "docx":
        from qualcode.exchange.formats.docx import to_docx

        return to_docx(tables)
    if fmt == "xlsx":
        from qualcode.exchange.formats.xlsx import to_xlsx

        return to_xlsx(tables)
    raise ValueError(f"unknown format {fmt!r} (one of: {', '.join(ALL_FORMATS)})")


# -- what the printed formats share ------------------------------------------------------------


def numeric_column(table: DisplayTable, column: int) -> bool:
    """A column whose filled cells are all numbers (right-aligned)."""
    values = [r.cells[column] for r in table.rows if r.cells[column] is not None]
    return bool(values) and all(isinstance(v, int | float) for v in values)


def shown_labels(table: DisplayTable) -> list[str]:
    """Row labels as printed: with ``meta["merge_labels"]`` (quote tables), a label repeated on
    consecutive rows is printed on the first only; CSV and XLSX keep every label (data)."""
    out: list[str] = []
    previous: str | None = None
    for row in table.rows:
        same = table.meta.get("merge_labels") and row.label == previous
        out.append("" if same else row.label)
        previous = row.label
    return out
