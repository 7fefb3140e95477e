"""The codebook appendix: every code with its definition, when to use it, when not to use it
and an example (MacQueen et al. 1998), in codebook order, as one table.

The code is named by its path, so the tree shows (``Enabling/Motivation and socialisation``);
a code without a full definition shows its brief one; an empty field is missing (``—``), not
blank. The notes carry the codebook's description, its magnitude scale and the codes that are
headings only (not codable).
"""

from __future__ import annotations

from sqlmodel import Session

from qualcode.exchange.tables import Cell, DisplayRow, DisplayTable
from qualcode.storage.codes import codebook_from_project

COLUMNS = ["definition", "when to use", "when not to use", "example"]


def codebook_table(session: Session) -> DisplayTable:
    book = codebook_from_project(session)
    rows = []
    for code in book.codes:
        values = [
            code.definition or code.brief,
            code.when_to_use,
            code.when_not_to_use,
            code.example,
        ]
        cells: list[Cell] = [v.strip() or None for v in values]
        rows.append(DisplayRow(code.path, cells))
    notes = []
    if book.description:
        notes.append(book.description.strip())
    if book.magnitude is not None:
        scale = "; ".join(
            f"{v:+d} {label}" if v else f"0 {label}" for v, label in book.magnitude.labels.items()
        )
        notes.append(f"Magnitude scale: {scale}.")
    headings = [c.path for c in book.codes if not c.codable]
    if headings:
        notes.append(f"Not codable (headings only): {', '.join(headings)}.")
    version = f" (version {book.version})" if book.version else ""
    return DisplayTable(
        title=f"Codebook: {book.name}{version}",
        row_dimension="code",
        columns=list(COLUMNS),
        rows=rows,
        notes=notes,
        meta={"kind": "codebook", "sheet": "codebook"},
    )
