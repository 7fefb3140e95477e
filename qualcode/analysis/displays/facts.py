"""The SQL aggregates every display is built from, per source and code column.

Each query groups the codings in the database (GROUP BY) and returns one row per source and
column (and, for timestamp bins, per segment timestamp): at most a few thousand rows, whatever the
number of codings. Displays then add these per-source facts up to their own rows (informants,
roles, dates, kinds), which is exact because a segment belongs to exactly one source.

The code -> column map goes into the SQL as a ``VALUES`` list of integers, so the statements are
plain SQL for SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from qualcode.analysis.displays.scope import Scope

# A key for per-source facts: (source_id, column) or (source_id, timestamp, column).
FactKey = tuple[Any, ...]


@dataclass(frozen=True)
class Quote:
    """A coded excerpt: one distinct span of a source coded with the column's code(s)."""

    source_id: int
    start: int
    end: int
    text: str
    ordinal: int | None  # the segment the excerpt starts in (or, from a gap, the next one)
    timestamp: str | None
    has_memo: bool
    strength: int  # the largest |magnitude| among the codings of this span
    coding_id: int  # the first coding of this span (for drill-down)

    def rank_key(self, source_name: str) -> tuple[object, ...]:
        """Most telling first: a memo, then the strongest |magnitude|, then the longest, then
        position (source name, offset). docs/displays.md states the rule."""
        return (
            not self.has_memo,
            -self.strength,
            -(self.end - self.start),
            source_name,
            self.start,
            self.coding_id,
        )


def _ints(values: object) -> str:
    return ", ".join(str(int(v)) for v in values)  # type: ignore[attr-defined]


def _colmap(scope: Scope) -> str:
    pairs = ", ".join(f"({int(cid)}, {int(col)})" for cid, col in sorted(scope.column_of.items()))
    return f"colmap(code_id, col) AS (VALUES {pairs})"


def _where(scope: Scope, sources: bool = True) -> str:
    """The filters on ``coding cd``: coders and (unless ``sources`` is false) sources."""
    parts = ["1 = 1"]
    if scope.coder_ids is not None:
        parts.append(f"cd.coder_id IN ({_ints(scope.coder_ids)})")
    if sources and scope.sources_filtered:
        ids = [s.id for s in scope.sources]
        parts.append(f"cd.source_id IN ({_ints(ids)})" if ids else "1 = 0")
    return " AND ".join(parts)


def _code_join(scope: Scope) -> str:
    """Join ``coding cd`` to the code -> column map ``m``.

    When the columns cover most of the codebook, reading the codings in the order of the (source,
    code, coder, start, end) index and looking each code up in the small map is far cheaper than
    one index range per code: the unary + keeps SQLite's planner off the code index (a no-op for
    PostgreSQL). A narrow selection of codes is better served by the code index.
    """
    code = "+cd.code_id" if 2 * len(scope.column_of) >= len(scope.codes) else "cd.code_id"
    return f"JOIN colmap m ON m.code_id = {code}"


# Every coding knows its first segment (``coding.segment_id``) and whether it reaches into more
# (``coding.multi_segment``), both kept by the database (see storage/coding_segment.py); only
# those few, found by their partial index, are looked at again: their further segments are the
# ones starting inside their span, other than the first, found by a range of the segment index.
# Segments of a source do not overlap, so these are all the segments a coding overlaps.
def _overlapped_segments(scope: Scope, select: str) -> str:
    """``SELECT {select}`` for every coding ``cd`` (of column ``m``, within the filters) and
    segment ``g`` it overlaps."""
    return f"""
        SELECT {select}
        FROM coding cd {_code_join(scope)} JOIN segment g ON g.id = cd.segment_id
        WHERE {_where(scope)}
        UNION ALL
        {_further_segments(scope, select)}
    """


def _further_segments(scope: Scope, select: str) -> str:
    """``SELECT {select}`` for every coding ``cd`` and segment ``g`` it overlaps after its
    first."""
    return f"""
        SELECT {select}
        FROM coding cd {_code_join(scope)}
        JOIN segment g ON g.source_id = cd.source_id
            AND g.start > cd.start AND g.start < cd."end" AND g.id <> cd.segment_id
        WHERE cd.multi_segment = 1 AND {_where(scope)}
    """


_START_TIMESTAMP = """(SELECT x.timestamp FROM segment x
    WHERE x.source_id = cd.source_id AND x.start <= cd.start ORDER BY x.start DESC LIMIT 1)"""


