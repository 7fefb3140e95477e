"""The codebook inside a project: loading a YAML codebook into the code table, and reading it back.

Codes are matched by GUID, then by path, so reloading an edited codebook updates codes in place and
keeps every coding attached. Codes in the project that the file no longer has are kept (a coding is
never lost to a codebook edit) and reported.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from qualcode.core.codebook import Codebook, CodeDef, MagnitudeScale
from qualcode.core.errors import QualcodeError
from qualcode.storage.models import Code
from qualcode.storage.project import audit, get_setting, set_setting

FIELDS = (
    "name",
    "color",
    "shortcut",
    "brief",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "example",
    "codable",
)


@dataclass
class CodebookLoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)


def load_codebook_into(session: Session, codebook: Codebook, actor: str) -> CodebookLoadReport:
    report = CodebookLoadReport()
    existing = list(session.exec(select(Code)))
    by_guid = {c.guid: c for c in existing}
    by_path = {c.path: c for c in existing}
    seen: set[int] = set()
    ids_by_path: dict[str, int] = {}
    before = {c.id: _snapshot(c) for c in existing}
    # Free every shortcut first: the file is the authority, and a shortcut may move between codes.
    for code in existing:
        code.shortcut = None
    session.flush()
    for position, cdef in enumerate(codebook.codes):
        row: Code | None = by_guid.get(cdef.guid) or by_path.get(cdef.path)
        values = _values(cdef, position, ids_by_path)
        if row is None:
            row = Code(**values)
            session.add(row)
            session.flush()
            report.added.append(cdef.path)
            audit(session, actor, "create", "code", row.id, path=cdef.path, guid=cdef.guid)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)
            session.flush()
            after, old = _snapshot(row), before[row.id]
            if old != after:
                report.updated.append(cdef.path)
                changed = {k: after[k] for k in after if old.get(k) != after[k]}
                audit(session, actor, "update", "code", row.id, **changed)
            else:
                report.unchanged += 1
        assert row.id is not None
        seen.add(row.id)
        ids_by_path[cdef.path] = row.id
    report.kept = sorted(c.path for c in existing if c.id not in seen)
    set_setting(session, "codebook", {"name": codebook.name, "version": codebook.version})
    set_setting(session, "codebook_description", codebook.description)
    if codebook.magnitude is not None:
        set_setting(
            session, "magnitude_scale", {str(k): v for k, v in codebook.magnitude.labels.items()}
        )
    return report


def _values(cdef: CodeDef, position: int, ids_by_path: dict[str, int]) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(cdef, f) for f in FIELDS}
    values.update(
        guid=cdef.guid,
        path=cdef.path,
        position=position,
        parent_id=ids_by_path[cdef.parent_path] if cdef.parent_path else None,
        keywords=json.dumps(list(cdef.keywords), ensure_ascii=False),
    )
    return values


def _snapshot(row: Code) -> dict[str, object]:
    return {
        k: getattr(row, k) for k in (*FIELDS, "guid", "path", "position", "parent_id", "keywords")
    }


def magnitude_scale(session: Session) -> MagnitudeScale | None:
    return scale_of(get_setting(session, "magnitude_scale"))


def scale_of(stored: dict[str, str] | None) -> MagnitudeScale | None:
    """The scale from its stored form (the ``magnitude_scale`` setting)."""
    if not stored:
        return None
    return MagnitudeScale(
        labels={int(k): v for k, v in sorted(stored.items(), key=lambda kv: int(kv[0]))}
    )


def codebook_from_project(session: Session) -> Codebook:
    """The project's codes as a Codebook (tree order), e.g. to show or write back as YAML."""
    rows = list(session.exec(select(Code).order_by(Code.position, Code.path)))  # type: ignore[arg-type]
    by_id = {r.id: r for r in rows}
    codes = [
        CodeDef(
            name=r.name,
            path=r.path,
            parent_path=by_id[r.parent_id].path if r.parent_id in by_id else None,
            guid=r.guid,
            color=r.color,
            shortcut=r.shortcut,
            brief=r.brief,
            definition=r.definition,
            when_to_use=r.when_to_use,
            when_not_to_use=r.when_not_to_use,
            example=r.example,
            keywords=tuple(json.loads(r.keywords or "[]")),
            codable=r.codable,
            line=0,
        )
        for r in rows
    ]
    meta = get_setting(session, "codebook") or {}
    return Codebook(
        name=meta.get("name") or "codebook",
        description=get_setting(session, "codebook_description") or "",
        version=meta.get("version"),
        magnitude=magnitude_scale(session),
        codes=_preorder(codes),
        source="<project>",
    )


def _preorder(codes: list[CodeDef]) -> list[CodeDef]:
    children: dict[str | None, list[CodeDef]] = {}
    for c in codes:
        children.setdefault(c.parent_path, []).append(c)
    out: list[CodeDef] = []

    def walk(parent: str | None) -> None:
        for c in children.get(parent, []):
            out.append(c)
            walk(c.path)

    walk(None)
    return out


def resolve_code(session: Session, name_or_path: str) -> Code:
    """A code by its path, or by a bare name that is unique in the project."""
    row = session.exec(select(Code).where(Code.path == name_or_path)).first()
    if row is not None:
        return row
    matches = list(session.exec(select(Code).where(Code.name == name_or_path)))
    if not matches:
        lowered = name_or_path.casefold()
        matches = [c for c in session.exec(select(Code)) if c.name.casefold() == lowered]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = list(session.exec(select(Code.path)))
        close = difflib.get_close_matches(name_or_path, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise QualcodeError(f"unknown code '{name_or_path}'{hint}")
    paths = ", ".join(sorted(m.path for m in matches))
    raise QualcodeError(f"code name '{name_or_path}' is ambiguous: give its path ({paths})")
