"""Word: each table as a real Word table (python-docx) with a header row, under its title.

The header row is bold and repeats on every page (``w:tblHeader``); numbers are right-aligned;
subtotal rows are bold; the notes follow the table in a small font. Wide tables (more than five
columns) turn the page to landscape. Text goes into runs as text -- Word never reads it as a
field or a formula -- with control characters removed (XML cannot hold them).

Deterministic: the document properties carry a fixed date and author, and the zip entries fixed
dates (zipfile_fixed.py), so the same tables give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import _Cell

from qualcode.exchange.formats import clean_text, numeric_column, shown_labels
from qualcode.exchange.formats.zipfile_fixed import FIXED_DATE, normalized
from qualcode.exchange.tables import DisplayTable, cell_text

WIDE = 5  # columns: a table with more turns the page to landscape


def to_docx(tables: Sequence[DisplayTable]) -> bytes:
    document = docx.Document()
    _fixed_properties(document, tables[0].title if len(tables) == 1 else "qualcode export")
    if any(len(t.header()) > WIDE for t in tables):
        section = document.sections[0]
        width, height = section.page_width, section.page_height
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = height, width
    for n, table in enumerate(tables):
        if n:
            document.add_paragraph()
        _add_table(document, table)
    out = io.BytesIO()
    document.save(out)
    return normalized(out.getvalue())


def _fixed_properties(document: WordDocument, title: str) -> None:
    props = document.core_properties
    when = dt.datetime(*FIXED_DATE, tzinfo=dt.UTC)
    props.author = "qualcode"
    props.last_modified_by = "qualcode"
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    props.title = clean_text(title)[:255]
    props.comments = ""


def _write(cell: _Cell, value: str, bold: bool = False, right: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run()
    run.bold = bold or None
    for k, line in enumerate(clean_text(value).split("\n")):
        if k:
            run.add_break()
        run.add_text(line)


def _add_table(document: WordDocument, table: DisplayTable) -> None:
    document.add_heading(clean_text(table.title).replace("\n", " "), level=2)
    header = table.header()
    numeric = [False] + [numeric_column(table, i) for i in range(len(table.columns))]
    grid = document.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    head = grid.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(repeat)
    for cell, title, num in zip(head.cells, header, numeric, strict=True):
        _write(cell, title, bold=True, right=num)
    for row, label in zip(table.rows, shown_labels(table), strict=True):
        cells = grid.add_row().cells
        values = [label, *(cell_text(v) for v in row.cells)]
        for cell, value, num in zip(cells, values, numeric, strict=True):
            _write(cell, value, bold=row.subtotal, right=num)
    for note in table.notes:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(clean_text(note))
        run.font.size = Pt(8)
