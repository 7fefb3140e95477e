"""What a merge would do: match OTHER's rows to this project's, list what is new, and the conflicts.

Matching (the same rules as the issue states them):
- coders and informants by name;
- codes by GUID, then by path; a new code goes under its parent as it is named here;
- sources by the sha256 of their text (so offsets into the text mean the same on both sides);
- codings by (source, code, coder, start, end); memos by (target, coder, kind); cell summaries by
  (display, row, column); conclusions by their statement.

Nothing here is overwritten: a row that exists on both sides with other values is a conflict and
keeps this project's values. A source of OTHER that is not here is brought in, with its segments,
unless a source here already has its name with another text: that one is a conflict, and it is
left out with everything that refers to it (its codings and memos).

The plan only reads, so ``--dry-run`` is the plan without :func:`apply_plan`. OTHER is read
through its own connection and never written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from qualcode.storage import models
from qualcode.storage.codes import magnitude_scale, scale_of

Row = dict[str, Any]

# The columns read from each table: those every schema version has (an older OTHER is read
# as it is, never upgraded); ids are the other side's.
COLUMNS: dict[str, tuple[str, ...]] = {
    "setting": ("key", "value"),
    "coder": ("id", "name", "created_at"),
    "informant": ("id", "name", "pseudonym", "role", "attributes", "created_at"),
    "code": (
        "id",
        "guid",
        "parent_id",
        "name",
        "path",
        "position",
        "color",
        "shortcut",
        "brief",
        "definition",
        "when_to_use",
        "when_not_to_use",
        "example",
        "keywords",
        "codable",
    ),
    "source": (
        "id",
        "name",
        "kind",
        "filename",
        "sha256",
        "encoding",
        "segmented_by",
        "text",
        "informant_id",
        "imported_at",
    ),
    "segment": ("source_id", "ordinal", "start", "end", "speaker", "timestamp"),
    "coding": (
        "id",
        "source_id",
        "code_id",
        "coder_id",
        "start",
        "end",
        "magnitude",
        "memo",
        "created_at",
        "updated_at",
    ),
    "memo": (
        "id",
        "target",
        "target_id",
        "coder_id",
        "kind",  # schema 6; an older project's memos are all analytic
        "title",
        "text",
        "created_at",
        "updated_at",
    ),
    "cell_summary": ("display", "row_key", "column_key", "text", "coder_id", "updated_at"),
    "conclusion": ("id", "statement", "coder_id", "created_at", "updated_at"),
    "conclusion_code": ("conclusion_id", "code_id"),
    "conclusion_coding": ("conclusion_id", "coding_id"),
}
TABLES = {
    "setting": models.Setting,
    "coder": models.Coder,
    "informant": models.Informant,
    "code": models.Code,
    "source": models.Source,
    "segment": models.Segment,
    "coding": models.Coding,
    "memo": models.Memo,
    "cell_summary": models.CellSummary,
    "conclusion": models.Conclusion,
    "conclusion_code": models.ConclusionCode,
    "conclusion_coding": models.ConclusionCoding,
}
# Settings that come with the codebook: taken from OTHER when this project has none (a project
# that has no codebook yet gets OTHER's), a conflict when both have different ones.
CODEBOOK_SETTINGS = ("codebook", "magnitude_scale")
# The codebook fields compared for a code both sides have (shortcut, color and position are
# each coder's own arrangement, not the meaning of the code).
CODE_MEANING = ("brief", "definition", "when_to_use", "when_not_to_use", "example", "codable")


def read_rows(conn: Connection, table: str, where: str | None = None, ids: Any = None) -> list[Row]:
    """The rows of ``table`` (typed: timestamps as datetimes on both back ends); none when the
    project predates the table."""
    found = inspect(conn)
    if not found.has_table(table):
        return []
    present = {c["name"] for c in found.get_columns(table)}
    columns = TABLES[table].__table__.c  # type: ignore[attr-defined]
    query = select(*[columns[c] for c in COLUMNS[table] if c in present])
    if where is not None:
        query = query.where(columns[where].in_(ids))
    rows = [dict(r._mapping) for r in conn.execute(query)]
    if table == "memo" and "kind" not in present:
        for row in rows:
            row["kind"] = "analytic"
    return rows


@dataclass
class Conflict:
    """Something both projects have with different values; this project's values are kept."""

    kind: str  # code | informant | source | coding | memo | summary
    what: str
    ours: str
    theirs: str
    outcome: str

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "what": self.what,
            "ours": self.ours,
            "theirs": self.theirs,
            "outcome": self.outcome,
        }


