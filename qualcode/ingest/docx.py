"""Word (.docx) transcripts: body paragraphs and tables, in document order.

Paragraphs are joined with a blank line so paragraph segmentation sees them; a table becomes
one line per row with its cells separated by `` | ``. Headers, footers, footnotes, comments and
text boxes are left out: they are not part of what was said.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from qualcode.core.errors import InputError
from qualcode.core.text import EMPTY

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .doc (and .xls) container
# What the parts of a .docx may inflate to, together. A transcript's document.xml is a few MB;
# a zip bomb declares gigabytes. Python's zipfile never inflates an entry past its declared size,
# so checking the declared sizes before python-docx reads anything is enough.
MAX_INFLATED = 512 * 1024 * 1024

# python-docx's Paragraph.text skips runs inside tracked insertions and content controls, so a
# transcript edited with track changes on would silently lose words. Deleted and moved-away
# text (w:del, w:moveFrom) and text boxes are not part of the paragraph.
_RUNS = ".//w:r[not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:txbxContent)]"


def read_docx_text(data: bytes, path: str | Path) -> str:
    """The text of a .docx file. Raises :class:`InputError` if it is not a readable .docx."""
    if not data:
        raise InputError(path, EMPTY)
    _refuse_zip_bomb(data, path)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises anything from KeyError to lxml errors
        reason = "not a valid .docx file"
        if data.startswith(_OLE_MAGIC):
            reason += " (an old Word .doc? save it as .docx)"
        raise InputError(path, reason) from exc
    blocks = []
    for item in document.iter_inner_content():
        block = _table_text(item) if isinstance(item, Table) else _paragraph_text(item)
        if block.strip():
            blocks.append(block)
    text = "\n\n".join(blocks)
    if not text.strip():
        raise InputError(path, EMPTY)
    return text


def _paragraph_text(paragraph: Paragraph) -> str:
    # CT_R.text renders w:t, tabs and line breaks ("\t", "\n").
    return "".join(run.text for run in paragraph._p.xpath(_RUNS))


def _table_text(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells: list[_Cell] = []
        for cell in row.cells:
            # A merged cell is repeated once per grid column it spans.
            if not cells or cell._tc is not cells[-1]._tc:
                cells.append(cell)
        texts = [_cell_text(cell) for cell in cells]
        if any(texts):
            rows.append(" | ".join(texts).rstrip())
    return "\n".join(rows)


def _cell_text(cell: _Cell) -> str:
    parts = []
    for item in cell.iter_inner_content():
        part = _table_text(item) if isinstance(item, Table) else _paragraph_text(item)
        parts.append(part)
    # One line per row: line breaks inside a cell become spaces.
    return " ".join(" ".join(parts).split())


def _refuse_zip_bomb(data: bytes, path: str | Path) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip at all: python-docx says so below, with the .doc hint
    if declared > MAX_INFLATED:
        raise InputError(
            path,
            f"refused: the .docx would inflate to {declared // (1024 * 1024)} MB "
            f"(the limit is {MAX_INFLATED // (1024 * 1024)} MB); possible zip bomb",
        )
