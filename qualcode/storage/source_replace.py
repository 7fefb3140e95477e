"""Replacing a source's text after coding has begun, and undoing it (``qualcode source replace``).

One transaction does all of it: the old text, segments and coding spans are kept as a
:class:`SourceRevision` (the history, and what an undo puts back); every coding is re-anchored on
the new text by aligning old and new (``core/realign.py``) -- a coding whose text survived moves
to its new offsets, one whose text changed moves to the best match and gets a
:class:`CodingReview` with its old and new text; no coding is dropped. The segments are made
again from the new text by the source's own segmentation, and the rejected suggestions move with
their segment's text. Undo steps of the coding app that refer to this source's old offsets are
discarded (undoing them would put a coding on the wrong text).

Undo (``undo_replace``) restores the latest replacement: the old text and segments exactly, every
coding that existed then at its old offsets exactly, and codings made since re-anchored like any
replacement (flagged if their text does not exist in the old text).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import insert, text
from sqlmodel import Session, col, select

from qualcode.core.errors import QualcodeError
from qualcode.core.realign import Alignment, Placed
from qualcode.core.segmentation import SegmentSpan
from qualcode.storage.models import (
    CodingReview,
    Segment,
    Source,
    SourceRevision,
    SuggestionRejection,
    utcnow,
)
from qualcode.storage.project import Project, audit
from qualcode.storage.sources import resolve_source


@dataclass(frozen=True)
class Flagged:
    """A coding whose text changed: where it was, where it is now, both texts."""

    coding_id: int
    code: str
    coder: str
    old_start: int
    old_end: int
    old_text: str
    new_start: int
    new_end: int
    new_text: str
    similarity: float


@dataclass
class ReplaceReport:
    source: str
    revision: int  # the revision holding the text before this change
    undo: bool = False
    dry_run: bool = False
    codings: int = 0
    moved: int = 0  # untouched codings at new offsets
    unchanged: int = 0  # untouched codings at the same offsets
    flagged: list[Flagged] = field(default_factory=list)
    segments_before: int = 0
    segments_after: int = 0
    rejections: int = 0  # rejected suggestions carried over
    discarded_undo_steps: int = 0  # the coding app's undo steps on this source


class _DryRun(Exception):
    pass


def replace_text(
    project: Project,
    name: str,
    new_text: str,
    segments: Sequence[SegmentSpan],
    *,
    filename: str,
    encoding: str | None = None,
    actor: str,
    dry_run: bool = False,
) -> ReplaceReport:
    """Replace source ``name``'s text with ``new_text`` (segmented as ``segments``)."""
    sha = hashlib.sha256(new_text.encode("utf-8")).hexdigest()
    try:
        with project.write() as s:
            src = resolve_source(s, name)
            assert src.id is not None
            if new_text == src.text:
                raise QualcodeError(f"{filename}: the same text as source '{name}' has now")
            _check_sha_free(s, sha, src, filename)
            number = (
                s.exec(
                    select(SourceRevision.number)
                    .where(SourceRevision.source_id == src.id)
                    .order_by(col(SourceRevision.number).desc())
                ).first()
                or 0
            ) + 1
            old_segments = _segments(s, src.id)
            revision = SourceRevision(
                source_id=src.id,
                number=number,
                text=src.text,
                sha256=src.sha256,
                filename=src.filename,
                segments=json.dumps(old_segments),
                codings=json.dumps(
                    [{"id": c[0], "start": c[3], "end": c[4]} for c in _codings(s, src.id)]
                ),
                replaced_by=filename,
                actor=actor,
            )
            s.add(revision)
            s.flush()
            alignment = Alignment(src.text, new_text)
            report = ReplaceReport(src.name, number, dry_run=dry_run)
            new_segments = [
                {
                    "ordinal": i,
                    "start": g.start,
                    "end": g.end,
                    "speaker": g.speaker,
                    "timestamp": g.timestamp,
                }
                for i, g in enumerate(segments, start=1)
            ]
            _rewrite(s, src, alignment, new_segments, {}, revision, report)
            src.sha256, src.filename = sha, filename
            src.encoding = encoding or src.encoding
            s.add(src)
            _audit(s, actor, "replace", src, report, file=filename, old_sha256=revision.sha256)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def undo_replace(project: Project, name: str, actor: str) -> ReplaceReport:
    """Put back the text a source had before its latest (not undone) replacement."""
    with project.write() as s:
        src = resolve_source(s, name)
        revision = s.exec(
            select(SourceRevision)
            .where(SourceRevision.source_id == src.id, SourceRevision.state == "current")
            .order_by(col(SourceRevision.number).desc())
        ).first()
        if revision is None:
            raise QualcodeError(f"source '{name}' has no replacement to undo")
        _check_sha_free(s, revision.sha256, src, f"revision {revision.number}")
        s.connection().execute(
            text("DELETE FROM coding_review WHERE revision_id = :r"), {"r": revision.id}
        )
        pinned = {c["id"]: (c["start"], c["end"]) for c in json.loads(revision.codings)}
        alignment = Alignment(src.text, revision.text)
        report = ReplaceReport(src.name, revision.number, undo=True)
        _rewrite(s, src, alignment, json.loads(revision.segments), pinned, revision, report)
        src.sha256, src.filename = revision.sha256, revision.filename
        revision.state = "undone"
        s.add(src)
        s.add(revision)
        _audit(s, actor, "undo-replace", src, report)
    return report