def segment_counts(
    conn: Connection, scope: Scope, by_timestamp: bool = False
) -> dict[FactKey, int]:
    """Distinct segments overlapping a coding of each column, per source (and timestamp)."""
    if by_timestamp or conn.dialect.name != "sqlite":
        sql = _grouped_segment_counts(scope, by_timestamp)
    else:
        # Whether any coding reaches beyond its first segment: one probe of the partial index.
        # Without any, each cell counts its first segments alone (no union per cell).
        reaching = conn.execute(text("SELECT 1 FROM coding WHERE multi_segment = 1 LIMIT 1"))
        sql = _per_cell_segment_counts(scope, further=reaching.first() is not None)
    rows = conn.execute(text(sql)).fetchall()  # one call to the driver for tens of thousands
    if by_timestamp:
        return {(r[0], r[1], r[2]): int(r[3]) for r in rows if r[3]}
    return {(r[0], r[1]): int(r[2]) for r in rows if r[2]}


def _grouped_segment_counts(scope: Scope, by_timestamp: bool) -> str:
    """One GROUP BY over every (coding, overlapped segment): what a database with hash
    aggregation (PostgreSQL) does best, and the form for counts per segment timestamp."""
    ts = "ts, " if by_timestamp else ""
    select = "cd.source_id, g.timestamp AS ts, m.col, g.id AS gid"
    return f"""
        WITH {_colmap(scope)},
        overlapped AS ({_overlapped_segments(scope, select)})
        SELECT source_id, {ts}col, COUNT(DISTINCT gid)
        FROM overlapped
        GROUP BY source_id, {ts}col
    """


def _per_cell_segment_counts(scope: Scope, further: bool = True) -> str:
    """One count per (source, column), for SQLite: it groups by sorting, and sorting a row per
    coding by (source, column) costs more than the counting. Here each cell reads its codings'
    first segments from the ``(source_id, code_id, coder_id, segment_id)`` index, in index order,
    and adds the further segments of the few codings that have them (computed once, looked up by
    an automatic index), if any coding has them. The sources are filtered once, outside: the
    same list again inside would be searched for every cell. Cells without a segment count 0
    and are dropped."""
    sources = ""
    if scope.sources_filtered:
        ids = [s.id for s in scope.sources]
        sources = f"WHERE s.id IN ({_ints(ids)})" if ids else "WHERE 1 = 0"
    # A cell's codings, by their first segments (read in index order); with further segments,
    # those are added by a union, and the distinct count is over both.
    first = f"""FROM colmap m JOIN coding cd ON cd.source_id = s.id AND cd.code_id = m.code_id
                WHERE m.col = k.col AND {_where(scope, sources=False)}"""
    cell = f"SELECT COUNT(DISTINCT cd.segment_id) {first}"
    ctes = ""
    if further:
        ctes = f""",
        further AS MATERIALIZED (
            {_further_segments(scope, "cd.source_id, m.col, g.id AS gid")}
        )"""
        cell = f"""SELECT COUNT(DISTINCT x.gid) FROM (
                SELECT cd.segment_id AS gid {first}
                UNION ALL
                SELECT e.gid FROM further e WHERE e.source_id = s.id AND e.col = k.col
            ) x"""
    return f"""
        WITH {_colmap(scope)},
        cols AS (SELECT DISTINCT col FROM colmap){ctes}
        SELECT s.id, k.col, ({cell})
        FROM source s CROSS JOIN cols k
        {sources}
    """


def magnitude_sums(
    conn: Connection, scope: Scope, by_timestamp: bool = False
) -> dict[FactKey, tuple[int, int]]:
    """(sum, n) of the magnitudes of the codings of each column, per source (and timestamp)."""
    ts = f"{_START_TIMESTAMP} AS ts, " if by_timestamp else ""
    ts_group = "ts, " if by_timestamp else ""
    sql = f"""
        WITH {_colmap(scope)}
        SELECT cd.source_id, {ts}m.col, SUM(cd.magnitude), COUNT(cd.magnitude)
        FROM coding cd {_code_join(scope)}
        WHERE cd.magnitude IS NOT NULL AND {_where(scope)}
        GROUP BY cd.source_id, {ts_group}m.col
    """
    return {tuple(r[:-2]): (int(r[-2]), int(r[-1])) for r in conn.execute(text(sql))}


