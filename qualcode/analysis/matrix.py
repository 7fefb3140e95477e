"""The informant x code count matrix as plain data (the demo's summary, quick checks).

A thin view of the conceptually clustered display (qualcode.analysis.displays): a cell counts the
distinct segments of the informant's sources that overlap at least one coding of the column's
code or any code below it. An informant with no source is *missing* (None), not 0: nobody asked
them, so the matrix must not claim they said nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from qualcode.analysis.displays import DisplaySpec, build_display


@dataclass
class CountMatrix:
    row_dimension: str
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], int | None]

    def cell(self, row: str, column: str) -> int | None:
        return self.cells.get((row, column))


def ancestor_at_depth(path: str, depth: int) -> str:
    return "/".join(path.split("/")[:depth])


def count_matrix(session: Session, depth: int = 1, coder: str | None = None) -> CountMatrix:
    spec = DisplaySpec(kind="clustered", depth=depth, coders=(coder,) if coder else ())
    table = build_display(session, spec)
    rows, columns = table.meta["row_keys"], table.meta["column_keys"]
    cells: dict[tuple[str, str], int | None] = {}
    for key, row in zip(rows, table.rows, strict=True):
        for column, value in zip(columns, row.cells, strict=True):
            cells[(key, column)] = None if value is None else int(value)
    return CountMatrix("informant", rows, columns, cells)
