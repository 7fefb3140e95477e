"""Project status: the counts every other tool checks first."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from qualcode.storage.models import Code, Coder, Coding, Informant, Memo, Segment, Source


def project_counts(session: Session) -> dict[str, int]:
    """``{"informants", "sources", "segments", "codes", "codings"}`` plus coders and memos."""

    def count(model: type) -> int:
        return int(session.exec(select(func.count()).select_from(model)).one())

    return {
        "informants": count(Informant),
        "sources": count(Source),
        "segments": count(Segment),
        "codes": count(Code),
        "codings": count(Coding),
        "coders": count(Coder),
        "memos": count(Memo),
    }
