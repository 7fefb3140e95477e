"""Import transcript and document files into a project.

An import is all-or-nothing: its files are read, decoded, segmented and written a few MB at a time
inside one transaction, and a bad file anywhere rolls the whole of it back. A file already in the
project (same sha256 of its normalized text) is skipped and reported, never duplicated.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from qualcode.core.errors import InputError
from qualcode.core.segmentation import SEGMENT_MODES
from qualcode.ingest.metadata import InformantMeta, Metadata, load_metadata
from qualcode.ingest.readers import ParsedSource, read_source
from qualcode.storage.coding_segment import writing_new_sources
from qualcode.storage.models import SOURCE_KINDS, AuditEntry, Informant, Source, utcnow
from qualcode.storage.project import Project, audit, audit_row
from qualcode.storage.sources import insert_segments

METADATA_NAMES = ("informants.yaml", "informants.yml", "informants.csv")

# Sources are written a batch at a time, once this much text is waiting: one Core statement for
# the sources (a multi-row INSERT on PostgreSQL; on SQLite, whose RETURNING order SQLAlchemy
# cannot rely on, a row at a time inside it) and one executemany for their segments. A statement
# per source was a tenth of an import's time, and a few MB at a time is never a whole study in
# memory.
STORE_BATCH_CHARS = 4_000_000


@dataclass
class PlannedSource:
    path: Path
    name: str
    kind: str
    segment_by: str
    informant: str | None
    parsed: ParsedSource  # its text and segments are dropped once stored (segments: how many)
    sha256: str
    segments: int = 0
    source_id: int | None = None


@dataclass
class ImportReport:
    imported: list[PlannedSource] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created_informants: list[str] = field(default_factory=list)
    metadata_files: list[str] = field(default_factory=list)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_metadata(folder: Path) -> Path | None:
    for name in METADATA_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def import_files(
    project: Project,
    paths: list[Path],
    *,
    informant: str | None = None,
    role: str | None = None,
    kind: str | None = None,
    segment_by: str | None = None,
    meta_path: Path | None = None,
    actor: str = "qualcode",
    max_bytes: int | None = None,
) -> ImportReport:
    """Import ``paths`` into ``project``; raise InputError (and write nothing) if any file fails."""
    if kind is not None and kind not in SOURCE_KINDS:
        raise InputError(kind, f"unknown source kind (use one of {', '.join(SOURCE_KINDS)})")
    if segment_by is not None and segment_by not in SEGMENT_MODES:
        raise InputError(
            segment_by, f"unknown segmentation (use one of {', '.join(SEGMENT_MODES)})"
        )
    report = ImportReport()
    metas = _metadata_for(paths, meta_path, report)

    # Each file is read and checked in turn, and stored with the few before it (a batch of a few
    # MB of text) inside one transaction (any error rolls the whole import back); its text is
    # let go once stored: a study of thousands of transcripts is never all in memory at once.
    with project.write() as session, ExitStack() as until_commit:
        conn = session.connection()
        known = dict(conn.execute(select(Source.sha256, Source.name)).all())  # type: ignore[call-overload]
        names = set(known.values())
        batch: dict[str, Path] = {}
        audits: list[dict[str, Any]] = []
        folders: dict[Path, Path] = {}  # each folder resolved once (a system call or more)
        unstored: list[PlannedSource] = []
        unstored_chars = 0
        trigger_paused = False

        def store(plans: list[PlannedSource]) -> None:
            nonlocal trigger_paused
            if not plans:
                return
            # New sources' segments are written without the segment insert trigger, from the
            # first one on: an import of files that are all known already changes nothing.
            if not trigger_paused:
                until_commit.enter_context(writing_new_sources(conn))
                trigger_paused = True
            _store(conn, plans, actor, audits)

        for path in paths:
            meta = metas.get(None)
            if meta_path is None:
                if path.parent not in folders:
                    folders[path.parent] = path.parent.resolve()
                meta = metas.get(folders[path.parent])
            plan = _plan(
                path,
                meta,
                informant=informant,
                kind=kind,
                segment_by=segment_by,
                report=report,
                max_bytes=max_bytes,
            )
            if plan.sha256 in known:
                report.skipped.append((plan.path, f"already imported as '{known[plan.sha256]}'"))
                continue
            if plan.sha256 in batch:
                report.skipped.append((plan.path, f"same text as {batch[plan.sha256]}"))
                continue
            if plan.name in names:
                raise InputError(
                    plan.path,
                    f"a different source named '{plan.name}' is already in the project "
                    "(rename the file, or use 'qualcode source replace' to correct a transcript)",
                )
            batch[plan.sha256] = plan.path
            names.add(plan.name)
            report.imported.append(plan)
            unstored.append(plan)
            unstored_chars += len(plan.parsed.text)
            if unstored_chars >= STORE_BATCH_CHARS:
                store(unstored)
                unstored, unstored_chars = [], 0
        store(unstored)
        informant_ids = _ensure_informants(session, report, metas, role, actor)
        # The sources were stored before their informants were known to be needed.
        placed = [
            {"sid": p.source_id, "iid": informant_ids[p.informant]}
            for p in report.imported
            if p.informant
        ]
        if placed:
            conn.execute(
                update(_table(Source))
                .where(_table(Source).c.id == bindparam("sid"))
                .values(informant_id=bindparam("iid")),
                placed,
            )
        if audits:
            conn.execute(insert(_table(AuditEntry)), audits)
    return report


def _metadata_for(
    paths: list[Path], meta_path: Path | None, report: ImportReport
) -> dict[Path | None, Metadata]:
    """The metadata file given, or the informants.yaml/.csv found beside each folder's files."""
    if meta_path is not None:
        report.metadata_files.append(str(meta_path))
        meta = load_metadata(meta_path)
        report.warnings.extend(f"{meta_path}: {w}" for w in meta.warnings)
        return {None: meta}
    found: dict[Path | None, Metadata] = {}
    for folder in sorted({parent.resolve() for parent in {p.parent for p in paths}}):
        candidate = find_metadata(folder)
        if candidate is not None:
            found[folder] = meta = load_metadata(candidate)
            report.metadata_files.append(str(candidate))
            report.warnings.extend(f"{candidate}: {w}" for w in meta.warnings)
    return found


