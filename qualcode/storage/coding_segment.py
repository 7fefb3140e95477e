"""``coding.segment_id``: the first segment each coding overlaps, kept right by the database.

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
"""

from __future__ import annotations

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


_CODING = segment_of("coding.source_id", "coding.start", 'coding."end"')


def _recompute_around(row: str) -> str:
    """SQL that recomputes the codings whose segment a change of segment ``row`` (``NEW`` or
    ``OLD``) can change: those of its source starting from the previous segment's start up to the
    next segment's start (as the segments are after the change)."""
    return f"""UPDATE coding SET segment_id = {_CODING}
        WHERE coding.source_id = {row}.source_id
          AND coding.start >= COALESCE(
              (SELECT g.start FROM segment g WHERE g.source_id = {row}.source_id
                 AND g.start < {row}.start ORDER BY g.start DESC LIMIT 1), 0)
          AND coding.start < COALESCE(
              (SELECT g.start FROM segment g WHERE g.source_id = {row}.source_id
                 AND g.start > {row}.start ORDER BY g.start LIMIT 1), {_NO_END})"""


def backfill(conn: Connection) -> None:
    """Compute the segment of every coding (for a project made before the column existed)."""
    conn.exec_driver_sql(f"UPDATE coding SET segment_id = {_CODING}")


def install_triggers(conn: Connection) -> None:
    """Create (or replace) the triggers; for new projects and by migration 4."""
    if conn.dialect.name == "sqlite":
        _sqlite_triggers(conn)
    elif conn.dialect.name == "postgresql":
        _postgresql_triggers(conn)


def _sqlite_triggers(conn: Connection) -> None:
    new_segment = segment_of("NEW.source_id", "NEW.start", 'NEW."end"')
    triggers = {
        "coding_segment_insert": ("AFTER INSERT ON coding", None),
        "coding_segment_update": ('AFTER UPDATE OF source_id, start, "end" ON coding', None),
        "segment_codings_insert": ("AFTER INSERT ON segment", ("NEW",)),
        "segment_codings_delete": ("AFTER DELETE ON segment", ("OLD",)),
        "segment_codings_update": (
            'AFTER UPDATE OF source_id, start, "end" ON segment',
            ("OLD", "NEW"),
        ),
    }
    for name, (when, rows) in triggers.items():
        if rows is None:  # a coding written: compute its own segment
            body = f"UPDATE coding SET segment_id = {new_segment} WHERE id = NEW.id;"
        else:
            body = " ".join(f"{_recompute_around(row)};" for row in rows)
        conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {name} {when} BEGIN {body} END")


def _postgresql_triggers(conn: Connection) -> None:
    # A BEFORE trigger sets the coding's own row as it is written (no second write, and
    # RETURNING shows the value); segment changes recompute the codings after the fact.
    new_segment = segment_of("NEW.source_id", "NEW.start", 'NEW."end"')
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION coding_segment_id() RETURNS trigger AS $$ "
        f"BEGIN NEW.segment_id := {new_segment}; RETURN NEW; END; $$ LANGUAGE plpgsql"
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
