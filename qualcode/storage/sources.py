"""Finding a source by the name the user typed."""

from __future__ import annotations

from sqlmodel import Session, select

from qualcode.core.errors import QualcodeError
from qualcode.storage.models import Source


def resolve_source(session: Session, name: str) -> Source:
    row = session.exec(select(Source).where(Source.name == name)).first()
    if row is None:
        raise QualcodeError(f"no source named '{name}' (see 'qualcode sources')")
    return row


def source_ids(session: Session, names: tuple[str, ...] | list[str]) -> list[int] | None:
    """The ids of the sources named (None when none is: every source)."""
    ids = [resolve_source(session, n).id for n in names]
    return [i for i in ids if i is not None] or None
