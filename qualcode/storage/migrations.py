"""Ordered, named schema migrations, recorded in the ``schema_migration`` table.

A new project gets the current tables from the models and is stamped with every migration. An
existing project gets the migrations it lacks, in order, each in its own transaction. To change
the schema: edit ``models.py``, append a migration below that brings an older project to the same
shape, and keep the older project file under ``tests/`` opening (see tests/storage). What the
models do not describe (triggers) a migration installs for older projects and ``create_schema``
for new ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from qualcode.core.errors import QualcodeError
from qualcode.storage import coding_segment


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


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", _initial_schema),
    Migration(2, "undo history of coding actions", _undo_history),
    Migration(3, "cell summaries and conclusions", _displays_and_conclusions),
    Migration(4, "segment of each coding, kept by triggers", _coding_segment),
    Migration(
        5, "suggestion rejections, source revisions, codings to review", _suggestions_and_revisions
    ),
    Migration(6, "memo kind: analytic or review", _memo_kind),
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
    for m in pending:
        # Under the write lock, checked again: another process opening the same project at
        # the same moment may have applied it while we waited.
        with engine.execution_options(qualcode_write=True).begin() as conn:
            if m.id in applied_migrations(conn):
                continue
            m.apply(conn)
            conn.execute(
                text("INSERT INTO schema_migration (id, name, applied_at) VALUES (:i, :n, :t)"),
                {"i": m.id, "n": m.name, "t": models.utcnow()},
            )
    return pending
