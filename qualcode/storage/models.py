"""The project's tables (SQLModel).

Offsets (``start``/``end``) are half-open ranges of Unicode code points into ``Source.text``, the
normalized text stored once at import: ``source.text[start:end]`` is exactly the segment or the
coded span. Free-form data (informant attributes, audit details, code keywords) is stored as JSON
text so that SQLite and PostgreSQL hold it the same way.

Changing a table here needs a migration in ``storage/migrations.py`` (and a bump of
``SCHEMA_VERSION`` there), so that a project file made by an older version still opens.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    FetchedValue,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

SOURCE_KINDS = ("interview", "document", "observation")
MEMO_TARGETS = ("project", "code", "source", "informant", "coding")
#: An analytic memo is the researcher's; a review memo is a supervisor's, left in review mode.
MEMO_KINDS = ("analytic", "review")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Setting(SQLModel, table=True):
    """Project-wide key/value settings (project name, demo flag, magnitude scale, codebook)."""

    key: str = Field(primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))


class SchemaMigration(SQLModel, table=True):
    """One row per applied migration, in order; the highest id is the schema version."""

    __tablename__ = "schema_migration"
    id: int = Field(primary_key=True)
    name: str
    applied_at: datetime = Field(default_factory=utcnow)


class Informant(SQLModel, table=True):
    """A person interviewed. ``role`` is the informant's group (e.g. official, MSME actor)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    pseudonym: str | None = None
    role: str | None = Field(default=None, index=True)
    attributes: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    created_at: datetime = Field(default_factory=utcnow)