def _plan(
    path: Path,
    meta: Metadata | None,
    *,
    informant: str | None,
    kind: str | None,
    segment_by: str | None,
    report: ImportReport,
    max_bytes: int | None = None,
) -> PlannedSource:
    entry = meta.for_file(path.name) if meta else None
    kind = kind or (entry.kind if entry else None) or "interview"
    mode = segment_by or (entry.segment if entry else None) or "turn"
    who = informant or (entry.informant if entry else None)
    if kind == "interview" and not who:
        raise InputError(
            path,
            "interview has no informant: give --informant NAME, or list the file in "
            "informants.yaml (--meta)",
        )
    parsed = read_source(path, segment_by=mode, kind=kind, max_bytes=max_bytes)
    if not parsed.segments:
        raise InputError(path, "no text to segment")
    report.warnings.extend(f"{path}: {w}" for w in parsed.warnings)
    return PlannedSource(
        path=path,
        name=(entry.name if entry and entry.name else None) or path.stem,
        kind=kind,
        segment_by=mode,
        informant=who,
        parsed=parsed,
        sha256=sha256_of(parsed.text),
    )


def _ensure_informants(
    session: Session,
    report: ImportReport,
    metas: dict[Path | None, Metadata],
    role: str | None,
    actor: str,
) -> dict[str, int]:
    """Create or update the informants the imported sources belong to; return name -> id."""
    described: dict[str, InformantMeta] = {}
    for meta in metas.values():
        for person in meta.informants:
            described.setdefault(person.name, person)
    wanted = {p.informant for p in report.imported if p.informant}
    existing = {row.name: row for row in session.exec(select(Informant))}
    ids: dict[str, int] = {}
    new: list[dict[str, object]] = []
    for name in sorted(wanted):
        info: InformantMeta | None = described.get(name)
        row = existing.get(name)
        if row is None:
            new.append(
                {
                    "name": name,
                    "pseudonym": info.pseudonym if info else None,
                    "role": (info.role if info else None) or role,
                    "attributes": json.dumps(info.attributes if info else {}, ensure_ascii=False),
                    "created_at": utcnow(),
                }
            )
            continue
        if info is not None:
            _update_informant(session, row, info, actor)
        elif role and not row.role:
            row.role = role
            session.add(row)
            audit(session, actor, "update", "informant", row.id, role=role)
        assert row.id is not None
        ids[name] = row.id
    # The new ones (a study may bring thousands) by one statement after one read of the known
    # ones, their audit entries by another: no ORM object, flush or audit object per informant.
    conn = session.connection()
    created = []
    for who, new_id in zip(new, _insert_all(conn, Informant, new), strict=True):
        ids[str(who["name"])] = new_id
        report.created_informants.append(str(who["name"]))
        created.append(
            audit_row(actor, "create", "informant", new_id, name=who["name"], role=who["role"])
        )
    if created:
        conn.execute(insert(_table(AuditEntry)), created)
    return ids


