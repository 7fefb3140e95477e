"""Memos on the project, a code, a source, an informant or a coding: a researcher's analytic
memos, and a supervisor's review memos (written through storage/review.py only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, select

from qualcode.core.errors import QualcodeError
from qualcode.storage.models import MEMO_KINDS, MEMO_TARGETS, Memo, utcnow
from qualcode.storage.project import audit


def memo_for(
    session: Session,
    target: str,
    target_id: int | None,
    coder_id: int,
    kind: str = "analytic",
) -> Memo | None:
    """The coder's memo of ``kind`` on a target (one per coder, kind and target, edited in
    place): a reviewer's memo never replaces the researcher's, nor the other way round."""
    return session.exec(
        select(Memo).where(
            Memo.target == target,
            Memo.target_id == target_id,
            Memo.coder_id == coder_id,
            Memo.kind == kind,
        )
    ).first()


def save_memo(
    session: Session,
    target: str,
    target_id: int | None,
    coder_id: int,
    body: str,
    actor: str,
    title: str = "",
    kind: str = "analytic",
) -> Memo | None:
    """Create, update or (when ``body`` is blank) delete the coder's memo on a target."""
    if target not in MEMO_TARGETS:
        raise QualcodeError(f"a memo cannot be attached to '{target}'")
    if kind not in MEMO_KINDS:
        raise QualcodeError(f"a memo is {' or '.join(MEMO_KINDS)}, not '{kind}'")
    row = memo_for(session, target, target_id, coder_id, kind)
    body = body.strip()
    if not body:
        if row is not None:
            audit(session, actor, "delete", "memo", row.id, target=target, text=row.text, kind=kind)
            session.delete(row)
        return None
    if row is None:
        row = Memo(
            target=target, target_id=target_id, coder_id=coder_id, title=title, text=body, kind=kind
        )
        session.add(row)
        session.flush()
        audit(
            session, actor, "create", "memo", row.id, target=target, target_id=target_id, kind=kind
        )
    elif row.text != body:
        audit(session, actor, "update", "memo", row.id, before=row.text, kind=kind)
        row.text, row.updated_at = body, utcnow()
        session.add(row)
    return row


@dataclass(frozen=True)
class MemoRow:
    """A memo as listings show it: what it is on, in words, and who wrote it."""

    id: int
    kind: str
    target: str
    target_id: int | None
    on: str  # "project", "code Enabling/Motivation", "source hadi-sutrisno", ...
    author: str
    title: str
    text: str
    updated_at: datetime | str


# The name of each memo's target, by a join per target kind (one query, portable SQL).
_MEMOS_SQL = """
SELECT m.id, m.kind, m.target, m.target_id,
    CASE m.target
        WHEN 'project' THEN 'project'
        WHEN 'code' THEN 'code ' || COALESCE(c.path, '?')
        WHEN 'source' THEN 'source ' || COALESCE(s.name, '?')
        WHEN 'informant' THEN 'informant ' || COALESCE(i.name, '?')
        ELSE 'coding of ' || COALESCE(cc.path, '?') || ' in ' || COALESCE(cs.name, '?')
    END,
    COALESCE(k.name, ''), m.title, m.text, m.updated_at
FROM memo m
LEFT JOIN coder k ON k.id = m.coder_id
LEFT JOIN code c ON m.target = 'code' AND c.id = m.target_id
LEFT JOIN source s ON m.target = 'source' AND s.id = m.target_id
LEFT JOIN informant i ON m.target = 'informant' AND i.id = m.target_id
LEFT JOIN coding cd ON m.target = 'coding' AND cd.id = m.target_id
LEFT JOIN code cc ON cc.id = cd.code_id
LEFT JOIN source cs ON cs.id = cd.source_id
"""


def list_memos(session: Session, kind: str | None = None) -> list[MemoRow]:
    """Every memo (only ``kind``'s when given): review memos first, then by time written."""
    sql = _MEMOS_SQL
    params: dict[str, object] = {}
    if kind is not None:
        sql += " WHERE m.kind = :kind"
        params["kind"] = kind
    sql += " ORDER BY CASE m.kind WHEN 'review' THEN 0 ELSE 1 END, m.updated_at, m.id"
    return [MemoRow(*row) for row in session.connection().execute(text(sql), params)]
