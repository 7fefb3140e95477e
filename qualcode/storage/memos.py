"""Analytic memos on the project, a code, a source, an informant or a coding."""

from __future__ import annotations

from sqlmodel import Session, select

from qualcode.core.errors import QualcodeError
from qualcode.storage.models import MEMO_TARGETS, Memo, utcnow
from qualcode.storage.project import audit


def memo_for(session: Session, target: str, target_id: int | None, coder_id: int) -> Memo | None:
    """The coder's memo on a target (one memo per coder and target, edited in place)."""
    return session.exec(
        select(Memo).where(
            Memo.target == target, Memo.target_id == target_id, Memo.coder_id == coder_id
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
) -> Memo | None:
    """Create, update or (when ``body`` is blank) delete the coder's memo on a target."""
    if target not in MEMO_TARGETS:
        raise QualcodeError(f"a memo cannot be attached to '{target}'")
    row = memo_for(session, target, target_id, coder_id)
    body = body.strip()
    if not body:
        if row is not None:
            audit(session, actor, "delete", "memo", row.id, target=target, text=row.text)
            session.delete(row)
        return None
    if row is None:
        row = Memo(target=target, target_id=target_id, coder_id=coder_id, title=title, text=body)
        session.add(row)
        session.flush()
        audit(session, actor, "create", "memo", row.id, target=target, target_id=target_id)
    elif row.text != body:
        audit(session, actor, "update", "memo", row.id, before=row.text)
        row.text, row.updated_at = body, utcnow()
        session.add(row)
    return row
