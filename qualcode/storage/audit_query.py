"""Reading the audit log with filters (``qualcode log``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, text
from sqlmodel import Session, col, select

from qualcode.core.errors import QualcodeError
from qualcode.storage.models import AuditEntry, Source

_AGO = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass
class AuditFilter:
    actors: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    source: str | None = None
    since: datetime | None = None
    limit: int | None = None  # the most recent N


def parse_since(value: str) -> datetime:
    """An ISO date or time (taken as UTC when it names no zone), or ``N`` m/h/d/w ago."""
    value = value.strip()
    ago = _AGO.fullmatch(value)
    if ago:
        return datetime.now(UTC) - timedelta(**{_UNITS[ago[2]]: int(ago[1])})
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise QualcodeError(
            f"--since {value!r}: give a date (2026-11-28), a time (2026-11-28T09:30) or an "
            "age (30m, 2h, 3d, 1w)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def query_audit(session: Session, wanted: AuditFilter) -> list[AuditEntry]:
    """The entries that match, oldest first (the most recent ``limit`` of them)."""
    query = select(AuditEntry)
    if wanted.actors:
        query = query.where(col(AuditEntry.actor).in_(wanted.actors))
    if wanted.actions:
        query = query.where(col(AuditEntry.action).in_(wanted.actions))
    if wanted.entities:
        query = query.where(col(AuditEntry.entity).in_(wanted.entities))
    if wanted.since is not None:
        query = query.where(col(AuditEntry.at) >= wanted.since.astimezone(UTC))
    if wanted.source is not None:
        query = query.where(_about_source(session, wanted.source))
    query = query.order_by(col(AuditEntry.id).desc())
    if wanted.limit:
        query = query.limit(wanted.limit)
    return list(reversed(session.exec(query).all()))


def _about_source(session: Session, name: str):  # type: ignore[no-untyped-def]
    """Entries about source ``name``: its own (import, replace) and those of its codings, found
    by the ``source_id`` recorded in a coding entry's before/after state (undo and redo entries
    name the coding only, so they are matched by coding id)."""
    source_id = session.exec(select(Source.id).where(Source.name == name)).first()
    if source_id is None:
        raise QualcodeError(f"no source named '{name}' (see 'qualcode sources')")
    mentions = [f'%"source_id": {source_id},%', f'%"source_id": {source_id}}}%']
    coding_ids = {
        row[0]
        for row in session.connection().execute(
            text(
                "SELECT DISTINCT entity_id FROM audit_log WHERE entity = 'coding' "
                "AND (detail LIKE :a OR detail LIKE :b) "
                "UNION SELECT id FROM coding WHERE source_id = :s"
            ),
            {"a": mentions[0], "b": mentions[1], "s": source_id},
        )
    }
    detail = col(AuditEntry.detail)
    # Before schema 7 a coding id could be used again after its coding was deleted (SQLite
    # reused the highest id), and the log keeps entries from then: an entry that records its
    # source is judged by that, and only one that does not is matched by coding id.
    return or_(
        (col(AuditEntry.entity) == "source") & (col(AuditEntry.entity_id) == source_id),
        (col(AuditEntry.entity) == "coding")
        & or_(
            detail.like(mentions[0]),
            detail.like(mentions[1]),
            detail.not_like('%"source_id":%') & col(AuditEntry.entity_id).in_(coding_ids),
        ),
    )
