"""Writing codings: one place that checks spans and magnitudes and records the audit trail."""

from __future__ import annotations

from sqlmodel import Session, select

from qualcode.core.codebook import MagnitudeScale
from qualcode.core.errors import QualcodeError
from qualcode.storage.models import Code, Coder, Coding, Source, utcnow
from qualcode.storage.project import audit


def coder_id(session: Session, name: str, actor: str | None = None) -> int:
    """The id of coder ``name``, created on first use."""
    name = name.strip()
    if not name:
        raise QualcodeError("a coder needs a name")
    row = session.exec(select(Coder).where(Coder.name == name)).first()
    if row is None:
        row = Coder(name=name)
        session.add(row)
        session.flush()
        audit(session, actor or name, "create", "coder", row.id, name=name)
    assert row.id is not None
    return row.id


def check_span(source: Source, start: int, end: int) -> None:
    if not 0 <= start < end <= len(source.text):
        raise QualcodeError(
            f"span [{start}, {end}) is outside source '{source.name}' "
            f"(its text has {len(source.text)} characters)"
        )


def check_magnitude(scale: MagnitudeScale | None, magnitude: int | None) -> None:
    if magnitude is None:
        return
    if scale is None:
        raise QualcodeError("the codebook declares no magnitude scale")
    if not scale.contains(magnitude):
        raise QualcodeError(f"magnitude {magnitude} is outside the scale {scale.min}..{scale.max}")


def add_coding(
    session: Session,
    *,
    source: Source,
    code: Code,
    coder: int,
    start: int,
    end: int,
    magnitude: int | None = None,
    memo: str | None = None,
    actor: str,
    origin: str = "manual",
) -> Coding:
    """Apply ``code`` to ``source[start:end]`` for ``coder``; an identical coding is reused."""
    check_span(source, start, end)
    if not code.codable:
        raise QualcodeError(f"code '{code.path}' is a grouping category and cannot be applied")
    existing = session.exec(
        select(Coding).where(
            Coding.source_id == source.id,
            Coding.code_id == code.id,
            Coding.coder_id == coder,
            Coding.start == start,
            Coding.end == end,
        )
    ).first()
    if existing is not None:
        return existing
    now = utcnow()
    assert source.id is not None and code.id is not None
    row = Coding(
        source_id=source.id,
        code_id=code.id,
        coder_id=coder,
        start=start,
        end=end,
        magnitude=magnitude,
        memo=memo or None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "create",
        "coding",
        row.id,
        source=source.name,
        code=code.path,
        coder_id=coder,
        start=start,
        end=end,
        magnitude=magnitude,
        memo=memo,
        origin=origin,
    )
    return row


def remove_coding(session: Session, coding: Coding, actor: str, origin: str = "manual") -> None:
    """Delete a coding; the audit log keeps everything needed to restore it."""
    audit(
        session,
        actor,
        "delete",
        "coding",
        coding.id,
        source_id=coding.source_id,
        code_id=coding.code_id,
        coder_id=coding.coder_id,
        start=coding.start,
        end=coding.end,
        magnitude=coding.magnitude,
        memo=coding.memo,
        origin=origin,
    )
    session.delete(coding)
    session.flush()
