"""Writing a merge plan into this project, inside the caller's one write transaction.

Rows are created parents first (coders, informants, codes, sources with their segments, then
codings, memos, cell summaries, conclusions), each id of OTHER mapped to the new id here as it is
created, so that later rows refer to the right ones. Each created row gets an audit entry naming
the merge as its origin, and the merge itself one entry with its counts and conflicts.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from qualcode.exchange.merge.plan import MEMO_TARGET_TABLE, TABLES, MergePlan, Row
from qualcode.storage.models import AuditEntry, utcnow


class _Writer:
    def __init__(self, session: Session, plan: MergePlan, actor: str, origin: str) -> None:
        self.conn: Connection = session.connection()
        self.plan = plan
        self.actor = actor
        self.origin = origin
        self.now = utcnow()
        self.audits: list[dict[str, Any]] = []

    def insert(self, table: str, values: dict[str, Any]) -> int:
        t = TABLES[table].__table__  # type: ignore[attr-defined]
        return int(self.conn.execute(insert(t).values(**values).returning(t.c.id)).scalar_one())

    def audit(
        self, entity: str, entity_id: int | None, action: str = "create", **detail: Any
    ) -> None:
        self.audits.append(
            {
                "at": self.now,
                "actor": self.actor,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "detail": json.dumps(
                    {"origin": self.origin, **detail},
                    ensure_ascii=False,
                    sort_keys=True,
                    default=str,
                ),
            }
        )

    def mapped(self, table: str, their_id: int | None) -> int | None:
        return None if their_id is None else self.plan.ids[table].get(their_id)


def apply_plan(session: Session, plan: MergePlan, actor: str, origin: str) -> None:
    w = _Writer(session, plan, actor, origin)
    _coders_and_informants(w)
    _codes(w)
    _sources(w)
    _codings(w)
    _memos_summaries_conclusions(w)
    conflicts = [c.as_dict() for c in plan.conflicts]
    w.audit("project", None, "merge", added=plan.added(), conflicts=conflicts)
    w.conn.execute(insert(AuditEntry), w.audits)


def _coders_and_informants(w: _Writer) -> None:
    for row in w.plan.new["setting"]:
        t = TABLES["setting"].__table__  # type: ignore[attr-defined]
        w.conn.execute(insert(t).values(**row))
        w.audit("setting", None, key=row["key"], value=json.loads(row["value"]))
    for row in w.plan.new["coder"]:
        new_id = w.insert("coder", {"name": row["name"], "created_at": row["created_at"]})
        w.plan.ids["coder"][row["id"]] = new_id
        w.audit("coder", new_id, name=row["name"])
    for row in w.plan.new["informant"]:
        values = {k: row[k] for k in ("name", "pseudonym", "role", "attributes", "created_at")}
        new_id = w.insert("informant", values)
        w.plan.ids["informant"][row["id"]] = new_id
        w.audit("informant", new_id, name=row["name"], role=row["role"])


def _codes(w: _Writer) -> None:
    code = TABLES["code"].__table__  # type: ignore[attr-defined]
    taken = {s for s in w.conn.execute(select(code.c.shortcut)).scalars() if s}
    for row in w.plan.new["code"]:  # parents first (see plan)
        values = {k: v for k, v in row.items() if k not in ("id", "parent_id")}
        values["path"] = w.plan.code_paths[row["id"]]
        values["parent_id"] = w.mapped("code", row["parent_id"])
        if values["shortcut"] in taken:  # a key this project gives another code
            values["shortcut"] = None
        taken.add(values["shortcut"])
        new_id = w.insert("code", values)
        w.plan.ids["code"][row["id"]] = new_id
        w.audit("code", new_id, path=values["path"], guid=row["guid"])


def _sources(w: _Writer) -> None:
    for row in w.plan.new["source"]:
        values = {k: v for k, v in row.items() if k != "id"}
        values["informant_id"] = w.mapped("informant", row["informant_id"])
        new_id = w.insert("source", values)
        w.plan.ids["source"][row["id"]] = new_id
        segments = w.plan.segments.get(row["id"], [])
        if segments:
            t = TABLES["segment"].__table__  # type: ignore[attr-defined]
            w.conn.execute(insert(t), [{**seg, "source_id": new_id} for seg in segments])
        w.audit("source", new_id, name=row["name"], sha256=row["sha256"], segments=len(segments))


def _codings(w: _Writer) -> None:
    rows = w.plan.new["coding"]
    if not rows:
        return
    t = TABLES["coding"].__table__  # type: ignore[attr-defined]
    values = [
        {
            **{k: v for k, v in row.items() if k != "id"},
            "source_id": w.plan.ids["source"][row["source_id"]],
            "code_id": w.plan.ids["code"][row["code_id"]],
            "coder_id": w.plan.ids["coder"][row["coder_id"]],
        }
        for row in rows
    ]
    inserted = w.conn.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), values)
    for row, (new_id,) in zip(rows, inserted, strict=True):
        w.plan.ids["coding"][row["id"]] = new_id
        w.audit("coding", new_id, start=row["start"], end=row["end"])


def _memos_summaries_conclusions(w: _Writer) -> None:
    for row in w.plan.new["memo"]:
        table = MEMO_TARGET_TABLE.get(row["target"])
        values = {k: v for k, v in row.items() if k != "id"}
        values["target_id"] = None if table is None else w.mapped(table, row["target_id"])
        values["coder_id"] = w.mapped("coder", row["coder_id"])
        new_id = w.insert("memo", values)
        w.audit("memo", new_id, target=row["target"], target_id=values["target_id"])
    summaries = TABLES["cell_summary"].__table__  # type: ignore[attr-defined]
    for row in w.plan.new["cell_summary"]:
        values = {**row, "coder_id": w.mapped("coder", row["coder_id"])}
        new_id = int(
            w.conn.execute(
                insert(summaries).values(**values).returning(summaries.c.id)
            ).scalar_one()
        )
        w.audit("cell_summary", new_id, display=row["display"], row=row["row_key"])
    for row in w.plan.new["conclusion"]:
        _conclusion(w, row)


def _conclusion(w: _Writer, row: Row) -> None:
    values = {k: v for k, v in row.items() if k != "id"}
    values["coder_id"] = w.mapped("coder", row["coder_id"])
    new_id = w.insert("conclusion", values)
    their_codes, their_codings = w.plan.conclusion_links[row["id"]]
    codes = sorted({c for c in (w.mapped("code", x) for x in their_codes) if c is not None})
    codings = sorted({c for c in (w.mapped("coding", x) for x in their_codings) if c is not None})
    for table, column, ids in (
        ("conclusion_code", "code_id", codes),
        ("conclusion_coding", "coding_id", codings),
    ):
        if ids:
            t = TABLES[table].__table__  # type: ignore[attr-defined]
            w.conn.execute(insert(t), [{"conclusion_id": new_id, column: i} for i in ids])
    w.audit("conclusion", new_id, statement=row["statement"], codes=codes, codings=codings)
