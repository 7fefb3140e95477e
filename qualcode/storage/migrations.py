"""Ordered, named schema migrations, recorded in the ``schema_migration`` table.

A new project gets the current tables from the models and is stamped with every migration. An
existing project gets the migrations it lacks, in order, each in its own transaction. To change
the schema: edit ``models.py``, append a migration below that brings an older project to the same
shape, and keep the older project file under ``tests/`` opening (see tests/storage). What the
models do not describe (triggers) a migration installs for older projects and ``create_schema``
for new ones.

Before the first pending migration of a SQLite project, a copy of it is made with the online
backup API into ``<project>.backups/`` (the 3 most recent such copies are kept; see
storage/backup.py), so that a migration that goes wrong for some project costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable
from sqlmodel import SQLModel

from qualcode.core.errors import QualcodeError
from qualcode.storage import coding_segment
from qualcode.storage.backup import backup_before_migration
from qualcode.storage.db import is_url


class _Models:
    """``qualcode.storage.models``, imported on first use. Defining the SQLModel tables is the
    largest part of a command's start-up (a quarter of a second), and opening a project that is
    up to date needs none of them: only creating or upgrading one does (``load``)."""

    def load(self) -> ModuleType:
        from qualcode.storage import models as module  # registers the tables on the metadata

        return module

    def __getattr__(self, name: str) -> Any:
        return getattr(self.load(), name)


models = _Models()


@dataclass(frozen=True)
class Migration:
    id: int
    name: str
    apply: Callable[[Connection], None]


def _audit_log_append_only(conn: Connection) -> None:
    """The audit log is append-only: the database itself refuses UPDATE and DELETE on it."""
    if conn.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{verb.lower()} "
                f"BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION audit_log_refuse() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql"
        )
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        conn.exec_driver_sql(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse()"
        )


def _initial_schema(conn: Connection) -> None:
    models.load()
    SQLModel.metadata.create_all(conn)
    _audit_log_append_only(conn)


def _undo_history(conn: Connection) -> None:
    models.CodingAction.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


def _displays_and_conclusions(conn: Connection) -> None:
    for model in (
        models.CellSummary,
        models.Conclusion,
        models.ConclusionCode,
        models.ConclusionCoding,
    ):
        model.__table__.create(conn, checkfirst=True)  # type: ignore[union-attr]


def _coding_segment(conn: Connection) -> None:
    """``coding.segment_id``, computed for the codings there are, then kept by triggers."""
    if "segment_id" not in {c["name"] for c in inspect(conn).get_columns("coding")}:
        conn.exec_driver_sql("ALTER TABLE coding ADD COLUMN segment_id INTEGER")
    coding_segment.backfill(conn)  # before the index: one index build instead of 1 update each
    table = models.Coding.__table__  # type: ignore[attr-defined]
    next(i for i in table.indexes if i.name == "ix_coding_segment").create(conn, checkfirst=True)
    coding_segment.install_triggers(conn)


def _suggestions_and_revisions(conn: Connection) -> None:
    """Rejected suggestions, source text history (``source replace``), codings to review."""
    for model in (models.SuggestionRejection, models.SourceRevision, models.CodingReview):
        model.__table__.create(conn, checkfirst=True)  # type: ignore[union-attr]


def _memo_kind(conn: Connection) -> None:
    """``memo.kind``: analytic (the researcher's) or review (a supervisor's, from review mode).
    Plain DDL that SQLite and PostgreSQL both accept; existing memos are analytic."""
    if "kind" not in {c["name"] for c in inspect(conn).get_columns("memo")}:
        conn.exec_driver_sql(
            "ALTER TABLE memo ADD COLUMN kind VARCHAR DEFAULT 'analytic' NOT NULL "
            "CONSTRAINT memo_kind CHECK (kind IN ('analytic', 'review'))"
        )


# Where a coding id is kept after its coding is gone: the highest of them is the least a new
# coding's id must exceed (besides the codings there are).
_CODING_IDS_MENTIONED = (
    "SELECT MAX(coding_id) FROM coding_action",
    "SELECT MAX(entity_id) FROM audit_log WHERE entity = 'coding'",
    "SELECT MAX(target_id) FROM memo WHERE target = 'coding'",
    "SELECT MAX(coding_id) FROM conclusion_coding",
    "SELECT MAX(coding_id) FROM coding_review",
)


def _coding_ids_never_reused(conn: Connection) -> None:
    """``coding.id`` AUTOINCREMENT on SQLite: the id of a deleted coding is never handed out again.

    Without it SQLite gives the highest id, once its coding is deleted, to the next new coding,
    and the undo history, audit log entries, memos on codings and conclusion links that name the
    deleted one then name an unrelated coding. SQLite cannot add AUTOINCREMENT to a table, so the
    table is rebuilt by SQLite's procedure for schema changes (https://sqlite.org/lang_altertable.html,
    "other kinds of table schema changes"): foreign keys are off for the transaction (``upgrade``
    turns them off before it begins and checks them before it commits), a new table is made from
    the model, the rows are copied, the old table dropped and the new one renamed; then the
    indexes, and the triggers and views that name the table, are made again. The sequence starts
    at the highest coding id ever used, as far as the project remembers it.

    PostgreSQL's sequences never hand an id out twice: nothing to do there.
    """
    if conn.dialect.name != "sqlite":
        return
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        # Dropping ``coding`` with foreign keys on would delete the rows of every table whose
        # foreign key cascades from it (conclusion links, codings to review).
        raise QualcodeError("internal error: the coding table rebuild needs foreign keys off")
    table = models.Coding.__table__  # type: ignore[attr-defined]
    # Triggers and views naming coding: those on the table go with it, those on other tables
    # (segment's) would make the rename fail while coding is missing. Made again from their SQL.
    dependents = conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view') "
        "AND sql IS NOT NULL AND (tbl_name = 'coding' OR sql LIKE '%coding%') ORDER BY rowid"
    ).all()
    for kind, name, _sql in dependents:
        conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    # The copy lives beside copies of the tables its foreign keys name, for its DDL to compile.
    metadata = MetaData()
    for other in SQLModel.metadata.sorted_tables:
        other.to_metadata(metadata)
    new = table.to_metadata(metadata, name="coding_rebuilt")
    conn.execute(CreateTable(new))  # the table only: index names are taken until the drop
    # The columns the old table has (a later migration adds the model's newer ones: 8's
    # multi_segment).
    had = {c["name"] for c in inspect(conn).get_columns("coding")}
    columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name in had)
    conn.exec_driver_sql(f"INSERT INTO coding_rebuilt ({columns}) SELECT {columns} FROM coding")
    conn.exec_driver_sql("DROP TABLE coding")
    conn.exec_driver_sql("ALTER TABLE coding_rebuilt RENAME TO coding")
    for index in table.indexes:
        index.create(conn)
    for _kind, _name, sql in dependents:
        conn.exec_driver_sql(sql)
    highest = max(
        [conn.exec_driver_sql("SELECT MAX(id) FROM coding").scalar() or 0]
        + [conn.exec_driver_sql(q).scalar() or 0 for q in _CODING_IDS_MENTIONED]
    )
    # The copy left a row for the table if it had rows (an empty one has none): replaced.
    conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name IN ('coding', 'coding_rebuilt')")
    conn.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('coding', ?)", (highest,))


def _coding_aggregates(conn: Connection) -> None:
    """What displays, triangulation and agreement read at scale, kept in the coding table:
    ``ix_coding_segment`` gains the magnitude (the per (source, code) aggregates then read the
    index alone), and ``coding.multi_segment`` marks the few codings that reach beyond their
    first segment (computed here, then kept by the triggers, which are made again; a partial
    index holds them). At 1,000,000 codings each halves a display's or triangulation's time."""
    if "multi_segment" not in {c["name"] for c in inspect(conn).get_columns("coding")}:
        conn.exec_driver_sql("ALTER TABLE coding ADD COLUMN multi_segment INTEGER")
    coding_segment.backfill_multi_segment(conn)
    if conn.dialect.name == "sqlite":
        for name in coding_segment.SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    coding_segment.install_triggers(conn)
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_coding_segment")
    table = models.Coding.__table__  # type: ignore[attr-defined]
    for index in table.indexes:
        if index.name in ("ix_coding_segment", "ix_coding_multi_segment"):
            index.create(conn, checkfirst=True)


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", _initial_schema),
    Migration(2, "undo history of coding actions", _undo_history),
    Migration(3, "cell summaries and conclusions", _displays_and_conclusions),
    Migration(4, "segment of each coding, kept by triggers", _coding_segment),
    Migration(
        5, "suggestion rejections, source revisions, codings to review", _suggestions_and_revisions
    ),
    Migration(6, "memo kind: analytic or review", _memo_kind),
    Migration(7, "coding ids never reused", _coding_ids_never_reused),
    Migration(8, "coding index and marks for aggregates at scale", _coding_aggregates),
]
SCHEMA_VERSION = MIGRATIONS[-1].id


def applied_migrations(conn: Connection) -> list[int]:
    if not inspect(conn).has_table("schema_migration"):
        return []
    return [row[0] for row in conn.execute(text("SELECT id FROM schema_migration ORDER BY id"))]


def is_project(conn: Connection) -> bool:
    return inspect(conn).has_table("schema_migration")


def create_schema(engine: Engine) -> None:
    """Create the current schema in an empty database and record every migration as applied."""
    models.load()
    with engine.begin() as conn:
        SQLModel.metadata.create_all(conn)
        _audit_log_append_only(conn)
        coding_segment.install_triggers(conn)
        for m in MIGRATIONS:
            conn.execute(
                text("INSERT INTO schema_migration (id, name, applied_at) VALUES (:i, :n, :t)"),
                {"i": m.id, "n": m.name, "t": models.utcnow()},
            )


def refuse_newer(engine: Engine, location: str) -> list[int]:
    """The migrations applied to the project; QualcodeError if a newer qualcode wrote it."""
    with engine.connect() as conn:
        done = applied_migrations(conn)
    known = {m.id for m in MIGRATIONS}
    unknown = [i for i in done if i not in known]
    if unknown:
        raise QualcodeError(
            f"{location}: this project was written by a newer qualcode (schema version "
            f"{max(done)}, this qualcode knows up to {SCHEMA_VERSION}); upgrade qualcode to open it"
        )
    return done


def upgrade(engine: Engine, location: str) -> list[Migration]:
    """Apply the migrations this project lacks; return them. Refuse a project from the future."""
    done = refuse_newer(engine, location)
    pending = [m for m in MIGRATIONS if m.id not in done]
    if pending:
        models.load()  # every table registered before any migration runs
    if pending and engine.dialect.name == "sqlite" and not is_url(location):
        # A copy of the project as it was, in case a migration turns out wrong for it.
        backup_before_migration(location, SCHEMA_VERSION)
    for m in pending:
        with _foreign_keys_off(engine) as connection, connection.begin():
            # Under the write lock, checked again: another process opening the same project at
            # the same moment may have applied it while we waited.
            if m.id in applied_migrations(connection):
                continue
            m.apply(connection)
            _check_foreign_keys(connection, location, m)
            connection.execute(
                text("INSERT INTO schema_migration (id, name, applied_at) VALUES (:i, :n, :t)"),
                {"i": m.id, "n": m.name, "t": models.utcnow()},
            )
    return pending


@contextmanager
def _foreign_keys_off(engine: Engine) -> Iterator[Connection]:
    """A write connection that, on SQLite, has foreign keys off until it is given back.

    SQLite's procedure for changing a table's schema (https://sqlite.org/lang_altertable.html)
    turns foreign key enforcement off before the transaction and on after it: ``PRAGMA
    foreign_keys`` does nothing inside a transaction, and with it on, dropping a table deletes
    the rows that cascade from it. :func:`_check_foreign_keys` checks them before the commit
    instead. On PostgreSQL, a plain write connection (its migrations rebuild no table).
    """
    with engine.execution_options(qualcode_write=True).connect() as connection:
        if engine.dialect.name != "sqlite":
            yield connection
            return
        # On the driver's connection, which has no transaction yet (pysqlite begins none
        # itself, see db.py): through SQLAlchemy the statement would begin one first.
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            yield connection
        finally:
            if connection.in_transaction():  # an error inside: rolled back before turning on
                connection.rollback()
            raw.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def _check_foreign_keys(conn: Connection, location: str, m: Migration) -> None:
    """Refuse to commit a SQLite migration that left a row whose foreign key names nothing."""
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise QualcodeError(
            f"{location}: schema migration {m.id} ({m.name}) stopped, nothing changed: "
            f"{len(broken)} rows would name missing rows (first: {table} row {rowid} -> {parent})"
        )
