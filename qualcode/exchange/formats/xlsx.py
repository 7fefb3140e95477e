"""Excel: one sheet per table (openpyxl), header in row 1, frozen, the title and notes below.

Safety: a text cell is stored as a string cell (type ``s``) whatever it starts with, so
``=HYPERLINK(...)`` from a transcript is shown as text and never becomes a formula; nothing is
ever written as a formula. Numbers are numbers (means with two decimals shown), and a missing
cell (no source at all) is left empty, as in CSV -- never 0.

Layout: row 1 is the header (bold); rows and the label column are frozen (pane at B2); long
text wraps; under the table, after an empty row, the title and the notes, one per row.

Deterministic: fixed document dates and zip entry dates (zipfile_fixed.py).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from qualcode.exchange.formats import clean_text
from qualcode.exchange.formats.zipfile_fixed import FIXED_DATE, normalized
from qualcode.exchange.tables import Cell, DisplayTable, cell_text

MAX_WIDTH = 60  # characters: wider columns wrap
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def to_xlsx(tables: Sequence[DisplayTable]) -> bytes:
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    when = dt.datetime(*FIXED_DATE)
    book.properties.creator = "qualcode"
    book.properties.lastModifiedBy = "qualcode"
    book.properties.created = when
    book.properties.modified = when
    book.properties.title = clean_text(tables[0].title)[:255] if len(tables) == 1 else None
    used: set[str] = set()
    for table in tables:
        _add_sheet(book, table, sheet_name(table, used))
    out = io.BytesIO()
    # Not book.save(): openpyxl's save_workbook stamps properties.modified with the current
    # time, so two exports a second apart differed. ExcelWriter writes the properties as set.
    ExcelWriter(book, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return normalized(out.getvalue())


def sheet_name(table: DisplayTable, used: set[str]) -> str:
    """A valid, unique sheet name: the display kind (``meta["sheet"]``, ``"display"`` or
    ``"kind"``) or the title, without ``[]:*?/\\``, at most 31 characters."""
    meta = table.meta
    base = str(meta.get("sheet") or meta.get("display") or meta.get("kind") or table.title)
    base = _SHEET_FORBIDDEN.sub(" ", clean_text(base).replace("\n", " ")).strip(" '") or "table"
    if base.casefold() == "history":  # reserved by Excel
        base = "history table"
    name, n = base[:31], 1
    while name.casefold() in used:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    used.add(name.casefold())
    return name


def _put(sheet, row: int, column: int, value: Cell, bold: bool = False, wrap: bool = True) -> int:  # type: ignore[no-untyped-def]
    """Write one cell; returns the width its text needs. Notes under the table do not wrap:
    they run across the empty cells to their right."""
    target = sheet.cell(row=row, column=column)
    if value is None:
        return 0
    if isinstance(value, int | float) and not isinstance(value, bool):
        target.value = value
        if isinstance(value, float):
            target.number_format = "0.00"
        width = len(cell_text(value))
    else:
        text = clean_text(str(value))
        target.value = text
        target.data_type = "s"  # openpyxl would take a leading "=" as a formula
        lines = text.split("\n")
        width = max(len(line) for line in lines)
        if wrap and (width > MAX_WIDTH or len(lines) > 1):
            target.alignment = Alignment(wrap_text=True, vertical="top")
    if bold:
        target.font = Font(bold=True)
    return width


def _add_sheet(book: Workbook, table: DisplayTable, name: str) -> None:
    sheet = book.create_sheet(title=name)
    header = table.header()
    widths = [0] * len(header)
    for c, title in enumerate(header, start=1):
        widths[c - 1] = max(widths[c - 1], _put(sheet, 1, c, title, bold=True))
    for r, row in enumerate(table.rows, start=2):
        for c, value in enumerate([row.label, *row.cells], start=1):
            widths[c - 1] = max(widths[c - 1], _put(sheet, r, c, value, bold=row.subtotal))
    sheet.freeze_panes = "B2"
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width, 6), MAX_WIDTH) + 2
    below = len(table.rows) + 3
    _put(sheet, below, 1, table.title, bold=True, wrap=False)
    for k, note in enumerate(table.notes, start=1):
        _put(sheet, below + k, 1, note, wrap=False)