def revisions(session: Session, name: str) -> list[SourceRevision]:
    src = resolve_source(session, name)
    return list(
        session.exec(
            select(SourceRevision)
            .where(SourceRevision.source_id == src.id)
            .order_by(col(SourceRevision.number))
        )
    )


def open_reviews(session: Session, name: str | None = None) -> list[dict[str, Any]]:
    """Codings flagged by a replacement and not yet marked reviewed."""
    sql = (
        "SELECT r.id, s.name, c.path, k.name, cd.id, r.old_text, r.new_text, r.similarity, "
        'cd.start, cd."end" FROM coding_review r JOIN coding cd ON cd.id = r.coding_id '
        "JOIN source s ON s.id = cd.source_id JOIN code c ON c.id = cd.code_id "
        "JOIN coder k ON k.id = cd.coder_id WHERE r.resolved = :f"
    )
    params: dict[str, Any] = {"f": False}
    if name is not None:
        sql += " AND s.id = :s"
        params["s"] = resolve_source(session, name).id
    keys = ("review", "source", "code", "coder", "coding", "old_text", "new_text", "similarity")
    rows = session.connection().execute(text(sql + " ORDER BY s.name, cd.start, r.id"), params)
    return [{**dict(zip(keys, r[:8], strict=True)), "start": r[8], "end": r[9]} for r in rows]


def resolve_reviews(project: Project, ids: Sequence[int], actor: str) -> int:
    """Mark flagged codings as reviewed; returns how many were open."""
    with project.write() as s:
        done = 0
        for rid in ids:
            row = s.get(CodingReview, rid)
            if row is None:
                raise QualcodeError(f"no review with id {rid} (see 'qualcode source reviews')")
            if not row.resolved:
                row.resolved = True
                s.add(row)
                audit(s, actor, "update", "coding_review", rid, resolved=True)
                done += 1
    return done


# --- the rewrite both share -----------------------------------------------------------------


