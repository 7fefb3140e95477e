"""Engine, connection settings and transactions.

A project lives in one SQLite file (the default) or in a PostgreSQL database given as a URL.
Both back ends give a write transaction the same guarantee: writers take one project-wide write
lock when they begin and queue for it, readers never wait. Code can then check and write inside
one write session (``is this coding already there?`` then insert) without racing another
process, and no writer fails half-way because another one got there first.

On SQLite every connection gets foreign keys, WAL and a busy timeout; we issue ``BEGIN`` ourselves
(pysqlite's implicit transactions are unreliable), and writers take the write lock up front with
``BEGIN IMMEDIATE``, waiting on the busy timeout and trying again until ``WRITE_WAIT_S``: the user
sees "the project is busy" only after that, never "database is locked".

On PostgreSQL the write lock is a transaction-scoped advisory lock (released by commit or
rollback), taken with a lock timeout of ``WRITE_WAIT_S``; sessions use UTC, so timestamps (stored
without a time zone, as on SQLite) do not depend on the server's time zone setting.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from qualcode.core.errors import QualcodeError

BUSY_TIMEOUT_MS = 15_000
# How long a writer queues behind other writers before giving up (a big import holds the lock
# for its whole transaction; a coding key press holds it for milliseconds).
WRITE_WAIT_S = 120.0
DEFAULT_DB = "qualcode.db"
# The key of the PostgreSQL advisory lock writers take ("qualcode" in ASCII); advisory locks are
# per database, so each project on a server has its own.
PG_WRITE_LOCK = 0x7175616C636F6465


class ProjectBusy(QualcodeError):
    """Another process held the project's write lock for longer than ``WRITE_WAIT_S``."""


def is_url(location: str) -> bool:
    return "://" in location


def display_location(location: str | os.PathLike[str]) -> str:
    """The project as messages and logs name it: a URL without its password."""
    location = str(location)
    if not is_url(location):
        return location
    from sqlalchemy.engine import make_url

    try:
        return make_url(location).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: leave its error to the opening
        return location


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
    mode, and another coder's copy read by a merge), and the SQLite file is opened read-only:
    not even its journal mode changes."""
    url = database_url(location)
    if url.startswith("postgresql"):
        return _postgresql_engine(url, read_only)
    if not url.startswith("sqlite"):
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
            _begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _begin_immediate(conn: Connection) -> None:
    """``BEGIN IMMEDIATE``, tried again while another writer holds the lock (each try waits the
    busy timeout); nothing has happened in the transaction yet, so trying again is safe."""
    deadline = time.monotonic() + WRITE_WAIT_S
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except exc.OperationalError as err:
            if not _is_busy(err):
                raise
            if time.monotonic() >= deadline:
                raise ProjectBusy(_busy_message()) from None
            time.sleep(0.05)


def _is_busy(err: exc.DBAPIError) -> bool:
    return is_lock_error(err)


def _postgresql_engine(url: str, read_only: bool = False) -> Engine:
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Set per session, not as connection options, which would replace the URL's ?options=.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
            if read_only:
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        if not conn.get_execution_options().get("qualcode_write"):
            return
        # SET LOCAL lasts until the end of the transaction; the lock timeout applies to taking
        # the write lock only, so it is switched off again once the lock is held.
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(WRITE_WAIT_S * 1000)}")
        try:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")
        except exc.OperationalError as err:
            if getattr(err.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise ProjectBusy(_busy_message()) from None
            raise
        conn.exec_driver_sql("SET LOCAL lock_timeout = 0")

    return engine


def _busy_message() -> str:
    return (
        f"the project is busy: another qualcode process has been writing to it for more than "
        f"{WRITE_WAIT_S:.0f} s (an import?); try again when it has finished"
    )


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