@dataclass
class MergePlan:
    """OTHER's ids mapped to this project's (``ids``, per table, for rows both have) and OTHER's
    rows to add (``new``, per table, in an order that creates parents first)."""

    ids: dict[str, dict[int, int]] = field(default_factory=dict)
    new: dict[str, list[Row]] = field(default_factory=dict)
    segments: dict[int, list[Row]] = field(default_factory=dict)  # new source (their id) -> rows
    code_paths: dict[int, str] = field(default_factory=dict)  # new code (their id) -> path here
    conclusion_links: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    skipped_sources: set[int] = field(default_factory=set)

    def added(self) -> dict[str, int]:
        counts = {table: len(rows) for table, rows in self.new.items()}
        counts["segment"] = sum(len(rows) for rows in self.segments.values())
        return counts

    @property
    def changes_anything(self) -> bool:
        return any(self.new.values())


def plan_merge(ours: Session, theirs: Connection) -> MergePlan:
    plan = MergePlan()
    here = ours.connection()
    _plan_settings(plan, here, theirs)
    _plan_by_name(plan, here, theirs, "coder")
    _plan_informants(plan, here, theirs)
    _plan_codes(plan, here, theirs)
    _plan_sources(plan, here, theirs)
    _plan_codings(plan, ours, theirs)
    _plan_memos(plan, here, theirs)
    _plan_summaries(plan, here, theirs)
    _plan_conclusions(plan, here, theirs)
    return plan


# -- the tables, in the order rows refer to each other ---------------------------------------------
def _start(plan: MergePlan, table: str) -> tuple[dict[int, int], list[Row]]:
    plan.ids[table], plan.new[table], plan.matched[table] = {}, [], 0
    return plan.ids[table], plan.new[table]


def _plan_settings(plan: MergePlan, here: Connection, theirs: Connection) -> None:
    _ids, new = _start(plan, "setting")
    ours = {r["key"]: json.loads(r["value"]) for r in read_rows(here, "setting")}
    for row in read_rows(theirs, "setting"):
        if row["key"] not in CODEBOOK_SETTINGS:
            continue
        value = json.loads(row["value"])
        if row["key"] not in ours:
            new.append(row)
        elif ours[row["key"]] != value:
            plan.conflicts.append(
                Conflict("setting", row["key"], _show(ours[row["key"]]), _show(value), "kept ours")
            )
        else:
            plan.matched["setting"] += 1


def _plan_by_name(plan: MergePlan, here: Connection, theirs: Connection, table: str) -> None:
    ids, new = _start(plan, table)
    ours = {r["name"]: r for r in read_rows(here, table)}
    for row in read_rows(theirs, table):
        mine = ours.get(row["name"])
        if mine is None:
            new.append(row)
        else:
            ids[row["id"]] = mine["id"]
            plan.matched[table] += 1


def _plan_informants(plan: MergePlan, here: Connection, theirs: Connection) -> None:
    _plan_by_name(plan, here, theirs, "informant")
    ours = {r["id"]: r for r in read_rows(here, "informant")}
    for row in read_rows(theirs, "informant"):
        mine = ours.get(plan.ids["informant"].get(row["id"], -1))
        if mine is None:
            continue
        for key in ("role", "pseudonym", "attributes"):
            a, b = mine[key], row[key]
            if key == "attributes":
                a, b = json.loads(a or "{}"), json.loads(b or "{}")
            if a != b:
                plan.conflicts.append(
                    Conflict("informant", f"{row['name']}: {key}", _show(a), _show(b), "kept ours")
                )


def _plan_codes(plan: MergePlan, here: Connection, theirs: Connection) -> None:
    ids, new = _start(plan, "code")
    ours = read_rows(here, "code")
    by_guid = {r["guid"]: r for r in ours}
    by_path = {r["path"]: r for r in ours}
    path_of = {r["id"]: r["path"] for r in ours}
    # Parents before children: a parent's path is a prefix, so fewer slashes come first.
    for row in sorted(read_rows(theirs, "code"), key=lambda r: (r["path"].count("/"), r["id"])):
        mine = by_guid.get(row["guid"])
        if mine is not None and mine["path"] != row["path"]:
            plan.conflicts.append(
                Conflict(
                    "code",
                    row["guid"],
                    mine["path"],
                    row["path"],
                    "same GUID, other path: their codings go to ours",
                )
            )
        if mine is None:
            mine = by_path.get(_path_here(plan, row, path_of))
        if mine is None:
            plan.code_paths[row["id"]] = _path_here(plan, row, path_of)
            new.append(row)
            continue
        ids[row["id"]] = mine["id"]
        plan.matched["code"] += 1
        differ = [k for k in CODE_MEANING if (mine[k] or "") != (row[k] or "")]
        if differ:
            plan.conflicts.append(
                Conflict(
                    "code",
                    mine["path"],
                    "; ".join(f"{k}: {_show(mine[k])}" for k in differ),
                    "; ".join(f"{k}: {_show(row[k])}" for k in differ),
                    "kept ours",
                )
            )