def _rewrite(
    s: Session,
    src: Source,
    alignment: Alignment,
    new_segments: list[dict[str, Any]],
    pinned: dict[int, tuple[int, int]],
    revision: SourceRevision,
    report: ReplaceReport,
) -> None:
    conn = s.connection()
    assert src.id is not None and revision.id is not None
    old_text, new_text = alignment.old, alignment.new
    codings = _codings(s, src.id)
    report.codings = len(codings)
    report.segments_before = len(_segments(s, src.id))
    report.segments_after = len(new_segments)
    placed: dict[int, tuple[int, int]] = {}
    taken: set[tuple[int, int, int, int]] = set()
    wheres = {
        c[0]: Placed(*pinned[c[0]], True, 100.0) if c[0] in pinned else alignment.place(c[3], c[4])
        for c in codings
    }
    # Codings whose text survived claim their spans first: a flagged coding of the same code
    # and coder that lands on the same span is the one widened by _free, not the intact one.
    for cid, code_id, coder_id, start, end, code, coder in sorted(
        codings, key=lambda c: (not wheres[c[0]].intact, c[0])
    ):
        where = wheres[cid]
        a, b = _free(where.start, where.end, len(new_text), code_id, coder_id, taken)
        placed[cid] = (a, b)
        if where.intact and (a, b) == (where.start, where.end):
            report.unchanged += (a, b) == (start, end)
            report.moved += (a, b) != (start, end)
            continue
        now = new_text[a:b]
        flag = Flagged(
            cid, code, coder, start, end, old_text[start:end], a, b, now,
            round(fuzz.ratio(old_text[start:end], now), 1),
        )  # fmt: skip
        report.flagged.append(flag)
    report.flagged.sort(key=lambda f: f.coding_id)
    # rejected suggestions follow their segment's text (read before the segments go)
    carried = _carry_rejections(s, src.id, alignment, new_segments)
    conn.execute(
        text("DELETE FROM suggestion_rejection WHERE segment_id IN "
             "(SELECT id FROM segment WHERE source_id = :s)"),
        {"s": src.id},
    )  # fmt: skip
    # Park the codings past both texts while they move, so that no two collide on the way
    # (an offset that still fits PostgreSQL's 32-bit integer columns).
    conn.execute(
        text('UPDATE coding SET start = start + :p, "end" = "end" + :p WHERE source_id = :s'),
        {"p": len(old_text) + len(new_text) + 1, "s": src.id},
    )
    conn.execute(text("DELETE FROM segment WHERE source_id = :s"), {"s": src.id})
    src.text = new_text
    s.add(src)
    s.flush()
    if new_segments:
        s.execute(insert(Segment), [{"source_id": src.id, **g} for g in new_segments])
    for cid, (a, b) in placed.items():
        conn.execute(
            text('UPDATE coding SET start = :a, "end" = :b, updated_at = :t WHERE id = :i'),
            {"a": a, "b": b, "i": cid, "t": utcnow()},
        )
    by_ordinal = {
        o: i for i, o in conn.execute(
            text("SELECT id, ordinal FROM segment WHERE source_id = :s"), {"s": src.id}
        )
    }  # fmt: skip
    for ordinal, rejected in carried.items():
        for r in rejected:
            s.add(SuggestionRejection(segment_id=by_ordinal[ordinal], **r))
            report.rejections += 1
    for f in report.flagged:
        s.add(
            CodingReview(
                coding_id=f.coding_id,
                revision_id=revision.id,
                old_start=f.old_start,
                old_end=f.old_end,
                old_text=f.old_text,
                new_text=f.new_text,
                similarity=f.similarity,
            )
        )
    report.discarded_undo_steps = _discard_undo_steps(s, src.id)
    s.flush()


def _free(
    a: int, b: int, length: int, code_id: int, coder_id: int, taken: set[tuple[int, int, int, int]]
) -> tuple[int, int]:
    """``(a, b)``, or the nearest longer span if the same coder's same code already lands on it
    (two codings meeting on one span would break the unique rule; neither is dropped)."""
    candidates = [(a, b)] + [
        (max(0, a - k), min(length, b + k2)) for k in range(0, 4) for k2 in range(0, 4) if k or k2
    ]
    for span in candidates:
        key = (code_id, coder_id, *span)
        if key not in taken:
            taken.add(key)
            return span
    raise QualcodeError("too many codings of one code and coder land on the same text")


