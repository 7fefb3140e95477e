"""The one write review mode allows: a supervisor's review memo.

A project opened for review (``Project.open(..., read_only=True)``) refuses every write: its
``write()`` raises and its connections are read-only. Review memos go through
:func:`save_review_memo` instead, which opens its own short-lived writable connection and can do
exactly one thing with it: create, edit or remove the reviewer's own review memo on a target
(with its audit entry, and the reviewer's name in the coder table so the memo says whose it is).
"""

from __future__ import annotations

from sqlmodel import select

from qualcode.storage.codings import coder_id
from qualcode.storage.db import make_engine, write_session
from qualcode.storage.memos import memo_for, save_memo
from qualcode.storage.models import Coder, Memo
from qualcode.storage.project import Project


def save_review_memo(
    project: Project, reviewer: str, target: str, target_id: int | None, body: str
) -> Memo | None:
    """Save ``reviewer``'s review memo on a target (blank ``body`` removes it); return it."""
    engine = make_engine(project.location)
    try:
        with write_session(engine) as s:
            rid = coder_id(s, reviewer)
            return save_memo(s, target, target_id, rid, body, actor=reviewer, kind="review")
    finally:
        engine.dispose()


def review_memo_text(project: Project, reviewer: str, target: str, target_id: int | None) -> str:
    """The reviewer's current review memo on a target ('' when none), read on the project's own
    (read-only) connection: nothing is created for a reviewer who only looks."""
    with project.read() as s:
        reviewer_row = s.exec(select(Coder).where(Coder.name == reviewer)).first()
        if reviewer_row is None or reviewer_row.id is None:
            return ""
        row = memo_for(s, target, target_id, reviewer_row.id, kind="review")
        return row.text if row else ""
