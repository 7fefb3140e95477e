"""A child process for the crash and concurrency tests: it does one real operation through
qualcode's own code paths and reports on stdout how far it got, so the parent can SIGKILL it at a
chosen point.

    python crash_child.py MODE DB [ARGS...]      (PAUSE_AT=name[:n] makes it stop at a point)

Every line it prints is flushed at once. ``ready`` is printed when the operation starts; with
``PAUSE_AT`` set, ``paused NAME`` is printed when the named point is reached, and the child then
sleeps (inside the operation, in its open transaction) until it is killed. Modes:

- ``code DB CODER N``: N codings through ``CodingActions`` (the coding app's path), printing
  ``ack ID`` as soon as each ``apply`` has returned, i.e. is committed (points ``ack:K``: after
  the K-th acknowledgement; ``inflight:K``: the K-th action written, not yet committed);
- ``import DB FOLDER INFORMANT``: every .txt in FOLDER in one ``import_files`` batch
  (point ``store:K``: after K sources are written);
- ``refi DB FILE``: a REFI-QDA import (points ``codes``, ``sources``: after that step);
- ``open DB``: open the project, which migrates an old one (points ``backup``: during the
  pre-migration backup; ``migration:N``: migration N applied, not yet committed;
  ``committed:N``: migration N committed);
- ``replace DB NAME FILE``: ``source replace`` of source NAME by FILE (point ``rewritten``: every
  coding re-anchored, the revision and the audit entry written, not yet committed);
- ``cli DB ARGS...``: the ``qualcode`` command line in this process;
- ``hold DB SECONDS``: hold the write lock (as a long import would) for SECONDS.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def pause_point(name: str) -> None:
    """Stop here, forever, if PAUSE_AT names this point."""
    if os.environ.get("PAUSE_AT") == name:
        say(f"paused {name}")
        while True:
            time.sleep(1)


def code(db: str, coder: str, n: str) -> None:
    from sqlalchemy import text

    from qualcode.storage.actions import CodingActions
    from qualcode.storage.project import Project

    project = Project.open(db)
    with project.read() as s:
        source, length = (
            s.connection()
            .execute(text("SELECT id, length(text) FROM source ORDER BY id LIMIT 1"))
            .one()
        )
        codes = [r[0] for r in s.connection().execute(text("SELECT id FROM code WHERE codable"))]
    actions = CodingActions(project, coder)
    record = actions._record
    done = 0

    def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
        record(*args, **kwargs)  # coding, undo step and audit entry written, not committed
        pause_point(f"inflight:{done + 1}")

    actions._record = recorded  # type: ignore[method-assign]
    say("ready")
    for i in range(int(n)):
        done = i
        start = i % (length - 1)
        code_id = codes[(i // (length - 1)) % len(codes)]
        result = actions.apply(source, code_id, start, start + 1)
        say(f"ack {result.coding_id}")
        pause_point(f"ack:{i + 1}")
    project.close()


def import_(db: str, folder: str, informant: str) -> None:
    from qualcode.ingest import importer
    from qualcode.storage.project import Project

    stored = 0
    original = importer._store

    def store(conn, plans, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal stored
        original(conn, plans, *args, **kwargs)
        stored += len(plans)
        if plans:
            pause_point(f"store:{stored}")

    importer._store = store  # type: ignore[assignment]
    # Sources are stored a batch of a few MB at a time: here one at a time, so that the child can
    # be killed with some of the sources written and some not.
    importer.STORE_BATCH_CHARS = 1
    files = sorted(Path(folder).glob("*.txt"))
    with Project.open(db) as project:
        say("ready")
        importer.import_files(project, files, informant=informant, actor="crash-test")
    say("done")


def refi(db: str, file: str) -> None:
    from qualcode.exchange.refi import import_ as refi_import
    from qualcode.storage.project import Project

    for step in ("codes", "sources"):
        original = getattr(refi_import._Writer, step)

        def wrapped(self, _original=original, _step=step):  # type: ignore[no-untyped-def]
            _original(self)
            pause_point(_step)

        setattr(refi_import._Writer, step, wrapped)
    with Project.open(db) as project:
        say("ready")
        refi_import.import_refi(project, Path(file), actor="crash-test")
    say("done")


def open_(db: str) -> None:
    from qualcode.storage import backup, migrations
    from qualcode.storage.project import Project

    original_copy = backup._copy

    def copy(source, temporary):  # type: ignore[no-untyped-def]
        original_copy(source, temporary)
        pause_point("backup")  # the copy is written under its temporary name

    backup._copy = copy  # type: ignore[assignment]

    def paused(m: migrations.Migration, previous: int) -> migrations.Migration:
        def apply(conn):  # type: ignore[no-untyped-def]
            pause_point(f"committed:{previous}")  # the previous one is committed by now
            m.apply(conn)
            pause_point(f"migration:{m.id}")

        return migrations.Migration(m.id, m.name, apply)

    ids = [0] + [m.id for m in migrations.MIGRATIONS]
    migrations.MIGRATIONS[:] = [
        paused(m, previous) for m, previous in zip(migrations.MIGRATIONS, ids, strict=False)
    ]
    say("ready")
    Project.open(db).close()
    say("done")


def replace(db: str, name: str, file: str) -> None:
    from qualcode.cli import main
    from qualcode.storage import source_replace

    original = source_replace._audit

    def audit(*args, **kwargs):  # type: ignore[no-untyped-def]
        original(*args, **kwargs)
        pause_point("rewritten")

    source_replace._audit = audit  # type: ignore[assignment]
    say("ready")
    main(["--db", db, "source", "replace", name, file], standalone_mode=False)
    say("done")


def cli(db: str, *args: str) -> None:
    from qualcode.cli import main

    say("ready")
    main(["--db", db, *args], standalone_mode=True)


def hold(db: str, seconds: str) -> None:
    import sqlite3

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    say("ready")
    time.sleep(float(seconds))
    conn.execute("ROLLBACK")
    say("done")


MODES = {
    "code": code,
    "import": import_,
    "refi": refi,
    "open": open_,
    "replace": replace,
    "cli": cli,
    "hold": hold,
}

if __name__ == "__main__":
    MODES[sys.argv[1]](*sys.argv[2:])