def top_quotes(
    conn: Connection, scope: Scope, n: int, by_timestamp: bool = False
) -> dict[FactKey, tuple[list[Quote], int]]:
    """The ``n`` most telling distinct spans of each column per source (and timestamp), with the
    number of distinct spans there are. Identical spans (two coders, or a code and its sub-code
    on the same words) are one excerpt."""
    ts = f"{_START_TIMESTAMP}" if by_timestamp else "NULL"
    part = "source_id, ts, col" if by_timestamp else "source_id, col"
    sql = f"""
        WITH {_colmap(scope)},
        spans AS (
            SELECT cd.source_id, m.col, cd.start, cd."end", {ts} AS ts,
                MAX(CASE WHEN cd.memo IS NOT NULL AND cd.memo <> '' THEN 1 ELSE 0 END) AS memo,
                MAX(ABS(COALESCE(cd.magnitude, 0))) AS strength,
                MIN(cd.id) AS coding_id
            FROM coding cd {_code_join(scope)}
            WHERE {_where(scope)}
            GROUP BY cd.source_id, m.col, cd.start, cd."end"
        ),
        ranked AS (
            SELECT spans.*,
                ROW_NUMBER() OVER (PARTITION BY {part}
                    ORDER BY memo DESC, strength DESC, "end" - start DESC, start, coding_id) AS rk,
                COUNT(*) OVER (PARTITION BY {part}) AS total
            FROM spans
        )
        SELECT r.source_id, r.ts, r.col, r.start, r."end",
            SUBSTR(s.text, r.start + 1, r."end" - r.start),
            COALESCE(
                (SELECT CASE WHEN x."end" > r.start THEN x.ordinal END FROM segment x
                 WHERE x.source_id = r.source_id AND x.start <= r.start
                 ORDER BY x.start DESC LIMIT 1),
                (SELECT x.ordinal FROM segment x WHERE x.source_id = r.source_id
                 AND x.start > r.start ORDER BY x.start LIMIT 1)),
            COALESCE(
                (SELECT CASE WHEN x."end" > r.start THEN x.timestamp END FROM segment x
                 WHERE x.source_id = r.source_id AND x.start <= r.start
                 ORDER BY x.start DESC LIMIT 1),
                (SELECT x.timestamp FROM segment x WHERE x.source_id = r.source_id
                 AND x.start > r.start ORDER BY x.start LIMIT 1)),
            r.memo, r.strength, r.coding_id, r.total
        FROM ranked r JOIN source s ON s.id = r.source_id
        WHERE r.rk <= {int(n)}
        ORDER BY r.source_id, r.col, r.rk
    """
    out: dict[FactKey, tuple[list[Quote], int]] = {}
    for (
        sid,
        ts_value,
        col,
        start,
        end,
        body,
        ordinal,
        stamp,
        memo,
        strength,
        cid,
        total,
    ) in conn.execute(text(sql)):
        key: FactKey = (sid, ts_value, col) if by_timestamp else (sid, col)
        quotes, _ = out.get(key, ([], 0))
        quotes.append(Quote(sid, start, end, body, ordinal, stamp, bool(memo), int(strength), cid))
        out[key] = (quotes, int(total))
    return out


def segment_timestamps(conn: Connection, scope: Scope) -> dict[str | None, int]:
    """How many segments (of the sources in scope) carry each timestamp."""
    where = f"WHERE source_id IN ({_ints(s.id for s in scope.sources)})" if scope.sources else ""
    if not scope.sources:
        return {}
    sql = f"SELECT timestamp, COUNT(*) FROM segment {where} GROUP BY timestamp"
    return {r[0]: int(r[1]) for r in conn.execute(text(sql))}


def uncounted_codings(conn: Connection, scope: Scope) -> dict[int, int]:
    """Codings (within the filters) on selected codes above the columns, which have no column:
    ``{code_id: n}``."""
    if not scope.above:
        return {}
    sql = f"""
        SELECT cd.code_id, COUNT(*) FROM coding cd
        WHERE cd.code_id IN ({_ints(c.id for c in scope.above)}) AND {_where(scope)}
        GROUP BY cd.code_id
    """
    return {int(r[0]): int(r[1]) for r in conn.execute(text(sql))}


def cell_summaries(conn: Connection, display: str) -> dict[tuple[str, str], str]:
    sql = text("SELECT row_key, column_key, text FROM cell_summary WHERE display = :d")
    return {(r[0], r[1]): r[2] for r in conn.execute(sql, {"d": display})}
