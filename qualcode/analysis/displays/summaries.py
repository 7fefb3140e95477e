"""The researcher's condensed summaries of display cells (``--cells summary``), audited.

A summary belongs to a cell of one of four stores (``CellSummary.display``):

- ``clustered``: informant or source × code (shown by the clustered, role-ordered and checklist
  displays; the row is the informant's or source's name, the column a code path);
- ``role``: role × code (the subtotal rows of the role-ordered display);
- ``time``: code × interview date (the date label of the time-ordered display's column);
- ``method``: code × source kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, select

from qualcode.core.errors import QualcodeError
from qualcode.storage.codes import resolve_code
from qualcode.storage.codings import coder_id
from qualcode.storage.models import SOURCE_KINDS, CellSummary, utcnow
from qualcode.storage.project import audit

STORES = ("clustered", "role", "time", "method")


@dataclass(frozen=True)
class SummaryRow:
    display: str
    row: str
    column: str
    text: str
    coder: str | None


def _keys(session: Session, display: str, row: str, column: str) -> tuple[str, str]:
    """Check and normalize a cell's keys: names become the stored names, codes their paths."""
    conn = session.connection()
    if display not in STORES:
        raise QualcodeError(f"summaries are kept for {', '.join(STORES)}, not '{display}'")
    if display in ("clustered", "role"):
        code, other = column, row
    else:
        code, other = row, column
    path = resolve_code(session, code).path
    if display == "clustered":
        hit = conn.execute(
            text(
                "SELECT name FROM informant WHERE name = :r OR pseudonym = :r "
                "UNION ALL SELECT name FROM source WHERE name = :r"
            ),
            {"r": other},
        ).first()
        if hit is None:
            raise QualcodeError(f"no informant or source named '{other}'")
        other = hit[0]
    elif display == "role":
        if (
            conn.execute(text("SELECT 1 FROM informant WHERE role = :r"), {"r": other}).first()
            is None
        ):
            raise QualcodeError(f"no informant has role '{other}'")
    elif display == "method" and other not in SOURCE_KINDS:
        raise QualcodeError(f"unknown source kind '{other}' ({', '.join(SOURCE_KINDS)})")
    elif display == "time" and not other.strip():
        raise QualcodeError("a time column needs its label, e.g. 2021-12-14")
    return (path, other) if display in ("time", "method") else (other, path)


def set_summary(
    session: Session, display: str, row: str, column: str, body: str, *, coder: str, actor: str
) -> CellSummary | None:
    """Write (or, when ``body`` is blank, delete) the summary of one cell; every change is in
    the audit log with the text it replaced."""
    row_key, column_key = _keys(session, display, row, column)
    existing = session.exec(
        select(CellSummary).where(
            CellSummary.display == display,
            CellSummary.row_key == row_key,
            CellSummary.column_key == column_key,
        )
    ).first()
    body = body.strip()
    where = {"display": display, "row": row_key, "column": column_key}
    if not body:
        if existing is None:
            raise QualcodeError(f"no summary for {row_key} × {column_key} in '{display}'")
        audit(session, actor, "delete", "cell_summary", existing.id, **where, before=existing.text)
        session.delete(existing)
        return None
    who = coder_id(session, coder, actor)
    if existing is None:
        row_obj = CellSummary(
            display=display, row_key=row_key, column_key=column_key, text=body, coder_id=who
        )
        session.add(row_obj)
        session.flush()
        audit(session, actor, "create", "cell_summary", row_obj.id, **where, text=body)
        return row_obj
    before = existing.text
    existing.text, existing.coder_id, existing.updated_at = body, who, utcnow()
    session.add(existing)
    session.flush()
    audit(session, actor, "update", "cell_summary", existing.id, **where, before=before, text=body)
    return existing


def list_summaries(session: Session, display: str | None = None) -> list[SummaryRow]:
    sql = (
        "SELECT s.display, s.row_key, s.column_key, s.text, c.name FROM cell_summary s "
        "LEFT JOIN coder c ON c.id = s.coder_id"
    )
    params = {}
    if display is not None:
        sql += " WHERE s.display = :d"
        params["d"] = display
    sql += " ORDER BY s.display, s.row_key, s.column_key"
    return [SummaryRow(*r) for r in session.connection().execute(text(sql), params)]