def _path_here(plan: MergePlan, row: Row, path_of: dict[int, str]) -> str:
    """The path OTHER's code gets here: under its parent as the parent is named here."""
    parent = row["parent_id"]
    if parent is None:
        return str(row["name"])
    if parent in plan.ids["code"]:
        return f"{path_of[plan.ids['code'][parent]]}/{row['name']}"
    if parent in plan.code_paths:
        return f"{plan.code_paths[parent]}/{row['name']}"
    return str(row["path"])  # a parent OTHER does not have: keep its own path


def _plan_sources(plan: MergePlan, here: Connection, theirs: Connection) -> None:
    ids, new = _start(plan, "source")
    ours = read_rows(here, "source")
    by_sha = {r["sha256"]: r for r in ours}
    by_name = {r["name"]: r for r in ours}
    for row in read_rows(theirs, "source"):
        mine = by_sha.get(row["sha256"])
        if mine is not None:
            ids[row["id"]] = mine["id"]
            plan.matched["source"] += 1
        elif row["name"] in by_name:
            plan.skipped_sources.add(row["id"])
            plan.conflicts.append(
                Conflict(
                    "source",
                    row["name"],
                    f"text sha256 {by_name[row['name']]['sha256'][:12]}",
                    f"text sha256 {row['sha256'][:12]}",
                    "same name, another text: not merged, nor its codings and memos",
                )
            )
        else:
            new.append(row)
    wanted = [r["id"] for r in new]
    for seg in read_rows(theirs, "segment", "source_id", wanted) if wanted else []:
        plan.segments.setdefault(seg["source_id"], []).append(seg)


def _plan_codings(plan: MergePlan, ours: Session, theirs: Connection) -> None:
    ids, new = _start(plan, "coding")
    here = ours.connection()
    matched_sources = list(plan.ids["source"].values())
    existing = {
        coding_key(r): r
        for r in (
            read_rows(here, "coding", "source_id", matched_sources) if matched_sources else []
        )
    }
    scale = magnitude_scale(ours)
    for row in plan.new["setting"]:  # this project has no scale yet: OTHER's comes along
        if row["key"] == "magnitude_scale":
            scale = scale_of(json.loads(row["value"]))
    names = _labels(plan, theirs)
    seen: set[tuple[int, ...]] = set()
    for row in read_rows(theirs, "coding"):
        if row["source_id"] in plan.skipped_sources:
            continue
        key = mapped_key(plan, row)
        label = names(row)
        mine = existing.get(key) if key is not None else None
        if mine is not None:
            ids[row["id"]] = mine["id"]
            plan.matched["coding"] += 1
            for field_name in ("magnitude", "memo"):
                if mine[field_name] != row[field_name]:
                    plan.conflicts.append(
                        Conflict(
                            "coding",
                            f"{label}: {field_name}",
                            _show(mine[field_name]),
                            _show(row[field_name]),
                            "kept ours",
                        )
                    )
            continue
        if row["magnitude"] is not None and (scale is None or not scale.contains(row["magnitude"])):
            plan.conflicts.append(
                Conflict(
                    "coding",
                    f"{label}: magnitude",
                    "scale " + (f"{scale.min}..{scale.max}" if scale else "none"),
                    str(row["magnitude"]),
                    "outside this project's scale: not merged",
                )
            )
            continue
        if key is not None:
            if key in seen:  # two codes of OTHER matched to one code here
                continue
            seen.add(key)
        new.append(row)


def coding_key(row: Row) -> tuple[int, ...]:
    return (row["source_id"], row["code_id"], row["coder_id"], row["start"], row["end"])


def mapped_key(plan: MergePlan, row: Row) -> tuple[int, ...] | None:
    """OTHER's coding as it would be keyed here; None while its source, code or coder is new."""
    try:
        return (
            plan.ids["source"][row["source_id"]],
            plan.ids["code"][row["code_id"]],
            plan.ids["coder"][row["coder_id"]],
            row["start"],
            row["end"],
        )
    except KeyError:
        return None