def _update_informant(session: Session, row: Informant, info: InformantMeta, actor: str) -> None:
    """Metadata files are the researcher's record of informants: their values win."""
    changes: dict[str, object] = {}
    if info.pseudonym and info.pseudonym != row.pseudonym:
        changes["pseudonym"] = row.pseudonym = info.pseudonym
    if info.role and info.role != row.role:
        changes["role"] = row.role = info.role
    merged = {**json.loads(row.attributes or "{}"), **info.attributes}
    if merged != json.loads(row.attributes or "{}"):
        row.attributes = json.dumps(merged, ensure_ascii=False)
        changes["attributes"] = info.attributes
    if changes:
        session.add(row)
        audit(session, actor, "update", "informant", row.id, **changes)


def _table(model: type) -> Any:
    """The Core table of a model: bulk writes go through Core, not ORM objects."""
    return model.__table__  # type: ignore[attr-defined]


def _insert_all(conn: Connection, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` by one Core statement; their new ids, in the order of ``rows``.
    (SQLAlchemy makes it multi-row INSERTs on PostgreSQL and a row at a time on SQLite, whose
    RETURNING order it cannot rely on.)"""
    if not rows:
        return []
    table = _table(model)
    stored = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [int(i) for i in stored.scalars()]


def _store(
    conn: Connection, plans: list[PlannedSource], actor: str, audits: list[dict[str, Any]]
) -> None:
    """Store the sources (their informants are set afterwards) and their segments by Core
    inserts, not ORM objects (most of a large import's time went there); drop their texts; add
    their audit entries to ``audits``, written with the others at the end."""
    rows = [
        {
            "name": plan.name,
            "kind": plan.kind,
            "filename": plan.path.name,
            "sha256": plan.sha256,
            "encoding": plan.parsed.encoding,
            "segmented_by": plan.segment_by,
            "text": plan.parsed.text,
            "imported_at": utcnow(),
        }
        for plan in plans
    ]
    ids = _insert_all(conn, Source, rows)
    insert_segments(conn, [(i, p.parsed.segments) for p, i in zip(plans, ids, strict=True)])
    for plan, source_id in zip(plans, ids, strict=True):
        plan.source_id = source_id
        plan.segments = len(plan.parsed.segments)
        plan.parsed = ParsedSource("", [], plan.parsed.encoding, plan.parsed.warnings)
        audits.append(
            audit_row(
                actor,
                "import",
                "source",
                plan.source_id,
                name=plan.name,
                file=plan.path.name,
                sha256=plan.sha256,
                segments=plan.segments,
                kind=plan.kind,
            )
        )
