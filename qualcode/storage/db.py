"""Engine, connection settings and transactions.

A project lives in one SQLite file (the default) or in a PostgreSQL database given as a URL.
On SQLite every connection gets foreign keys, WAL and a busy timeout; we issue ``BEGIN`` ourselves
(pysqlite's implicit transactions are unreliable), and writers take the write lock up front with
``BEGIN IMMEDIATE`` so that two writers queue on the busy timeout instead of failing half-way
with "database is locked".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from qualcode.core.errors import QualcodeError

BUSY_TIMEOUT_MS = 15_000
DEFAULT_DB = "qualcode.db"


def is_url(location: str) -> bool:
    return "://" in location


def database_url(location: str | os.PathLike[str]) -> str:
    location = str(location)
    if is_url(location):
        if location.startswith("postgresql://"):
            # psycopg 3 is the driver we support; plain postgresql:// would pick psycopg2.
            return "postgresql+psycopg://" + location.removeprefix("postgresql://")
        return location
    return f"sqlite:///{Path(location)}"


def make_engine(location: str | os.PathLike[str], read_only: bool = False) -> Engine:
    """An engine on the project. ``read_only``: the database itself refuses every write (review
    mode), so a bug or a forgotten key in the app cannot change a coding."""
    url = database_url(location)
    if not url.startswith("sqlite"):
        if read_only:
            # Every transaction of these connections is READ ONLY: PostgreSQL refuses writes.
            return create_engine(
                url,
                pool_pre_ping=True,
                connect_args={"options": "-c default_transaction_read_only=on"},
            )
        return create_engine(url, pool_pre_ping=True)
    if read_only:
        # SQLite opens the file read-only (mode=ro) and query_only refuses writes on top.
        url = f"sqlite:///file:{quote(str(Path(location).resolve()))}?mode=ro&uri=true"
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see module doc
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        else:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed coding survives a power cut too, not only a killed process.
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get("qualcode_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


LOCKED = (
    "the project is busy: another program kept it locked for more than {s} s "
    "(a long import or a backup?); nothing was changed, try again"
)


def is_lock_error(err: BaseException) -> bool:
    """SQLite's "database is locked" / "database is busy", once the busy timeout has run out."""
    message = str(getattr(err, "orig", None) or err).lower()
    return "database is locked" in message or "database is busy" in message


@contextmanager
def _locks_as_user_errors() -> Iterator[None]:
    # Writers queue on the busy timeout, so this is reached only when another program holds the
    # lock for longer (at BEGIN, or at any statement of a transaction that has to wait); the
    # user gets one line saying so rather than a traceback.
    try:
        yield
    except exc.OperationalError as err:
        if is_lock_error(err):
            raise QualcodeError(LOCKED.format(s=f"{BUSY_TIMEOUT_MS / 1000:g}")) from err
        raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; its snapshot is consistent while it is open."""
    with _locks_as_user_errors(), Session(engine) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back entirely on any exception."""
    write_engine = engine.execution_options(qualcode_write=True)
    with _locks_as_user_errors(), Session(write_engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
