"""Read models for the app and the CLI: plain dataclasses built by SQL, no ORM objects held open."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlmodel import Session


@dataclass(frozen=True)
class SourceRow:
    id: int
    name: str
    kind: str
    informant: str | None
    role: str | None
    segments: int
    coded_segments: int  # segments overlapping at least one coding of the current coder
    codings: int

    @property
    def progress(self) -> float:
        return self.coded_segments / self.segments if self.segments else 0.0


def source_overview(session: Session, coder: str | None) -> list[SourceRow]:
    """Every source with its informant and how much of it ``coder`` has coded (every coder
    together when ``coder`` is None, as a reviewer sees it).

    A coded segment is one a coding overlaps: the coding's first segment (``coding.segment_id``)
    and, for the few codings marked as reaching further (``coding.multi_segment``), the segments
    starting inside them (see storage/coding_segment.py). Comparing every segment with every
    coding of its source instead took 27 s at 1,000,000 codings, before the app's first frame."""
    mine = "WHERE c.name = :coder" if coder is not None else ""
    sql = text(
        f"""
        WITH mine AS MATERIALIZED (
            SELECT cd.source_id, cd.segment_id, cd.start, cd."end", cd.multi_segment
            FROM coding cd JOIN coder c ON c.id = cd.coder_id {mine}
        ),
        touched AS (
            SELECT source_id, segment_id AS gid FROM mine WHERE segment_id IS NOT NULL
            UNION
            SELECT m.source_id, g.id FROM mine m JOIN segment g ON g.source_id = m.source_id
                AND g.start > m.start AND g.start < m."end"
            WHERE m.multi_segment = 1
        ),
        coded AS (SELECT source_id, COUNT(*) AS n FROM touched GROUP BY source_id),
        applied AS (SELECT source_id, COUNT(*) AS n FROM mine GROUP BY source_id),
        segments AS (SELECT source_id, COUNT(*) AS n FROM segment GROUP BY source_id)
        SELECT s.id, s.name, s.kind, i.name, i.role,
            COALESCE(segments.n, 0), COALESCE(coded.n, 0), COALESCE(applied.n, 0)
        FROM source s LEFT JOIN informant i ON i.id = s.informant_id
            LEFT JOIN segments ON segments.source_id = s.id
            LEFT JOIN coded ON coded.source_id = s.id
            LEFT JOIN applied ON applied.source_id = s.id
        ORDER BY COALESCE(i.role, ''), COALESCE(i.name, ''), s.name
        """
    )
    params = {"coder": coder} if coder is not None else {}
    return [SourceRow(*row) for row in session.connection().execute(sql, params)]


@dataclass
class CodeRow:
    id: int
    path: str
    name: str
    parent_id: int | None
    color: str | None
    shortcut: str | None
    brief: str
    definition: str
    when_to_use: str
    when_not_to_use: str
    example: str
    keywords: tuple[str, ...]
    codable: bool

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1


def code_rows(session: Session) -> list[CodeRow]:
    sql = text(
        "SELECT id, path, name, parent_id, color, shortcut, brief, definition, when_to_use, "
        "when_not_to_use, example, keywords, codable FROM code ORDER BY position, path"
    )
    out = []
    for r in session.connection().execute(sql):
        values = list(r)
        values[11] = tuple(json.loads(values[11] or "[]"))
        values[12] = bool(values[12])
        out.append(CodeRow(*values))
    return out


@dataclass
class SegmentRow:
    id: int
    ordinal: int
    start: int
    end: int
    speaker: str | None
    timestamp: str | None
    codings: list[CodingRef] = field(default_factory=list)


@dataclass(frozen=True)
class CodingRef:
    id: int
    code_id: int
    coder: str
    start: int
    end: int
    magnitude: int | None
    memo: str | None


class SegmentTable:
    """A source's segments as columns: 20,000 segments load without 20,000 objects.

    ``table[i]`` builds the SegmentRow of segment ``i`` (0-based) when one is wanted.
    """

    def __init__(self, rows: list[Any]) -> None:
        columns = list(zip(*rows, strict=True)) if rows else [()] * 6
        self.ids: list[int] = list(columns[0])
        self.ordinals: list[int] = list(columns[1])
        self.starts: list[int] = list(columns[2])
        self.ends: list[int] = list(columns[3])
        self.speakers: list[str | None] = list(columns[4])
        self.timestamps: list[str | None] = list(columns[5])

    def __len__(self) -> int:
        return len(self.ids)

    def __bool__(self) -> bool:
        return bool(self.ids)

    def __getitem__(self, i: int) -> SegmentRow:
        return SegmentRow(
            self.ids[i],
            self.ordinals[i],
            self.starts[i],
            self.ends[i],
            self.speakers[i],
            self.timestamps[i],
        )

    def index_of_ordinal(self, ordinal: int) -> int | None:
        try:
            return self.ordinals.index(ordinal)
        except ValueError:
            return None

    def index_at(self, offset: int) -> int | None:
        """The segment containing text offset ``offset``, if any."""
        from bisect import bisect_right

        i = bisect_right(self.starts, offset) - 1
        return i if i >= 0 and offset < self.ends[i] else None


def segments_of(session: Session, source_id: int) -> SegmentTable:
    sql = text(
        'SELECT id, ordinal, start, "end", speaker, timestamp FROM segment '
        f"WHERE source_id = {int(source_id)} ORDER BY ordinal"
    )
    # The DB-API cursor directly: SQLAlchemy's row objects cost ~7 µs each, 0.15 s for 20,000.
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql.text)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return SegmentTable(list(rows))


def codings_of(session: Session, source_id: int, coder: str | None = None) -> list[CodingRef]:
    """The codings on a source (only ``coder``'s when given), ordered by position."""
    sql = (
        'SELECT cd.id, cd.code_id, c.name, cd.start, cd."end", cd.magnitude, cd.memo '
        "FROM coding cd JOIN coder c ON c.id = cd.coder_id WHERE cd.source_id = :s"
    )
    params: dict[str, object] = {"s": source_id}
    if coder is not None:
        sql += " AND c.name = :coder"
        params["coder"] = coder
    sql += ' ORDER BY cd.start, cd."end", cd.id'
    return [CodingRef(*r) for r in session.connection().execute(text(sql), params)]
