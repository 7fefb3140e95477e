"""The codes of a REFI-QDA file merged into the project's codebook tree.

Codes are matched by GUID, then by path, so importing a file twice, or a file exported from this
project, adds nothing. New codes come after the project's own, in the file's order. What does not
fit qualcode's codebook is fixed and reported: a ``/`` in a name (it separates path levels), two
siblings with one name, a GUID that is missing, malformed or used twice, a colour that is not
``#RRGGBB``.
"""

from __future__ import annotations

import json
from collections import defaultdict

from sqlmodel import Session, select

from qualcode.core.codebook import MAX_DEPTH, code_guid
from qualcode.core.errors import InputError
from qualcode.exchange.refi.fields import parse_code_description
from qualcode.exchange.refi.model import RefiCode, is_uuid
from qualcode.exchange.refi.report import RefiImportReport
from qualcode.storage.models import Code
from qualcode.storage.project import audit


def merge_codes(
    session: Session, codes: list[RefiCode], report: RefiImportReport, actor: str
) -> tuple[dict[str, int], dict[int, bool]]:
    """Add the file's codes; returns (file GUID -> code id, code id -> codable)."""
    existing = list(session.exec(select(Code)))
    by_guid = {c.guid: c for c in existing}
    by_path = {c.path: c for c in existing}
    position = max((c.position for c in existing), default=-1) + 1
    ids: dict[str, int] = {}
    codable: dict[int, bool] = {}
    siblings: dict[int | None, set[str]] = defaultdict(set)
    # Depth-first in file order (a stack, not recursion): each code after its parent.
    pending: list[tuple[RefiCode, Code | None, int]] = [(c, None, 1) for c in reversed(codes)]
    while pending:
        refi_code, parent, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise InputError(
                report.path,
                f"code '{refi_code.name}' is nested {depth} levels deep; qualcode allows "
                f"{MAX_DEPTH}",
            )
        name = _name(refi_code, parent, siblings, report)
        path = f"{parent.path}/{name}" if parent is not None else name
        file_guid = refi_code.guid
        again = file_guid is not None and file_guid in ids  # a second code with one GUID
        row = by_guid.get(file_guid) if file_guid and not again else None
        row = row or by_path.get(path)
        if row is not None:
            report.codes_matched += 1
        else:
            guid = file_guid if is_uuid(file_guid) and not again else None
            if guid is None or guid in by_guid:
                new_guid = code_guid(path)
                why = "is used twice" if again or guid else "is not a GUID"
                report.warnings.append(
                    f"code '{path}': its GUID {file_guid or '(none)'} {why}; given {new_guid}"
                )
                guid = new_guid
            if refi_code.raw_color and refi_code.color is None:
                report.warnings.append(
                    f"code '{path}': colour '{refi_code.raw_color}' is not #RRGGBB; left out"
                )
            fields = parse_code_description(refi_code.description)
            keywords = fields.pop("keywords", ())
            row = Code(
                guid=guid,
                parent_id=parent.id if parent is not None else None,
                name=name,
                path=path,
                position=position,
                color=refi_code.color,
                keywords=json.dumps(list(keywords), ensure_ascii=False),  # type: ignore[call-overload]
                codable=refi_code.codable,
                **fields,  # type: ignore[arg-type]
            )
            position += 1
            session.add(row)
            session.flush()
            audit(session, actor, "create", "code", row.id, path=path, guid=guid)
            report.codes_added.append(path)
            by_guid[guid] = row
            by_path[path] = row
        assert row.id is not None
        if file_guid:
            if again:
                report.warnings.append(
                    f"code GUID {file_guid} is used by two codes; its codings go to the first"
                )
            else:
                ids[file_guid] = row.id
        codable[row.id] = row.codable
        pending.extend((child, row, depth + 1) for child in reversed(refi_code.children))
    return ids, codable


def _name(
    code: RefiCode,
    parent: Code | None,
    siblings: dict[int | None, set[str]],
    report: RefiImportReport,
) -> str:
    name = " ".join(code.name.split())
    if not name:
        name = f"unnamed code {(code.guid or '')[:8]}".strip()
    if "/" in name:
        fixed = name.replace("/", "\u2215")  # a division slash: '/' cannot be in a name
        report.warnings.append(
            f"code '{name}': '/' separates code paths in qualcode; renamed '{fixed}'"
        )
        name = fixed
    taken = siblings[parent.id if parent is not None else None]
    if name in taken:
        n = 2
        while f"{name} ({n})" in taken:
            n += 1
        report.warnings.append(
            f"two codes named '{name}' under the same parent; the second is '{name} ({n})'"
        )
        name = f"{name} ({n})"
    taken.add(name)
    return name