def _labels(plan: MergePlan, theirs: Connection) -> Any:
    """A reader's label of one of OTHER's codings: source [start, end) code, coder."""
    sources = {r["id"]: r["name"] for r in read_rows(theirs, "source")}
    codes = {r["id"]: r["path"] for r in read_rows(theirs, "code")}
    coders = {r["id"]: r["name"] for r in read_rows(theirs, "coder")}

    def label(row: Row) -> str:
        return (
            f"{sources.get(row['source_id'])} [{row['start']}, {row['end']}) "
            f"{codes.get(row['code_id'])}, {coders.get(row['coder_id'])}"
        )

    return label


MEMO_TARGET_TABLE = {
    "code": "code",
    "source": "source",
    "informant": "informant",
    "coding": "coding",
}


def _plan_memos(plan: MergePlan, here: Connection, theirs: Connection) -> None:
    _ids, new = _start(plan, "memo")
    ours = {
        (r["target"], r["target_id"], r["coder_id"], r["kind"]): r for r in read_rows(here, "memo")
    }
    coming = set(plan.ids["coding"]) | {r["id"] for r in plan.new["coding"]}
    names = {
        "code": {r["id"]: r["path"] for r in read_rows(theirs, "code")},
        "source": {r["id"]: r["name"] for r in read_rows(theirs, "source")},
        "informant": {r["id"]: r["name"] for r in read_rows(theirs, "informant")},
        "coder": {r["id"]: r["name"] for r in read_rows(theirs, "coder")},
    }
    for row in read_rows(theirs, "memo"):
        target = row["target"]
        table = MEMO_TARGET_TABLE.get(target)
        if table == "source" and row["target_id"] in plan.skipped_sources:
            continue
        target_id = None if table is None else plan.ids[table].get(row["target_id"])
        coder = None if row["coder_id"] is None else plan.ids["coder"].get(row["coder_id"])
        new_target = table is not None and target_id is None
        new_coder = row["coder_id"] is not None and coder is None
        key = (target, target_id, coder, row["kind"])
        mine = None if new_target or new_coder else ours.get(key)
        if mine is None:
            if table == "coding" and row["target_id"] not in coming:
                continue  # its coding is left out (a conflicting source or magnitude)
            new.append(row)
        elif (mine["text"] or "") != (row["text"] or ""):
            on = names.get(target, {}).get(row["target_id"], f"#{row['target_id']}")
            what = f"{target} {row['kind']} memo" + ("" if table is None else f" on {on}")
            what += f" by {names['coder'].get(row['coder_id'], 'nobody')}"
            plan.conflicts.append(
                Conflict("memo", what, _show(mine["text"]), _show(row["text"]), "kept ours")
            )
        else:
            plan.matched["memo"] += 1


def _plan_summaries(plan: MergePlan, here: Connection, theirs: Connection) -> None:
    _ids, new = _start(plan, "cell_summary")
    ours = {
        (r["display"], r["row_key"], r["column_key"]): r for r in read_rows(here, "cell_summary")
    }
    for row in read_rows(theirs, "cell_summary"):
        mine = ours.get((row["display"], row["row_key"], row["column_key"]))
        if mine is None:
            new.append(row)
        elif mine["text"] != row["text"]:
            plan.conflicts.append(
                Conflict(
                    "summary",
                    f"{row['display']}: {row['row_key']} × {row['column_key']}",
                    _show(mine["text"]),
                    _show(row["text"]),
                    "kept ours",
                )
            )
        else:
            plan.matched["cell_summary"] += 1


def _plan_conclusions(plan: MergePlan, here: Connection, theirs: Connection) -> None:
    ids, new = _start(plan, "conclusion")
    ours = {r["statement"]: r["id"] for r in read_rows(here, "conclusion")}
    codes = read_rows(theirs, "conclusion_code")
    codings = read_rows(theirs, "conclusion_coding")
    for row in read_rows(theirs, "conclusion"):
        if row["statement"] in ours:
            ids[row["id"]] = ours[row["statement"]]
            plan.matched["conclusion"] += 1
            continue
        new.append(row)
        plan.conclusion_links[row["id"]] = (
            [c["code_id"] for c in codes if c["conclusion_id"] == row["id"]],
            [c["coding_id"] for c in codings if c["conclusion_id"] == row["id"]],
        )


def _show(value: Any, width: int = 80) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