def _carry_rejections(
    s: Session, source_id: int, alignment: Alignment, new_segments: list[dict[str, Any]]
) -> dict[int, list[dict[str, Any]]]:
    """Rejections of the old segments, by the ordinal of the new segment their text went to."""
    starts = [g["start"] for g in new_segments]
    out: dict[int, list[dict[str, Any]]] = {}
    seen: set[tuple[int, int]] = set()
    rows = s.connection().execute(
        text(
            'SELECT g.start, g."end", r.code_id, r.coder_id, r.score, r.matched, r.rejected_at '
            "FROM suggestion_rejection r JOIN segment g ON g.id = r.segment_id "
            "WHERE g.source_id = :s ORDER BY r.id"
        ),
        {"s": source_id},
    )
    for start, end, code_id, coder_id, score, matched, at in rows:
        where = alignment.place(start, end)
        i = bisect_right(starts, where.start) - 1
        if i < 0 or i >= len(new_segments):
            continue
        ordinal = new_segments[i]["ordinal"]
        if (ordinal, code_id) in seen:
            continue
        seen.add((ordinal, code_id))
        out.setdefault(ordinal, []).append(
            {"code_id": code_id, "coder_id": coder_id, "score": score, "matched": matched,
             "rejected_at": _as_datetime(at)}
        )  # fmt: skip
    return out


def _as_datetime(value: Any) -> Any:
    """A timestamp read by raw SQL (SQLite gives text, without the zone): UTC, as stored."""
    from datetime import UTC, datetime

    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _segments(s: Session, source_id: int | None) -> list[dict[str, Any]]:
    rows = s.connection().execute(
        text(
            'SELECT ordinal, start, "end", speaker, timestamp FROM segment '
            "WHERE source_id = :s ORDER BY ordinal"
        ),
        {"s": source_id},
    )
    keys = ("ordinal", "start", "end", "speaker", "timestamp")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _codings(s: Session, source_id: int | None) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in s.connection().execute(
            text(
                'SELECT cd.id, cd.code_id, cd.coder_id, cd.start, cd."end", c.path, k.name '
                "FROM coding cd JOIN code c ON c.id = cd.code_id "
                "JOIN coder k ON k.id = cd.coder_id WHERE cd.source_id = :s ORDER BY cd.id"
            ),
            {"s": source_id},
        )
    ]


def _discard_undo_steps(s: Session, source_id: int | None) -> int:
    """The coding app's undo steps on this source hold old offsets: they can no longer be
    undone or redone."""
    conn = s.connection()
    rows = conn.execute(
        text("SELECT id, before, after FROM coding_action WHERE state <> 'discarded'")
    ).all()
    ids = [
        rid
        for rid, before, after in rows
        if any((json.loads(x) or {}).get("source_id") == source_id for x in (before, after))
    ]
    for rid in ids:
        conn.execute(text("UPDATE coding_action SET state = 'discarded' WHERE id = :i"), {"i": rid})
    return len(ids)


def _check_sha_free(s: Session, sha: str, src: Source, what: str) -> None:
    other = s.exec(select(Source).where(Source.sha256 == sha, Source.id != src.id)).first()
    if other is not None:
        raise QualcodeError(f"{what}: the same text as source '{other.name}'")


def _audit(
    s: Session, actor: str, action: str, src: Source, report: ReplaceReport, **detail: Any
) -> None:
    audit(
        s,
        actor,
        action,
        "source",
        src.id,
        name=src.name,
        revision=report.revision,
        new_sha256=src.sha256,
        codings=report.codings,
        moved=report.moved,
        unchanged=report.unchanged,
        flagged=[f.coding_id for f in report.flagged],
        segments_before=report.segments_before,
        segments_after=report.segments_after,
        **detail,
    )
