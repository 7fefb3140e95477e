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

    A coded segment is one a coding overlaps: the coding's first segment (``coding.segment_id``,
    counted per source in the order of the coding index) and, for the few codings marked as
    reaching further (``coding.multi_segment``), the segments starting inside them (see
    storage/coding_segment.py); the sources holding such codings are counted again with those.
    Comparing every segment with every coding of its source instead took 27 s at 1,000,000
    codings, before the app's first frame."""
    conn = session.connection()
    mine = "JOIN coder k ON k.id = cd.coder_id AND k.name = :coder" if coder is not None else ""
    params = {"coder": coder} if coder is not None else {}
    coded: dict[int, int] = {}
    applied: dict[int, int] = {}
    first = f"SELECT cd.source_id, COUNT(DISTINCT cd.segment_id), COUNT(*) FROM coding cd {mine}"
    for source_id, segments, codings in conn.execute(
        text(f"{first} GROUP BY cd.source_id"), params
    ):
        coded[source_id], applied[source_id] = segments, codings
    reaching = f"SELECT cd.source_id FROM coding cd {mine} WHERE cd.multi_segment = 1"
    if conn.execute(text(f"{reaching} LIMIT 1"), params).first() is not None:
        sql = f"""
            SELECT source_id, COUNT(*) FROM (
                SELECT cd.source_id, cd.segment_id AS gid FROM coding cd {mine}
                WHERE cd.segment_id IS NOT NULL AND cd.source_id IN ({reaching})
                UNION
                SELECT cd.source_id, g.id FROM coding cd {mine}
                JOIN segment g ON g.source_id = cd.source_id
                    AND g.start > cd.start AND g.start < cd."end"
                WHERE cd.multi_segment = 1
            ) touched GROUP BY source_id"""
        coded.update((r[0], r[1]) for r in conn.execute(text(sql), params))
    rows = conn.execute(
        text(
            """
            SELECT s.id, s.name, s.kind, i.name, i.role, COALESCE(g.n, 0)
            FROM source s LEFT JOIN informant i ON i.id = s.informant_id
                LEFT JOIN (SELECT source_id, COUNT(*) AS n FROM segment GROUP BY source_id) g
                    ON g.source_id = s.id
            ORDER BY COALESCE(i.role, ''), COALESCE(i.name, ''), s.name
            """
        )
    )
    return [
        SourceRow(id_, name, kind, informant, role, n, coded.get(id_, 0), applied.get(id_, 0))
        for id_, name, kind, informant, role, n in rows
    ]


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
