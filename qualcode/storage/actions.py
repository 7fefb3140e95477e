"""Coding actions with a persistent undo/redo history, as the coding app performs them.

Every action is one transaction holding the change, its audit entry and its undo step, so a killed
app loses at most the keystroke in flight, and undo still works after a restart. A coding keeps
its id through undo and redo (it is re-inserted with the same id), so later steps that refer to
it stay valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from qualcode.core.errors import QualcodeError
from qualcode.storage.codes import magnitude_scale
from qualcode.storage.codings import check_magnitude, check_span, coder_id
from qualcode.storage.models import Code, Coding, CodingAction, utcnow
from qualcode.storage.project import Project, audit

FIELDS = ("id", "source_id", "code_id", "coder_id", "start", "end", "magnitude", "memo")


@dataclass(frozen=True)
class ActionResult:
    kind: str  # apply | remove | magnitude | memo
    coding_id: int
    code_id: int
    source_id: int
    start: int
    end: int
    undo: bool = False  # True when this result comes from undo (and redo is False)
    redo: bool = False

    def describe(self, code_path: str = "") -> str:
        verb = {
            "apply": "applied",
            "remove": "removed",
            "magnitude": "magnitude of",
            "memo": "memo of",
        }
        prefix = "undid " if self.undo else "redid " if self.redo else ""
        return f"{prefix}{verb[self.kind]} {code_path}".strip()


class CodingActions:
    """What one coder does to codings, each step undoable."""

    def __init__(self, project: Project, coder: str) -> None:
        self.project = project
        self.coder = coder
        self._lengths: dict[int, tuple[str, int]] = {}
        with project.write() as s:
            self.coder_id = coder_id(s, coder)

    # -- actions ---------------------------------------------------------------------------
    def apply(
        self,
        source_id: int,
        code_id: int,
        start: int,
        end: int,
        magnitude: int | None = None,
        memo: str | None = None,
        origin: str = "manual",
        detail: dict[str, Any] | None = None,
    ) -> ActionResult:
        with self.project.write() as s:
            code = _get(s, Code, code_id)
            self._check_span(s, source_id, start, end)
            check_magnitude(magnitude_scale(s), magnitude)
            if not code.codable:
                raise QualcodeError(f"'{code.path}' is a grouping category and cannot be applied")
            if self._find(s, source_id, code_id, start, end) is not None:
                raise QualcodeError(f"'{code.path}' is already applied there")
            now = utcnow()
            row = Coding(
                source_id=source_id,
                code_id=code_id,
                coder_id=self.coder_id,
                start=start,
                end=end,
                magnitude=magnitude,
                memo=memo or None,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            after = _state(row)
            self._record(
                s, "apply", row, None, after, origin=origin, code=code.path, **(detail or {})
            )
        return _result("apply", after)

    def toggle(self, source_id: int, code_id: int, start: int, end: int) -> ActionResult:
        """Apply the code to the span, or remove this coder's identical coding."""
        with self.project.read() as s:
            existing = self._find(s, source_id, code_id, start, end)
        if existing is not None:
            return self.remove(existing)
        return self.apply(source_id, code_id, start, end)

    def remove(self, coding_id: int) -> ActionResult:
        with self.project.write() as s:
            row = self._own(s, coding_id)
            before = _state(row)
            self._record(s, "remove", row, before, None)
            s.delete(row)
        return _result("remove", before)

    def set_magnitude(self, coding_id: int, magnitude: int | None) -> ActionResult:
        with self.project.write() as s:
            check_magnitude(magnitude_scale(s), magnitude)
            return self._update(s, coding_id, "magnitude", magnitude=magnitude)

    def step_magnitude(self, coding_id: int, step: int) -> ActionResult:
        """Move the magnitude one step along the scale (from none, + starts at 1, - at -1)."""
        with self.project.read() as s:
            scale = magnitude_scale(s)
            current = _get(s, Coding, coding_id).magnitude
        if scale is None:
            raise QualcodeError("the codebook declares no magnitude scale")
        values = list(scale.values)
        if current is None:
            target = min(values, key=lambda v: (abs(v - step), v))
        else:
            i = values.index(current) if current in values else 0
            target = values[max(0, min(len(values) - 1, i + step))]
        return self.set_magnitude(coding_id, target)

    def set_memo(self, coding_id: int, memo: str | None) -> ActionResult:
        with self.project.write() as s:
            return self._update(s, coding_id, "memo", memo=(memo or "").strip() or None)

    # -- undo / redo -----------------------------------------------------------------------
    def undo(self) -> ActionResult | None:
        """Take back this coder's last done step (None when there is none)."""
        return self._step("done", "undone")

    def redo(self) -> ActionResult | None:
        """Do again this coder's earliest undone step (None when there is none)."""
        return self._step("undone", "done")

    def _step(self, state: str, new_state: str) -> ActionResult | None:
        undoing = new_state == "undone"
        column = col(CodingAction.id)
        order = column.desc() if undoing else column
        with self.project.write() as s:
            step = s.exec(
                select(CodingAction)
                .where(CodingAction.coder_id == self.coder_id, CodingAction.state == state)
                .order_by(order)
            ).first()
            if step is None:
                return None
            before, after = json.loads(step.before), json.loads(step.after)
            target, other = (before, after) if undoing else (after, before)
            self._restore(s, step.coding_id, target)
            step.state = new_state
            s.add(step)
            verb = "undo" if undoing else "redo"
            audit(s, self.coder, verb, "coding", step.coding_id, step=step.id, kind=step.kind)
        return _result(step.kind, target or other, undo=undoing, redo=not undoing)

    def history(self) -> tuple[int, int]:
        """(undoable steps, redoable steps) of this coder."""
        with self.project.read() as s:
            rows = s.connection().execute(
                text(
                    "SELECT state, COUNT(*) FROM coding_action WHERE coder_id = :c GROUP BY state"
                ),
                {"c": self.coder_id},
            )
            counts = {state: n for state, n in rows}
        return counts.get("done", 0), counts.get("undone", 0)

    # -- internals -------------------------------------------------------------------------
    def _check_span(self, s: Session, source_id: int, start: int, end: int) -> None:
        """check_span without loading the text: its length is read once per source (counting
        the characters of a long transcript takes SQLite ~10 ms, too slow for every key)."""
        if source_id not in self._lengths:
            row = (
                s.connection()
                .execute(
                    text("SELECT name, length(text) FROM source WHERE id = :i"), {"i": source_id}
                )
                .first()
            )
            if row is None:
                raise QualcodeError(f"no source with id {source_id}")
            self._lengths[source_id] = (row[0], row[1])
        check_span(*self._lengths[source_id], start, end)

    def forget_source(self, source_id: int) -> None:
        """Call after a source's text is replaced."""
        self._lengths.pop(source_id, None)

    def _find(self, s: Session, source_id: int, code_id: int, start: int, end: int) -> int | None:
        return s.exec(
            select(Coding.id).where(
                Coding.source_id == source_id,
                Coding.code_id == code_id,
                Coding.coder_id == self.coder_id,
                Coding.start == start,
                Coding.end == end,
            )
        ).first()

    def _own(self, s: Session, coding_id: int) -> Coding:
        row = _get(s, Coding, coding_id)
        if row.coder_id != self.coder_id:
            raise QualcodeError("that coding belongs to another coder")
        return row

    def _update(self, s: Session, coding_id: int, kind: str, **changes: Any) -> ActionResult:
        row = self._own(s, coding_id)
        before = _state(row)
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        s.add(row)
        s.flush()
        after = _state(row)
        self._record(s, kind, row, before, after)
        return _result(kind, after)

    def _record(
        self,
        s: Session,
        kind: str,
        row: Coding,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        **detail: Any,
    ) -> None:
        # A new action makes the undone steps unreachable, as in every editor.
        s.connection().execute(
            text(
                "UPDATE coding_action SET state = 'discarded' "
                "WHERE coder_id = :c AND state = 'undone'"
            ),
            {"c": self.coder_id},
        )
        assert row.id is not None
        s.add(
            CodingAction(
                coder_id=self.coder_id,
                kind=kind,
                coding_id=row.id,
                before=json.dumps(before),
                after=json.dumps(after),
            )
        )
        action = {"apply": "create", "remove": "delete"}.get(kind, "update")
        audit(
            s, self.coder, action, "coding", row.id, kind=kind, before=before, after=after, **detail
        )

    def _restore(self, s: Session, coding_id: int, state: dict[str, Any] | None) -> None:
        """Make coding ``coding_id`` look like ``state`` (None: absent)."""
        row = s.get(Coding, coding_id)
        if row is not None and row.coder_id != self.coder_id:
            # Only in undo history written before schema 7: SQLite then gave the id of a removed
            # coding that had the highest id to the next new coding, which may be another
            # coder's. That one is left alone, and ours (if it is to exist) comes back under a
            # new id. Since migration 7 no coding id is handed out twice.
            if state is not None:
                self._restore_elsewhere(s, coding_id, state)
            return
        if state is None:
            if row is not None:
                s.delete(row)
                s.flush()
            return
        if row is None:
            now = utcnow()
            s.add(Coding(**state, created_at=now, updated_at=now))
        else:
            for key in ("magnitude", "memo", "start", "end", "code_id"):
                setattr(row, key, state[key])
            row.updated_at = utcnow()
            s.add(row)
        s.flush()

    def _restore_elsewhere(self, s: Session, old_id: int, state: dict[str, Any]) -> None:
        """Re-insert this coder's coding under a new id, and point this coder's undo history
        (and ``state``, which the caller reports) at it."""
        now = utcnow()
        row = Coding(**{**state, "id": None}, created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        steps = s.exec(
            select(CodingAction).where(
                CodingAction.coder_id == self.coder_id, CodingAction.coding_id == old_id
            )
        )
        for step in steps:
            step.coding_id = row.id  # type: ignore[assignment]
            for side in ("before", "after"):
                value = json.loads(getattr(step, side))
                if value is not None:
                    setattr(step, side, json.dumps({**value, "id": row.id}))
            s.add(step)
        state["id"] = row.id
        s.flush()


def _state(row: Coding) -> dict[str, Any]:
    return {f: getattr(row, f) for f in FIELDS}


def _result(
    kind: str, state: dict[str, Any], undo: bool = False, redo: bool = False
) -> ActionResult:
    return ActionResult(
        kind,
        state["id"],
        state["code_id"],
        state["source_id"],
        state["start"],
        state["end"],
        undo=undo,
        redo=redo,
    )


def _get(s: Session, model: Any, ident: int) -> Any:
    row = s.get(model, ident)
    if row is None:
        raise QualcodeError(f"no {model.__name__.lower()} with id {ident}")
    return row
