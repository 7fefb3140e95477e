"""Finding a source by the name the user typed; writing a source's segments."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from qualcode.core.errors import QualcodeError
from qualcode.core.segmentation import SegmentSpan
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


def insert_segments(conn: Connection, sources: Iterable[tuple[int, Iterable[SegmentSpan]]]) -> int:
    """Insert the segments of each ``(source_id, spans)``, numbered from 1 in each source, in one
    executemany; how many.

    The rows go to the driver as plain tuples: SQLAlchemy's Core insert builds and checks a
    parameter dict per row, which was a third of a large import's time (a study brings millions
    of segments). The SQL is the same on SQLite and PostgreSQL but for the placeholder.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    end = conn.dialect.identifier_preparer.quote("end")  # a reserved word
    rows = [
        (source_id, i, seg.start, seg.end, seg.speaker, seg.timestamp)
        for source_id, spans in sources
        for i, seg in enumerate(spans, start=1)
    ]
    if rows:
        conn.exec_driver_sql(
            f"INSERT INTO segment (source_id, ordinal, start, {end}, speaker, timestamp) "
            f"VALUES ({', '.join([mark] * 6)})",
            rows,
        )
    return len(rows)
