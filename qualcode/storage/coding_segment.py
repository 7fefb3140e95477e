"""``coding.segment_id``: the first segment each coding overlaps, and ``coding.multi_segment``:
whether it overlaps more; both kept right by the database.

The segment of a coding is the segment of its source that holds the coding's start (the one with
the greatest start at or before it, if that one ends after it); for a coding that starts in a gap
between segments, the first segment after its start, if the coding reaches it; otherwise NULL (a
span over no segment). Displays count the segments codings overlap from it, instead of searching
for each coding's segments at every read.

Triggers compute it, so that every write path keeps it right without knowing about it: the
coding app's actions and their undo, the CSV and REFI-QDA imports, raw SQL. A coding's value is
computed when it is inserted or its source, start or end change; and when a segment is inserted,
deleted or moved (a corrected transcript re-creates its segments), the codings whose value can
change are computed again: those starting between the segments on either side of it. Every
lookup is an index seek on ``ix_segment_source_start``, never a scan of a source's segments.
Segments of a source do not overlap (segmentation cuts the text into consecutive pieces).

``multi_segment`` is 1 when a segment other than the first starts inside the coding's span (so the
coding reaches into it), else 0. It depends on the first segment and the one after it: a changed
segment changes it for the codings overlapping the stretch from the segment before it to the
segment after it, which are computed again. Displays and agreement look up the further segments
of these few codings only (a partial index holds them), instead of comparing every coding with
its first segment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

# Larger than any offset; the upper bound of "codings starting before the next segment" when the
# segment is the last one (a plain SQL literal, the same for SQLite and PostgreSQL).
_NO_END = "9223372036854775807"


def segment_of(source: str, start: str, end: str) -> str:
    """SQL for the segment id of a coding whose source, start and end are given as SQL."""
    return f"""COALESCE(
        (SELECT CASE WHEN g."end" > {start} THEN g.id END FROM segment g
         WHERE g.source_id = {source} AND g.start <= {start}
         ORDER BY g.start DESC LIMIT 1),
        (SELECT g.id FROM segment g
         WHERE g.source_id = {source} AND g.start > {start} AND g.start < {end}
         ORDER BY g.start LIMIT 1))"""


def multi_segment_of(source: str, start: str, end: str, segment: str) -> str:
    """SQL (0 or 1) for whether a coding whose source, start, end and first segment are given as
    SQL overlaps another segment: one starting inside its span that is not its first."""
    return f"""CASE WHEN EXISTS (SELECT 1 FROM segment g
         WHERE g.source_id = {source} AND g.start > {start} AND g.start < {end}
           AND g.id <> COALESCE({segment}, -1)) THEN 1 ELSE 0 END"""


_CODING = segment_of("coding.source_id", "coding.start", 'coding."end"')
_CODING_MULTI = multi_segment_of(
    "coding.source_id", "coding.start", 'coding."end"', "coding.segment_id"
)


def _recompute_around(row: str) -> str:
    """SQL that recomputes the codings a change of segment ``row`` (``NEW`` or ``OLD``) can
    change, as the segments are after the change. Their segment: the codings of its source
    starting from the previous segment's start up to the next segment's start. Then, from it,
    whether they reach further: the codings overlapping that stretch, which adds those whose
    first segment is the previous one but which start in the gap before it."""
    previous_start = f"""COALESCE(
              (SELECT g.start FROM segment g WHERE g.source_id = {row}.source_id
                 AND g.start < {row}.start ORDER BY g.start DESC LIMIT 1), 0)"""
    next_start = f"""COALESCE(
              (SELECT g.start FROM segment g WHERE g.source_id = {row}.source_id
                 AND g.start > {row}.start ORDER BY g.start LIMIT 1), {_NO_END})"""
    return f"""UPDATE coding SET segment_id = {_CODING}
        WHERE coding.source_id = {row}.source_id
          AND coding.start >= {previous_start} AND coding.start < {next_start};
        UPDATE coding SET multi_segment = {_CODING_MULTI}
        WHERE coding.source_id = {row}.source_id
          AND coding."end" > {previous_start} AND coding.start < {next_start}"""


def backfill(conn: Connection) -> None:
    """Compute the segment of every coding (for a project made before the column existed)."""
    conn.exec_driver_sql(f"UPDATE coding SET segment_id = {_CODING}")


def backfill_multi_segment(conn: Connection) -> None:
    """Compute ``multi_segment`` of every coding from its segment (migration 8)."""
    conn.exec_driver_sql(f"UPDATE coding SET multi_segment = {_CODING_MULTI}")


# The SQLite triggers: name -> (when it fires, the segment rows whose neighbourhood is computed
# again; None: the coding written). Migration 8 replaces them (they gained multi_segment).
_SQLITE_TRIGGERS = {
    "coding_segment_insert": ("AFTER INSERT ON coding", None),
    "coding_segment_update": ('AFTER UPDATE OF source_id, start, "end" ON coding', None),
    "segment_codings_insert": ("AFTER INSERT ON segment", ("NEW",)),
    "segment_codings_delete": ("AFTER DELETE ON segment", ("OLD",)),
    "segment_codings_update": (
        'AFTER UPDATE OF source_id, start, "end" ON segment',
        ("OLD", "NEW"),
    ),
}
SQLITE_TRIGGERS = tuple(_SQLITE_TRIGGERS)


def install_triggers(conn: Connection) -> None:
    """Create (or replace) the triggers; for new projects and by migration 4."""
    if conn.dialect.name == "sqlite":
        _sqlite_triggers(conn)
    elif conn.dialect.name == "postgresql":
        _postgresql_triggers(conn)


def _sqlite_triggers(conn: Connection) -> None:
    new_segment = segment_of("NEW.source_id", "NEW.start", 'NEW."end"')
    for name, (when, rows) in _SQLITE_TRIGGERS.items():
        if rows is None:  # a coding written: compute its own segment, then from it the rest
            body = (
                f"UPDATE coding SET segment_id = {new_segment} WHERE id = NEW.id; "
                f"UPDATE coding SET multi_segment = {_CODING_MULTI} WHERE id = NEW.id;"
            )
        else:
            body = " ".join(f"{_recompute_around(row)};" for row in rows)
        conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {name} {when} BEGIN {body} END")


@contextmanager
def writing_new_sources(conn: Connection) -> Iterator[None]:
    """For a block that inserts segments of sources created in the same transaction only.

    Such segments have no codings to keep in step, yet on SQLite the insert trigger runs a
    sub-program for every segment row, 40 % of an import's segment write. On SQLite it is
    dropped for the block and made again from its own stored SQL at the end; the DDL is part of
    the transaction, so a rollback puts it back too, and other connections never see the
    project without it (they read the schema again once, after the commit). On PostgreSQL
    nothing changes: dropping a trigger there locks the table against readers for the whole
    block.
    """
    stored = None
    if conn.dialect.name == "sqlite":
        stored = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name = 'segment_codings_insert'"
        ).scalar()
    if stored is not None:
        conn.exec_driver_sql("DROP TRIGGER segment_codings_insert")
    try:
        yield
    finally:
        # After some errors (I/O, out of memory) SQLite rolls the transaction back by itself,
        # which has put the trigger back: making it again would fail and hide that error.
        if stored is not None and getattr(conn.connection.dbapi_connection, "in_transaction", True):
            conn.exec_driver_sql(stored)


def _postgresql_triggers(conn: Connection) -> None:
    # A BEFORE trigger sets the coding's own row as it is written (no second write, and
    # RETURNING shows the value); segment changes recompute the codings after the fact.
    new_segment = segment_of("NEW.source_id", "NEW.start", 'NEW."end"')
    new_multi = multi_segment_of("NEW.source_id", "NEW.start", 'NEW."end"', "NEW.segment_id")
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION coding_segment_id() RETURNS trigger AS $$ "
        f"BEGIN NEW.segment_id := {new_segment}; NEW.multi_segment := {new_multi}; "
        "RETURN NEW; END; $$ LANGUAGE plpgsql"
    )
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS coding_segment_id ON coding")
    conn.exec_driver_sql(
        'CREATE TRIGGER coding_segment_id BEFORE INSERT OR UPDATE OF source_id, start, "end" '
        "ON coding FOR EACH ROW EXECUTE FUNCTION coding_segment_id()"
    )
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION segment_codings() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_recompute_around('OLD')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_recompute_around('NEW')}; END IF; "
        "RETURN NULL; END; $$ LANGUAGE plpgsql"
    )
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS segment_codings ON segment")
    conn.exec_driver_sql(
        "CREATE TRIGGER segment_codings AFTER INSERT OR DELETE "
        'OR UPDATE OF source_id, start, "end" ON segment '
        "FOR EACH ROW EXECUTE FUNCTION segment_codings()"
    )
