"""The informant x code count matrix (Miles & Huberman's conceptually clustered matrix, counts).

A cell counts the distinct segments of the informant's sources that overlap at least one coding
of the column's code or any code below it. An informant with no source is *missing* (None), not
0: nobody asked them, so the matrix must not claim they said nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, select

from qualcode.storage.models import Code, Informant


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
    codes = list(session.exec(select(Code).order_by(Code.position)))  # type: ignore[arg-type]
    columns = [c.path for c in codes if c.path.count("/") + 1 == depth]
    column_of: dict[int, str] = {
        c.id: ancestor_at_depth(c.path, depth)
        for c in codes
        if c.id is not None and c.path.count("/") + 1 >= depth
    }
    informants = list(
        session.exec(select(Informant).order_by(Informant.role, Informant.name))  # type: ignore[arg-type]
    )
    rows = [i.name for i in informants]
    has_source = {
        r[0]
        for r in session.connection().execute(
            text("SELECT DISTINCT informant_id FROM source WHERE informant_id IS NOT NULL")
        )
    }
    cells: dict[tuple[str, str], int | None] = {}
    for inf in informants:
        for col in columns:
            cells[(inf.name, col)] = 0 if inf.id in has_source else None
    if column_of:
        mapping = " UNION ALL ".join(
            f"SELECT {cid:d} AS code_id, :c{i} AS col" for i, cid in enumerate(column_of)
        )
        params: dict[str, object] = {f"c{i}": column_of[cid] for i, cid in enumerate(column_of)}
        coder_filter = ""
        if coder is not None:
            coder_filter = "AND cd.coder_id = (SELECT id FROM coder WHERE name = :coder)"
            params["coder"] = coder
        sql = f"""
            WITH colmap AS ({mapping})
            SELECT i.name, colmap.col, COUNT(DISTINCT seg.id)
            FROM coding cd
            JOIN colmap ON colmap.code_id = cd.code_id
            JOIN source s ON s.id = cd.source_id
            JOIN informant i ON i.id = s.informant_id
            JOIN segment seg ON seg.source_id = cd.source_id
                AND seg.start < cd."end" AND cd.start < seg."end"
            WHERE 1 = 1 {coder_filter}
            GROUP BY i.name, colmap.col
        """
        for name, col, n in session.connection().execute(text(sql), params):
            cells[(name, col)] = int(n)
    return CountMatrix("informant", rows, columns, cells)