class Source(SQLModel, table=True):
    """A transcript (interview), document or observation; its normalized text, stored once."""

    __table_args__ = (
        CheckConstraint("kind IN ('interview', 'document', 'observation')", name="source_kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str = Field(default="interview")
    filename: str | None = None
    sha256: str = Field(unique=True)
    encoding: str | None = None
    segmented_by: str = Field(default="turn")
    text: str = Field(sa_column=Column(Text, nullable=False))
    informant_id: int | None = Field(
        default=None, foreign_key="informant.id", index=True, ondelete="RESTRICT"
    )
    imported_at: datetime = Field(default_factory=utcnow)


class Segment(SQLModel, table=True):
    """A unit of a source (speaker turn, paragraph or sentence); ordinal counts from 1."""

    __table_args__ = (
        UniqueConstraint("source_id", "ordinal"),
        CheckConstraint('start >= 0 AND "end" > start', name="segment_range"),
        Index("ix_segment_source_start", "source_id", "start"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", ondelete="CASCADE")
    ordinal: int
    start: int
    end: int
    speaker: str | None = None
    timestamp: str | None = None


class Code(SQLModel, table=True):
    """An entry of the codebook tree, with the fields of a team codebook (MacQueen et al. 1998)."""

    id: int | None = Field(default=None, primary_key=True)
    guid: str = Field(unique=True)
    parent_id: int | None = Field(
        default=None, foreign_key="code.id", index=True, ondelete="RESTRICT"
    )
    name: str
    path: str = Field(unique=True)
    position: int = 0
    color: str | None = None
    shortcut: str | None = None
    brief: str = ""
    definition: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    when_to_use: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    when_not_to_use: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    example: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    keywords: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    codable: bool = True


class Coder(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class Coding(SQLModel, table=True):
    """A code applied by a coder to ``[start, end)`` of a source.

    ``segment_id`` is the first segment the coding overlaps (the one holding its start or, from a
    gap, the next one if the span reaches it; NULL for a span over no segment). Database triggers
    keep it right on every write of a coding or a segment (see ``storage/coding_segment.py``):
    never set it by hand. It is a plain integer, not a foreign key, because a corrected transcript
    re-creates its segments. Displays count segments by it instead of searching for each coding's
    segment.
    """

    __table_args__ = (
        UniqueConstraint("source_id", "code_id", "coder_id", "start", "end"),
        CheckConstraint('start >= 0 AND "end" > start', name="coding_range"),
        Index("ix_coding_source_start", "source_id", "start"),
        Index("ix_coding_code_coder", "code_id", "coder_id"),
        # With the magnitude, the aggregates of displays and triangulation (counts, magnitude
        # sums, per source and code) read this index alone, in its order: no sort, no row
        # lookups (migration 8).
        Index("ix_coding_segment", "source_id", "code_id", "coder_id", "segment_id", "magnitude"),
        # The few codings over several segments (migration 8).
        Index(
            "ix_coding_multi_segment",
            "source_id",
            sqlite_where=text("multi_segment = 1"),
            postgresql_where=text("multi_segment = 1"),
        ),
        # A deleted coding's id is never given to a new one (SQLite's AUTOINCREMENT; PostgreSQL's
        # sequences never go back): undo history, the audit log, memos on codings and
        # conclusions keep naming codings by id after they are gone. Migration 7 for older
        # projects.
        {"sqlite_autoincrement": True},
    )
    __mapper_args__ = {"eager_defaults": False}  # segment_id: read back after a write, see below
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", ondelete="RESTRICT")
    code_id: int = Field(foreign_key="code.id", ondelete="RESTRICT")
    coder_id: int = Field(foreign_key="coder.id", ondelete="RESTRICT")
    start: int
    end: int
    magnitude: int | None = None
    memo: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Written by the triggers only. FetchedValue keeps it out of the ORM's INSERT and UPDATE and
    # makes the ORM read it back after a write (SQLite's RETURNING would show the value from
    # before the AFTER trigger, hence no eager defaults above).
    segment_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, nullable=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
        ),
    )
    # 1 when the coding reaches beyond its first segment into others; written by the same
    # triggers (NULL only until they run).
    multi_segment: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, nullable=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
        ),
    )


class Memo(SQLModel, table=True):
    """A memo on the project, a code, a source, an informant or a coding.

    ``kind`` tells a researcher's analytic memo from a supervisor's review memo (the one thing
    review mode writes); ``coder_id`` is who wrote it.
    """

    __table_args__ = (
        CheckConstraint(
            "target IN ('project', 'code', 'source', 'informant', 'coding')", name="memo_target"
        ),
        Index("ix_memo_target", "target", "target_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    target: str = "project"
    target_id: int | None = None
    coder_id: int | None = Field(default=None, foreign_key="coder.id", ondelete="RESTRICT")
    title: str = ""
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Same DDL as migration 6 adds to older projects (storage/migrations.py).
    kind: str = Field(
        default="analytic",
        sa_column=Column(
            String,
            CheckConstraint("kind IN ('analytic', 'review')", name="memo_kind"),
            nullable=False,
            default="analytic",
            server_default="analytic",
        ),
    )


class AuditEntry(SQLModel, table=True):
    """Append-only log of every change: who, when, what. Triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str
    action: str = Field(index=True)
    entity: str
    entity_id: int | None = None
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class CodingAction(SQLModel, table=True):
    """One step of a coder's undo history: what a coding was before and after the action.

    ``state`` is ``done`` (undoable), ``undone`` (redoable) or ``discarded`` (an undone step
    overtaken by a new action). Kept in the project so undo survives restarting the app.
    """

    __tablename__ = "coding_action"
    __table_args__ = (Index("ix_coding_action_coder_state", "coder_id", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    coder_id: int = Field(foreign_key="coder.id", ondelete="RESTRICT")
    kind: str  # apply | remove | magnitude | memo
    coding_id: int
    before: str = Field(default="null", sa_column=Column(Text, nullable=False, default="null"))
    after: str = Field(default="null", sa_column=Column(Text, nullable=False, default="null"))
    state: str = "done"
    created_at: datetime = Field(default_factory=utcnow)


class CellSummary(SQLModel, table=True):
    """The researcher's condensed summary for one cell of a data display (Miles & Huberman).

    ``display`` names the matrix (e.g. ``clustered``), ``row_key``/``column_key`` the row label
    (informant or source name) and column label (code path) the summary belongs to.
    """

    __tablename__ = "cell_summary"
    __table_args__ = (UniqueConstraint("display", "row_key", "column_key"),)
    id: int | None = Field(default=None, primary_key=True)
    display: str = "clustered"
    row_key: str
    column_key: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    coder_id: int | None = Field(default=None, foreign_key="coder.id", ondelete="RESTRICT")
    updated_at: datetime = Field(default_factory=utcnow)


class Conclusion(SQLModel, table=True):
    """A statement drawn from the data, verified against the codings that support it."""

    id: int | None = Field(default=None, primary_key=True)
    statement: str = Field(sa_column=Column(Text, nullable=False))
    coder_id: int | None = Field(default=None, foreign_key="coder.id", ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ConclusionCode(SQLModel, table=True):
    """A code a conclusion is about (its codings, and its sub-codes', are the evidence)."""

    __tablename__ = "conclusion_code"
    conclusion_id: int = Field(foreign_key="conclusion.id", primary_key=True, ondelete="CASCADE")
    code_id: int = Field(foreign_key="code.id", primary_key=True, ondelete="RESTRICT")


class ConclusionCoding(SQLModel, table=True):
    """A coding chosen as direct evidence for a conclusion."""

    __tablename__ = "conclusion_coding"
    conclusion_id: int = Field(foreign_key="conclusion.id", primary_key=True, ondelete="CASCADE")
    coding_id: int = Field(foreign_key="coding.id", primary_key=True, ondelete="CASCADE")


class SuggestionRejection(SQLModel, table=True):
    """A suggested coding the researcher rejected: never suggested again for that segment+code.

    Keyed by segment; replacing a source's text moves the rejections to the new segments (see
    ``storage/source_replace.py``).
    """

    __tablename__ = "suggestion_rejection"
    __table_args__ = (UniqueConstraint("segment_id", "code_id"),)
    id: int | None = Field(default=None, primary_key=True)
    segment_id: int = Field(foreign_key="segment.id", ondelete="CASCADE")
    code_id: int = Field(foreign_key="code.id", ondelete="CASCADE")
    coder_id: int | None = Field(default=None, foreign_key="coder.id", ondelete="RESTRICT")
    score: float | None = None
    matched: str = ""
    rejected_at: datetime = Field(default_factory=utcnow)


class SourceRevision(SQLModel, table=True):
    """A source's text as it was before ``qualcode source replace``: its history, and the undo.

    ``segments`` and ``codings`` are JSON snapshots of the source's segments and of every coding's
    span at that moment, so an undo puts each back exactly. ``state`` is ``current`` (undoable:
    the latest replacement) or ``undone``.
    """

    __tablename__ = "source_revision"
    __table_args__ = (UniqueConstraint("source_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", ondelete="CASCADE")
    number: int  # 1 for the text as first imported, then 2, 3, ...
    text: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str
    filename: str | None = None
    segments: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    codings: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    replaced_by: str = ""  # the file whose text replaced this revision
    actor: str = ""
    state: str = "current"
    replaced_at: datetime = Field(default_factory=utcnow)


class CodingReview(SQLModel, table=True):
    """A coding re-anchored on changed text, to be checked: what it covered before and now."""

    __tablename__ = "coding_review"
    __table_args__ = (Index("ix_coding_review_open", "resolved", "coding_id"),)
    id: int | None = Field(default=None, primary_key=True)
    coding_id: int = Field(foreign_key="coding.id", ondelete="CASCADE")
    revision_id: int = Field(foreign_key="source_revision.id", ondelete="CASCADE")
    old_start: int
    old_end: int
    old_text: str = Field(sa_column=Column(Text, nullable=False))
    new_text: str = Field(sa_column=Column(Text, nullable=False))
    similarity: float = 0.0  # 0..100, rapidfuzz ratio of the old and new text
    resolved: bool = False
    created_at: datetime = Field(default_factory=utcnow)
