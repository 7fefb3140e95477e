"""Opening a project: a SQLite file (or PostgreSQL URL) with the qualcode schema."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc, inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qualcode.core.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.storage.models import AuditEntry
from qualcode.storage import migrations
from qualcode.storage.db import (
    display_location,
    is_url,
    make_engine,
    read_session,
    write_session,
)

SQLITE_MAGIC = b"SQLite format 3\x00"


class Project:
    """An open project. Use :meth:`read` and :meth:`write` for sessions; close when done."""

    def __init__(self, engine: Engine, location: str, read_only: bool = False) -> None:
        self.engine = engine
        self.location = location
        #: Review mode: :meth:`write` refuses, and the engine's connections refuse writes too.
        #: The one write a reviewer makes, a review memo, goes through storage/review.py.
        self.read_only = read_only

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        location: str | Path,
        create: bool = False,
        read_only: bool = False,
        upgrade: bool = True,
    ) -> Project:
        """Open an existing project, or create it when ``create`` and it does not exist.

        ``read_only`` (review mode): an older project is still upgraded first (its schema, not its
        data), then every session is on connections that refuse writes. ``upgrade=False`` with
        ``read_only``: an older schema is left as it is, the project never written at all (a
        merge reads another coder's copy that way).

        Raises QualcodeError when the file is missing (and not ``create``), is not a qualcode
        project, or was written by a newer qualcode.
        """
        location = str(location)
        shown = display_location(location)  # in messages: a URL's password left out
        if not is_url(location):
            path = Path(location)
            if path.is_dir():
                raise QualcodeError(f"{shown}: is a directory, not a project file")
            exists = path.exists() and path.stat().st_size > 0
            if not exists and not create:
                raise QualcodeError(
                    f"{shown}: no project here (create one with 'qualcode init' or give --db PATH)"
                )
            if exists:
                with path.open("rb") as fh:
                    if fh.read(16) != SQLITE_MAGIC:
                        raise QualcodeError(f"{shown}: not a qualcode project (not SQLite)")
            elif not path.parent.exists():
                raise QualcodeError(f"{shown}: folder {path.parent} does not exist")
        engine = make_engine(location, read_only=read_only and not upgrade)
        try:
            with engine.connect() as conn:
                tables = inspect(conn).get_table_names()
                is_project = migrations.is_project(conn)
            if not is_project:
                if tables:
                    raise QualcodeError(
                        f"{shown}: not a qualcode project (a database with other tables)"
                    )
                if not create:
                    raise QualcodeError(f"{shown}: empty database, not a qualcode project")
                migrations.create_schema(engine)
            elif upgrade:
                migrations.upgrade(engine, shown)
            else:
                migrations.refuse_newer(engine, shown)
        except (exc.DatabaseError, sqlite3.DatabaseError) as err:
            engine.dispose()
            raise QualcodeError(f"{shown}: cannot open project ({_first_line(err)})") from err
        except BaseException:
            engine.dispose()
            raise
        if read_only and upgrade:  # the schema is current: now connections that refuse writes
            engine.dispose()
            engine = make_engine(location, read_only=True)
        return cls(engine, location, read_only=read_only)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- sessions ------------------------------------------------------------------------
    def read(self) -> Any:
        return read_session(self.engine)

    def write(self) -> Any:
        if self.read_only:
            raise QualcodeError(
                f"{self.location}: open read-only for review; nothing can be changed here "
                "(only review memos can be left)"
            )
        return write_session(self.engine)

    # -- settings ------------------------------------------------------------------------
    def setting(self, key: str, default: Any = None) -> Any:
        with self.read() as s:
            return get_setting(s, key, default)


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    from qualcode.storage.models import Setting

    row = session.get(Setting, key)
    return default if row is None else json.loads(row.value)


def set_setting(session: Session, key: str, value: Any) -> None:
    from qualcode.storage.models import Setting

    row = session.get(Setting, key)
    encoded = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if row is None:
        session.add(Setting(key=key, value=encoded))
    else:
        row.value = encoded
        session.add(row)


def audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    **detail: Any,
) -> None:
    """Append to the audit log inside the caller's transaction (so both land or neither)."""
    from qualcode.storage.models import AuditEntry

    session.add(AuditEntry(**audit_row(actor, action, entity, entity_id, **detail)))


def audit_row(
    actor: str, action: str, entity: str, entity_id: int | None = None, **detail: Any
) -> dict[str, Any]:
    """The columns of an audit entry, for bulk writes that insert many at once."""
    from qualcode.storage.models import utcnow

    return {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
    }


def audit_entries(session: Session) -> list[AuditEntry]:
    from qualcode.storage.models import AuditEntry

    return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]


@contextmanager
def opened(location: str | Path, create: bool = False) -> Iterator[Project]:
    project = Project.open(location, create=create)
    try:
        yield project
    finally:
        project.close()


def _first_line(err: BaseException) -> str:
    msg = str(getattr(err, "orig", None) or err)
    return msg.splitlines()[0] if msg else type(err).__name__


def remove_sqlite_files(location: str | Path) -> None:
    """Delete a SQLite project file with its WAL companions (only files qualcode itself made)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(location) + suffix).unlink(missing_ok=True)
